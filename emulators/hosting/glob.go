package hosting

import (
	"fmt"
	"regexp"
	"strings"
)

// compileGlob turns a Firebase Hosting glob into an anchored regular
// expression over the request path. Hosting's globs follow minimatch:
// "*" and "?" stay inside one path segment, "**" crosses segments,
// "{a,b}" and the extglobs "@(a|b)", "?(…)", "+(…)", "*(…)" choose between
// alternatives, and "[…]" is a character class. A pattern without a leading
// slash is rooted ("**/*.js" also matches "/app.js"). With captures set,
// a segment ":name" captures that segment and ":name*" the rest of the path,
// as redirect sources do.
func compileGlob(pattern string, captures bool) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, fmt.Errorf("empty glob")
	}
	if len(pattern) > maxPattern {
		return nil, fmt.Errorf("glob is %d bytes; at most %d are allowed", len(pattern), maxPattern)
	}
	if !strings.HasPrefix(pattern, "/") {
		pattern = "/" + pattern
	}
	g := globCompiler{s: pattern, captures: captures}
	expr, err := g.seq("")
	if err != nil {
		return nil, fmt.Errorf("glob %q: %w", pattern, err)
	}
	re, err := regexp.Compile("^" + expr + "$")
	if err != nil {
		return nil, fmt.Errorf("glob %q: %w", pattern, err)
	}
	return re, nil
}

// compileRegex anchors a user's RE2 expression so that it matches the whole
// path, as Hosting does.
func compileRegex(expr string) (*regexp.Regexp, error) {
	if len(expr) > maxPattern {
		return nil, fmt.Errorf("regex is %d bytes; at most %d are allowed", len(expr), maxPattern)
	}
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", expr, err)
	}
	return re, nil
}

const maxPattern = 1024

type globCompiler struct {
	s        string
	i        int
	captures bool
	depth    int
	names    map[string]bool
}

// seq compiles until one of stops (at this nesting level) or the end.
func (g *globCompiler) seq(stops string) (string, error) {
	var b strings.Builder
	atEnd := func(j int) bool { return j >= len(g.s) || strings.IndexByte(stops, g.s[j]) >= 0 }
	for g.i < len(g.s) {
		c := g.s[g.i]
		if strings.IndexByte(stops, c) >= 0 {
			return b.String(), nil
		}
		next := byte(0)
		if g.i+1 < len(g.s) {
			next = g.s[g.i+1]
		}
		rest := g.s[g.i:]
		switch {
		case strings.HasPrefix(rest, "/**/"):
			// Zero or more whole segments.
			b.WriteString("/(?:.*/)?")
			g.i += 4
		case strings.HasPrefix(rest, "/**") && atEnd(g.i+3):
			// "/dir/**" matches "/dir" itself and everything below it.
			b.WriteString("(?:/.*)?")
			g.i += 3
		case strings.HasPrefix(rest, "**"):
			b.WriteString(".*")
			g.i += 2
		case next == '(' && strings.IndexByte("@?+*!", c) >= 0:
			if err := g.extglob(&b, c); err != nil {
				return "", err
			}
		case c == '*':
			b.WriteString("[^/]*")
			g.i++
		case c == '?':
			b.WriteString("[^/]")
			g.i++
		case c == '{':
			if err := g.brace(&b); err != nil {
				return "", err
			}
		case c == '[':
			g.class(&b)
		case c == '\\' && next != 0:
			b.WriteString(regexp.QuoteMeta(string(next)))
			g.i += 2
		case c == ':' && g.captures && g.i > 0 && g.s[g.i-1] == '/' && isIdentStart(next):
			if err := g.capture(&b); err != nil {
				return "", err
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
			g.i++
		}
	}
	return b.String(), nil
}

func (g *globCompiler) alternatives(open int, sep, end byte) ([]string, error) {
	if g.depth >= 16 {
		return nil, fmt.Errorf("groups nest deeper than 16")
	}
	g.depth++
	defer func() { g.depth-- }()
	g.i = open
	var alts []string
	for {
		alt, err := g.seq(string([]byte{sep, end}))
		if err != nil {
			return nil, err
		}
		alts = append(alts, alt)
		if g.i >= len(g.s) {
			return nil, fmt.Errorf("unclosed %q", string(end))
		}
		g.i++
		if g.s[g.i-1] == end {
			return alts, nil
		}
	}
}

func (g *globCompiler) extglob(b *strings.Builder, kind byte) error {
	if kind == '!' {
		return fmt.Errorf("negated pattern !(…) is not supported")
	}
	alts, err := g.alternatives(g.i+2, '|', ')')
	if err != nil {
		return err
	}
	b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	switch kind {
	case '?':
		b.WriteByte('?')
	case '+':
		b.WriteByte('+')
	case '*':
		b.WriteByte('*')
	}
	return nil
}

func (g *globCompiler) brace(b *strings.Builder) error {
	alts, err := g.alternatives(g.i+1, ',', '}')
	if err != nil {
		return err
	}
	b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	return nil
}

// class copies a "[…]" character class; without a closing bracket the "["
// is literal.
func (g *globCompiler) class(b *strings.Builder) {
	j := g.i + 1
	if j < len(g.s) && (g.s[j] == '!' || g.s[j] == '^') {
		j++
	}
	if j < len(g.s) && g.s[j] == ']' {
		j++
	}
	end := strings.IndexByte(g.s[j:], ']')
	if end < 0 || j >= len(g.s) {
		b.WriteString(`\[`)
		g.i++
		return
	}
	end += j
	body := g.s[g.i+1 : end]
	b.WriteByte('[')
	if body != "" && (body[0] == '!' || body[0] == '^') {
		b.WriteByte('^')
		body = body[1:]
	}
	for k := 0; k < len(body); k++ {
		c := body[k]
		switch {
		case c == '-' && k > 0 && k < len(body)-1:
			b.WriteByte('-')
		case c < 0x80 && !isAlnum(c):
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(']')
	g.i = end + 1
}

func (g *globCompiler) capture(b *strings.Builder) error {
	j := g.i + 1
	for j < len(g.s) && isIdent(g.s[j]) {
		j++
	}
	name := g.s[g.i+1 : j]
	if g.names[name] {
		return fmt.Errorf("capture :%s appears twice", name)
	}
	if g.names == nil {
		g.names = map[string]bool{}
	}
	g.names[name] = true
	if j < len(g.s) && g.s[j] == '*' {
		b.WriteString("(?P<" + name + ">.*)")
		j++
	} else {
		b.WriteString("(?P<" + name + ">[^/]+)")
	}
	g.i = j
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func isIdent(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

package bigquery

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokKind classifies a token of BigQuery GoogleSQL.
type tokKind int

const (
	tkSpace  tokKind = iota // whitespace and comments
	tkIdent                 // unquoted identifier or keyword
	tkQuoted                // `quoted identifier` (text holds the unquoted name)
	tkString                // string literal (text holds the decoded value)
	tkBytes                 // bytes literal (text holds the decoded bytes)
	tkNumber                // numeric literal
	tkParam                 // @name (text holds the name)
	tkPos                   // ? positional parameter
	tkPunct                 // operators and punctuation
)

// token is one lexical unit. For identifiers up holds the upper-cased text
// so keyword checks stay cheap.
type token struct {
	kind tokKind
	text string
	up   string
}

func (t token) is(kw string) bool { return t.kind == tkIdent && t.up == kw }

func (t token) isPunct(p string) bool { return t.kind == tkPunct && t.text == p }

// tokenize splits GoogleSQL into tokens, decoding string literals with
// BigQuery's escape rules. It never panics; malformed input yields an error
// shaped like BigQuery's syntax errors.
func tokenize(src string) ([]token, error) {
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			j := i
			for j < len(src) && strings.IndexByte(" \t\n\r\f\v", src[j]) >= 0 {
				j++
			}
			out = append(out, token{kind: tkSpace, text: " "})
			i = j
		case c == '#' || (c == '-' && strings.HasPrefix(src[i:], "--")):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			out = append(out, token{kind: tkSpace, text: " "})
			i += j
		case c == '/' && strings.HasPrefix(src[i:], "/*"):
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return nil, syntaxErr("Unclosed comment")
			}
			out = append(out, token{kind: tkSpace, text: " "})
			i += j + 4
		case c == '`':
			j := strings.IndexByte(src[i+1:], '`')
			if j < 0 {
				return nil, syntaxErr("Unclosed identifier literal")
			}
			name := src[i+1 : i+1+j]
			if name == "" {
				return nil, syntaxErr("Invalid empty identifier")
			}
			out = append(out, token{kind: tkQuoted, text: name, up: strings.ToUpper(name)})
			i += j + 2
		case c == '\'' || c == '"':
			s, n, err := readString(src[i:], false)
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tkString, text: s})
			i += n
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			word := src[i:j]
			up := strings.ToUpper(word)
			// String prefixes: r'', b'', rb'', br''.
			if j < len(src) && (src[j] == '\'' || src[j] == '"') && (up == "R" || up == "B" || up == "RB" || up == "BR") {
				s, n, err := readString(src[j:], strings.Contains(up, "R"))
				if err != nil {
					return nil, err
				}
				kind := tkString
				if strings.Contains(up, "B") {
					kind = tkBytes
				}
				out = append(out, token{kind: kind, text: s})
				i = j + n
				continue
			}
			out = append(out, token{kind: tkIdent, text: word, up: up})
			i = j
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			j := i
			if c == '0' && i+1 < len(src) && (src[i+1] == 'x' || src[i+1] == 'X') {
				j = i + 2
				for j < len(src) && isHex(src[j]) {
					j++
				}
			} else {
				for j < len(src) && (isDigit(src[j]) || src[j] == '.') {
					j++
				}
				if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
					k := j + 1
					if k < len(src) && (src[k] == '+' || src[k] == '-') {
						k++
					}
					if k < len(src) && isDigit(src[k]) {
						j = k
						for j < len(src) && isDigit(src[j]) {
							j++
						}
					}
				}
			}
			out = append(out, token{kind: tkNumber, text: src[i:j]})
			i = j
		case c == '@':
			j := i + 1
			if j < len(src) && src[j] == '@' {
				return nil, syntaxErr("System variables are not supported")
			}
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			if j == i+1 {
				return nil, syntaxErr("Unexpected \"@\"")
			}
			out = append(out, token{kind: tkParam, text: src[i+1 : j], up: strings.ToUpper(src[i+1 : j])})
			i = j
		case c == '?':
			out = append(out, token{kind: tkPos, text: "?"})
			i++
		default:
			for _, op := range []string{"<=>", ">>", "<<", "<=", ">=", "<>", "!=", "||", "::", "=>"} {
				if strings.HasPrefix(src[i:], op) {
					out = append(out, token{kind: tkPunct, text: op})
					i += len(op)
					goto next
				}
			}
			if strings.IndexByte("(),.;[]{}+-*/%=<>!~&|^:", c) >= 0 {
				out = append(out, token{kind: tkPunct, text: string(c)})
				i++
				continue
			}
			if c >= utf8.RuneSelf {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return nil, syntaxErr(fmt.Sprintf("Illegal input character %q", r))
			}
			return nil, syntaxErr(fmt.Sprintf("Illegal input character %q", c))
		next:
		}
	}
	return out, nil
}

// readString reads a quoted literal at the start of s (single, double or
// triple quoted) and returns its value and the bytes consumed.
func readString(s string, raw bool) (string, int, error) {
	q := s[0]
	delim := string(q)
	if strings.HasPrefix(s, strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	var b strings.Builder
	i := len(delim)
	for i < len(s) {
		if strings.HasPrefix(s[i:], delim) {
			return b.String(), i + len(delim), nil
		}
		c := s[i]
		if c == '\n' && len(delim) == 1 {
			return "", 0, syntaxErr("Unclosed string literal")
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		if raw {
			b.WriteByte(c)
			b.WriteByte(s[i+1])
			i += 2
			continue
		}
		e := s[i+1]
		i += 2
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '\\', '\'', '"', '`', '?':
			b.WriteByte(e)
		case 'x', 'X':
			if i+2 > len(s) || !isHex(s[i]) || !isHex(s[i+1]) {
				return "", 0, syntaxErr("Illegal escape sequence: \\x")
			}
			b.WriteByte(hexVal(s[i])<<4 | hexVal(s[i+1]))
			i += 2
		case 'u', 'U':
			n := 4
			if e == 'U' {
				n = 8
			}
			if i+n > len(s) {
				return "", 0, syntaxErr("Illegal escape sequence: \\" + string(e))
			}
			var r rune
			for k := 0; k < n; k++ {
				if !isHex(s[i+k]) {
					return "", 0, syntaxErr("Illegal escape sequence: \\" + string(e))
				}
				r = r<<4 | rune(hexVal(s[i+k]))
			}
			if !utf8.ValidRune(r) {
				return "", 0, syntaxErr("Illegal escape sequence: \\" + string(e))
			}
			b.WriteRune(r)
			i += n
		default:
			if e >= '0' && e <= '7' && i+1 < len(s) && s[i] >= '0' && s[i] <= '7' && s[i+1] >= '0' && s[i+1] <= '7' {
				b.WriteByte((e-'0')<<6 | (s[i]-'0')<<3 | (s[i+1] - '0'))
				i += 2
				continue
			}
			return "", 0, syntaxErr("Illegal escape sequence: \\" + string(e))
		}
	}
	return "", 0, syntaxErr("Unclosed string literal")
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

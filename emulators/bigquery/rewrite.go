package bigquery

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The rewriter translates one GoogleSQL statement into the engine's SQL
// dialect. It works on a token tree (tokens with parenthesised and bracketed
// groups nested) rather than on text, so string literals, quoted names and
// nesting are never mangled. Everything it does not know passes through, as
// the two dialects share most of their syntax.

// node is a token or a bracketed group: open is "(" or "[" and kids are the
// nodes inside.
type node struct {
	tok  token
	open string
	kids []node
}

func (n node) isGroup(open string) bool { return n.open == open }

// rewriteOpts carry what a statement's translation depends on.
type rewriteOpts struct {
	now        time.Time
	named      map[string]string // upper-cased parameter name → engine literal
	positional []string
}

// rewriteResult is a translated statement.
type rewriteResult struct {
	sql           string
	statementType string // SELECT, INSERT, UPDATE, DELETE, MERGE, CREATE_TABLE, …
}

type rewriter struct {
	opts   rewriteOpts
	posIdx int
	alias  int
}

// rewrite translates one statement. It never panics.
func rewrite(sql string, opts rewriteOpts) (res rewriteResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = syntaxErr(fmt.Sprint("Unsupported query: ", p))
		}
	}()
	toks, err := tokenize(sql)
	if err != nil {
		return res, err
	}
	var body []token
	for _, t := range toks {
		if t.kind != tkSpace {
			body = append(body, t)
		}
	}
	// One statement, with an optional trailing semicolon.
	for len(body) > 0 && body[len(body)-1].isPunct(";") {
		body = body[:len(body)-1]
	}
	for _, t := range body {
		if t.isPunct(";") {
			return res, errQuery("Multi-statement queries are not supported")
		}
	}
	if len(body) == 0 {
		return res, syntaxErr("Unexpected end of script")
	}
	nodes, rest, err := buildTree(body, "")
	if err != nil {
		return res, err
	}
	if len(rest) > 0 {
		return res, syntaxErr(fmt.Sprintf("Unexpected %q", rest[0].text))
	}
	r := &rewriter{opts: opts}
	st := statementType(nodes)
	nodes = r.statementFixes(nodes, st)
	out, err := r.seq(nodes)
	if err != nil {
		return res, err
	}
	if r.posIdx < len(opts.positional) {
		return res, errQuery("Too many positional query parameters")
	}
	return rewriteResult{sql: out, statementType: st}, nil
}

func buildTree(toks []token, open string) ([]node, []token, error) {
	var out []node
	for len(toks) > 0 {
		t := toks[0]
		toks = toks[1:]
		if t.kind == tkPunct {
			switch t.text {
			case "(", "[":
				kids, rest, err := buildTree(toks, t.text)
				if err != nil {
					return nil, nil, err
				}
				out = append(out, node{open: t.text, kids: kids})
				toks = rest
				continue
			case ")", "]":
				if (open == "(" && t.text == ")") || (open == "[" && t.text == "]") {
					return out, toks, nil
				}
				return nil, nil, syntaxErr(fmt.Sprintf("Unexpected %q", t.text))
			}
		}
		out = append(out, node{tok: t})
	}
	if open != "" {
		return nil, nil, syntaxErr("Unexpected end of script; expected closing bracket")
	}
	return out, nil, nil
}

func firstIdents(nodes []node, n int) []string {
	var out []string
	for _, nd := range nodes {
		if len(out) == n {
			break
		}
		if nd.open == "(" && len(out) == 0 {
			return firstIdents(nd.kids, n)
		}
		if nd.tok.kind != tkIdent {
			break
		}
		out = append(out, nd.tok.up)
	}
	return out
}

func statementType(nodes []node) string {
	w := firstIdents(nodes, 6)
	if len(w) == 0 {
		return "SELECT"
	}
	switch w[0] {
	case "SELECT", "WITH":
		return "SELECT"
	case "INSERT", "UPDATE", "DELETE", "MERGE":
		return w[0]
	case "TRUNCATE":
		return "TRUNCATE_TABLE"
	case "CREATE", "DROP", "ALTER":
		obj := ""
		for _, x := range w[1:] {
			if x == "OR" || x == "REPLACE" || x == "TEMP" || x == "TEMPORARY" || x == "MATERIALIZED" {
				continue
			}
			obj = x
			break
		}
		if obj == "" {
			obj = "TABLE"
		}
		st := w[0] + "_" + obj
		if w[0] == "CREATE" && obj == "TABLE" {
			for _, nd := range nodes {
				if nd.tok.is("AS") {
					return "CREATE_TABLE_AS_SELECT"
				}
			}
		}
		return st
	}
	return w[0]
}

// statementFixes handles GoogleSQL's statement-level differences: optional
// INTO/FROM keywords in DML, and CREATE TABLE options the engine lacks.
func (r *rewriter) statementFixes(nodes []node, st string) []node {
	kw := func(s string) node { return node{tok: token{kind: tkIdent, text: s, up: s}} }
	insertAfterFirst := func(word string, want string) []node {
		if len(nodes) > 1 && !nodes[1].tok.is(want) {
			return append([]node{nodes[0], kw(want)}, nodes[1:]...)
		}
		return nodes
	}
	switch st {
	case "DELETE":
		return insertAfterFirst("DELETE", "FROM")
	case "INSERT", "MERGE":
		return insertAfterFirst(st, "INTO")
	case "CREATE_TABLE", "CREATE_TABLE_AS_SELECT":
		var out []node
		for i := 0; i < len(nodes); i++ {
			n := nodes[i]
			switch {
			case n.tok.is("OPTIONS") && i+1 < len(nodes) && nodes[i+1].isGroup("("):
				i++
				continue
			case (n.tok.is("PARTITION") || n.tok.is("CLUSTER")) && i+1 < len(nodes) && nodes[i+1].tok.is("BY"):
				i++
				for i+1 < len(nodes) && !nodes[i+1].tok.is("AS") && !nodes[i+1].tok.is("OPTIONS") &&
					!nodes[i+1].tok.is("CLUSTER") && !nodes[i+1].tok.is("PARTITION") {
					i++
				}
				continue
			}
			out = append(out, n)
		}
		// Column definitions: the first group after the table name.
		for i := range out {
			if out[i].tok.is("AS") || out[i].tok.is("SELECT") {
				break
			}
			if out[i].isGroup("(") && i >= 2 && (out[i-1].tok.kind == tkIdent || out[i-1].tok.kind == tkQuoted) {
				out[i] = node{open: "(", kids: []node{{tok: token{kind: tkIdent, text: "\x00coldefs"}, kids: out[i].kids}}}
				break
			}
		}
		return out
	}
	return nodes
}

// splitArgs splits a group's contents at top-level commas.
func splitArgs(nodes []node) [][]node {
	if len(nodes) == 0 {
		return nil
	}
	var out [][]node
	start := 0
	for i, n := range nodes {
		if n.tok.isPunct(",") {
			out = append(out, nodes[start:i])
			start = i + 1
		}
	}
	return append(out, nodes[start:])
}

var reservedAfterFrom = map[string]bool{
	"WHERE": true, "GROUP": true, "ORDER": true, "LIMIT": true, "JOIN": true, "LEFT": true, "RIGHT": true,
	"INNER": true, "CROSS": true, "FULL": true, "ON": true, "USING": true, "WINDOW": true, "QUALIFY": true,
	"HAVING": true, "UNION": true, "EXCEPT": true, "INTERSECT": true, "WITH": true, "AS": true, "OFFSET": true,
	"SELECT": true, "FROM": true, "AND": true, "OR": true, "NOT": true, "IN": true, "IS": true, "BY": true,
	"THEN": true, "WHEN": true, "ELSE": true, "END": true, "SET": true,
}

// seq renders a node sequence.
func (r *rewriter) seq(nodes []node) (string, error) {
	var b outBuf
	for i := 0; i < len(nodes); i++ {
		n := nodes[i]
		next := func(k int) node {
			if i+k < len(nodes) {
				return nodes[i+k]
			}
			return node{}
		}
		if n.open != "" {
			s, err := r.seq(n.kids)
			if err != nil {
				return "", err
			}
			close := ")"
			if n.open == "[" {
				close = "]"
			}
			b.add(n.open)
			b.add(s)
			b.add(close)
			continue
		}
		t := n.tok
		switch t.kind {
		case tkQuoted:
			parts := strings.Split(t.text, ".")
			for k, p := range parts {
				parts[k] = quoteIdent(p)
			}
			b.add(strings.Join(parts, "."))
		case tkString:
			b.add(quoteString(t.text))
		case tkBytes:
			b.add(fmt.Sprintf("unhex('%x')", t.text))
		case tkNumber:
			if strings.HasPrefix(strings.ToLower(t.text), "0x") {
				v, err := strconv.ParseUint(t.text[2:], 16, 64)
				if err != nil {
					return "", syntaxErr("Invalid hex literal " + t.text)
				}
				b.add(strconv.FormatUint(v, 10))
			} else {
				b.add(t.text)
			}
		case tkParam:
			lit, ok := r.opts.named[t.up]
			if !ok {
				return "", errQuery(fmt.Sprintf("Query parameter '%s' not found", t.text))
			}
			b.add("(" + lit + ")")
		case tkPos:
			if r.posIdx >= len(r.opts.positional) {
				return "", errQuery("Not enough positional query parameters")
			}
			b.add("(" + r.opts.positional[r.posIdx] + ")")
			r.posIdx++
		case tkPunct:
			b.add(t.text)
		case tkIdent:
			if t.text == "\x00coldefs" {
				s, err := r.colDefs(n.kids)
				if err != nil {
					return "", err
				}
				b.add(s)
				continue
			}
			// Function calls.
			if nx := next(1); nx.isGroup("(") && (!reservedAfterFrom[t.up] || t.up == "IN" || t.up == "OFFSET") {
				if t.up == "IN" {
					b.add("IN")
					continue
				}
				if t.up == "UNNEST" {
					k, s, err := r.unnest(nodes, i)
					if err != nil {
						return "", err
					}
					b.add(s)
					i = k
					continue
				}
				s, err := r.call(t, nx.kids)
				if err != nil {
					return "", err
				}
				b.add(s)
				i++
				continue
			}
			// SAFE.FUNC(...) evaluates to NULL instead of failing.
			if t.up == "SAFE" && next(1).tok.isPunct(".") && next(2).tok.kind == tkIdent && next(3).isGroup("(") {
				s, err := r.call(next(2).tok, next(3).kids)
				if err != nil {
					return "", err
				}
				b.add("try(" + s + ")")
				i += 3
				continue
			}
			switch t.up {
			case "IN":
				if next(1).tok.is("UNNEST") && next(2).isGroup("(") {
					s, err := r.seq(next(2).kids)
					if err != nil {
						return "", err
					}
					b.add("IN (SELECT UNNEST(" + s + "))")
					i += 2
					continue
				}
			case "TIMESTAMP", "DATE", "DATETIME", "TIME", "NUMERIC", "BIGNUMERIC", "JSON", "BIGDECIMAL":
				if nx := next(1); nx.tok.kind == tkString {
					typ, _, _ := r.typeAt([]node{n}, 0)
					b.add("CAST(" + quoteString(nx.tok.text) + " AS " + typ + ")")
					i++
					continue
				}
			case "INTERVAL":
				if k, s, ok, err := r.interval(nodes, i); ok || err != nil {
					if err != nil {
						return "", err
					}
					b.add(s)
					i = k
					continue
				}
			case "ARRAY", "STRUCT":
				if next(1).tok.isPunct("<") {
					typ, k, err := r.typeAt(nodes, i)
					if err != nil {
						return "", err
					}
					if k < len(nodes) && (nodes[k].isGroup("[") || nodes[k].isGroup("(")) {
						s, err := r.seq(nodes[k].kids)
						if err != nil {
							return "", err
						}
						if nodes[k].open == "[" {
							b.add("CAST([" + s + "] AS " + typ + ")")
						} else {
							b.add("CAST(ROW(" + s + ") AS " + typ + ")")
						}
						i = k
						continue
					}
					return "", syntaxErr("Expected a value after " + t.up + " type")
				}
			case "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_DATETIME", "CURRENT_TIME":
				b.add(r.nowLiteral(t.up))
				continue
			case "AT":
				// A column named "at" is common; the engine reserves AT.
				if !next(1).tok.is("TIME") {
					b.add(quoteIdent(t.text))
					continue
				}
			case "EXCEPT":
				if b.last() == "*" && next(1).isGroup("(") {
					b.add("EXCLUDE")
					continue
				}
			}
			b.add(t.text)
		}
	}
	return b.String(), nil
}

// outBuf joins rendered pieces with spaces where the engine needs them.
type outBuf struct {
	parts []string
}

func (o *outBuf) add(s string) {
	if s != "" {
		o.parts = append(o.parts, s)
	}
}

func (o *outBuf) last() string {
	if len(o.parts) == 0 {
		return ""
	}
	return o.parts[len(o.parts)-1]
}

func (o *outBuf) String() string {
	var b strings.Builder
	for i, p := range o.parts {
		if i > 0 {
			prev := o.parts[i-1]
			tight := strings.HasSuffix(prev, "(") || strings.HasSuffix(prev, "[") || prev == "." ||
				p == ")" || p == "]" || p == "," || p == "." || (p == "(" && isWordEnd(prev)) || (p == "[" && !isKeywordish(prev)) ||
				((prev == "<" || prev == ">") && (p == "<" || p == ">"))
			if !tight {
				b.WriteByte(' ')
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

func isWordEnd(s string) bool {
	if s == "" {
		return false
	}
	c := s[len(s)-1]
	return isIdentPart(c) || c == '"'
}

func isKeywordish(s string) bool {
	switch strings.ToUpper(s) {
	case "SELECT", "IN", "AND", "OR", "NOT", "WHEN", "THEN", "ELSE", "ON", "BY", "AS", "RETURN", "=", ",":
		return true
	}
	return s == "" || strings.IndexByte("=<>+-*/,", s[len(s)-1]) >= 0
}

// nowLiteral renders CURRENT_* from the emulator's clock, so injected time
// reaches queries.
func (r *rewriter) nowLiteral(kind string) string {
	now := r.opts.now.UTC()
	switch kind {
	case "CURRENT_DATE":
		return "CAST(" + quoteString(now.Format("2006-01-02")) + " AS DATE)"
	case "CURRENT_DATETIME":
		return "CAST(" + quoteString(now.Format("2006-01-02 15:04:05.999999")) + " AS TIMESTAMP)"
	case "CURRENT_TIME":
		return "CAST(" + quoteString(now.Format("15:04:05.999999")) + " AS TIME)"
	}
	return "CAST(" + quoteString(now.Format("2006-01-02 15:04:05.999999+00")) + " AS TIMESTAMPTZ)"
}

// typeAt parses a GoogleSQL type starting at nodes[i] and returns the engine
// type and the index after it.
func (r *rewriter) typeAt(nodes []node, i int) (string, int, error) {
	if i >= len(nodes) {
		return "", i, syntaxErr("Expected a type")
	}
	n := nodes[i]
	if n.tok.kind != tkIdent && n.tok.kind != tkQuoted {
		return "", i, syntaxErr("Expected a type")
	}
	up := n.tok.up
	i++
	switch up {
	case "ARRAY":
		if i >= len(nodes) || !nodes[i].tok.isPunct("<") {
			return "", i, syntaxErr("Expected \"<\" after ARRAY")
		}
		elem, k, err := r.typeAt(nodes, i+1)
		if err != nil {
			return "", k, err
		}
		if k >= len(nodes) || !nodes[k].tok.isPunct(">") {
			return "", k, syntaxErr("Expected \">\" closing ARRAY type")
		}
		return elem + "[]", k + 1, nil
	case "STRUCT":
		if i >= len(nodes) || !nodes[i].tok.isPunct("<") {
			return "", i, syntaxErr("Expected \"<\" after STRUCT")
		}
		i++
		var fields []string
		for n := 1; ; n++ {
			name := fmt.Sprintf("_field_%d", n)
			// A field is "name type" or just "type".
			if i+1 < len(nodes) && (nodes[i].tok.kind == tkIdent || nodes[i].tok.kind == tkQuoted) &&
				(nodes[i+1].tok.kind == tkIdent) {
				name = nodes[i].tok.text
				i++
			}
			ft, k, err := r.typeAt(nodes, i)
			if err != nil {
				return "", k, err
			}
			fields = append(fields, quoteIdent(name)+" "+ft)
			i = k
			if i < len(nodes) && nodes[i].tok.isPunct(",") {
				i++
				continue
			}
			if i < len(nodes) && nodes[i].tok.isPunct(">") {
				return "STRUCT(" + strings.Join(fields, ", ") + ")", i + 1, nil
			}
			return "", i, syntaxErr("Expected \">\" closing STRUCT type")
		}
	}
	// Parameterised types (STRING(10), NUMERIC(10,2)): the engine keeps
	// BigQuery's defaults instead.
	if i < len(nodes) && nodes[i].isGroup("(") {
		i++
	}
	switch up {
	case "INT64", "INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT":
		return "BIGINT", i, nil
	case "FLOAT64", "FLOAT", "DOUBLE":
		return "DOUBLE", i, nil
	case "STRING", "GEOGRAPHY", "VARCHAR":
		return "VARCHAR", i, nil
	case "BOOL", "BOOLEAN":
		return "BOOLEAN", i, nil
	case "BYTES":
		return "BLOB", i, nil
	case "NUMERIC", "DECIMAL":
		return duckNumeric, i, nil
	case "BIGNUMERIC", "BIGDECIMAL":
		return duckBigNumeric, i, nil
	case "TIMESTAMP":
		return "TIMESTAMPTZ", i, nil
	case "DATETIME":
		return "TIMESTAMP", i, nil
	case "DATE", "TIME", "JSON", "INTERVAL":
		return up, i, nil
	}
	return "", i, errQuery(fmt.Sprintf("Type not found: %s", n.tok.text))
}

// colDefs renders CREATE TABLE column definitions with engine types.
func (r *rewriter) colDefs(nodes []node) (string, error) {
	var defs []string
	for _, def := range splitDefs(nodes) {
		if len(def) < 2 {
			return "", syntaxErr("Expected column name and type")
		}
		typ, k, err := r.typeAt(def, 1)
		if err != nil {
			return "", err
		}
		name, err := r.seq(def[:1])
		if err != nil {
			return "", err
		}
		var rest []node
		for j := k; j < len(def); j++ {
			if def[j].tok.is("OPTIONS") && j+1 < len(def) && def[j+1].isGroup("(") {
				j++
				continue
			}
			rest = append(rest, def[j])
		}
		tail, err := r.seq(rest)
		if err != nil {
			return "", err
		}
		defs = append(defs, strings.TrimSpace(name+" "+typ+" "+tail))
	}
	return strings.Join(defs, ", "), nil
}

// splitDefs splits column definitions at commas outside ARRAY<…>/STRUCT<…>.
func splitDefs(nodes []node) [][]node {
	var out [][]node
	depth, start := 0, 0
	for i, n := range nodes {
		switch {
		case n.tok.isPunct("<"):
			depth++
		case n.tok.isPunct(">"):
			depth--
		case n.tok.isPunct(",") && depth == 0:
			out = append(out, nodes[start:i])
			start = i + 1
		}
	}
	return append(out, nodes[start:])
}

var intervalUnits = map[string]string{
	"MICROSECOND": "to_microseconds", "MILLISECOND": "to_milliseconds", "SECOND": "to_seconds",
	"MINUTE": "to_minutes", "HOUR": "to_hours", "DAY": "to_days", "WEEK": "to_weeks",
	"MONTH": "to_months", "QUARTER": "to_months", "YEAR": "to_years",
}

// interval renders INTERVAL <expr> <unit>. The expression may be any
// INT64 expression (INTERVAL MOD(x, 60) SECOND), as in BigQuery: it runs
// up to the first date part that is not inside brackets.
func (r *rewriter) interval(nodes []node, i int) (int, string, bool, error) {
	j := i + 1
	neg := ""
	if j < len(nodes) && nodes[j].tok.isPunct("-") {
		neg = "-"
		j++
	}
	k := j + 1
	for ; k < len(nodes); k++ {
		if nodes[k].open == "" && nodes[k].tok.kind == tkIdent {
			if _, unit := intervalUnits[nodes[k].tok.up]; unit {
				break
			}
		}
		if nodes[k].open == "" && nodes[k].tok.isPunct(",") {
			return i, "", false, nil
		}
	}
	if k >= len(nodes) {
		return i, "", false, nil
	}
	fn := intervalUnits[nodes[k].tok.up]
	val, err := r.seq(nodes[j:k])
	if err != nil {
		return i, "", true, err
	}
	if k == j+1 && nodes[j].tok.kind == tkString {
		val = "CAST(" + val + " AS BIGINT)"
	}
	if nodes[k].tok.up == "QUARTER" {
		val = "3 * " + val
	}
	return k, fn + "(" + neg + "(" + val + "))", true, nil
}

// unnest renders UNNEST(e) [AS] x [WITH OFFSET [AS] o] in a FROM clause.
func (r *rewriter) unnest(nodes []node, i int) (int, string, error) {
	arg, err := r.seq(nodes[i+1].kids)
	if err != nil {
		return i, "", err
	}
	k := i + 2
	alias := ""
	if k < len(nodes) && nodes[k].tok.is("AS") {
		k++
	}
	if k < len(nodes) && (nodes[k].tok.kind == tkQuoted || nodes[k].tok.kind == tkIdent && !reservedAfterFrom[nodes[k].tok.up]) {
		alias = nodes[k].tok.text
		k++
	} else if k > i+2 {
		k-- // a bare AS belongs to something else
	}
	offset := ""
	if k+1 < len(nodes) && nodes[k].tok.is("WITH") && nodes[k+1].tok.is("OFFSET") {
		k += 2
		offset = "offset"
		if k < len(nodes) && nodes[k].tok.is("AS") {
			k++
		}
		if k < len(nodes) && (nodes[k].tok.kind == tkQuoted || nodes[k].tok.kind == tkIdent && !reservedAfterFrom[nodes[k].tok.up]) {
			offset = nodes[k].tok.text
			k++
		}
	}
	r.alias++
	tab := fmt.Sprintf("_unnest_%d", r.alias)
	if alias == "" {
		alias = "f0_"
	}
	if offset == "" {
		return k - 1, fmt.Sprintf("UNNEST(%s) AS %s(%s)", arg, tab, quoteIdent(alias)), nil
	}
	return k - 1, fmt.Sprintf("(SELECT UNNEST(%s) AS %s, UNNEST(range(len(%s))) AS %s) AS %s", arg, quoteIdent(alias), arg, quoteIdent(offset), tab), nil
}

func (r *rewriter) args(nodes []node) ([]string, error) {
	var out []string
	for _, a := range splitArgs(nodes) {
		s, err := r.seq(a)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// splitAt splits nodes at the last top-level identifier kw.
func splitAt(nodes []node, kw string) ([]node, []node, bool) {
	for i := len(nodes) - 1; i >= 0; i-- {
		if nodes[i].tok.is(kw) {
			return nodes[:i], nodes[i+1:], true
		}
	}
	return nodes, nil, false
}

package vertex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
)

// node is a response schema in the subset both of Vertex's forms
// (aiplatformpb.Schema and responseJsonSchema) share; both are converted
// to it so one filler serves them.
type node struct {
	types      []string // "object", "array", "string", "number", "integer", "boolean", "null"
	enum       []any
	constVal   any
	hasConst   bool
	props      map[string]*node
	order      []string
	required   []string
	items      *node
	minItems   int
	maxItems   int // -1: none
	min, max   *float64
	exMin      *float64
	exMax      *float64
	minLen     int
	maxLen     int // -1: none
	format     string
	desc       string
	anyOf      []*node
	ref        string
	defs       map[string]*node
	additional bool // additionalProperties allowed (JSON Schema default)
}

const maxSchemaDepth = 8

func newNode() *node { return &node{maxItems: -1, maxLen: -1, additional: true} }

// fromProto converts Vertex's Schema message.
func fromProto(s *aiplatformpb.Schema) *node {
	return fromProtoDepth(s, 0)
}

func fromProtoDepth(s *aiplatformpb.Schema, depth int) *node {
	n := newNode()
	if s == nil || depth > 64 {
		return n
	}
	if t := protoType(s.GetType()); t != "" {
		n.types = []string{t}
	}
	if s.GetNullable() && len(n.types) > 0 {
		n.types = append(n.types, "null")
	}
	for _, e := range s.GetEnum() {
		n.enum = append(n.enum, e)
	}
	if len(s.GetProperties()) > 0 {
		n.props = map[string]*node{}
		for k, v := range s.GetProperties() {
			n.props[k] = fromProtoDepth(v, depth+1)
		}
	}
	n.order = s.GetPropertyOrdering()
	n.required = s.GetRequired()
	if s.Items != nil {
		n.items = fromProtoDepth(s.Items, depth+1)
	}
	n.minItems = int(max(0, min(s.GetMinItems(), 1000)))
	if s.GetMaxItems() > 0 {
		n.maxItems = int(min(s.GetMaxItems(), 1000))
	}
	// proto3 cannot tell an unset bound from zero: a non-zero maximum
	// makes both bounds count, a lone non-zero minimum counts alone.
	if mx, mn := s.GetMaximum(), s.GetMinimum(); mx != 0 {
		n.max, n.min = &mx, &mn
	} else if mn != 0 {
		n.min = &mn
	}
	n.minLen = int(max(0, min(s.GetMinLength(), 10000)))
	if s.GetMaxLength() > 0 {
		n.maxLen = int(min(s.GetMaxLength(), 1<<20))
	}
	n.format = s.GetFormat()
	n.desc = strings.TrimSpace(s.GetTitle() + " " + s.GetDescription())
	for _, a := range s.GetAnyOf() {
		n.anyOf = append(n.anyOf, fromProtoDepth(a, depth+1))
	}
	n.ref = s.GetRef()
	if len(s.GetDefs()) > 0 {
		n.defs = map[string]*node{}
		for k, v := range s.GetDefs() {
			n.defs[k] = fromProtoDepth(v, depth+1)
		}
	}
	return n
}

func protoType(t aiplatformpb.Type) string {
	switch t {
	case aiplatformpb.Type_STRING:
		return "string"
	case aiplatformpb.Type_NUMBER:
		return "number"
	case aiplatformpb.Type_INTEGER:
		return "integer"
	case aiplatformpb.Type_BOOLEAN:
		return "boolean"
	case aiplatformpb.Type_ARRAY:
		return "array"
	case aiplatformpb.Type_OBJECT:
		return "object"
	}
	return ""
}

// fromJSON converts a JSON Schema document (already decoded). It returns
// an error for shapes that are not a schema at all; unknown keywords are
// ignored as Vertex ignores them.
func fromJSON(v any) (*node, error) { return fromJSONDepth(v, 0) }

func fromJSONDepth(v any, depth int) (*node, error) {
	n := newNode()
	if depth > 64 {
		return nil, fmt.Errorf("schema nested too deeply")
	}
	switch s := v.(type) {
	case bool:
		return n, nil // true: anything; false is treated alike (we fill a string)
	case map[string]any:
		return n, n.readJSON(s, depth)
	case nil:
		return n, nil
	default:
		return nil, fmt.Errorf("schema must be an object, got %T", v)
	}
}

func (n *node) readJSON(s map[string]any, depth int) error {
	switch t := s["type"].(type) {
	case string:
		n.types = []string{t}
	case []any:
		for _, x := range t {
			if str, ok := x.(string); ok {
				n.types = append(n.types, str)
			}
		}
	}
	for _, t := range n.types {
		switch t {
		case "object", "array", "string", "number", "integer", "boolean", "null":
		default:
			return fmt.Errorf("unknown schema type %q", t)
		}
	}
	if b, _ := s["nullable"].(bool); b && len(n.types) > 0 {
		n.types = append(n.types, "null")
	}
	if e, ok := s["enum"].([]any); ok {
		n.enum = e
	}
	if c, ok := s["const"]; ok {
		n.constVal, n.hasConst = c, true
	}
	if p, ok := s["properties"].(map[string]any); ok {
		n.props = map[string]*node{}
		for k, v := range p {
			c, err := fromJSONDepth(v, depth+1)
			if err != nil {
				return fmt.Errorf("properties.%s: %w", k, err)
			}
			n.props[k] = c
		}
	}
	n.order = stringList(s["propertyOrdering"])
	n.required = stringList(s["required"])
	if ap, ok := s["additionalProperties"].(bool); ok {
		n.additional = ap
	}
	switch it := s["items"].(type) {
	case map[string]any, bool:
		c, err := fromJSONDepth(it, depth+1)
		if err != nil {
			return fmt.Errorf("items: %w", err)
		}
		n.items = c
	}
	n.minItems = clampInt(num(s["minItems"]), 0, 1000, 0)
	n.maxItems = clampInt(num(s["maxItems"]), 0, 1000, -1)
	n.min, n.max = num(s["minimum"]), num(s["maximum"])
	n.exMin, n.exMax = num(s["exclusiveMinimum"]), num(s["exclusiveMaximum"])
	n.minLen = clampInt(num(s["minLength"]), 0, 10000, 0)
	n.maxLen = clampInt(num(s["maxLength"]), 0, 1<<20, -1)
	n.format, _ = s["format"].(string)
	title, _ := s["title"].(string)
	desc, _ := s["description"].(string)
	n.desc = strings.TrimSpace(title + " " + desc)
	for _, key := range []string{"anyOf", "oneOf"} {
		if alts, ok := s[key].([]any); ok {
			for i, a := range alts {
				c, err := fromJSONDepth(a, depth+1)
				if err != nil {
					return fmt.Errorf("%s[%d]: %w", key, i, err)
				}
				n.anyOf = append(n.anyOf, c)
			}
		}
	}
	n.ref, _ = s["$ref"].(string)
	for _, key := range []string{"$defs", "definitions", "defs"} {
		if d, ok := s[key].(map[string]any); ok {
			if n.defs == nil {
				n.defs = map[string]*node{}
			}
			for k, v := range d {
				c, err := fromJSONDepth(v, depth+1)
				if err != nil {
					return fmt.Errorf("%s.%s: %w", key, k, err)
				}
				n.defs[k] = c
			}
		}
	}
	return nil
}

func stringList(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func num(v any) *float64 {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return &x
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil
		}
		return &f
	}
	return nil
}

func clampInt(f *float64, lo, hi, def int) int {
	if f == nil {
		return def
	}
	return int(math.Max(float64(lo), math.Min(float64(hi), *f)))
}

// fillContext is what the filler draws values from: the answer the local
// model composed and the ranked passages behind it.
type fillContext struct {
	answer   string
	question string // the reflective question of the answer
	lang     string
	score    float64 // similarity of the best passage, 0..1
	items    []answerItem
	topic    []string // keywords of the user's question
	enumVec  []float32
	dim      int
	defs     map[string]*node
}

// answerItem is one ranked passage in paraphrase form.
type answerItem struct {
	id       string
	keywords []string
	summary  string
	score    float64
}

func (c *fillContext) item(i int) answerItem {
	if len(c.items) == 0 {
		return answerItem{summary: c.answer, keywords: c.topic}
	}
	return c.items[i%len(c.items)]
}

// ordered is a JSON object that keeps its keys in schema order, as Gemini
// does with propertyOrdering.
type ordered []kv

type kv struct {
	k string
	v any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// fillJSON produces a JSON document valid against root, built from c.
func fillJSON(root *node, c *fillContext) ([]byte, error) {
	c.defs = root.defs
	v := c.fill(root, "", 0, 0)
	return json.Marshal(v)
}

func (c *fillContext) resolve(n *node) *node {
	for i := 0; n != nil && n.ref != "" && i < 16; i++ {
		name := n.ref
		for _, p := range []string{"#/$defs/", "#/definitions/", "#/defs/"} {
			name = strings.TrimPrefix(name, p)
		}
		d := n.defs[name]
		if d == nil {
			d = c.defs[name]
		}
		if d == nil {
			return newNode() // unresolvable: anything goes
		}
		n = d
	}
	return n
}

func (c *fillContext) fill(n *node, name string, idx, depth int) any {
	n = c.resolve(n)
	if n == nil {
		n = newNode()
	}
	if n.hasConst {
		return n.constVal
	}
	if len(n.enum) > 0 {
		return c.bestEnum(n.enum)
	}
	if len(n.anyOf) > 0 {
		alt := n.anyOf[0]
		for _, a := range n.anyOf {
			if a := c.resolve(a); !(len(a.types) == 1 && a.types[0] == "null") {
				alt = a
				break
			}
		}
		return c.fill(alt, name, idx, depth+1)
	}
	if depth > 4*maxSchemaDepth {
		return nil // only a schema that requires infinite nesting gets here
	}
	// Past a few levels only what is required is produced, so recursive
	// schemas (a card whose "next" is a card) stay small.
	deep := depth >= maxSchemaDepth/2
	t := pickType(n, deep)
	switch t {
	case "null":
		return nil
	case "object":
		keys := objectKeys(n, deep)
		obj := make(ordered, 0, len(keys))
		for _, k := range keys {
			obj = append(obj, kv{k, c.fill(n.props[k], k, idx, depth+1)})
		}
		return obj
	case "array":
		count := len(c.items)
		count = max(1, min(count, 3))
		if deep {
			count = 0
		}
		count = max(count, n.minItems)
		if n.maxItems >= 0 {
			count = min(count, n.maxItems)
		}
		arr := make([]any, 0, count)
		items := n.items
		if items == nil {
			items = &node{types: []string{"string"}, maxItems: -1, maxLen: -1}
		}
		for i := 0; i < count; i++ {
			arr = append(arr, c.fill(items, singular(name), idx+i, depth+1))
		}
		return arr
	case "boolean":
		return c.score >= 0.1 && len(c.items) > 0
	case "integer", "number":
		return c.number(n, name, t == "integer")
	default:
		return c.text(n, name, idx)
	}
}

// pickType chooses the type to produce: null when nesting is too deep and
// null is allowed, else the first non-null type, else string.
func pickType(n *node, deep bool) string {
	if len(n.types) == 0 {
		switch {
		case len(n.props) > 0:
			return "object"
		case n.items != nil:
			return "array"
		}
		return "string"
	}
	hasNull := false
	for _, t := range n.types {
		if t == "null" {
			hasNull = true
		}
	}
	if deep && hasNull {
		return "null"
	}
	for _, t := range n.types {
		if t != "null" {
			return t
		}
	}
	return "null"
}

func objectKeys(n *node, deep bool) []string {
	if deep {
		keys := append([]string(nil), n.required...)
		sort.Strings(keys)
		return dedupe(keys, n.props)
	}
	keys := append([]string(nil), n.order...)
	rest := make([]string, 0, len(n.props))
	for k := range n.props {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	keys = append(keys, rest...)
	keys = append(keys, n.required...) // required but undeclared: still present
	return dedupe(keys, nil)
}

func dedupe(keys []string, _ map[string]*node) []string {
	seen := map[string]bool{}
	out := keys[:0:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// hintWords splits a property name ("sourceIds", "reflective_question")
// and description into lower-case words.
func hintWords(s string) map[string]bool {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		if unicode.IsUpper(r) && prevLower {
			b.WriteByte(' ')
		}
		prevLower = unicode.IsLower(r)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteByte(' ')
		}
	}
	m := map[string]bool{}
	for _, w := range strings.Fields(b.String()) {
		m[w] = true
		m[strings.TrimSuffix(w, "s")] = true
	}
	return m
}

func hasAny(h map[string]bool, words ...string) bool {
	for _, w := range words {
		if h[w] {
			return true
		}
	}
	return false
}

func singular(name string) string {
	if strings.HasSuffix(name, "s") && len(name) > 1 {
		return name[:len(name)-1]
	}
	return name
}

func (c *fillContext) text(n *node, name string, idx int) string {
	h := hintWords(name)
	if len(h) == 0 {
		h = hintWords(n.desc)
	}
	it := c.item(idx)
	var s string
	switch {
	case hasAny(h, "source", "citation", "cite", "reference", "ref", "id", "passage"):
		s = it.id
		if s == "" {
			s = "none"
		}
	case hasAny(h, "question", "prompt", "reflection", "reflective", "ask", "pregunta", "שאלה"):
		s = c.question
	case hasAny(h, "title", "theme", "topic", "keyword", "tag", "label", "name", "headline", "card", "category"):
		s = firstOr(it.keywords, firstOr(c.topic, "reflection"))
	case hasAny(h, "lang", "language", "locale"):
		s = c.lang
	case hasAny(h, "answer", "reply", "response", "message", "text", "content", "body"):
		if idx == 0 {
			s = c.answer
		} else {
			s = it.summary
		}
	default:
		s = it.summary
	}
	switch n.format {
	case "date-time":
		s = "1970-01-01T00:00:00Z"
	case "date":
		s = "1970-01-01"
	case "time":
		s = "00:00:00Z"
	case "email":
		s = "someone@example.com"
	case "uri", "url":
		s = "https://example.com/" + strconv.Itoa(idx)
	case "uuid":
		h := fnvAdd(fnvOffset64, s)
		s = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(h>>32), uint16(h>>16), uint16(h)&0xfff, uint16(h>>4)&0xfff, h&0xffffffffffff)
	}
	if n.maxLen >= 0 && runeLen(s) > n.maxLen {
		s = cutWords(s, n.maxLen)
	}
	for runeLen(s) < n.minLen && (n.maxLen < 0 || n.minLen <= n.maxLen) {
		if s == "" {
			s = "-"
			continue
		}
		s += " " + s
		if n.maxLen >= 0 && runeLen(s) > n.maxLen {
			s = string([]rune(s)[:n.maxLen])
		}
	}
	return s
}

func firstOr(l []string, def string) string {
	if len(l) > 0 {
		return l[0]
	}
	return def
}

func (c *fillContext) number(n *node, name string, integer bool) any {
	h := hintWords(name + " " + n.desc)
	lo, hi := math.Inf(-1), math.Inf(1)
	if n.min != nil {
		lo = *n.min
	}
	if n.exMin != nil && *n.exMin >= lo {
		lo = *n.exMin + 1e-9
		if integer {
			lo = math.Floor(*n.exMin) + 1
		}
	}
	if n.max != nil {
		hi = *n.max
	}
	if n.exMax != nil && *n.exMax <= hi {
		hi = *n.exMax - 1e-9
		if integer {
			hi = math.Ceil(*n.exMax) - 1
		}
	}
	bounded := !math.IsInf(lo, 0) && !math.IsInf(hi, 0) && lo <= hi
	var v float64
	switch {
	case hasAny(h, "score", "confidence", "relevance", "similarity", "probability", "certainty"):
		v = math.Round(c.score*1000) / 1000
		if bounded {
			v = lo + (hi-lo)*v
		}
	case hasAny(h, "count", "number", "total", "num"):
		v = float64(len(c.items))
	case bounded:
		v = (lo + hi) / 2
	}
	if integer {
		v = math.Round(v)
		lo, hi = math.Ceil(lo), math.Floor(hi)
	}
	if v < lo {
		v = lo
	}
	if v > hi && hi >= lo {
		v = hi
	}
	if integer {
		return int64(v)
	}
	if r := math.Round(v*1e6) / 1e6; r >= lo && r <= hi {
		v = r
	}
	return v
}

// cutWords shortens s to at most n runes, at a word boundary when one is
// close enough.
func cutWords(s string, n int) string {
	r := []rune(s)[:n]
	for i := len(r) - 1; i > n/2; i-- {
		if unicode.IsSpace(r[i]) {
			return strings.TrimRightFunc(string(r[:i]), unicode.IsSpace)
		}
	}
	return string(r)
}

// bestEnum picks the enum value closest to the question and best passage;
// the first value wins ties.
func (c *fillContext) bestEnum(values []any) any {
	best, bestScore := values[0], math.Inf(-1)
	for _, v := range values {
		s, ok := v.(string)
		if !ok {
			continue
		}
		label := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
			if r == '_' || r == '-' {
				return ' '
			}
			return r
		}, splitCamel(s))), " ")
		score := cosine(embed(label, c.dim), c.enumVec)
		if score > bestScore+1e-12 {
			best, bestScore = v, score
		}
	}
	return best
}

func splitCamel(s string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		if unicode.IsUpper(r) && prevLower {
			b.WriteByte(' ')
		}
		prevLower = unicode.IsLower(r)
		b.WriteRune(r)
	}
	return b.String()
}

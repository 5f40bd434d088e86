package canvas

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"pointsofyou.ai/studio/shared/validate"
)

// Further limits of one element.
const (
	// MaxIDBytes bounds element ids (and the ids an element names: parent,
	// connector ends, card_id, media_id).
	MaxIDBytes = 64
	// MaxOpIDBytes bounds a client's op id.
	MaxOpIDBytes = 64
	// MaxIndexBytes bounds a fractional z index.
	MaxIndexBytes = 256
	// MaxTitleRunes bounds frame and document titles.
	MaxTitleRunes = 200
)

// Enumerated property values.
var (
	Shapes          = []string{"rect", "ellipse", "triangle", "star", "hexagon", "polygon"}
	TextAligns      = []string{"start", "center", "end"}
	StrokeTools     = []string{"pen", "highlighter"}
	ConnectorStyles = []string{"line", "arrow", "double_arrow", "curved", "orthogonal"}
	Dashes          = []string{"solid", "dashed", "dotted", "dash_dot"}
	Anchors         = []string{"n", "ne", "e", "se", "s", "sw", "w", "nw", "center"}
)

// Property names of particular kinds.
const (
	PropRotation    = "rotation"
	PropOpacity     = "opacity"
	PropCardID      = "card_id"
	PropFaceDown    = "face_down"
	PropShape       = "shape"
	PropFill        = "fill"
	PropStroke      = "stroke"
	PropStrokeWidth = "stroke_width"
	PropText        = "text"
	PropFontSize    = "font_size"
	PropColor       = "color"
	PropAlign       = "align"
	PropMediaID     = "media_id"
	PropAlt         = "alt"
	PropTitle       = "title"
	PropPoints      = "points"
	PropWidth       = "width"
	PropTool        = "tool"
	PropFrom        = "from"
	PropTo          = "to"
	PropStyle       = "style"
	PropDash        = "dash"
	PropLabel       = "label"
)

// propCheck checks one (non-nil) value; it appends errors named name.
type propCheck func(fs *[]validate.FieldError, name string, v any)

type propSpec struct {
	check    propCheck
	required bool // on create; never removable
}

var commonProps = map[string]propSpec{
	PropX:        {checkCoord, true},
	PropY:        {checkCoord, true},
	PropZ:        {checkIndex, false},
	PropRotation: {checkRange(-360, 360), false},
	PropOpacity:  {checkRange(0, 1), false},
	PropLocked:   {checkBool, false},
	PropParent:   {checkRef, false},
	PropDeleted:  {checkBool, false},
}

var sizeProps = map[string]propSpec{PropW: {checkSize, false}, PropH: {checkSize, false}}

// kindProps are the properties of each kind besides commonProps.
var kindProps = map[string]map[string]propSpec{
	KindCard: with(sizeProps, map[string]propSpec{
		PropCardID:   {checkID, true},
		PropFaceDown: {checkBool, false},
	}),
	KindShape: with(sizeProps, map[string]propSpec{
		PropShape:       {checkEnum(Shapes), false},
		PropFill:        {checkColor, false},
		PropStroke:      {checkColor, false},
		PropStrokeWidth: {checkRange(0, 50), false},
	}),
	KindText: {
		PropText:     {checkText(validate.MultiLine, MaxTextRunes), false},
		PropFontSize: {checkRange(6, 400), false},
		PropColor:    {checkColor, false},
		PropAlign:    {checkEnum(TextAligns), false},
	},
	KindNote: with(sizeProps, map[string]propSpec{
		PropText:  {checkText(validate.MultiLine, MaxTextRunes), false},
		PropColor: {checkColor, false},
	}),
	KindImage: with(sizeProps, map[string]propSpec{
		PropMediaID: {checkID, true},
		PropAlt:     {checkText(validate.MultiLine, MaxTextRunes), false},
	}),
	KindFrame: with(sizeProps, map[string]propSpec{
		PropTitle: {checkText(validate.SingleLine, MaxTitleRunes), false},
		PropFill:  {checkColor, false},
	}),
	KindStroke: {
		PropPoints: {checkPoints, false},
		PropColor:  {checkColor, false},
		PropWidth:  {checkRange(1, 50), false},
		PropTool:   {checkEnum(StrokeTools), false},
	},
	KindConnector: {
		PropFrom:  {checkEnd, false},
		PropTo:    {checkEnd, false},
		PropStyle: {checkEnum(ConnectorStyles), false},
		PropDash:  {checkEnum(Dashes), false},
		PropWidth: {checkRange(1, 10), false},
		PropColor: {checkColor, false},
		PropLabel: {checkText(validate.MultiLine, MaxTextRunes), false},
	},
}

func with(maps ...map[string]propSpec) map[string]propSpec {
	out := map[string]propSpec{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// KindProps lists the property names kind accepts (common ones included),
// nil for an unknown kind.
func KindProps(kind string) []string {
	specs, ok := kindProps[kind]
	if !ok {
		return nil
	}
	var names []string
	for k := range commonProps {
		names = append(names, k)
	}
	for k := range specs {
		names = append(names, k)
	}
	return names
}

func specOf(kind, prop string) (propSpec, bool) {
	if s, ok := commonProps[prop]; ok {
		return s, true
	}
	s, ok := kindProps[kind][prop]
	return s, ok
}

func validKind(kind string) bool { _, ok := kindProps[kind]; return ok }

// validateProps: see ValidateProps. A nil value (a removed property) is
// accepted for optional properties only.
func validateProps(kind string, props map[string]any, create bool) []validate.FieldError {
	return validatePropsAt("props", kind, props, create)
}

func validatePropsAt(prefix, kind string, props map[string]any, create bool) []validate.FieldError {
	var fs []validate.FieldError
	if !validKind(kind) {
		kindField := "kind"
		if i := strings.LastIndexByte(prefix, '.'); i >= 0 {
			kindField = prefix[:i+1] + "kind"
		}
		return append(fs, validate.Field(kindField, "must be one of %v", Kinds))
	}
	for k := range props {
		name := prefix + "." + k
		spec, ok := specOf(kind, k)
		if !ok {
			fs = append(fs, validate.Field(name, "is not a property of a %s", kind))
			continue
		}
		v := props[k]
		if v == nil {
			if spec.required {
				fs = append(fs, validate.Field(name, "is required and cannot be removed"))
			}
			continue
		}
		spec.check(&fs, name, v)
	}
	if create {
		for _, k := range requiredProps[kind] {
			if _, ok := props[k]; !ok {
				fs = append(fs, validate.Field(prefix+"."+k, "is required"))
			}
		}
	}
	sortFields(fs)
	return fs
}

// requiredProps lists each kind's required properties.
var requiredProps = func() map[string][]string {
	out := map[string][]string{}
	for kind, specs := range kindProps {
		req := []string{PropX, PropY}
		for _, k := range sortedKeys(specs) {
			if specs[k].required {
				req = append(req, k)
			}
		}
		out[kind] = req
	}
	return out
}()

// sortFields orders errors by field, so a map's iteration order never
// shows in a response.
func sortFields(fs []validate.FieldError) {
	if len(fs) > 1 {
		slices.SortStableFunc(fs, func(a, b validate.FieldError) int { return strings.Compare(a.Field, b.Field) })
	}
}

// validateOp: see Op.Validate.
func validateOp(op *Op, current *Element) []validate.FieldError {
	var fs []validate.FieldError
	if op == nil {
		return append(fs, validate.Field("(body)", "an operation is required"))
	}
	if op.OpID != "" {
		if len(op.OpID) > MaxOpIDBytes {
			fs = append(fs, validate.Field("op_id", "is %d bytes; at most %d are allowed", len(op.OpID), MaxOpIDBytes))
		} else {
			validate.Text(&fs, "op_id", op.OpID, validate.SingleLine)
		}
	}
	if !ValidID(op.ElementID) {
		fs = append(fs, validate.Field("element_id", "must be 1…%d bytes without '/', spaces or control characters, not '.', '..' or starting with '__'", MaxIDBytes))
	}
	exists := current != nil && current.Kind != ""
	switch op.Action {
	case ActionCreate:
		if exists {
			fs = append(fs, validate.Field("element_id", "names an element that already exists"))
		}
		if op.Drag {
			fs = append(fs, validate.Field("drag", "is only allowed on an update"))
		}
		if !validKind(op.Kind) {
			return append(fs, validate.Field("kind", "must be one of %v", Kinds))
		}
		for k, v := range op.Props {
			if v == nil {
				fs = append(fs, validate.Field("props."+k, "must have a value on create"))
			}
		}
		sortFields(fs)
		fs = append(fs, opProps(op, op.Kind, true)...)
	case ActionUpdate:
		switch {
		case !exists:
			return append(fs, validate.Field("element_id", "names no element"))
		case current.Deleted():
			return append(fs, validate.Field("element_id", "names a deleted element; restore it first"))
		}
		if op.Kind != "" && op.Kind != current.Kind {
			fs = append(fs, validate.Field("kind", "cannot change (the element is a %s)", current.Kind))
		}
		if len(op.Props) == 0 {
			return append(fs, validate.Field("props", "at least one property is required"))
		}
		fs = append(fs, opProps(op, current.Kind, false)...)
		if len(fs) == 0 {
			fs = append(fs, mergedSize(op, current)...)
		}
	case ActionDelete, ActionRestore:
		switch {
		case !exists:
			return append(fs, validate.Field("element_id", "names no element"))
		case op.Action == ActionDelete && current.Deleted():
			fs = append(fs, validate.Field("element_id", "names an element that is already deleted"))
		case op.Action == ActionRestore && !current.Deleted():
			fs = append(fs, validate.Field("element_id", "names an element that is not deleted"))
		}
		if op.Kind != "" && op.Kind != current.Kind {
			fs = append(fs, validate.Field("kind", "cannot change (the element is a %s)", current.Kind))
		}
		if len(op.Props) > 0 {
			fs = append(fs, validate.Field("props", "must be empty on %s", op.Action))
		}
		if op.Drag {
			fs = append(fs, validate.Field("drag", "is only allowed on an update"))
		}
	default:
		fs = append(fs, validate.Field("action", "must be one of [%s %s %s %s]", ActionCreate, ActionUpdate, ActionDelete, ActionRestore))
	}
	return fs
}

// opProps checks the props of a create or an update: "deleted" only moves
// through delete and restore, so an undo history stays meaningful.
func opProps(op *Op, kind string, create bool) []validate.FieldError {
	var fs []validate.FieldError
	if _, ok := op.Props[PropDeleted]; ok {
		fs = append(fs, validate.Field("props."+PropDeleted, "is set by the delete and restore actions only"))
	}
	fs = append(fs, validateProps(kind, op.Props, create)...)
	if len(fs) == 0 && sizeBound(op.Props) > MaxPropsBytes {
		if n := encodedSize(op.Props); n > MaxPropsBytes {
			fs = append(fs, validate.Field("props", "encode to %d bytes; at most %d are allowed", n, MaxPropsBytes))
		}
	}
	return fs
}

// mergedSize bounds the element an update leaves behind. Geometry-only
// updates (drags) cannot grow an element much, so only an update carrying
// a string or a list pays for encoding the whole element.
func mergedSize(op *Op, current *Element) []validate.FieldError {
	big := false
	for _, v := range op.Props {
		switch v.(type) {
		case string, []any, []float64:
			big = true
		}
	}
	if !big {
		return nil
	}
	merged := make(map[string]any, len(current.Props)+len(op.Props))
	for k, v := range current.Props {
		merged[k] = v
	}
	for k, v := range op.Props {
		merged[k] = v
	}
	if sizeBound(merged) <= MaxPropsBytes {
		return nil
	}
	if n := encodedSize(merged); n > MaxPropsBytes {
		return []validate.FieldError{validate.Field("props", "would make the element %d bytes; at most %d are allowed", n, MaxPropsBytes)}
	}
	return nil
}

// sizeBound is at least the JSON size of v, cheaply: encoding the props
// of every drag would cost more than the rest of validation together.
func sizeBound(v any) int {
	switch x := v.(type) {
	case nil, bool:
		return 5
	case string:
		return 6*len(x) + 2 // every byte escaped as \u00XX at worst
	case map[string]any:
		n := 2
		for k, e := range x {
			n += 6*len(k) + 4 + sizeBound(e)
		}
		return n
	case []any:
		n := 2
		for _, e := range x {
			n += 1 + sizeBound(e)
		}
		return n
	case []float64:
		return 2 + 25*len(x)
	}
	if _, ok := Number(v); ok {
		return 25
	}
	return math.MaxInt / 4
}

func encodedSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return math.MaxInt
	}
	return len(b)
}

// opPatch: see Op.Patch. Values are canonical (Normalize), so a patch
// compares equal to its copy read back from Firestore or JSON.
func opPatch(op *Op, owner string, s Stamp) Patch {
	p := Patch{ID: op.ElementID, Props: make(map[string]any, len(op.Props)+1), Stamps: make(map[string]Stamp, len(op.Props)+1)}
	if op.Action == ActionCreate {
		p.Kind, p.Owner = op.Kind, owner
	}
	switch op.Action {
	case ActionCreate, ActionUpdate:
		for k, v := range op.Props {
			if k == PropDeleted {
				continue
			}
			p.Props[k], p.Stamps[k] = Normalize(v), s
		}
	}
	switch op.Action {
	case ActionDelete:
		p.Props[PropDeleted], p.Stamps[PropDeleted] = true, s
	case ActionRestore, ActionCreate:
		p.Props[PropDeleted], p.Stamps[PropDeleted] = false, s
	}
	return p
}

// ValidID reports an id usable as a Firestore document id that cannot
// change the path it is put in: 1…MaxIDBytes bytes of UTF-8, no slash,
// space or control character, not "." or "..", not reserved ("__…").
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDBytes || id == "." || id == ".." || strings.HasPrefix(id, "__") || !utf8.ValidString(id) {
		return false
	}
	for _, c := range id {
		if c == '/' || c <= 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return false
		}
	}
	return true
}

// Number is v as a float64 when it is a finite JSON number in any of the
// forms decoders produce (float64, int64, int, json.Number, …).
func Number(v any) (float64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case int32:
		f = float64(n)
	case int16:
		f = float64(n)
	case int8:
		f = float64(n)
	case uint:
		f = float64(n)
	case uint64:
		f = float64(n)
	case uint32:
		f = float64(n)
	case uint16:
		f = float64(n)
	case uint8:
		f = float64(n)
	case json.Number:
		x, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return 0, false
		}
		f = x
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func checkNumber(fs *[]validate.FieldError, name string, v any, lo, hi float64) {
	f, ok := Number(v)
	if !ok {
		*fs = append(*fs, validate.Field(name, "must be a finite number"))
		return
	}
	if f < lo || f > hi {
		*fs = append(*fs, validate.Field(name, "must be between %s and %s", fmtNum(lo), fmtNum(hi)))
	}
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func checkRange(lo, hi float64) propCheck {
	return func(fs *[]validate.FieldError, name string, v any) { checkNumber(fs, name, v, lo, hi) }
}

func checkCoord(fs *[]validate.FieldError, name string, v any) {
	checkNumber(fs, name, v, -MaxCoordinate, MaxCoordinate)
}

func checkSize(fs *[]validate.FieldError, name string, v any) {
	checkNumber(fs, name, v, 1, MaxCoordinate)
}

func checkBool(fs *[]validate.FieldError, name string, v any) {
	if _, ok := v.(bool); !ok {
		*fs = append(*fs, validate.Field(name, "must be a boolean"))
	}
}

func checkIndex(fs *[]validate.FieldError, name string, v any) {
	s, ok := v.(string)
	switch {
	case !ok:
		*fs = append(*fs, validate.Field(name, "must be a string"))
	case len(s) > MaxIndexBytes:
		*fs = append(*fs, validate.Field(name, "is %d bytes; at most %d are allowed", len(s), MaxIndexBytes))
	case !validIndex(s):
		*fs = append(*fs, validate.Field(name, "is not a fractional index"))
	}
}

// checkRef is an optional reference to another element ("" for none).
func checkRef(fs *[]validate.FieldError, name string, v any) {
	s, ok := v.(string)
	if !ok {
		*fs = append(*fs, validate.Field(name, "must be a string"))
		return
	}
	if s != "" && !ValidID(s) {
		*fs = append(*fs, validate.Field(name, "is not a valid id"))
	}
}

func checkID(fs *[]validate.FieldError, name string, v any) {
	s, ok := v.(string)
	if !ok {
		*fs = append(*fs, validate.Field(name, "must be a string"))
		return
	}
	if !ValidID(s) {
		*fs = append(*fs, validate.Field(name, "is not a valid id"))
	}
}

func checkEnum(allowed []string) propCheck {
	return func(fs *[]validate.FieldError, name string, v any) {
		s, ok := v.(string)
		if !ok {
			*fs = append(*fs, validate.Field(name, "must be one of %v", allowed))
			return
		}
		validate.OneOf(fs, name, s, allowed...)
	}
}

// ValidColor reports a colour as "#rrggbb" (hex digits of either case).
func ValidColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func checkColor(fs *[]validate.FieldError, name string, v any) {
	if s, ok := v.(string); !ok || !ValidColor(s) {
		*fs = append(*fs, validate.Field(name, "must be a colour #rrggbb"))
	}
}

func checkText(kind validate.TextKind, maxRunes int) propCheck {
	return func(fs *[]validate.FieldError, name string, v any) {
		s, ok := v.(string)
		if !ok {
			*fs = append(*fs, validate.Field(name, "must be a string"))
			return
		}
		if len(s) > 4*maxRunes {
			*fs = append(*fs, validate.Field(name, "is over %d characters", maxRunes))
			return
		}
		n := len(*fs)
		validate.Text(fs, name, s, kind)
		if len(*fs) == n {
			validate.MaxLen(fs, name, s, maxRunes)
		}
	}
}

// checkPoints: a flat list x, y, pressure, x, y, pressure, …
func checkPoints(fs *[]validate.FieldError, name string, v any) {
	var n int
	var at func(i int) any
	switch l := v.(type) {
	case []any:
		n, at = len(l), func(i int) any { return l[i] }
	case []float64:
		n, at = len(l), func(i int) any { return l[i] }
	default:
		*fs = append(*fs, validate.Field(name, "must be a list of numbers x, y, pressure, …"))
		return
	}
	if n%3 != 0 {
		*fs = append(*fs, validate.Field(name, "must hold x, y, pressure triples (%d numbers is not a multiple of 3)", n))
		return
	}
	if n/3 > MaxStrokePoint {
		*fs = append(*fs, validate.Field(name, "holds %d points; at most %d are allowed", n/3, MaxStrokePoint))
		return
	}
	for i := 0; i < n; i++ {
		f, ok := Number(at(i))
		lo, hi := -MaxCoordinate, MaxCoordinate
		if i%3 == 2 {
			lo, hi = 0, 1
		}
		if !ok || f < lo || f > hi {
			what := "a coordinate within ±" + fmtNum(MaxCoordinate)
			if i%3 == 2 {
				what = "a pressure between 0 and 1"
			}
			*fs = append(*fs, validate.Field(name+"["+strconv.Itoa(i)+"]", "must be %s", what))
			return // one is enough; a bad stroke is usually bad throughout
		}
	}
}

// checkEnd: a connector end, {"element": id, "anchor": a} or {"x", "y"}.
func checkEnd(fs *[]validate.FieldError, name string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		*fs = append(*fs, validate.Field(name, `must be {"element": id, "anchor": …} or {"x": …, "y": …}`))
		return
	}
	if _, isElem := m["element"]; isElem {
		for _, k := range sortedKeys(m) {
			switch k {
			case "element":
				checkID(fs, name+".element", m[k])
			case "anchor":
				checkEnum(Anchors)(fs, name+".anchor", m[k])
			default:
				*fs = append(*fs, validate.Field(name+"."+k, "is not a field of an element end (element, anchor)"))
			}
		}
		if _, ok := m["anchor"]; !ok {
			*fs = append(*fs, validate.Field(name+".anchor", "is required"))
		}
		return
	}
	for _, k := range sortedKeys(m) {
		if k != "x" && k != "y" {
			*fs = append(*fs, validate.Field(name+"."+k, "is not a field of a point end (x, y)"))
		}
	}
	for _, k := range []string{"x", "y"} {
		if c, ok := m[k]; !ok {
			*fs = append(*fs, validate.Field(name+"."+k, "is required"))
		} else {
			checkCoord(fs, name+"."+k, c)
		}
	}
}

// EndElement is the element a connector end names ("" for a free point).
func EndElement(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["element"].(string)
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

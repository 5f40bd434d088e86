package events

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// ID is an opaque identifier inside a payload (a card, element, media id).
// Its values must match the id syntax: letters, digits, "_" and "-".
type ID string

// Enum is one of a fixed set of values, declared on the field with a tag:
//
//	Phase events.Enum `json:"phase" enum:"pause,expand,focus,doing"`
type Enum string

var (
	idType   = reflect.TypeFor[ID]()
	enumType = reflect.TypeFor[Enum]()
	timeType = reflect.TypeFor[time.Time]()

	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

	fieldNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	enumValueRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_./+-]{0,63}$`)
)

// maxDepth bounds nested payload structs.
const maxDepth = 4

// TypeInfo describes a registered event type.
type TypeInfo struct {
	Type    string
	Version int
	// AggregateOnly types are published without the actor when the user
	// has not consented to analytics, instead of being dropped.
	AggregateOnly bool
	// Payload is the registered payload struct type.
	Payload reflect.Type
}

// TypeOption adjusts a registration.
type TypeOption func(*TypeInfo)

// AggregateOnly marks a type whose events stay useful without the actor
// (counts, usage): without analytics consent they are stripped, not dropped.
func AggregateOnly() TypeOption { return func(t *TypeInfo) { t.AggregateOnly = true } }

// Registry holds the event types a publisher accepts. It is safe for
// concurrent use.
type Registry struct {
	mu    sync.RWMutex
	types map[string]TypeInfo
}

// NewRegistry returns an empty registry; Standard returns one with the
// platform's types.
func NewRegistry() *Registry { return &Registry{types: map[string]TypeInfo{}} }

// Register adds event type typ at version with payload struct T. It fails
// when the type name is malformed or taken, or when T could carry personal
// data: see the package documentation for the allowed field types.
func Register[T any](r *Registry, typ string, version int, opts ...TypeOption) error {
	rt := reflect.TypeFor[T]()
	if !typeRE.MatchString(typ) {
		return fmt.Errorf("events: register %q: type must look like area.action", typ)
	}
	if version < 1 {
		return fmt.Errorf("events: register %q: version must be at least 1", typ)
	}
	if rt.Kind() != reflect.Struct || rt == timeType {
		return fmt.Errorf("events: register %q: payload %v must be a struct", typ, rt)
	}
	if err := checkType(rt, rt.Name(), nil, 0); err != nil {
		return fmt.Errorf("events: register %q: %w", typ, err)
	}
	info := TypeInfo{Type: typ, Version: version, Payload: rt}
	for _, o := range opts {
		o(&info)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.types[typ]; dup {
		return fmt.Errorf("events: register %q: already registered", typ)
	}
	r.types[typ] = info
	return nil
}

// MustRegister is Register for package-level setup; it panics on error.
func MustRegister[T any](r *Registry, typ string, version int, opts ...TypeOption) {
	if err := Register[T](r, typ, version, opts...); err != nil {
		panic(err)
	}
}

// Lookup returns the registration of typ.
func (r *Registry) Lookup(typ string) (TypeInfo, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.types[typ]
	return t, ok
}

// Types lists the registered type names, sorted.
func (r *Registry) Types() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.types))
	for t := range r.types {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// checkType refuses any type that could carry free text. enum is the
// value set of the field being checked (from its tag), if any.
func checkType(t reflect.Type, path string, enum []string, depth int) error {
	switch t {
	case idType:
		return nil
	case enumType:
		if len(enum) == 0 {
			return fmt.Errorf("%s: an Enum needs an enum:\"a,b,c\" tag", path)
		}
		return nil
	case timeType:
		return nil
	}
	if t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler) ||
		t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		return fmt.Errorf("%s: %v encodes itself; only plain ids, enums, numbers, booleans and timestamps are allowed", path, t)
	}
	switch t.Kind() {
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return nil
	case reflect.String:
		return fmt.Errorf("%s: %v is free text; use events.ID or events.Enum", path, t)
	case reflect.Pointer:
		return checkType(t.Elem(), path, enum, depth)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return fmt.Errorf("%s: byte slices can carry text", path)
		}
		return checkType(t.Elem(), path+"[]", enum, depth)
	case reflect.Struct:
		if depth >= maxDepth {
			return fmt.Errorf("%s: nested deeper than %d", path, maxDepth)
		}
		return checkStruct(t, path, depth+1)
	}
	return fmt.Errorf("%s: %v (%s) is not allowed in a payload", path, t, t.Kind())
}

func checkStruct(t reflect.Type, path string, depth int) error {
	names := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		fp := path + "." + f.Name
		if f.Anonymous {
			return fmt.Errorf("%s: embedded fields are not allowed", fp)
		}
		if !f.IsExported() {
			continue // encoding/json ignores it
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if !fieldNameRE.MatchString(name) {
			return fmt.Errorf("%s: needs a json tag with a snake_case name (a BigQuery-friendly key)", fp)
		}
		for _, o := range strings.Split(opts, ",") {
			if o != "" && o != "omitempty" && o != "omitzero" {
				return fmt.Errorf("%s: json option %q is not allowed", fp, o)
			}
		}
		if names[name] {
			return fmt.Errorf("%s: duplicate json name %q", fp, name)
		}
		names[name] = true
		enum, err := parseEnumTag(f.Tag.Get("enum"))
		if err != nil {
			return fmt.Errorf("%s: %w", fp, err)
		}
		if len(enum) > 0 && baseType(f.Type) != enumType {
			return fmt.Errorf("%s: enum tag on a field that is not an events.Enum", fp)
		}
		if err := checkType(f.Type, fp, enum, depth); err != nil {
			return err
		}
	}
	return nil
}

// baseType strips pointers, slices and arrays.
func baseType(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			t = t.Elem()
		default:
			return t
		}
	}
}

func parseEnumTag(tag string) ([]string, error) {
	if tag == "" {
		return nil, nil
	}
	vals := strings.Split(tag, ",")
	for _, v := range vals {
		if !enumValueRE.MatchString(v) {
			return nil, fmt.Errorf("enum value %q must be a lowercase token", v)
		}
	}
	return vals, nil
}

// encodePayload checks that v is the registered payload of info (a value
// or a pointer to it), validates its values and returns its JSON.
func encodePayload(info TypeInfo, v any) (json.RawMessage, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Type().Elem() == info.Payload {
		rv = rv.Elem()
	}
	if !rv.IsValid() || rv.Type() != info.Payload {
		return nil, fmt.Errorf("%w: payload of %s must be a %v, not %T", ErrInvalid, info.Type, info.Payload, v)
	}
	if err := checkValue(rv, "payload", nil); err != nil {
		return nil, err
	}
	b, err := json.Marshal(rv.Interface())
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrInvalid, err)
	}
	return b, nil
}

// checkValue validates ids, enums and numbers of a payload value.
func checkValue(v reflect.Value, path string, enum []string) error {
	switch v.Type() {
	case idType:
		if s := v.String(); s != "" && !idRE.MatchString(s) {
			return invalid(path, "must be an opaque id (letters, digits, _ and -; at most 128)")
		}
		return nil
	case enumType:
		if s := v.String(); s != "" && !contains(enum, s) {
			return invalid(path, fmt.Sprintf("must be one of %s", strings.Join(enum, ", ")))
		}
		return nil
	case timeType:
		if y := v.Interface().(time.Time).Year(); !v.IsZero() && (y < 2000 || y > 9999) {
			return invalid(path, "is out of range")
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return invalid(path, "must be a finite number")
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return checkValue(v.Elem(), path, enum)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkValue(v.Index(i), fmt.Sprintf("%s[%d]", path, i), enum); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			vals, _ := parseEnumTag(f.Tag.Get("enum"))
			if err := checkValue(v.Field(i), path+"."+name, vals); err != nil {
				return err
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Check validates an envelope against the registry: its structure, a
// registered type at the registered version, and a payload that decodes
// strictly (no unknown fields) into the registered struct with valid
// values.
func (r *Registry) Check(e *Envelope) error {
	_, err := r.decode(e)
	return err
}

func (r *Registry) decode(e *Envelope) (reflect.Value, error) {
	if err := e.Validate(); err != nil {
		return reflect.Value{}, err
	}
	info, ok := r.Lookup(e.Type)
	if !ok {
		return reflect.Value{}, fmt.Errorf("%w: %q", ErrUnknownType, e.Type)
	}
	if e.SchemaVersion != info.Version {
		return reflect.Value{}, invalid("schema_version", fmt.Sprintf("of %s is %d, not %d", e.Type, info.Version, e.SchemaVersion))
	}
	pv := reflect.New(info.Payload)
	dec := json.NewDecoder(bytes.NewReader(e.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(pv.Interface()); err != nil {
		return reflect.Value{}, fmt.Errorf("%w: payload: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return reflect.Value{}, invalid("payload", "has data after the JSON object")
	}
	if err := checkValue(pv.Elem(), "payload", nil); err != nil {
		return reflect.Value{}, err
	}
	return pv.Elem(), nil
}

// DecodePayload checks e against r and returns its payload as T, which
// must be the type registered for e.Type.
func DecodePayload[T any](r *Registry, e *Envelope) (T, error) {
	var zero T
	v, err := r.decode(e)
	if err != nil {
		return zero, err
	}
	out, ok := v.Interface().(T)
	if !ok {
		return zero, fmt.Errorf("%w: payload of %s is a %v, not %T", ErrInvalid, e.Type, v.Type(), zero)
	}
	return out, nil
}

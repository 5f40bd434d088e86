package canvas

import (
	"fmt"
	"time"
)

// Canonical values. Props hold JSON values in one form only — float64 for
// every number, []any and map[string]any for lists and objects — because
// replicas compare them: Firestore returns a whole number written by
// another client as int64, json.Number may come from a decoder, and
// []float64 from Go code. Normalize maps all of them to the JSON form, so
// a value read back equals the value written.

// Normalize is v in canonical form (see above): numbers as float64, lists
// as []any, objects as map[string]any, recursively; time.Time becomes
// its RFC 3339 string. Other values are returned as they are.
func Normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, string, float64:
		return v
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(e)
		}
		return out
	case []float64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case map[string]any:
		return NormalizeProps(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	if f, ok := Number(v); ok {
		return f
	}
	return v
}

// NormalizeProps is a canonical copy of props (nil stays nil).
func NormalizeProps(props map[string]any) map[string]any {
	if props == nil {
		return nil
	}
	out := make(map[string]any, len(props))
	for k, v := range props {
		out[k] = Normalize(v)
	}
	return out
}

// FromFirestore is NormalizeProps under the name of the place the values
// come from: the props map of an element document as the Firestore client
// returns it.
func FromFirestore(props map[string]any) map[string]any { return NormalizeProps(props) }

// Document fields of an element (orgs/{org}/canvases/{c}/elements/{e}).
const (
	FieldKind     = "kind"
	FieldOwner    = "owner"
	FieldProps    = "props"
	FieldStamps   = "stamps"
	FieldUpdated  = "updated_at" // server time of the last write (written by the writer)
	FieldExpireAt = "expire_at"  // TTL while deleted (written by the writer)
)

// DocData is e as the fields of its Firestore document: kind, owner,
// props (nil values kept: they are tombstones) and stamps as int64. The
// writer adds updated_at and expire_at.
func (e *Element) DocData() map[string]any {
	stamps := make(map[string]any, len(e.Stamps))
	for k, s := range e.Stamps {
		stamps[k] = int64(s)
	}
	props := NormalizeProps(e.Props)
	if props == nil {
		props = map[string]any{}
	}
	return map[string]any{FieldKind: e.Kind, FieldOwner: e.Owner, FieldProps: props, FieldStamps: stamps}
}

// ElementFromDoc reads an element document's fields (as DocData writes
// them and the Firestore client returns them; other fields are ignored)
// into an Element with canonical props. It fails on fields of the wrong
// type, never on unknown properties (a newer writer may know more).
func ElementFromDoc(id string, data map[string]any) (*Element, error) {
	e := &Element{ID: id}
	var err error
	if e.Kind, err = docString(data, FieldKind); err != nil {
		return nil, err
	}
	if e.Owner, err = docString(data, FieldOwner); err != nil {
		return nil, err
	}
	if e.Props, e.Stamps, err = docPropsStamps(data); err != nil {
		return nil, fmt.Errorf("canvas: element %s: %w", id, err)
	}
	return e, nil
}

// DocData is p as a map (a patch of the op log's patches list): id, kind
// and owner when set, props, stamps as int64.
func (p Patch) DocData() map[string]any {
	stamps := make(map[string]any, len(p.Stamps))
	for k, s := range p.Stamps {
		stamps[k] = int64(s)
	}
	props := NormalizeProps(p.Props)
	if props == nil {
		props = map[string]any{}
	}
	m := map[string]any{"id": p.ID, FieldProps: props, FieldStamps: stamps}
	if p.Kind != "" {
		m[FieldKind] = p.Kind
	}
	if p.Owner != "" {
		m[FieldOwner] = p.Owner
	}
	return m
}

// PatchFromDoc reads a patch written by Patch.DocData.
func PatchFromDoc(data map[string]any) (Patch, error) {
	var p Patch
	var err error
	if p.ID, err = docString(data, "id"); err != nil {
		return Patch{}, err
	}
	if p.Kind, err = docString(data, FieldKind); err != nil {
		return Patch{}, err
	}
	if p.Owner, err = docString(data, FieldOwner); err != nil {
		return Patch{}, err
	}
	if p.Props, p.Stamps, err = docPropsStamps(data); err != nil {
		return Patch{}, fmt.Errorf("canvas: patch %s: %w", p.ID, err)
	}
	return p, nil
}

func docString(data map[string]any, field string) (string, error) {
	v, ok := data[field]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("canvas: field %s is %T, not a string", field, v)
	}
	return s, nil
}

func docPropsStamps(data map[string]any) (map[string]any, map[string]Stamp, error) {
	props := map[string]any{}
	if v := data[FieldProps]; v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("props is %T, not a map", v)
		}
		props = NormalizeProps(m)
	}
	stamps := map[string]Stamp{}
	if v := data[FieldStamps]; v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("stamps is %T, not a map", v)
		}
		for k, s := range m {
			switch n := s.(type) {
			case int64:
				stamps[k] = Stamp(n)
			case Stamp:
				stamps[k] = n
			default:
				f, ok := Number(s)
				if !ok || f != float64(int64(f)) {
					return nil, nil, fmt.Errorf("stamps.%s is %T, not an integer", k, s)
				}
				stamps[k] = Stamp(int64(f))
			}
		}
	}
	return props, stamps, nil
}

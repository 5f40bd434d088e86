package canvas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"pointsofyou.ai/studio/shared/validate"
)

// ErrTooLarge is wrapped (beside ErrInvalid) by Decode's error for a
// document over its limit.
var ErrTooLarge = errors.New("canvas: document too large")

// docError is a document that cannot be accepted. It matches ErrInvalid
// (and ErrTooLarge when it is over the limit) with errors.Is, and
// *validate.Error with errors.As, so an HTTP handler answers it with the
// offending fields.
type docError struct {
	v        *validate.Error
	tooLarge bool
}

func (e *docError) Error() string { return "canvas: invalid document: " + e.v.Detail }

func (e *docError) Unwrap() []error {
	if e.tooLarge {
		return []error{ErrInvalid, ErrTooLarge, e.v}
	}
	return []error{ErrInvalid, e.v}
}

func decode(r io.Reader, limit int64) (*Document, error) {
	if limit <= 0 {
		limit = 64 << 20
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("canvas: read document: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, &docError{v: validate.TooLarge("the document is larger than %d bytes", limit), tooLarge: true}
	}
	var d Document
	if err := validate.DecodeJSON(data, &d); err != nil {
		var v *validate.Error
		if !errors.As(err, &v) {
			v = validate.Malformed("%s", err.Error())
		}
		return nil, &docError{v: v}
	}
	for i := range d.Elements {
		e := &d.Elements[i]
		e.Props = NormalizeProps(e.Props)
		if e.Props == nil {
			e.Props = map[string]any{}
		}
		if e.Stamps == nil {
			e.Stamps = map[string]Stamp{}
		}
	}
	if d.Elements == nil {
		d.Elements = []Element{}
	}
	if fs := validateDocument(&d); len(fs) > 0 {
		return nil, &docError{v: validate.Invalid(fs...)}
	}
	return &d, nil
}

// validateDocument checks everything Decode promises about d.
func validateDocument(d *Document) []validate.FieldError {
	var fs []validate.FieldError
	if d.Format != Format {
		fs = append(fs, validate.Field("format", "must be %q", Format))
	}
	validate.Text(&fs, "title", d.Title, validate.SingleLine)
	validate.MaxLen(&fs, "title", d.Title, MaxTitleRunes)
	if d.TemplateID != "" && !ValidID(d.TemplateID) {
		fs = append(fs, validate.Field("template_id", "is not a valid id"))
	}
	ids := make(map[string]int, len(d.Elements))
	live := 0
	for i := range d.Elements {
		e := &d.Elements[i]
		at := "elements[" + strconv.Itoa(i) + "]"
		if !ValidID(e.ID) {
			fs = append(fs, validate.Field(at+".id", "must be 1…%d bytes without '/', spaces or control characters", MaxIDBytes))
		} else if j, dup := ids[e.ID]; dup {
			fs = append(fs, validate.Field(at+".id", "repeats the id of elements[%d]", j))
		} else {
			ids[e.ID] = i
		}
		if e.Owner == "" || len(e.Owner) > 128 || validate.TextProblem(e.Owner, validate.SingleLine) != "" {
			fs = append(fs, validate.Field(at+".owner", "must be a uid of 1…128 bytes"))
		}
		if !validKind(e.Kind) {
			fs = append(fs, validate.Field(at+".kind", "must be one of %v", Kinds))
			continue
		}
		fs = append(fs, validatePropsAt(at+".props", e.Kind, e.Props, true)...)
		if n := encodedSize(e.Props); n > MaxPropsBytes {
			fs = append(fs, validate.Field(at+".props", "encode to %d bytes; at most %d are allowed", n, MaxPropsBytes))
		}
		for _, k := range sortedKeys(e.Props) {
			if s, ok := e.Stamps[k]; !ok || s <= 0 {
				fs = append(fs, validate.Field(at+".stamps."+k, "must be a positive stamp"))
			}
		}
		for _, k := range sortedKeys(e.Stamps) {
			if _, ok := e.Props[k]; !ok {
				fs = append(fs, validate.Field(at+".stamps."+k, "stamps a property the element does not have"))
			}
		}
		if !e.Deleted() {
			live++
		}
		if len(fs) > 100 {
			return fs // enough to show what is wrong
		}
	}
	if live > MaxElements {
		fs = append(fs, validate.Field("elements", "holds %d live elements; at most %d are allowed", live, MaxElements))
	}
	for i := range d.Elements {
		e := &d.Elements[i]
		if e.Kind != KindConnector {
			continue
		}
		for _, end := range []string{PropFrom, PropTo} {
			if id := EndElement(e.Props[end]); id != "" {
				if _, ok := ids[id]; !ok {
					fs = append(fs, validate.Field("elements["+strconv.Itoa(i)+"].props."+end+".element", "names no element of the document"))
				}
			}
		}
	}
	return fs
}

func encode(w io.Writer, d *Document) error {
	out := *d
	out.Elements = slices.Clone(d.Elements)
	if out.Elements == nil {
		out.Elements = []Element{}
	}
	SortByZ(out.Elements)
	for i := range out.Elements {
		e := &out.Elements[i]
		if e.Props == nil || e.Stamps == nil {
			c := *e
			if c.Props == nil {
				c.Props = map[string]any{}
			}
			if c.Stamps == nil {
				c.Stamps = map[string]Stamp{}
			}
			*e = c
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("canvas: encode document: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// SortByZ orders elements back to front: by z (elements without one
// first), then by id, so equal z never renders differently on two
// replicas.
func SortByZ(els []Element) {
	slices.SortStableFunc(els, func(a, b Element) int {
		za, _ := a.Props[PropZ].(string)
		zb, _ := b.Props[PropZ].(string)
		switch {
		case za < zb:
			return -1
		case za > zb:
			return 1
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
}

// Export is d as an export shows it: live elements only; a connector end
// that names an element left out becomes a free point where that
// element's anchor was, and a parent left out is cleared, so the export
// imports again (Decode).
func (d *Document) Export() *Document {
	out := *d
	out.Elements = make([]Element, 0, len(d.Elements))
	byID := make(map[string]*Element, len(d.Elements))
	for i := range d.Elements {
		byID[d.Elements[i].ID] = &d.Elements[i]
	}
	kept := map[string]bool{}
	for i := range d.Elements {
		if !d.Elements[i].Deleted() {
			kept[d.Elements[i].ID] = true
		}
	}
	for i := range d.Elements {
		e := d.Elements[i]
		if e.Deleted() {
			continue
		}
		f := e.Full()
		e.Props, e.Stamps = f.Props, f.Stamps
		for _, end := range []string{PropFrom, PropTo} {
			id := EndElement(e.Props[end])
			if e.Kind != KindConnector || id == "" || kept[id] {
				continue
			}
			var x, y float64
			if t := byID[id]; t != nil {
				anchor, _ := e.Props[end].(map[string]any)["anchor"].(string)
				x, y = AnchorPoint(t, anchor)
			}
			e.Props[end] = map[string]any{"x": x, "y": y}
		}
		if p, _ := e.Props[PropParent].(string); p != "" && !kept[p] {
			e.Props[PropParent] = ""
		}
		out.Elements = append(out.Elements, e)
	}
	return &out
}

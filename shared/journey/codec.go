package journey

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/google/uuid"

	"pointsofyou.ai/studio/shared/validate"
)

// Export document format.
const (
	DocumentFormat        = "poy.journey"
	DocumentFormatVersion = 1
	// MaxDocumentBytes caps an imported document: four phases of 30
	// elements with long instructions stay well below it.
	MaxDocumentBytes = 512 << 10
)

// Document is the self-describing JSON export of a journey; importing it
// creates an equal draft.
type Document struct {
	Format        string  `json:"format"`
	FormatVersion int     `json:"format_version"`
	Journey       Journey `json:"journey"`
}

// Blank is an empty journey with the four phases in order, every slice
// non-nil, as a new draft starts.
func Blank() Journey {
	j := Journey{}
	j.Normalize()
	return j
}

// Normalize gives j the four phases when it has none and replaces nil
// slices with empty ones, so that stored, exported and re-imported
// journeys compare equal.
func (j *Journey) Normalize() {
	if len(j.Phases) == 0 {
		j.Phases = make([]Phase, len(Phases))
		for i, name := range Phases {
			j.Phases[i].Phase = name
		}
	}
	j.Goals = nonNil(j.Goals)
	for i := range j.Phases {
		p := &j.Phases[i]
		p.Objectives = nonNil(p.Objectives)
		if p.Elements == nil {
			p.Elements = []Element{}
		}
		for k := range p.Elements {
			if c := p.Elements[k].Canvas; c != nil && c.RequiredCardTypes != nil && len(c.RequiredCardTypes) == 0 {
				c.RequiredCardTypes = nil // omitempty drops it from JSON
			}
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NewElementID makes a fresh element id.
func NewElementID() string {
	return "el-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
}

// AssignIDs gives every element without an id a fresh one from newID
// (NewElementID when nil).
func (j *Journey) AssignIDs(newID func() string) {
	if newID == nil {
		newID = NewElementID
	}
	for i := range j.Phases {
		for k := range j.Phases[i].Elements {
			if e := &j.Phases[i].Elements[k]; e.ID == "" {
				e.ID = newID()
			}
		}
	}
}

// Elements counts the elements of the phases that are not skipped.
func (j *Journey) Elements() int {
	n := 0
	for _, p := range j.Phases {
		if !p.Skipped {
			n += len(p.Elements)
		}
	}
	return n
}

// ActivePhases counts the phases that are not skipped.
func (j *Journey) ActivePhases() int {
	n := 0
	for _, p := range j.Phases {
		if !p.Skipped {
			n++
		}
	}
	return n
}

// Decode strictly decodes a bare journey: at most MaxDocumentBytes, one
// JSON object, unknown fields rejected. Errors are *validate.Error input
// errors naming the field; the result is normalized but not validated.
func Decode(data []byte) (*Journey, error) {
	if len(data) > MaxDocumentBytes {
		return nil, validate.TooLarge("the journey is %d bytes; at most %d are accepted", len(data), MaxDocumentBytes)
	}
	var j Journey
	if err := validate.DecodeJSON(data, &j); err != nil {
		return nil, err
	}
	j.Normalize()
	return &j, nil
}

// DecodeDocument strictly decodes an export document (see Decode) and
// checks its format and version.
func DecodeDocument(data []byte) (*Journey, error) {
	if len(data) > MaxDocumentBytes {
		return nil, validate.TooLarge("the document is %d bytes; at most %d are accepted", len(data), MaxDocumentBytes)
	}
	var d Document
	if err := validate.DecodeJSON(data, &d); err != nil {
		return nil, err
	}
	var fields []validate.FieldError
	if d.Format != DocumentFormat {
		fields = append(fields, validate.Field("format", "is %q; must be %q", d.Format, DocumentFormat))
	}
	if d.FormatVersion != DocumentFormatVersion {
		fields = append(fields, validate.Field("format_version", "is %d; this server reads version %d", d.FormatVersion, DocumentFormatVersion))
	}
	if len(fields) > 0 {
		return nil, validate.Invalid(fields...)
	}
	d.Journey.Normalize()
	return &d.Journey, nil
}

// EncodeDocument renders j as an export document (indented JSON).
func EncodeDocument(j Journey) ([]byte, error) {
	j = j.Clone()
	j.Normalize()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Document{Format: DocumentFormat, FormatVersion: DocumentFormatVersion, Journey: j}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Clone is a deep copy of j.
func (j *Journey) Clone() Journey {
	c := *j
	c.Goals = cloneStrings(j.Goals)
	c.Phases = make([]Phase, len(j.Phases))
	for i, p := range j.Phases {
		p.Objectives = cloneStrings(p.Objectives)
		els := make([]Element, len(p.Elements))
		for k, e := range p.Elements {
			if e.Canvas != nil {
				cv := *e.Canvas
				cv.RequiredCardTypes = cloneStrings(cv.RequiredCardTypes)
				e.Canvas = &cv
			}
			els[k] = e
		}
		if p.Elements == nil {
			els = nil
		}
		p.Elements = els
		c.Phases[i] = p
	}
	if j.Phases == nil {
		c.Phases = nil
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

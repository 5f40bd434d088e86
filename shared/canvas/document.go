package canvas

import (
	"io"
	"time"
)

// Format names the JSON document of a canvas (snapshots, export, import).
const Format = "poy-canvas/1"

// Document is a whole canvas as JSON: what a snapshot stores in Storage,
// what export writes and import reads. Elements carry their stamps, so a
// restored or imported canvas merges like any other write; deleted
// elements are left out of exports (kept in snapshots).
type Document struct {
	Format     string    `json:"format"`
	Title      string    `json:"title"`
	TemplateID string    `json:"template_id,omitempty"`
	ExportedAt time.Time `json:"exported_at"`
	Elements   []Element `json:"elements"`
}

// Decode reads and validates a document from r (at most limit bytes):
// its format, every element's id, kind and properties (ValidateProps),
// a positive stamp for every property (and none for others), connectors
// that point at elements of the document, at most MaxElements live
// elements. Errors wrap ErrInvalid (and ErrTooLarge over the limit) and
// unwrap to a *validate.Error naming the offending element's index
// ("elements[3].props.x"). Numbers come back canonical (Normalize).
func Decode(r io.Reader, limit int64) (*Document, error) { return decode(r, limit) }

// Encode writes d as indented JSON, elements in z order (SortByZ); d is
// not changed. Encode(Decode(x)) decodes equal to Decode(x). An export
// encodes d.Export().
func Encode(w io.Writer, d *Document) error { return encode(w, d) }

// Between is a fractional index strictly between a and b ("" is the
// start or the end of the order): the z of an element put between two
// others, so a reorder writes one property of one element.
func Between(a, b string) (string, error) { return between(a, b) }

// ValidIndex reports a well-formed fractional index.
func ValidIndex(s string) bool { return validIndex(s) }

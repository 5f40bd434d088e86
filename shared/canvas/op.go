package canvas

import (
	"errors"

	"pointsofyou.ai/studio/shared/validate"
)

// Property names common to every kind. Kind-specific ones are documented
// with ValidateProps.
const (
	PropDeleted = "deleted" // bool: in the trash
	PropZ       = "z"       // string: fractional index (Between), larger is in front
	PropX       = "x"
	PropY       = "y"
	PropW       = "w"
	PropH       = "h"
	PropParent  = "parent" // string: id of the frame the element sits in ("" none)
	PropLocked  = "locked" // bool: locked by its owner against edits by others (not the drag lock)
)

// Op is one operation a client sends on a canvas channel (the "op"
// message of infra/asyncapi.yaml without its envelope).
type Op struct {
	// OpID is the client's id of the operation (unique per client); it is
	// echoed in the ack and to the other subscribers.
	OpID string `json:"op_id"`
	// Action is create | update | delete | restore.
	Action string `json:"action"`
	// ElementID is the element's id; a create names a new one (made by the
	// client, DocID rules).
	ElementID string `json:"element_id"`
	// Kind is the element's kind (create only).
	Kind string `json:"kind,omitempty"`
	// Props are the properties set (create: the initial ones; update: the
	// changed ones, null removes an optional property).
	Props map[string]any `json:"props,omitempty"`
	// Drag marks an update made while dragging: it takes or refreshes the
	// element's 5 s lock and may be coalesced before it is persisted.
	Drag bool `json:"drag,omitempty"`
}

// ErrInvalid wraps every validation failure of an op or a document.
var ErrInvalid = errors.New("canvas: invalid")

// Validate checks op against the element as it is now (nil when it does
// not exist): the action, the id, the kind (create), every property's
// type and range for the element's kind, the limits above, and that the
// action makes sense (no create of an existing id, no update of a missing
// or deleted element, no restore of a live one). Field errors name the
// offending property ("props.x"), sorted by name. OpID is checked when
// present (one line, ≤ MaxOpIDBytes); the socket layer requires it.
func (op *Op) Validate(current *Element) []validate.FieldError {
	return validateOp(op, current)
}

// Patch turns a valid op into the patch it applies, every property
// stamped s; owner is the acting person (recorded on create).
func (op *Op) Patch(owner string, s Stamp) Patch {
	return opPatch(op, owner, s)
}

// Inverse is the patch that undoes applied on an element that was before
// (nil when applied created it): the previous value of every property
// applied changed (nil where there was none; deleted=true for a create),
// stamped s. Redo is the inverse of the undo.
func Inverse(before *Element, applied Patch, s Stamp) Patch {
	return inverse(before, applied, s)
}

// ValidateProps checks props for kind (every value's type and range).
// Properties by kind (all optional unless marked):
//
//	every kind: x, y (number, |v| ≤ MaxCoordinate, required on create),
//	  z (fractional index, ValidIndex, ≤ MaxIndexBytes), rotation
//	  (degrees, -360…360), opacity (0…1), locked (bool), parent (frame
//	  id, "" none), deleted (bool; set by the delete and restore actions
//	  only, never through an op's props)
//	card: card_id (required), face_down (bool), w, h
//	shape: shape (rect|ellipse|triangle|star|hexagon|polygon), w, h,
//	  fill, stroke (colour #rrggbb), stroke_width (0…50)
//	text: text, font_size (6…400), color, align (start|center|end)
//	note: text, color (#rrggbb), w, h
//	image: media_id (required), w, h, alt
//	frame: title (one line, ≤ MaxTitleRunes), w, h, fill
//	stroke: points ([x, y, pressure, …] relative to the element's x, y,
//	  pressure 0…1, ≤ MaxStrokePoint triples), color, width (1…50),
//	  tool (pen|highlighter)
//	connector: from, to ({"element": id, "anchor": n|ne|e|se|s|sw|w|nw|center}
//	  or {"x","y"}), style (line|arrow|double_arrow|curved|orthogonal),
//	  dash (solid|dashed|dotted|dash_dot), width (1…10), color, label
//
// w and h are 1…MaxCoordinate; numbers are finite; colours are #rrggbb;
// ids are document ids of ≤ MaxIDBytes (ValidID); text, alt and label
// hold ≤ MaxTextRunes characters (line breaks allowed, no other control
// characters). null removes an optional property (updates only; required
// ones cannot be removed). The encoded props of an element are ≤
// MaxPropsBytes. Unknown properties are refused.
func ValidateProps(kind string, props map[string]any, create bool) []validate.FieldError {
	return validateProps(kind, props, create)
}

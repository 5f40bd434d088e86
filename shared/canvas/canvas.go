// Package canvas is the model of the live canvas, shared by the realtime
// gateway (functions/realtime) and the canvas API (functions/canvas): the
// element kinds and their properties, operations and their validation,
// last-writer-wins merging per property, fractional z-order indexes,
// inverse operations for undo, the access rule of a canvas, and the JSON
// document used by snapshots, export and import. It does no I/O.
//
// State is one element per Firestore document
// (orgs/{org}/canvases/{canvas}/elements/{element}). Every property of an
// element carries the Stamp of the operation that last set it; merging
// keeps, per property, the value with the larger stamp, so any two
// replicas that have seen the same patches hold the same element whatever
// the order they saw them in (a CRDT register per property). Deletion is
// the property "deleted" (true), so a delete and a concurrent move merge
// too, and a deleted element can be restored for 30 days.
//
// # Properties by kind
//
// All optional unless marked (ValidateProps checks them):
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
package canvas

// Element kinds.
const (
	KindCard      = "card"      // a library card (card_id), optionally face down
	KindShape     = "shape"     // rect, ellipse, triangle, star, hexagon, polygon
	KindText      = "text"      // free text
	KindNote      = "note"      // sticky note
	KindImage     = "image"     // an uploaded image (media_id)
	KindFrame     = "frame"     // a titled area other elements sit in (parent)
	KindStroke    = "stroke"    // a pen/highlighter drawing: points with pressure
	KindConnector = "connector" // a line between two elements' anchors, with a label
)

// Kinds lists every element kind.
var Kinds = []string{KindCard, KindShape, KindText, KindNote, KindImage, KindFrame, KindStroke, KindConnector}

// Roles a person can have on a canvas, weakest first.
const (
	RoleNone   = ""
	RoleViewer = "viewer"
	RoleEditor = "editor"
	RoleOwner  = "owner"
)

// Visibility of a canvas.
const (
	Private = "private" // the owner only
	Shared  = "shared"  // the owner, its shares, and (by consent) the session's facilitators
)

// Actions of an operation.
const (
	ActionCreate  = "create"
	ActionUpdate  = "update"
	ActionDelete  = "delete"
	ActionRestore = "restore"
)

// Limits of one element and one canvas.
const (
	MaxElements    = 5000     // live (not deleted) elements per canvas
	MaxTextRunes   = 10000    // text, note body, labels
	MaxStrokePoint = 6000     // points of one stroke (x, y, pressure triples)
	MaxCoordinate  = 1e7      // |x|, |y| on the infinite workspace
	MaxPropsBytes  = 64 << 10 // encoded props of one element
	LockFor        = 5        // seconds an element stays locked by its dragger
	TrashDays      = 30       // days a deleted element can be restored
)

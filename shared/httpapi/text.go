package httpapi

import "pointsofyou.ai/studio/shared/validate"

// The human-text check lives in shared/validate, where domain rules use
// it too; these names keep handlers reading httpapi.Text.

// TextKind says which line structure a text field may have.
type TextKind = validate.TextKind

const (
	// SingleLine fields hold no line break or tab.
	SingleLine = validate.SingleLine
	// MultiLine fields may hold line breaks (LF, CR) and tabs.
	MultiLine = validate.MultiLine
)

// Text reports a human text field holding invalid UTF-8 or a character
// kind does not allow.
func Text(fields *[]FieldError, name, value string, kind TextKind) {
	validate.Text(fields, name, value, kind)
}

// Texts is Text on every entry of a list, named name[i].
func Texts(fields *[]FieldError, name string, values []string, kind TextKind) {
	validate.Texts(fields, name, values, kind)
}

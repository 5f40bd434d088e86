// Package validate says what is wrong with a client's input without
// knowing how it is answered: field errors, the checks that produce them
// (presence, length, allowed values, human text) and strict JSON
// decoding. Domain packages return these; shared/httpapi turns them into
// problem responses, so the rules stay free of HTTP.
package validate

import (
	"fmt"
	"strings"
)

// FieldError names one offending input field. Field is a dotted path
// ("phases[2].title"); Pointer is the same location as a JSON Pointer.
type FieldError struct {
	Field   string `json:"field"`
	Pointer string `json:"pointer,omitempty"`
	Detail  string `json:"detail"`
}

// Field builds a FieldError with the JSON Pointer derived from the path.
func Field(field, format string, args ...any) FieldError {
	return FieldError{Field: field, Pointer: pointer(field), Detail: fmt.Sprintf(format, args...)}
}

// Kind says what sort of input failure an Error is.
type Kind int

const (
	// KindInvalid input was read but breaks rules; Fields names them.
	KindInvalid Kind = iota
	// KindMalformed input could not be read at all (not JSON, trailing data).
	KindMalformed
	// KindTooLarge input is over its size cap.
	KindTooLarge
)

// Error is input a client must correct. Detail is fit to show the client.
type Error struct {
	Kind   Kind
	Detail string
	Fields []FieldError
}

func (e *Error) Error() string { return e.Detail }

// Invalid is a KindInvalid error naming every offending field.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Detail: Summarize(fields), Fields: fields}
}

// Malformed is a KindMalformed error.
func Malformed(format string, args ...any) *Error {
	return &Error{Kind: KindMalformed, Detail: fmt.Sprintf(format, args...)}
}

// TooLarge is a KindTooLarge error.
func TooLarge(format string, args ...any) *Error {
	return &Error{Kind: KindTooLarge, Detail: fmt.Sprintf(format, args...)}
}

// Summarize is a one-line description of fields.
func Summarize(fields []FieldError) string {
	switch len(fields) {
	case 0:
		return "the request is invalid"
	case 1:
		return fields[0].Field + ": " + fields[0].Detail
	default:
		return fmt.Sprintf("%d fields are invalid (first: %s: %s)", len(fields), fields[0].Field, fields[0].Detail)
	}
}

// Required reports a missing string field.
func Required(fields *[]FieldError, name, value string) {
	if strings.TrimSpace(value) == "" {
		*fields = append(*fields, Field(name, "is required"))
	}
}

// MaxLen reports a string field over n characters (runes, not bytes).
func MaxLen(fields *[]FieldError, name, value string, n int) {
	if l := len([]rune(value)); l > n {
		*fields = append(*fields, Field(name, "is %d characters; at most %d are allowed", l, n))
	}
}

// OneOf reports a value outside the allowed set.
func OneOf(fields *[]FieldError, name, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	*fields = append(*fields, Field(name, "must be one of %s", fmt.Sprint(allowed)))
}

// pointer turns "a.b[2].c" into "/a/b/2/c" (RFC 6901).
func pointer(field string) string {
	if field == "" || field == "(body)" {
		return ""
	}
	var b strings.Builder
	for _, part := range strings.Split(field, ".") {
		name, rest, _ := strings.Cut(part, "[")
		b.WriteString("/" + escapePointer(name))
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			b.WriteString("/" + idx)
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return "#" + b.String()
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

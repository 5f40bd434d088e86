package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Validator is implemented by input types that check themselves after
// decoding.
type Validator interface {
	Validate() []FieldError
}

// DecodeJSON strictly decodes data into dst: one JSON value, unknown
// fields rejected, then dst.Validate() when dst is a Validator. Whatever
// the input, it returns nil or an *Error naming the offending field where
// there is one.
func DecodeJSON(data []byte, dst any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return Malformed("the body is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return Malformed("the body must hold a single JSON value")
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return Malformed("the body must hold a single JSON value")
	}
	if v, ok := dst.(Validator); ok {
		if fields := v.Validate(); len(fields) > 0 {
			return Invalid(fields...)
		}
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return Malformed("malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Malformed("malformed JSON: the body ends early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return Invalid(Field(field, "must be %s, not JSON %s", describeType(typ.Type.Kind().String()), typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if name == "" {
			name = `""` // an empty key still has to be named
		}
		return Invalid(Field(name, "is not a known field"))
	default:
		return Malformed("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

func describeType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	default:
		return "of type " + kind
	}
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// DefaultMaxBody caps JSON request bodies unless a handler asks for another cap.
const DefaultMaxBody = 1 << 20

// Validator is implemented by request types that check themselves after
// decoding; returned field errors become one 400 validation problem.
type Validator interface {
	Validate() []FieldError
}

// DecodeJSON reads r's body into dst: application/json only, at most maxBytes
// (DefaultMaxBody when 0), unknown fields rejected, a single JSON value, and
// dst.Validate() when dst implements Validator. Errors are problems naming
// the offending field.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, maxBytes int64) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return UnsupportedMediaType("the body must be application/json, not %q", ct)
		}
	}
	if r.ContentLength > maxBytes {
		return TooLarge("the body is %d bytes; at most %d are accepted", r.ContentLength, maxBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return TooLarge("the body is larger than %d bytes", maxBytes)
		}
		return BadRequest("the body could not be read")
	}
	return DecodeBytes(body, dst)
}

// DecodeBytes is DecodeJSON's strict decoding on a byte slice. It is the
// fuzzed entry point: whatever the input, it returns nil or an *Error.
func DecodeBytes(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return BadRequest("the body is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, body)
	}
	if dec.More() {
		return BadRequest("the body must hold a single JSON value")
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return BadRequest("the body must hold a single JSON value")
	}
	if v, ok := dst.(Validator); ok {
		if fields := v.Validate(); len(fields) > 0 {
			return Invalid(fields...)
		}
	}
	return nil
}

func decodeError(err error, body []byte) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return BadRequest("malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("malformed JSON: the body ends early")
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
		return BadRequest("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
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

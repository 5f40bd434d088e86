package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"pointsofyou.ai/studio/shared/validate"
)

// DefaultMaxBody caps JSON request bodies unless a handler asks for another cap.
const DefaultMaxBody = 1 << 20

// Validator is implemented by request types that check themselves after
// decoding; returned field errors become one 400 validation problem.
type Validator = validate.Validator

// DecodeJSON reads r's body into dst: application/json only, at most maxBytes
// (DefaultMaxBody when 0), unknown fields rejected, a single JSON value, and
// dst.Validate() when dst implements Validator. Errors are problems naming
// the offending field.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, maxBytes int64) error {
	if err := jsonContentType(r); err != nil {
		return err
	}
	body, err := readBody(w, r, maxBytes)
	if err != nil {
		return err
	}
	return DecodeBytes(body, dst)
}

// DecodeOptionalJSON is DecodeJSON for a route whose body is optional: an
// empty body (whatever its Content-Type or framing) leaves dst as it is
// and is not validated; any other body is decoded as strictly as
// DecodeJSON does.
func DecodeOptionalJSON(w http.ResponseWriter, r *http.Request, dst any, maxBytes int64) error {
	body, err := readBody(w, r, maxBytes)
	if err != nil || len(body) == 0 {
		return err
	}
	if err := jsonContentType(r); err != nil {
		return err
	}
	return DecodeBytes(body, dst)
}

func jsonContentType(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return UnsupportedMediaType("the body must be application/json, not %q", ct)
		}
	}
	return nil
}

// readBody reads at most maxBytes (DefaultMaxBody when 0) of r's body.
func readBody(w http.ResponseWriter, r *http.Request, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	if r.ContentLength > maxBytes {
		return nil, TooLarge("the body is %d bytes; at most %d are accepted", r.ContentLength, maxBytes)
	}
	if r.Body == nil { // a request built in-process rather than received
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, TooLarge("the body is larger than %d bytes", maxBytes)
		}
		return nil, BadRequest("the body could not be read")
	}
	return body, nil
}

// DecodeBytes is DecodeJSON's strict decoding on a byte slice. It is the
// fuzzed entry point: whatever the input, it returns nil or an *Error.
func DecodeBytes(body []byte, dst any) error {
	if err := validate.DecodeJSON(body, dst); err != nil {
		if e, ok := FromInput(err); ok {
			return e
		}
		return Internal(err)
	}
	return nil
}

// Required reports a missing string field.
func Required(fields *[]FieldError, name, value string) { validate.Required(fields, name, value) }

// MaxLen reports a string field over n characters (runes, not bytes).
func MaxLen(fields *[]FieldError, name, value string, n int) { validate.MaxLen(fields, name, value, n) }

// OneOf reports a value outside the allowed set.
func OneOf(fields *[]FieldError, name, value string, allowed ...string) {
	validate.OneOf(fields, name, value, allowed...)
}

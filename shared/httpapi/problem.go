// Package httpapi holds the HTTP plumbing every function shares: strict JSON
// decoding, RFC 9457 problem responses, request ids, panic recovery and
// access logging. Handlers return errors; one place turns them into problems
// so that the status code and the stable problem type never drift apart.
package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"pointsofyou.ai/studio/shared/validate"
)

// ProblemBase prefixes every problem type URI. Types are stable identifiers:
// clients switch on them, so a slug never changes meaning once published.
const ProblemBase = "https://studio.pointsofyou.ai/problems/"

// ContentTypeProblem is the media type of every error body (RFC 9457).
const ContentTypeProblem = "application/problem+json"

// FieldError names one offending input field; it is shared/validate's
// type, so domain rules and handlers speak the same field errors.
type FieldError = validate.FieldError

// Problem is the RFC 9457 body.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// Error is an error that knows how it is shown to a client.
type Error struct {
	Status int
	Slug   string // stable problem type slug, e.g. "validation"
	Title  string
	Detail string
	Fields []FieldError
	// Header carries extra response headers (Retry-After, WWW-Authenticate).
	Header http.Header
	cause  error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Slug, e.Detail, e.cause)
	}
	return e.Slug + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.cause }

// WithCause keeps an internal cause for logs; it is never shown to clients.
func (e *Error) WithCause(err error) *Error { e.cause = err; return e }

// WithHeader adds a response header to the problem.
func (e *Error) WithHeader(k, v string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Set(k, v)
	return e
}

func newError(status int, slug, title, format string, args ...any) *Error {
	return &Error{Status: status, Slug: slug, Title: title, Detail: fmt.Sprintf(format, args...)}
}

// BadRequest is malformed input that is not about one field.
func BadRequest(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, "bad-request", "Bad request", format, args...)
}

// Invalid is a validation failure naming the offending fields: input
// that cannot be read as the request it claims to be (400).
func Invalid(fields ...FieldError) *Error {
	e := newError(http.StatusBadRequest, "validation", "Invalid input", "%s", validate.Summarize(fields))
	e.Fields = fields
	return e
}

// Unprocessable is well-formed input that the rules or the current state
// refuse, naming the offending fields (422). It has Invalid's problem type:
// clients read one type for "fix these fields", whatever the status.
func Unprocessable(fields ...FieldError) *Error {
	e := Invalid(fields...)
	e.Status = http.StatusUnprocessableEntity
	return e
}

// Field builds a FieldError with the JSON Pointer derived from the path.
func Field(field, format string, args ...any) FieldError {
	return validate.Field(field, format, args...)
}

// Unauthenticated is a missing or bad credential (401).
func Unauthenticated(format string, args ...any) *Error {
	return newError(http.StatusUnauthorized, "unauthenticated", "Authentication required", format, args...).
		WithHeader("WWW-Authenticate", `Bearer realm="studio"`)
}

// Forbidden is a known caller without the right (403).
func Forbidden(format string, args ...any) *Error {
	return newError(http.StatusForbidden, "forbidden", "Forbidden", format, args...)
}

// NotFound hides both absence and, across tenants, existence (404).
func NotFound(format string, args ...any) *Error {
	return newError(http.StatusNotFound, "not-found", "Not found", format, args...)
}

// Conflict is a state clash such as a used invitation or a stale version (409).
func Conflict(format string, args ...any) *Error {
	return newError(http.StatusConflict, "conflict", "Conflict", format, args...)
}

// PreconditionFailed is a failed If-Match style precondition (412).
func PreconditionFailed(format string, args ...any) *Error {
	return newError(http.StatusPreconditionFailed, "precondition-failed", "Precondition failed", format, args...)
}

// TooLarge is a body over the size cap (413).
func TooLarge(format string, args ...any) *Error {
	return newError(http.StatusRequestEntityTooLarge, "too-large", "Request too large", format, args...)
}

// UnsupportedMediaType is a body of the wrong content type (415).
func UnsupportedMediaType(format string, args ...any) *Error {
	return newError(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type", format, args...)
}

// TooManyRequests is a rate limit hit; retryAfter is in seconds.
func TooManyRequests(retryAfter int, format string, args ...any) *Error {
	return newError(http.StatusTooManyRequests, "rate-limited", "Too many requests", format, args...).
		WithHeader("Retry-After", fmt.Sprint(retryAfter))
}

// MethodNotAllowed is a known path with the wrong method (405).
func MethodNotAllowed(format string, args ...any) *Error {
	return newError(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", format, args...)
}

// Internal hides the cause from the client and keeps it for the log.
func Internal(cause error) *Error {
	return newError(http.StatusInternalServerError, "internal", "Internal error",
		"the server could not complete the request").WithCause(cause)
}

// Unavailable is a dependency that is down; clients may retry (503).
func Unavailable(cause error) *Error {
	return newError(http.StatusServiceUnavailable, "unavailable", "Service unavailable",
		"a backing service is unavailable; retry later").WithCause(cause)
}

// FromInput turns a *validate.Error (input the client must correct) into
// its problem: 400 validation naming the fields, 400 bad-request or 413.
// It reports false for any other error.
func FromInput(err error) (*Error, bool) {
	var ve *validate.Error
	if !errors.As(err, &ve) {
		return nil, false
	}
	switch ve.Kind {
	case validate.KindMalformed:
		return BadRequest("%s", ve.Detail), true
	case validate.KindTooLarge:
		return TooLarge("%s", ve.Detail), true
	default:
		e := Invalid(ve.Fields...)
		e.Detail = ve.Detail
		return e, true
	}
}

// WriteError writes err as a problem: an *Error as it is, a
// *validate.Error as FromInput maps it, anything else as a 500 whose cause
// is logged but not shown.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		var ok bool
		if e, ok = FromInput(err); !ok {
			e = Internal(err)
		}
	}
	if e.Status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "error", err.Error(),
			"status", e.Status, "path", r.URL.Path)
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	p := Problem{
		Type: ProblemBase + e.Slug, Title: e.Title, Status: e.Status, Detail: e.Detail,
		Instance: r.URL.Path, RequestID: RequestID(r.Context()), Errors: e.Fields,
	}
	w.Header().Set("Content-Type", ContentTypeProblem)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteJSON writes v with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// HandlerFunc is an HTTP handler that returns its error instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		WriteError(w, r, err)
	}
}

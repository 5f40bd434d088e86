package bigquery

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// apiError is an error in BigQuery's REST shape:
// {"error":{"code":400,"message":…,"errors":[{"reason":…,"location":…,"message":…}],"status":…}}.
type apiError struct {
	Code     int
	Reason   string // invalid, invalidQuery, notFound, duplicate, …
	Location string
	Message  string
}

func (e *apiError) Error() string { return e.Message }

func (e *apiError) status() string {
	switch e.Code {
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "ALREADY_EXISTS"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusInternalServerError:
		return "INTERNAL"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	default:
		return "INVALID_ARGUMENT"
	}
}

// errorProto is the errorResult / errors[] element of jobs and responses.
type errorProto struct {
	Reason   string `json:"reason,omitempty"`
	Location string `json:"location,omitempty"`
	Message  string `json:"message,omitempty"`
}

func (e *apiError) proto() errorProto {
	return errorProto{Reason: e.Reason, Location: e.Location, Message: e.Message}
}

func errInvalid(format string, args ...any) *apiError {
	return &apiError{Code: http.StatusBadRequest, Reason: "invalid", Message: fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) *apiError {
	return &apiError{Code: http.StatusNotFound, Reason: "notFound", Message: "Not found: " + fmt.Sprintf(format, args...)}
}

func errDuplicate(format string, args ...any) *apiError {
	return &apiError{Code: http.StatusConflict, Reason: "duplicate", Message: "Already Exists: " + fmt.Sprintf(format, args...)}
}

func errQuery(msg string) *apiError {
	return &apiError{Code: http.StatusBadRequest, Reason: "invalidQuery", Location: "query", Message: msg}
}

// syntaxErr is an invalidQuery error for malformed SQL.
func syntaxErr(msg string) *apiError { return errQuery("Syntax error: " + msg) }

var (
	reDuckLine    = regexp.MustCompile(`(?s)\n\s*LINE \d+:.*$`)
	reDuckMissing = regexp.MustCompile(`(Table|Schema|Catalog) with name "?([^ "!]+)"? does not exist`)
)

// queryError converts an engine error into BigQuery's query error shape:
// syntax errors and unknown names become invalidQuery, missing tables
// notFound, as production reports them.
func queryError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	msg := reDuckLine.ReplaceAllString(err.Error(), "")
	if i := strings.Index(msg, "\nDid you mean"); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimSpace(msg)
	switch {
	case strings.HasPrefix(msg, "Parser Error: "):
		return syntaxErr(strings.TrimPrefix(msg, "Parser Error: "))
	case strings.HasPrefix(msg, "Catalog Error: ") && reDuckMissing.MatchString(msg):
		m := reDuckMissing.FindStringSubmatch(msg)
		kind := m[1]
		if kind != "Table" {
			kind = "Dataset"
		}
		return &apiError{Code: http.StatusNotFound, Reason: "notFound", Location: "query",
			Message: fmt.Sprintf("Not found: %s %s was not found in location %s", kind, m[2], defaultLocation)}
	}
	for _, p := range []string{"Binder Error: ", "Catalog Error: ", "Conversion Error: ", "Invalid Input Error: ",
		"Constraint Error: ", "Out of Range Error: ", "Not implemented Error: ", "Type Error: ", "Dependency Error: "} {
		if strings.HasPrefix(msg, p) {
			return errQuery(strings.TrimPrefix(msg, p))
		}
	}
	return errQuery(msg)
}

// writeError writes err in BigQuery's error shape. Errors that are not
// apiErrors are internal failures.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{Code: http.StatusInternalServerError, Reason: "internalError", Message: err.Error()}
	}
	body := map[string]any{"error": map[string]any{
		"code":    ae.Code,
		"message": ae.Message,
		"errors":  []errorProto{{Reason: ae.Reason, Location: ae.Location, Message: ae.Message}},
		"status":  ae.status(),
	}}
	writeJSON(w, ae.Code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

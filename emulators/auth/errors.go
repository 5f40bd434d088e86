package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// apiError is an error in Google's REST shape:
// {"error":{"code":400,"message":"EMAIL_EXISTS","errors":[{"message":…,"reason":"invalid","domain":"global"}]}}.
// The SDKs switch on the message, up to the first " : ".
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.message) }

func badRequest(msg string) *apiError { return &apiError{status: http.StatusBadRequest, message: msg} }

func notFound(msg string) *apiError { return &apiError{status: http.StatusNotFound, message: msg} }

func notImplemented(msg string) *apiError {
	return &apiError{status: http.StatusNotImplemented, message: msg}
}

// Messages shared by several operations, spelled as Google's emulator does.
const (
	msgWeakPassword = "WEAK_PASSWORD : Password should be at least 6 characters"
	minPasswordLen  = 6
)

func reasonFor(status int) (reason, grpcStatus string) {
	switch status {
	case http.StatusBadRequest:
		return "invalid", "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "unauthorized", "UNAUTHENTICATED"
	case http.StatusNotFound:
		return "notFound", "NOT_FOUND"
	case http.StatusMethodNotAllowed:
		return "invalid", "INVALID_ARGUMENT"
	case http.StatusRequestEntityTooLarge:
		return "invalid", "INVALID_ARGUMENT"
	case http.StatusNotImplemented:
		return "unimplemented", "NOT_IMPLEMENTED"
	default:
		return "internal", "INTERNAL"
	}
}

func writeError(w http.ResponseWriter, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		e = &apiError{status: http.StatusInternalServerError, message: "INTERNAL_ERROR"}
	}
	reason, status := reasonFor(e.status)
	body := map[string]any{
		"code":    e.status,
		"message": e.message,
		"errors":  []map[string]string{{"message": e.message, "reason": reason, "domain": "global"}},
	}
	if e.status != http.StatusBadRequest {
		body["status"] = status
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": body})
}

// decodeRequest decodes a JSON body into dst. Unknown fields are ignored (the
// SDKs send more than this emulator reads); wrong types are a 400. An empty
// body is an empty object. It never panics: it is fuzzed.
func decodeRequest(body []byte, dst any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return badRequest(fmt.Sprintf("INVALID_ARGUMENT : Invalid JSON payload received. Invalid value at '%s' (%s)", typ.Field, typ.Value))
		}
		return badRequest("INVALID_ARGUMENT : Invalid JSON payload received. " + strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"
)

// Errors callers can test with errors.Is.
var (
	// ErrInvalid marks an envelope, id or payload that breaks the rules.
	ErrInvalid = errors.New("events: invalid event")
	// ErrUnknownType marks an event type that is not registered.
	ErrUnknownType = errors.New("events: unknown event type")
)

// MaxEncoded bounds an encoded envelope; events are small by design.
const MaxEncoded = 64 << 10

// ActorLen is the length of a pseudonymous actor: the first 16 bytes
// (128 bits) of the HMAC, base64url without padding.
const ActorLen = 22

var (
	// idRE: an opaque id (Firestore auto ids, UUIDs, slugs). No spaces,
	// dots or "@", so names and emails do not fit.
	idRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)
	typeRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}(\.[a-z][a-z0-9_]{0,39}){1,3}$`)
	uuidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	actorRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
)

// Envelope is one domain event as published and as stored in BigQuery.
type Envelope struct {
	// EventID is a UUID, the idempotency key.
	EventID string `json:"event_id"`
	// Type is a registered event type, e.g. "canvas.op".
	Type string `json:"type"`
	// OccurredAt is when the event happened, UTC, microsecond precision
	// (BigQuery's TIMESTAMP).
	OccurredAt time.Time `json:"occurred_at"`
	OrgID      string    `json:"org_id"`
	// Actor is the pseudonymous actor (see Pseudonymizer); empty for system
	// events and for aggregate-only events without analytics consent.
	Actor     string `json:"actor,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	CanvasID  string `json:"canvas_id,omitempty"`
	// Payload is the type's registered payload struct as a JSON object.
	Payload json.RawMessage `json:"payload"`
	// SchemaVersion is the registered version of the payload.
	SchemaVersion int `json:"schema_version"`
}

// Validate checks the envelope's structure: ids, type syntax, times and
// that the payload is a JSON object. It does not know the registry; see
// Registry.Check for the payload's contents.
func (e *Envelope) Validate() error {
	switch {
	case !uuidRE.MatchString(e.EventID):
		return invalid("event_id", "must be a lowercase UUID")
	case !typeRE.MatchString(e.Type):
		return invalid("type", "must look like area.action")
	case e.OccurredAt.IsZero():
		return invalid("occurred_at", "is required")
	case e.OccurredAt.Year() < 2000 || e.OccurredAt.Year() > 9999:
		return invalid("occurred_at", "is out of range")
	case e.SchemaVersion < 1:
		return invalid("schema_version", "must be at least 1")
	case e.Actor != "" && !actorRE.MatchString(e.Actor):
		return invalid("actor", "must be a pseudonym of 22 base64url characters")
	}
	if err := checkID("org_id", e.OrgID, true); err != nil {
		return err
	}
	if err := checkID("session_id", e.SessionID, false); err != nil {
		return err
	}
	if err := checkID("canvas_id", e.CanvasID, false); err != nil {
		return err
	}
	p := bytes.TrimSpace(e.Payload)
	if len(p) == 0 || p[0] != '{' || !json.Valid(p) {
		return invalid("payload", "must be a JSON object")
	}
	return nil
}

// Encode validates the envelope and returns its JSON form, the message
// data. OccurredAt is written in UTC.
func Encode(e *Envelope) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	c := *e
	c.OccurredAt = c.OccurredAt.UTC()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(out) > MaxEncoded {
		return nil, invalid("payload", fmt.Sprintf("envelope is %d bytes; at most %d", len(out), MaxEncoded))
	}
	return out, nil
}

// Decode parses message data strictly: one JSON object, no unknown or
// missing fields, valid ids. It does not check the payload against the
// registry; use Registry.Check or DecodePayload for that.
func Decode(data []byte) (*Envelope, error) {
	if len(data) > MaxEncoded {
		return nil, invalid("(data)", fmt.Sprintf("is %d bytes; at most %d", len(data), MaxEncoded))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e Envelope
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("(data)", "has data after the JSON object")
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	e.OccurredAt = e.OccurredAt.UTC()
	return &e, nil
}

func invalid(field, msg string) error {
	return fmt.Errorf("%w: %s %s", ErrInvalid, field, msg)
}

// checkID accepts an opaque id; required says whether it may be empty.
func checkID(field, v string, required bool) error {
	if v == "" {
		if required {
			return invalid(field, "is required")
		}
		return nil
	}
	if !idRE.MatchString(v) {
		return invalid(field, "must be an opaque id (letters, digits, _ and -; at most 128)")
	}
	return nil
}

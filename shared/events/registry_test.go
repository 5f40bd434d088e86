package events

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

type okNested struct {
	At   time.Time `json:"at"`
	Tags []Enum    `json:"tags" enum:"a,b"`
}

type okPayload struct {
	ID      ID         `json:"id"`
	IDs     []ID       `json:"ids,omitempty"`
	Kind    Enum       `json:"kind" enum:"x,y"`
	N       int        `json:"n"`
	F       float64    `json:"f"`
	B       bool       `json:"b"`
	U       uint32     `json:"u"`
	Opt     *int       `json:"opt,omitempty"`
	Nested  okNested   `json:"nested"`
	List    []okNested `json:"list,omitempty"`
	private string
}

// Payload shapes that could carry personal data, each refused.
type (
	Text       string
	withString struct {
		Name string `json:"name"`
	}
	withText struct {
		Note Text `json:"note"`
	}
	withMap struct {
		M map[string]int `json:"m"`
	}
	withAny struct {
		V any `json:"v"`
	}
	withBytes struct {
		B []byte `json:"b"`
	}
	withRaw struct {
		R json.RawMessage `json:"r"`
	}
	withStrings struct {
		S []string `json:"s"`
	}
	withPtrStr struct {
		S *string `json:"s"`
	}
	withNested struct {
		N withString `json:"n"`
	}
	bareEnum struct {
		E Enum `json:"e"`
	}
	badEnum struct {
		E Enum `json:"e" enum:"ok,Alice Smith"`
	}
	enumOnInt struct {
		N int `json:"n" enum:"a"`
	}
	noTag     struct{ N int }
	stringOpt struct {
		N int `json:"n,string"`
	}
	embedded  struct{ okNested }
	marshaler struct {
		M selfEncoding `json:"m"`
	}
	tooDeep struct {
		A deep1 `json:"a"`
	}
	deep1 struct {
		B deep2 `json:"b"`
	}
	deep2 struct {
		C deep3 `json:"c"`
	}
	deep3 struct {
		D deep4 `json:"d"`
	}
	deep4 struct {
		E int `json:"e"`
	}
	intAlias int
)

type selfEncoding int

func (selfEncoding) MarshalJSON() ([]byte, error) { return []byte(`"anything at all"`), nil }

func TestRegisterRefusesFreeText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		reg  func(*Registry) error
	}{
		{"string field", func(r *Registry) error { return Register[withString](r, "a.b", 1) }},
		{"Text type", func(r *Registry) error { return Register[withText](r, "a.b", 1) }},
		{"map", func(r *Registry) error { return Register[withMap](r, "a.b", 1) }},
		{"interface", func(r *Registry) error { return Register[withAny](r, "a.b", 1) }},
		{"bytes", func(r *Registry) error { return Register[withBytes](r, "a.b", 1) }},
		{"raw JSON", func(r *Registry) error { return Register[withRaw](r, "a.b", 1) }},
		{"string slice", func(r *Registry) error { return Register[withStrings](r, "a.b", 1) }},
		{"string pointer", func(r *Registry) error { return Register[withPtrStr](r, "a.b", 1) }},
		{"nested string", func(r *Registry) error { return Register[withNested](r, "a.b", 1) }},
		{"enum without values", func(r *Registry) error { return Register[bareEnum](r, "a.b", 1) }},
		{"enum value with a name", func(r *Registry) error { return Register[badEnum](r, "a.b", 1) }},
		{"enum tag on a number", func(r *Registry) error { return Register[enumOnInt](r, "a.b", 1) }},
		{"no json tag", func(r *Registry) error { return Register[noTag](r, "a.b", 1) }},
		{"json string option", func(r *Registry) error { return Register[stringOpt](r, "a.b", 1) }},
		{"embedded struct", func(r *Registry) error { return Register[embedded](r, "a.b", 1) }},
		{"custom JSON encoding", func(r *Registry) error { return Register[marshaler](r, "a.b", 1) }},
		{"too deep", func(r *Registry) error { return Register[tooDeep](r, "a.b", 1) }},
		{"not a struct", func(r *Registry) error { return Register[intAlias](r, "a.b", 1) }},
		{"a bare string", func(r *Registry) error { return Register[string](r, "a.b", 1) }},
		{"a map", func(r *Registry) error { return Register[map[string]any](r, "a.b", 1) }},
		{"bad type name", func(r *Registry) error { return Register[okPayload](r, "alice@example.com", 1) }},
		{"type without area", func(r *Registry) error { return Register[okPayload](r, "op", 1) }},
		{"version 0", func(r *Registry) error { return Register[okPayload](r, "a.b", 0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := NewRegistry()
			if err := tc.reg(r); err == nil {
				t.Fatal("registered")
			}
			if len(r.Types()) != 0 {
				t.Fatalf("registry holds %v after a refused registration", r.Types())
			}
		})
	}
}

func TestRegisterAllowed(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	if err := Register[okPayload](r, "test.ok", 2, AggregateOnly()); err != nil {
		t.Fatal(err)
	}
	if err := Register[okPayload](r, "test.ok", 3); err == nil {
		t.Error("registered the same type twice")
	}
	info, ok := r.Lookup("test.ok")
	if !ok || info.Version != 2 || !info.AggregateOnly {
		t.Errorf("lookup = %+v, %v", info, ok)
	}
	got := Standard().Types()
	for _, want := range []string{"canvas.op", "coach.asked", "journal.synced", "media.uploaded", "privacy.request_completed",
		"session.card_selected", "journey.published", "session.scheduled", "session.step_changed", "session.ended"} {
		if !slices.Contains(got, want) {
			t.Errorf("standard types %v lack %s", got, want)
		}
	}
	if info, _ := Standard().Lookup(TypeSessionCardSelected); info.AggregateOnly {
		t.Error("a card pick is personal: it must not be aggregate-only")
	}
}

func TestEncodePayloadValues(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	MustRegister[okPayload](r, "test.ok", 1)
	info, _ := r.Lookup("test.ok")
	good := okPayload{ID: "abc_123-X", Kind: "x", Nested: okNested{Tags: []Enum{"a"}}}
	tests := []struct {
		name    string
		payload any
		ok      bool
	}{
		{"value", good, true},
		{"pointer", &good, true},
		{"email in id", okPayload{ID: "alice@example.com", Kind: "x"}, false},
		{"name in id", okPayload{ID: "Alice Smith", Kind: "x"}, false},
		{"dotted name in id", okPayload{ID: "alice.smith", Kind: "x"}, false},
		{"email in id list", okPayload{IDs: []ID{"ok", "bob@example.com"}, Kind: "x"}, false},
		{"free text in enum", okPayload{Kind: "I felt sad today"}, false},
		{"unknown enum value", okPayload{Kind: "z"}, false},
		{"nested enum", okPayload{Kind: "x", Nested: okNested{Tags: []Enum{"alice"}}}, false},
		{"NaN", okPayload{Kind: "x", F: nanValue()}, false},
		{"wrong struct", withString{Name: "Alice"}, false},
		{"map", map[string]any{"name": "Alice"}, false},
		{"raw JSON", json.RawMessage(`{"id":"x"}`), false},
		{"nil", nil, false},
		{"nil pointer", (*okPayload)(nil), false},
	}
	for _, tc := range tests {
		b, err := encodePayload(info, tc.payload)
		if tc.ok != (err == nil) {
			t.Errorf("%s: err %v", tc.name, err)
			continue
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v is not ErrInvalid", tc.name, err)
		}
		if tc.ok && !json.Valid(b) {
			t.Errorf("%s: invalid JSON %s", tc.name, b)
		}
	}
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

func TestCheckEnvelope(t *testing.T) {
	t.Parallel()
	r := Standard()
	base := func() *Envelope {
		return &Envelope{
			EventID: "0b7c6a0e-8a8f-4b7e-9d55-3f0f1f6f2b11", Type: TypeSessionCardSelected,
			OccurredAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), OrgID: "org1", SessionID: "s1",
			Payload: json.RawMessage(`{"card_id":"FACES_001","card_kind":"photo","phase":"focus"}`), SchemaVersion: 1,
		}
	}
	if err := r.Check(base()); err != nil {
		t.Fatalf("valid envelope: %v", err)
	}
	got, err := DecodePayload[SessionCardSelected](r, base())
	if err != nil || got.CardID != "FACES_001" || got.Phase != "focus" {
		t.Fatalf("DecodePayload = %+v, %v", got, err)
	}
	if _, err := DecodePayload[CanvasOp](r, base()); err == nil {
		t.Error("decoded a card selection as a canvas op")
	}
	tests := []struct {
		name string
		mod  func(*Envelope)
		want error
	}{
		{"unknown type", func(e *Envelope) { e.Type = "session.unknown" }, ErrUnknownType},
		{"old version", func(e *Envelope) { e.SchemaVersion = 2 }, ErrInvalid},
		{"extra payload field", func(e *Envelope) {
			e.Payload = json.RawMessage(`{"card_id":"x","card_kind":"photo","phase":"focus","email":"alice@example.com"}`)
		}, ErrInvalid},
		{"email as card id", func(e *Envelope) {
			e.Payload = json.RawMessage(`{"card_id":"alice@example.com","card_kind":"photo","phase":"focus"}`)
		}, ErrInvalid},
		{"text as phase", func(e *Envelope) {
			e.Payload = json.RawMessage(`{"card_id":"x","card_kind":"photo","phase":"Alice felt sad"}`)
		}, ErrInvalid},
		{"trailing payload", func(e *Envelope) {
			e.Payload = json.RawMessage(`{"card_id":"x","card_kind":"photo","phase":"focus"} {}`)
		}, ErrInvalid},
		{"email as org", func(e *Envelope) { e.OrgID = "alice@example.com" }, ErrInvalid},
	}
	for _, tc := range tests {
		e := base()
		tc.mod(e)
		if err := r.Check(e); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

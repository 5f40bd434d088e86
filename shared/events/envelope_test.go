package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const validJSON = `{"event_id":"0b7c6a0e-8a8f-4b7e-9d55-3f0f1f6f2b11","type":"canvas.op","occurred_at":"2026-01-02T03:04:05.123456Z",` +
	`"org_id":"org1","actor":"AAAAAAAAAAAAAAAAAAAAAA","session_id":"s1","canvas_id":"c1","payload":{"op":"add"},"schema_version":1}`

func TestDecodeValid(t *testing.T) {
	t.Parallel()
	e, err := Decode([]byte(validJSON))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	if e.Type != "canvas.op" || !e.OccurredAt.Equal(want) || e.SchemaVersion != 1 || string(e.Payload) != `{"op":"add"}` {
		t.Fatalf("decoded %+v", e)
	}
	b, err := Encode(e)
	if err != nil || string(b) != validJSON {
		t.Fatalf("re-encoded %s, %v", b, err)
	}
}

func TestDecodeInvalid(t *testing.T) {
	t.Parallel()
	replace := func(old, new string) string { return strings.Replace(validJSON, old, new, 1) }
	tests := map[string]string{
		"empty":             ``,
		"not JSON":          `hello`,
		"array":             `[]`,
		"trailing data":     validJSON + `{}`,
		"unknown field":     replace(`"schema_version":1`, `"schema_version":1,"email":"alice@example.com"`),
		"bad uuid":          replace(`0b7c6a0e-8a8f-4b7e-9d55-3f0f1f6f2b11`, `alice@example.com`),
		"upper uuid":        replace(`0b7c6a0e`, `0B7C6A0E`),
		"bad type":          replace(`"canvas.op"`, `"Canvas Op"`),
		"no org":            replace(`"org_id":"org1",`, ``),
		"email org":         replace(`"org1"`, `"alice@example.com"`),
		"name session":      replace(`"s1"`, `"Alice Smith"`),
		"text canvas":       replace(`"c1"`, `"my private canvas about grief"`),
		"actor not pseudo":  replace(`AAAAAAAAAAAAAAAAAAAAAA`, `alice@example.com`),
		"payload string":    replace(`{"op":"add"}`, `"Alice Smith"`),
		"payload null":      replace(`{"op":"add"}`, `null`),
		"no payload":        replace(`"payload":{"op":"add"},`, ``),
		"version 0":         replace(`"schema_version":1`, `"schema_version":0`),
		"no time":           replace(`"occurred_at":"2026-01-02T03:04:05.123456Z",`, ``),
		"bad time":          replace(`2026-01-02T03:04:05.123456Z`, `yesterday`),
		"ancient time":      replace(`2026-01-02`, `0001-01-01`),
		"version as string": replace(`"schema_version":1`, `"schema_version":"1"`),
	}
	for name, in := range tests {
		if _, err := Decode([]byte(in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if _, err := Decode(bytes.Repeat([]byte(" "), MaxEncoded+1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversized: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(validJSON))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"event_id":"x","payload":{"a":[1,2,{"b":null}]}}`))
	f.Add([]byte(strings.Replace(validJSON, `"actor":"AAAAAAAAAAAAAAAAAAAAAA",`, ``, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		// Whatever decodes re-encodes, and decodes to the same envelope.
		b, err := Encode(e)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", e, err)
		}
		e2, err := Decode(b)
		if err != nil {
			t.Fatalf("re-decode %s: %v", b, err)
		}
		if !e.OccurredAt.Equal(e2.OccurredAt) {
			t.Fatalf("time changed: %v → %v", e.OccurredAt, e2.OccurredAt)
		}
		e.OccurredAt, e2.OccurredAt = time.Time{}, time.Time{}
		var p1, p2 any
		_ = json.Unmarshal(e.Payload, &p1)
		_ = json.Unmarshal(e2.Payload, &p2)
		e.Payload, e2.Payload = nil, nil
		if !reflect.DeepEqual(e, e2) || !reflect.DeepEqual(p1, p2) {
			t.Fatalf("round trip changed %+v into %+v", e, e2)
		}
	})
}

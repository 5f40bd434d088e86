package insights

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/events"
)

// published wraps envelope data as Eventarc delivers a Pub/Sub message.
func published(data []byte, attrs map[string]string) cloudevents.Event {
	ev := cloudevents.NewEvent()
	ev.SetID("m-1")
	ev.SetType(typeMessagePublished)
	ev.SetSource("//pubsub.googleapis.com/projects/p/topics/events")
	_ = ev.SetData(cloudevents.ApplicationJSON, map[string]any{
		"message":      map[string]any{"data": base64.StdEncoding.EncodeToString(data), "attributes": attrs, "messageId": "m-1"},
		"subscription": "projects/p/subscriptions/s",
	})
	return ev
}

func envelope(t testing.TB, typ string, payload any, session, canvas string) []byte {
	t.Helper()
	p, _ := json.Marshal(payload)
	b, err := events.Encode(&events.Envelope{EventID: "0b7c6a0e-8a8f-4b7e-9d55-3f0f1f6f2b11", Type: typ, OccurredAt: time.Unix(1_800_000_000, 0),
		OrgID: "org-a", SessionID: session, CanvasID: canvas, Payload: p, SchemaVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeEvent(t *testing.T) {
	t.Parallel()
	op := envelope(t, events.TypeCanvasOp, events.CanvasOp{Op: "create", ElementID: "e1", ElementKind: "note"}, "s1", "c1")
	step := envelope(t, events.TypeSessionStepChanged, events.SessionStepChanged{Phase: "focus", Step: 2, Direction: "next"}, "s1", "")
	ended := envelope(t, events.TypeSessionEnded, events.SessionEnded{}, "s1", "")
	noSession := envelope(t, events.TypeCanvasOp, events.CanvasOp{Op: "create", ElementID: "e1", ElementKind: "note"}, "", "c1")
	other := envelope(t, events.TypeJournalSynced, map[string]any{"mutations": 1}, "", "")
	badPhase := envelope(t, events.TypeSessionStepChanged, map[string]any{"phase": "dance"}, "s1", "")
	for _, tc := range []struct {
		name string
		ev   cloudevents.Event
		want sessionEvent
		err  error // errSkip, nil, or any (non-nil other)
		bad  bool
	}{
		{name: "canvas op", ev: published(op, map[string]string{"type": "canvas.op"}), want: sessionEvent{Type: "canvas.op", Org: "org-a", Session: "s1", Canvas: "c1"}},
		{name: "step", ev: published(step, nil), want: sessionEvent{Type: "session.step_changed", Org: "org-a", Session: "s1", Phase: "focus", StepMove: true}},
		{name: "ended", ev: published(ended, nil), want: sessionEvent{Type: "session.ended", Org: "org-a", Session: "s1", Ended: true}},
		{name: "no session", ev: published(noSession, nil), err: errSkip},
		{name: "other type by attribute", ev: published([]byte("garbage"), map[string]string{"type": "journal.synced"}), err: errSkip},
		{name: "other type", ev: published(other, nil), err: errSkip},
		{name: "bad phase", ev: published(badPhase, nil), bad: true},
		{name: "not an envelope", ev: published([]byte(`{"x":1}`), nil), bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeEvent(tc.ev)
			switch {
			case tc.bad:
				if err == nil || errors.Is(err, errSkip) {
					t.Fatalf("err = %v, want a decoding error", err)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				got.At, got.EventID = 0, ""
				if got != tc.want {
					t.Errorf("got %+v, want %+v", got, tc.want)
				}
			}
		})
	}
	// A push request as the functions framework may hand it over: the
	// message at the top level.
	lifted := cloudevents.NewEvent()
	lifted.SetID("m-3")
	lifted.SetType(typeMessagePublished)
	lifted.SetSource("//pubsub.googleapis.com/projects/p/topics/events")
	_ = lifted.SetData(cloudevents.ApplicationJSON, map[string]any{"data": base64.StdEncoding.EncodeToString(op), "attributes": map[string]string{"type": "canvas.op"}})
	if got, err := decodeEvent(lifted); err != nil || got.Session != "s1" {
		t.Errorf("lifted message: %+v, %v", got, err)
	}
	wrong := published(op, nil)
	wrong.SetType("google.cloud.storage.object.v1.finalized")
	if _, err := decodeEvent(wrong); err == nil {
		t.Error("decoded a storage event")
	}
}

// FuzzDecodeEvent: whatever the message, decoding never panics, and an
// event it accepts names a valid session.
func FuzzDecodeEvent(f *testing.F) {
	f.Add(envelope(f, events.TypeCanvasOp, events.CanvasOp{Op: "create", ElementID: "e1", ElementKind: "note"}, "s1", "c1"), "canvas.op")
	f.Add(envelope(f, events.TypeSessionStepChanged, events.SessionStepChanged{Phase: "focus", Step: 2, Direction: "next"}, "s1", ""), "")
	f.Add([]byte(`{"event_id":1}`), "session.x")
	f.Add([]byte{0xff, 0x00}, "")
	f.Fuzz(func(t *testing.T, data []byte, typ string) {
		for _, ev := range []cloudevents.Event{published(data, map[string]string{"type": typ}), raw(data)} {
			got, err := decodeEvent(ev)
			if err != nil {
				continue
			}
			if got.Session == "" || got.Org == "" || !interesting(got.Type) {
				t.Fatalf("accepted %+v", got)
			}
		}
	})
}

// raw is data as the whole CloudEvent payload.
func raw(data []byte) cloudevents.Event {
	ev := cloudevents.NewEvent()
	ev.SetID("m-2")
	ev.SetType(typeMessagePublished)
	ev.SetSource("//pubsub.googleapis.com/projects/p/topics/events")
	_ = ev.SetData(cloudevents.ApplicationJSON, data)
	return ev
}

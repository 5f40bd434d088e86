package eventarc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStorageEvent(t *testing.T) {
	t.Parallel()
	payload := `{"kind":"storage#object","name":"a/b.png","bucket":"demo-media","generation":"12","metageneration":"3",
		"updated":"2025-01-02T03:04:05.678Z","timeDeleted":"2025-01-03T00:00:00Z","size":"10"}`
	pub := time.Date(2025, 5, 5, 5, 5, 5, 0, time.UTC)
	attrs := func(kv ...string) map[string]string {
		m := map[string]string{"bucketId": "demo-media", "objectId": "a/b.png", "objectGeneration": "12"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		msg      message
		wantType string
		wantTime time.Time
		wantData string // substring
		wantErr  string
	}{
		{"finalize uses eventTime", message{Data: []byte(payload), Attributes: attrs("eventType", "OBJECT_FINALIZE", "eventTime", "2025-01-02T03:04:06Z"), PublishTime: pub},
			TypeStorageFinalized, time.Date(2025, 1, 2, 3, 4, 6, 0, time.UTC), `"size":"10"`, ""},
		{"delete falls back to timeDeleted", message{Data: []byte(payload), Attributes: attrs("eventType", "OBJECT_DELETE"), PublishTime: pub},
			TypeStorageDeleted, time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC), `"timeDeleted"`, ""},
		{"metadata update falls back to updated", message{Data: []byte(payload), Attributes: attrs("eventType", "OBJECT_METADATA_UPDATE"), PublishTime: pub},
			TypeStorageMetadataUpdated, time.Date(2025, 1, 2, 3, 4, 5, 678e6, time.UTC), `"metageneration":"3"`, ""},
		{"archive with payload format NONE", message{Attributes: attrs("eventType", "OBJECT_ARCHIVE"), PublishTime: pub},
			TypeStorageArchived, pub, `"id":"demo-media/a/b.png/12"`, ""},
		{"numeric generation", message{Data: []byte(`{"name":"x","bucket":"b","generation":5}`), Attributes: map[string]string{"eventType": "OBJECT_FINALIZE"}, PublishTime: pub},
			TypeStorageFinalized, pub, `"generation":5`, ""},
		{"unknown event type", message{Data: []byte(payload), Attributes: attrs("eventType", "OBJECT_EXPLODE")}, "", time.Time{}, "", "unknown notification eventType"},
		{"payload not JSON", message{Data: []byte("nope"), Attributes: attrs("eventType", "OBJECT_FINALIZE")}, "", time.Time{}, "", "not an object resource"},
		{"payload an array", message{Data: []byte("[1]"), Attributes: attrs("eventType", "OBJECT_FINALIZE")}, "", time.Time{}, "", "not an object resource"},
		{"bad generation", message{Data: []byte(`{"name":"x","bucket":"b","generation":"zz"}`), Attributes: map[string]string{"eventType": "OBJECT_FINALIZE"}}, "", time.Time{}, "", "generation"},
		{"no object", message{Attributes: map[string]string{"eventType": "OBJECT_FINALIZE", "bucketId": "b"}}, "", time.Time{}, "", "no bucket or object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev, err := storageEvent(tt.msg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type() != tt.wantType || !ev.Time().Equal(tt.wantTime) || !strings.Contains(string(ev.Data()), tt.wantData) ||
				ev.DataContentType() != "application/json" || !strings.HasPrefix(ev.Subject(), "objects/") {
				t.Errorf("event = %s data %s", ev.Context, ev.Data())
			}
		})
	}
}

func TestStorageEventIDs(t *testing.T) {
	t.Parallel()
	a := storageEventID("b", "o", "1", gcsFinalize, "1")
	cases := map[string]string{
		"other generation": storageEventID("b", "o", "2", gcsFinalize, "1"),
		"other event":      storageEventID("b", "o", "1", gcsDelete, "1"),
		"other object":     storageEventID("b", "o2", "1", gcsFinalize, "1"),
		"separator":        storageEventID("b", "o\x001", "", gcsFinalize, "1"),
	}
	for name, id := range cases {
		if id == a {
			t.Errorf("%s: same id %s", name, id)
		}
	}
	if storageEventID("b", "o", "1", gcsFinalize, "9") != a {
		t.Error("metageneration changed a finalize id")
	}
	if storageEventID("b", "o", "1", gcsMetadataUpdate, "1") == storageEventID("b", "o", "1", gcsMetadataUpdate, "2") {
		t.Error("metadata updates of two metagenerations share an id")
	}
}

func TestPubSubEvent(t *testing.T) {
	t.Parallel()
	pt := time.Date(2025, 1, 1, 0, 0, 0, 123e6, time.UTC)
	ev, err := pubsubEvent(message{ID: "42", Data: []byte{0, 1, 2}, PublishTime: pt}, "projects/p/topics/t", "projects/p/subscriptions/s")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"message":{"data":"AAEC","messageId":"42","message_id":"42","publishTime":"2025-01-01T00:00:00.123Z","publish_time":"2025-01-01T00:00:00.123Z"},"subscription":"projects/p/subscriptions/s"}`
	if string(ev.Data()) != want {
		t.Errorf("data = %s\nwant   %s", ev.Data(), want)
	}
	if ev.ID() != "42" || ev.Source() != "//pubsub.googleapis.com/projects/p/topics/t" || !ev.Time().Equal(pt) || ev.Subject() != "" {
		t.Errorf("context = %s", ev.Context)
	}
	if _, err := pubsubEvent(message{}, "projects/p/topics/t", "s"); err == nil {
		t.Error("message without id accepted")
	}
}

func TestFullTopic(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"t": "projects/p/topics/t", "projects/q/topics/t": "projects/q/topics/t"} {
		if got := fullTopic("p", in); got != want {
			t.Errorf("fullTopic(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzStorageEvent checks that any notification either fails cleanly or
// becomes a valid event whose data is a JSON object and whose id is stable.
func FuzzStorageEvent(f *testing.F) {
	data, attrs := gcsNotification("demo-media", "a.png", "OBJECT_FINALIZE", "1")
	f.Add(data, attrs["eventType"], attrs["bucketId"], attrs["objectId"], attrs["objectGeneration"], attrs["eventTime"])
	f.Add([]byte(""), "OBJECT_ARCHIVE", "b", "o", "", "")
	f.Add([]byte(`{"generation":1e400}`), "OBJECT_DELETE", "b", "o", "", "not a time")
	f.Add([]byte(`{"bucket":"b","name":"n","generation":"-1"}`), "OBJECT_METADATA_UPDATE", "", "", "", "")
	f.Fuzz(func(t *testing.T, data []byte, eventType, bucket, object, generation, eventTime string) {
		m := message{Data: data, PublishTime: time.Unix(1700000000, 0), Attributes: map[string]string{
			"eventType": eventType, "bucketId": bucket, "objectId": object,
			"objectGeneration": generation, "eventTime": eventTime,
		}}
		ev, err := storageEvent(m)
		if err != nil {
			return
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("invalid event: %v", err)
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(ev.Data()))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("data is not a JSON object: %v (%q)", err, ev.Data())
		}
		if !strings.HasPrefix(ev.Type(), "google.cloud.storage.object.v1.") || !strings.HasPrefix(ev.Subject(), "objects/") {
			t.Fatalf("context = %s", ev.Context)
		}
		again, err := storageEvent(m)
		if err != nil || again.ID() != ev.ID() {
			t.Fatalf("redelivery changed the id: %v %q %q", err, again.ID(), ev.ID())
		}
	})
}

package firestoreevent

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"google.golang.org/protobuf/proto"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, path string
		want          map[string]string // nil: no match
	}{
		{"orgs/{org}/sessions/{id}", "orgs/o1/sessions/s1", map[string]string{"org": "o1", "id": "s1"}},
		{"orgs/{org}/sessions/{id}", "orgs/o1/sessions/s1/cards/c1", nil},
		{"orgs/{org}/sessions/{id}", "orgs/o1/journals/s1", nil},
		{"orgs/{org}/sessions/{id}", "orgs/o1", nil},
		{"orgs/o1/sessions/{id}", "orgs/o2/sessions/s1", nil},
		{"orgs/o1/sessions/s1", "orgs/o1/sessions/s1", map[string]string{}},
		{"orgs/*/sessions/{id=*}", "orgs/o1/sessions/s1", map[string]string{"id": "s1"}},
		{"orgs/{org}/{rest=**}", "orgs/o1/sessions/s1/cards/c1", map[string]string{"org": "o1", "rest": "sessions/s1/cards/c1"}},
		{"**/cards/{card}", "orgs/o1/sessions/s1/cards/c1", map[string]string{"card": "c1"}},
		{"**/cards/{card}", "cards/c1", map[string]string{"card": "c1"}},
		{"{all=**}", "a/b", map[string]string{"all": "a/b"}},
		{"orgs/{org}/{rest=**}/x", "orgs/o1", nil},
		{"**/a/**", "a/b", nil},         // two multi-segment wildcards
		{"orgs/{1org}", "orgs/o1", nil}, // invalid name
		{"orgs/{org=x}", "orgs/o1", nil},
		{"orgs/o{x}", "orgs/o1", nil},
		{"orgs/{org}", "orgs//", nil},
		{"", "orgs/o1", nil},
		{"orgs/{org}", "", nil},
	}
	for _, tt := range tests {
		got, ok := Match(tt.pattern, tt.path)
		if ok != (tt.want != nil) || (ok && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("Match(%q, %q) = %v, %v; want %v", tt.pattern, tt.path, got, ok, tt.want)
		}
	}
}

func TestValidPattern(t *testing.T) {
	t.Parallel()
	for p, ok := range map[string]bool{
		"orgs/{org}/sessions/{id}": true,
		"orgs/o1":                  true,
		"orgs/{rest=**}":           true,
		"**/cards/{c}/x":           true,
		"orgs/{org=*}":             true,
		"orgs":                     false,
		"orgs/{org}/sessions":      false,
		"":                         false,
		"orgs/{a b}":               false,
		"**/x/**":                  false,
		"orgs//x":                  false,
	} {
		if err := ValidPattern(p); (err == nil) != ok {
			t.Errorf("ValidPattern(%q) = %v, want ok %v", p, err, ok)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("orgs/{org}/sessions/{id}", "orgs/o1/sessions/s1")
	f.Add("{a=**}/x/{b}", "p/q/x/r")
	f.Add("**", "a")
	f.Fuzz(func(t *testing.T, pattern, path string) {
		params, ok := Match(pattern, path)
		if !ok {
			return
		}
		// Every captured value is made of the path's segments.
		for k, v := range params {
			if !validName(k) {
				t.Fatalf("captured invalid name %q", k)
			}
			if v != "" && !strings.Contains("/"+path+"/", "/"+v+"/") {
				t.Fatalf("capture %s=%q is not part of %q", k, v, path)
			}
		}
	})
}

func TestChangedFieldsAndFieldPath(t *testing.T) {
	t.Parallel()
	oldDoc := &pb.Document{Fields: map[string]*pb.Value{
		"same": str("x"), "changed": num(1), "removed": str("r"),
		"m":   mapv(map[string]*pb.Value{"keep": num(1), "inner": num(1), "gone": num(1)}),
		"m2":  mapv(map[string]*pb.Value{"a": num(1)}),
		"odd": mapv(map[string]*pb.Value{"a b": num(1)}),
	}}
	newDoc := &pb.Document{Fields: map[string]*pb.Value{
		"same": str("x"), "changed": num(2), "added": str("a"),
		"m":   mapv(map[string]*pb.Value{"keep": num(1), "inner": num(2), "new": num(1)}),
		"m2":  str("not a map"),
		"odd": mapv(map[string]*pb.Value{"a b": num(2)}),
	}}
	want := []string{"added", "changed", "m.gone", "m.inner", "m.new", "m2", "odd.`a b`", "removed"}
	if got := ChangedFields(oldDoc, newDoc); !reflect.DeepEqual(got, want) {
		t.Errorf("ChangedFields = %q, want %q", got, want)
	}
	if got := FieldPath("a", "1x", "b`c", `d\e`); got != "a.`1x`.`b\\`c`.`d\\\\e`" {
		t.Errorf("FieldPath = %s", got)
	}
}

func TestCloudEventRoundTripOverHTTP(t *testing.T) {
	t.Parallel()
	commit := time.Date(2026, 3, 1, 12, 0, 0, 5000, time.UTC)
	name := DocumentName("demo-p", DefaultDatabase, "orgs/o1/sessions/s1")
	in := Event{
		Type: TypeUpdated, Project: "demo-p", Location: "europe-west1",
		Document: "orgs/o1/sessions/s1", Time: commit,
		Data: &DocumentEventData{
			Value:      &pb.Document{Name: name, Fields: map[string]*pb.Value{"t": str("b")}},
			OldValue:   &pb.Document{Name: name, Fields: map[string]*pb.Value{"t": str("a")}},
			UpdateMask: []string{"t"},
		},
	}
	ev, err := NewCloudEvent(in)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Source() != "//firestore.googleapis.com/projects/demo-p/databases/(default)" || ev.Subject() != "documents/orgs/o1/sessions/s1" {
		t.Errorf("source %q subject %q", ev.Source(), ev.Subject())
	}
	if ev.ID() != EventID(name, commit) || ev.DataSchema() != DataSchema {
		t.Errorf("id %q dataschema %q", ev.ID(), ev.DataSchema())
	}

	// Through the HTTP binding in binary mode, as Eventarc sends it and the
	// functions framework receives it.
	got := make(chan *Event, 1)
	p, err := cloudevents.NewHTTP()
	if err != nil {
		t.Fatal(err)
	}
	h, err := cloudevents.NewHTTPReceiveHandler(context.Background(), p, func(_ context.Context, e cloudevents.Event) error {
		d, err := Decode(e)
		if err != nil {
			return err
		}
		got <- d
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
	if err := cehttp.WriteRequest(context.Background(), binding.ToMessage(&ev), req); err != nil {
		t.Fatal(err)
	}
	if ct := req.Header.Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	d := <-got
	if d.Project != "demo-p" || d.Database != DefaultDatabase || d.Namespace != DefaultDatabase ||
		d.Location != "europe-west1" || d.Document != "orgs/o1/sessions/s1" || !d.Time.Equal(commit) || d.Type != TypeUpdated {
		t.Errorf("decoded attributes %+v", d)
	}
	if !proto.Equal(d.Data.Value, in.Data.Value) || !proto.Equal(d.Data.OldValue, in.Data.OldValue) || d.Data.Kind() != Updated {
		t.Errorf("decoded data %+v", d.Data)
	}
	if params, ok := d.Params("orgs/{org}/sessions/{id}"); !ok || params["org"] != "o1" || params["id"] != "s1" {
		t.Errorf("Params = %v, %v", params, ok)
	}
}

func TestDecodeFallbacksAndErrors(t *testing.T) {
	t.Parallel()
	data, _ := (&DocumentEventData{OldValue: &pb.Document{Name: "x"}}).Marshal()
	mk := func(typ, source, subject, ct string) cloudevents.Event {
		ev := cloudevents.NewEvent()
		ev.SetID("1")
		ev.SetType(typ)
		ev.SetSource(source)
		ev.SetSubject(subject)
		_ = ev.SetData(ct, data)
		return ev
	}
	d, err := Decode(mk(TypeDeleted, "//firestore.googleapis.com/projects/p/databases/db2", "documents/c/x", ContentType))
	if err != nil {
		t.Fatal(err)
	}
	if d.Project != "p" || d.Database != "db2" || d.Document != "c/x" || d.Data.Kind() != Deleted {
		t.Errorf("fallbacks: %+v", d)
	}
	bad := map[string]cloudevents.Event{
		"type":         mk("google.cloud.pubsub.topic.v1.messagePublished", "//x", "documents/c/x", ContentType),
		"content type": mk(TypeDeleted, "//x", "documents/c/x", "application/json"),
		"no document":  mk(TypeDeleted, "//x", "objects/c/x", ContentType),
		"bad data": func() cloudevents.Event {
			e := mk(TypeDeleted, "//x", "documents/c/x", ContentType)
			_ = e.SetData(ContentType, []byte{0x80})
			return e
		}(),
	}
	for name, ev := range bad {
		if _, err := Decode(ev); err == nil {
			t.Errorf("%s: Decode succeeded", name)
		}
	}
	if _, err := NewCloudEvent(Event{Type: "x", Project: "p", Document: "c/d", Data: &DocumentEventData{}}); err == nil {
		t.Error("NewCloudEvent accepted a foreign type")
	}
	if typ, ok := TypeOf(Written); !ok || typ != TypeWritten {
		t.Errorf("TypeOf(written) = %q", typ)
	}
}

package apitest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
)

// echo answers with what it received, or a problem for POST /fail.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/fail" {
		httpapi.WriteError(w, r, httpapi.Unprocessable(httpapi.FieldError{Field: "name", Detail: "is required"}))
		return
	}
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"method":%q,"auth":%q,"type":%q,"body":%q,"x":%q}`, r.Method, r.Header.Get("Authorization"),
		r.Header.Get("Content-Type"), b, r.Header.Get("X-Test"))
})

type echoed struct{ Method, Auth, Type, Body, X string }

func TestServeAndClientAgree(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(echo)
	t.Cleanup(srv.Close)
	for name, do := range map[string]func(method, path, tok string, body any, opts ...Option) Response{
		"handler": func(m, p, tok string, body any, opts ...Option) Response {
			return Serve(t, echo, m, p, tok, body, opts...)
		},
		"url": func(m, p, tok string, body any, opts ...Option) Response {
			return Client{Base: srv.URL}.Do(t, m, p, tok, body, opts...)
		},
	} {
		got := Decode[echoed](t, do("PUT", "/x", "tok", map[string]int{"a": 1}, Header("X-Test", "y")).Want(t, 200))
		if got != (echoed{"PUT", "Bearer tok", "application/json", `{"a":1}`, "y"}) {
			t.Errorf("%s: %+v", name, got)
		}
		got = Decode[echoed](t, do("GET", "/x", "", nil))
		if got != (echoed{Method: "GET"}) {
			t.Errorf("%s: %+v", name, got)
		}
		got = Decode[echoed](t, do("POST", "/x", "", "a=b", ContentType("text/plain")))
		if got.Type != "text/plain" || got.Body != "a=b" {
			t.Errorf("%s: %+v", name, got)
		}
		p := do("POST", "/fail", "", nil).Problem(t, http.StatusUnprocessableEntity)
		if Fields(p)["name"] != "is required" {
			t.Errorf("%s: problem %+v", name, p)
		}
	}
}

// recordingTB notes failures instead of failing.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestEventsApplyTheRegistry(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	ev := NewEvents(rec, EventsOptions{})
	ctx := context.Background()
	if _, err := ev.Publish(ctx, events.Event{Type: events.TypeJourneyPublished, OrgID: OrgA, UID: "u-1",
		Payload: events.JourneyPublished{JourneyID: "j1", Version: 1, Phases: 3}}); err != nil {
		t.Fatal(err)
	}
	// An enum value the registry does not know: a recording fake took it.
	if _, err := ev.Publish(ctx, events.Event{Type: events.TypePrivacyRequestCompleted, OrgID: OrgA,
		Payload: events.PrivacyRequestCompleted{Kind: "portability"}}); err == nil || len(rec.errors) != 1 {
		t.Fatalf("invalid payload: %v, test errors %q", err, rec.errors)
	}
	got := ev.Of(events.TypeJourneyPublished)
	if len(got) != 1 || len(ev.Published()) != 1 || got[0].Actor == "" || Payload[events.JourneyPublished](t, got[0]).Phases != 3 {
		t.Fatalf("published %s", Describe(ev.Published()))
	}
	ev.SetDown(true)
	if _, err := ev.Publish(ctx, events.Event{Type: events.TypeJourneyPublished, OrgID: OrgA,
		Payload: events.JourneyPublished{JourneyID: "j1", Version: 2}}); err == nil || ev.Stats().Failed != 1 {
		t.Fatalf("publish while down: %v %+v", err, ev.Stats())
	}
}

func TestTwoOrgs(t *testing.T) {
	t.Parallel()
	u := TwoOrgs()
	v := u.With(Users{"extra": {UID: "u-extra"}}).Verifier()
	for key, want := range map[string]string{AdminA: OrgA, FacilitatorB: OrgB, Stranger: "", "extra": ""} {
		p, err := v.Verify(context.Background(), key)
		if err != nil || p.Org != want {
			t.Errorf("%s: %+v %v", key, p, err)
		}
	}
	if len(u) != 7 || u[ParticipantB].Role != auth.RoleParticipant || u[AdminA].UID == u[AdminB].UID {
		t.Errorf("table %+v", u)
	}
}

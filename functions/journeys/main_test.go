package journeys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/uuid"

	fsemu "pointsofyou.ai/studio/emulators/firestore"

	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/content"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/journey"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	os.Exit(m.Run())
}

// recorder is the Events fake: it keeps what was published, or fails.
type recorder struct {
	mu   sync.Mutex
	evs  []events.Event
	bad  []error // events the registry refuses
	fail bool
}

func (r *recorder) Publish(_ context.Context, ev events.Event) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return "", errors.New("pubsub down")
	}
	// What the real publisher would refuse is a test failure.
	info, ok := events.Standard().Lookup(ev.Type)
	raw, err := json.Marshal(ev.Payload)
	if !ok || err != nil {
		return "", fmt.Errorf("unregistered event %s: %v", ev.Type, err)
	}
	env := &events.Envelope{EventID: uuid.NewString(), Type: ev.Type, OccurredAt: time.Now().UTC().Truncate(time.Microsecond),
		OrgID: ev.OrgID, Payload: raw, SchemaVersion: info.Version}
	if err := events.Standard().Check(env); err != nil {
		r.bad = append(r.bad, err)
	}
	r.evs = append(r.evs, ev)
	return fmt.Sprint(len(r.evs)), nil
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.evs {
		out = append(out, ev.Type)
	}
	return out
}

// Callers of the test world, by token.
const (
	tokFacA   = "fac-a"   // facilitator of org-a, professional
	tokAdminA = "admin-a" // org_admin of org-a, enterprise
	tokEduA   = "edu-a"   // educator of org-a, no tier claim (free)
	tokPartA  = "part-a"  // participant of org-a
	tokFacB   = "fac-b"   // facilitator of org-b
	tokNoOrg  = "no-org"  // signed in, no organisation
)

// env is one isolated world: its own Firestore emulator and handler.
type env struct {
	fs   *firestore.Client
	ev   *recorder
	h    http.Handler
	now  time.Time
	deps Deps
}

func newEnv(t *testing.T) *env {
	t.Helper()
	fs := fstest.NewClient(t, "demo-journeys", fsemu.Options{Indexes: fstest.DeployedIndexes(t)})
	e := &env{fs: fs, ev: &recorder{}, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	users := auth.StaticVerifier{
		tokFacA:   {UID: "u-fac-a", Org: "org-a", Role: auth.RoleFacilitator, Tier: auth.TierProfessional},
		tokAdminA: {UID: "u-admin-a", Org: "org-a", Role: auth.RoleOrgAdmin, Tier: auth.TierEnterprise},
		tokEduA:   {UID: "u-edu-a", Org: "org-a", Role: auth.RoleEducator},
		tokPartA:  {UID: "u-part-a", Org: "org-a", Role: auth.RoleParticipant, Tier: auth.TierFree},
		tokFacB:   {UID: "u-fac-b", Org: "org-b", Role: auth.RoleFacilitator, Tier: auth.TierEnterprise},
		tokNoOrg:  {UID: "u-none", Role: auth.RoleFacilitator},
	}
	e.deps = Deps{Verifier: users, Firestore: fs, Events: e.ev, Now: func() time.Time { return e.now }}
	var err error
	if e.h, err = New(e.deps); err != nil {
		t.Fatal(err)
	}
	e.seed(t)
	// Each caller is a member of the organisation their claims name: the
	// API reads the role from these documents.
	for _, p := range users {
		if p.Org == "" {
			continue
		}
		if _, err := fs.Doc("orgs/"+p.Org+"/members/"+p.UID).Set(context.Background(), map[string]any{"role": p.Role}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, err := range e.ev.bad {
			t.Errorf("invalid event: %v", err)
		}
	})
	return e
}

// seed writes the library: official items (one above the facilitator's
// tier, one unpublished, one expired) and org items of org-a and org-b.
func (e *env) seed(t *testing.T) {
	t.Helper()
	past := e.now.Add(-time.Hour)
	items := []struct {
		org  string
		item content.Item
	}{
		{"", item("pc-1", content.TypePhotoCard, "free", content.StatusPublished, "Balance")},
		{"", item("wc-ent", content.TypeWordCard, "enterprise", content.StatusPublished, "Courage")},
		{"", item("qc-draft", content.TypeQuestionCard, "free", content.StatusDraft, "What now?")},
		{"", func() content.Item {
			it := item("ex-old", content.TypeExercise, "free", content.StatusPublished, "Old")
			it.License.ExpiresAt = &past
			return it
		}()},
		{"", item("ct-map", content.TypeCanvasTemplate, "free", content.StatusPublished, "Journey map")},
		{"org-a", item("ex-org", content.TypeExercise, "professional", content.StatusPublished, "Walk and talk")},
		{"org-b", item("ex-b", content.TypeExercise, "free", content.StatusPublished, "Other org")},
	}
	for _, s := range items {
		if _, err := e.fs.Collection(content.ItemsPath(s.org)).Doc(s.item.ID).Set(context.Background(), s.item); err != nil {
			t.Fatal(err)
		}
	}
}

func item(id, typ, tier, status, title string) content.Item {
	it := content.Item{ID: id, Type: typ, Tier: tier, Status: status, Version: 1,
		Text:    map[string]content.Text{"en": {Title: title}, "es": {Title: title + " (es)"}},
		License: content.License{Type: "poy_licensed"}}
	it.Normalize()
	return it
}

// sample is a publishable journey for org-a's facilitator: 75 of 90
// minutes, the doing phase skipped, one official and one org item.
func sample() journey.Journey {
	return journey.Journey{
		Name: "Finding balance", Description: "A morning for a team.", Goals: []string{"Pause together", "Name one next step"},
		Timeframe: "half-day", SessionMinutes: 90, Locale: "en",
		Phases: []journey.Phase{
			{Phase: journey.PhasePause, EnergyMode: "cocoon", DurationMinutes: 20, Objectives: []string{"arrive"}, FacilitatorNotes: "Dim the lights.",
				Elements: []journey.Element{
					{ID: "welcome", Kind: journey.KindInline, Type: journey.TypeWelcome, Title: "Welcome", DurationMinutes: 5},
					{ID: "card-1", Kind: journey.KindContent, ItemID: "pc-1", DurationMinutes: 10},
				}},
			{Phase: journey.PhaseExpand, EnergyMode: "lift", DurationMinutes: 30, Objectives: []string{},
				Elements: []journey.Element{
					{ID: "walk", Kind: journey.KindContent, ItemID: "ex-org", Title: "Walk", Instructions: "In pairs.", DurationMinutes: 15},
					{ID: "canvas", Kind: journey.KindInline, Type: journey.TypeCanvas, Title: "Map it", DurationMinutes: 15,
						Canvas: &journey.CanvasSpec{MinElements: 3, RequiredCardTypes: []string{"photo"}}},
				}},
			{Phase: journey.PhaseFocus, EnergyMode: "grounding", DurationMinutes: 25, Objectives: []string{},
				Elements: []journey.Element{{ID: "focus", Kind: journey.KindInline, Type: journey.TypeFocusAction, Title: "One step", DurationMinutes: 20}}},
			{Phase: journey.PhaseDoing, Skipped: true, Objectives: []string{}, Elements: []journey.Element{}},
		},
	}
}

type result struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem decodes a problem body and maps each field to its detail.
func (r result) problem(t *testing.T) map[string]string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q for %d: %s", ct, r.Code, r.Body)
	}
	var p struct {
		Errors []struct{ Field, Detail string }
	}
	r.json(t, &p)
	out := map[string]string{}
	for _, f := range p.Errors {
		out[f.Field] += f.Detail
	}
	return out
}

func (e *env) do(t *testing.T, method, path, tok string, body any, hdr ...string) result {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return result{w.Code, w.Header(), w.Body.Bytes()}
}

func must(t *testing.T, r result, code int) result {
	t.Helper()
	if r.Code != code {
		t.Fatalf("status %d, want %d: %s", r.Code, code, r.Body)
	}
	return r
}

// create makes a draft of j as tok and returns it.
func (e *env) create(t *testing.T, tok string, j journey.Journey) journey.Draft {
	t.Helper()
	var d journey.Draft
	must(t, e.do(t, "POST", "/v1/journeys", tok, map[string]any{"journey": j}), http.StatusCreated).json(t, &d)
	return d
}

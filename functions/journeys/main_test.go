package journeys

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	fsemu "pointsofyou.ai/studio/emulators/firestore"

	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/library"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

// Callers of the test world, by token.
const (
	tokFacA   = apitest.FacilitatorA // professional
	tokAdminA = apitest.AdminA       // enterprise
	tokEduA   = "edu-a"              // educator of org-a, no tier claim (free)
	tokPartA  = apitest.ParticipantA
	tokFacB   = apitest.FacilitatorB // enterprise
	tokNoOrg  = apitest.Stranger     // signed in, no organisation
)

// env is one isolated world: its own Firestore emulator and handler.
type env struct {
	fs   *firestore.Client
	ev   *apitest.Events
	h    http.Handler
	now  time.Time
	deps Deps
}

func newEnv(t *testing.T) *env {
	t.Helper()
	fs := fstest.NewClient(t, "demo-journeys", fsemu.Options{Indexes: fstest.DeployedIndexes(t)})
	e := &env{fs: fs, ev: apitest.NewEvents(t, apitest.EventsOptions{}), now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	fb := apitest.TwoOrgs()[tokFacB]
	fb.Tier = auth.TierEnterprise
	users := apitest.TwoOrgs().With(apitest.Users{
		tokEduA: {UID: "u-edu-a", Org: apitest.OrgA, Role: auth.RoleEducator},
		tokFacB: fb,
	})
	e.deps = Deps{Verifier: users.Verifier(), Firestore: fs, Outbox: e.ev.Outbox(fs), Now: func() time.Time { return e.now }}
	var err error
	if e.h, err = New(e.deps); err != nil {
		t.Fatal(err)
	}
	e.seed(t)
	users.SeedMembers(t, fs)
	return e
}

// seed writes the library: official items (one above the facilitator's
// tier, one unpublished, one expired) and org items of org-a and org-b.
func (e *env) seed(t *testing.T) {
	t.Helper()
	past := e.now.Add(-time.Hour)
	items := []struct {
		org  string
		item library.Item
	}{
		{"", item("pc-1", library.TypePhotoCard, "free", library.StatusPublished, "Balance")},
		{"", item("wc-ent", library.TypeWordCard, "enterprise", library.StatusPublished, "Courage")},
		{"", item("qc-draft", library.TypeQuestionCard, "free", library.StatusDraft, "What now?")},
		{"", func() library.Item {
			it := item("ex-old", library.TypeExercise, "free", library.StatusPublished, "Old")
			it.License.ExpiresAt = &past
			return it
		}()},
		{"", item("ct-map", library.TypeCanvasTemplate, "free", library.StatusPublished, "Journey map")},
		{"org-a", item("ex-org", library.TypeExercise, "professional", library.StatusPublished, "Walk and talk")},
		{"org-b", item("ex-b", library.TypeExercise, "free", library.StatusPublished, "Other org")},
	}
	for _, s := range items {
		if _, err := e.fs.Collection(library.ItemsPath(s.org)).Doc(s.item.ID).Set(context.Background(), s.item); err != nil {
			t.Fatal(err)
		}
	}
}

func item(id, typ, tier, status, title string) library.Item {
	it := library.Item{ID: id, Type: typ, Tier: tier, Status: status, Version: 1,
		Text:    map[string]library.Text{"en": {Title: title}, "es": {Title: title + " (es)"}},
		License: library.License{Type: "poy_licensed"}}
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

// do calls the handler (see apitest.Serve).
func (e *env) do(t *testing.T, method, path, tok string, body any, opts ...apitest.Option) apitest.Response {
	t.Helper()
	return apitest.Serve(t, e.h, method, path, tok, body, opts...)
}

// create makes a draft of j as tok and returns it.
func (e *env) create(t *testing.T, tok string, j journey.Journey) journey.Draft {
	t.Helper()
	var d journey.Draft
	e.do(t, "POST", "/v1/journeys", tok, map[string]any{"journey": j}).Want(t, http.StatusCreated).JSON(t, &d)
	return d
}

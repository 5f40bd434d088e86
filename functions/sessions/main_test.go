package sessions

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
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/mail"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

// Callers of the test world, by token.
const (
	tokFac    = "fac"   // facilitator of org-a (owner of seeded sessions)
	tokCoFac  = "cofac" // another facilitator of org-a
	tokAdminA = apitest.AdminA
	tokPart1  = "part-1"             // participant of org-a
	tokPart2  = "part-2"             // participant of org-a
	tokPart3  = "part-3"             // participant of org-a
	tokPartB  = apitest.ParticipantB // participant of org-b (may join org-a sessions when invited)
	tokAdminB = apitest.AdminB
	tokFacB   = apitest.FacilitatorB
)

// testUsers are the two organisations' callers with sessions' own: the
// owner and co-facilitator of seeded sessions and three participants.
var testUsers = apitest.TwoOrgs().With(apitest.Users{
	tokFac:   {UID: "u-fac", Email: "fac@a.test", Org: apitest.OrgA, Role: auth.RoleFacilitator, Tier: auth.TierProfessional},
	tokCoFac: {UID: "u-cofac", Email: "cofac@a.test", Org: apitest.OrgA, Role: auth.RoleFacilitator, Tier: auth.TierProfessional},
	tokPart1: {UID: "u-part-1", Email: "p1@a.test", Org: apitest.OrgA, Role: auth.RoleParticipant, Tier: auth.TierFree},
	tokPart2: {UID: "u-part-2", Email: "p2@a.test", Org: apitest.OrgA, Role: auth.RoleParticipant, Tier: auth.TierFree},
	tokPart3: {UID: "u-part-3", Email: "p3@a.test", Org: apitest.OrgA, Role: auth.RoleParticipant, Tier: auth.TierFree},
})

// testVerifier is the fake verifier of testUsers: each key is a token.
var testVerifier = testUsers.Verifier()

// principal is the caller of token tok.
func principal(tok string) *auth.Principal {
	p := testUsers[tok]
	return &p
}

// env is one isolated world: its own Firestore emulator, and the real
// outbox, relay and events publisher on a Pub/Sub emulator of its own.
type env struct {
	fs      *firestore.Client
	deps    Deps
	h       http.Handler
	events  *apitest.Events
	consent *apitest.Consents
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, fsemu.Options{})
}

// newEnvWith is newEnv on an emulator with opts (the deployed indexes
// are always enforced).
func newEnvWith(t *testing.T, opts fsemu.Options) *env {
	t.Helper()
	opts.Indexes = fstest.DeployedIndexes(t)
	fs := fstest.NewClient(t, "demo-sessions", opts)
	e := &env{fs: fs, events: apitest.NewEvents(t, apitest.EventsOptions{}), consent: &apitest.Consents{}}
	e.deps = Deps{Verifier: testVerifier, Firestore: fs, Outbox: e.events.Outbox(fs), Consent: e.consent,
		PublicURL: "https://studio.test"}
	var err error
	if e.h, err = New(e.deps); err != nil {
		t.Fatal(err)
	}
	// Session authority follows the membership documents, not the claims.
	testUsers.SeedMembers(t, fs)
	return e
}

// do calls the API; body is JSON-encoded unless it is a string.
func (e *env) do(t testing.TB, method, path, tok string, body any) apitest.Response {
	t.Helper()
	return apitest.Serve(t, e.h, method, path, tok, body)
}

// sent is the mail the function wrote to the mail outbox, oldest first.
func (e *env) sent(t testing.TB) []mail.Message {
	t.Helper()
	stored, err := mail.List(context.Background(), e.fs, "")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]mail.Message, len(stored))
	for i, m := range stored {
		out[i] = m.Message
	}
	return out
}

// seedOpts describe a session written straight to Firestore, for tests
// of the live parts that need not go through scheduling.
type seedOpts struct {
	Org    string // default org-a
	Status string // default scheduled
	// Participants are uids with their state (joined when empty).
	Participants map[string]string
	Plan         []Step // default: testPlan
	StartAt      time.Time
}

// testPlan is a journey run of four phases, five steps.
var testPlan = []Step{
	{Phase: "pause", PhaseIndex: 0, ElementIndex: 0, ElementID: "el-1", Title: "Arrive", Minutes: 10},
	{Phase: "expand", PhaseIndex: 1, ElementIndex: 0, ElementID: "el-2", Title: "Pick a card", Minutes: 15},
	{Phase: "expand", PhaseIndex: 1, ElementIndex: 1, ElementID: "el-3", Title: "Share", Minutes: 15},
	{Phase: "focus", PhaseIndex: 2, ElementIndex: 0, ElementID: "el-4", Title: "One insight", Minutes: 10},
	{Phase: "doing", PhaseIndex: 3, ElementIndex: 0, ElementID: "el-5", Title: "First step", Minutes: 10},
}

// seedSession writes a session owned by u-fac with u-cofac as
// co-facilitator, its members, participants and index; it returns its id.
func (e *env) seedSession(t *testing.T, o seedOpts) string {
	t.Helper()
	ctx := context.Background()
	if o.Org == "" {
		o.Org = "org-a"
	}
	if o.Status == "" {
		o.Status = StatusScheduled
	}
	if o.Plan == nil {
		o.Plan = testPlan
	}
	if o.StartAt.IsZero() {
		o.StartAt = time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	}
	id := newID()
	now := time.Now().UTC()
	s := Session{Org: o.Org, Title: "Seeded session", JourneyID: "j-seed", JourneyVersion: 1, Status: o.Status,
		StartAt: o.StartAt, TimeZone: "Europe/Berlin", DurationMinutes: 60, Capacity: DefaultCapacity,
		Facilitator: "u-fac", CoFacilitators: []string{"u-cofac"}, Plan: o.Plan, CreatedAt: now, UpdatedAt: now}
	if o.Status == StatusLive {
		s.Current = &Cursor{Step: 0, Moves: 0, ChangedAt: now, ChangedBy: "u-fac"}
		s.StartedAt = &now
	}
	ref := e.fs.Collection(collOrgs).Doc(o.Org).Collection(collSessions).Doc(id)
	b := e.fs.BulkWriter(ctx)
	for uid, st := range o.Participants {
		if st == "" {
			st = PartJoined
		}
		if st == PartJoined {
			s.Joined++
		}
		p := Participant{UID: uid, State: st, UpdatedAt: now}
		if st == PartJoined {
			p.JoinedAt = &now
		}
		b.Set(ref.Collection(collParticipants).Doc(uid), p)
		b.Set(ref.Collection(collMembers).Doc(uid), map[string]any{"role": authz.ResourceParticipant, "uid": uid})
	}
	b.Set(ref.Collection(collMembers).Doc("u-fac"), map[string]any{"role": authz.ResourceOwner, "uid": "u-fac"})
	b.Set(ref.Collection(collMembers).Doc("u-cofac"), map[string]any{"role": authz.ResourceEditor, "uid": "u-cofac"})
	b.Set(ref, s)
	b.Set(e.fs.Collection(collIndex).Doc(id), map[string]any{"org": o.Org})
	b.End()
	return id
}

func TestHealthAndSkeleton(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.do(t, "GET", "/healthz", "", nil); r.Code != 200 {
		t.Fatalf("healthz %d %s", r.Code, r.Body)
	}
	id := e.seedSession(t, seedOpts{Participants: map[string]string{"u-part-1": ""}})
	ctx := context.Background()
	for _, c := range []struct {
		tok  string
		want Relation
	}{{tokFac, RelFacilitator}, {tokCoFac, RelFacilitator}, {tokPart1, RelParticipant}, {tokAdminA, RelOrgStaff},
		{tokPart2, RelNone}, {tokAdminB, RelNone}, {tokPartB, RelNone}} {
		p := principal(c.tok)
		st := (&api{d: e.deps}).store()
		ref, s, err := st.find(ctx, nil, p, id)
		if err != nil || ref == nil {
			t.Fatalf("%s: find %v %v", c.tok, ref, err)
		}
		rel, _, err := st.relation(ctx, nil, p, ref, s)
		if err != nil || rel != c.want {
			t.Errorf("%s: relation %v, %v; want %v", c.tok, rel, err, c.want)
		}
	}
}

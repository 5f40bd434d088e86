package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"
	"github.com/google/uuid"
	"gopkg.in/yaml.v3"

	"pointsofyou.ai/studio/shared/httpapi"
)

// The cross-tenant guard walks every operation of infra/openapi.yaml
// through Hosting and checks, for each one:
//
//	(a) without a token: 401 problem+json (unless marked security: []);
//	(b) as an org_admin of another organisation: with ids of organisation A
//	    in the path, 403 or 404; in every case, nothing of A in the body;
//	(c) as a participant of A, where x-roles excludes participants: 403;
//	(d) as a facilitator removed from A (a co-facilitator of the fixture
//	    session until an admin removed them), with the token they held
//	    before the removal and with a fresh one: like (b) — authority comes
//	    from current membership, never from a stale token or a session's
//	    own list of facilitators;
//	(e) as an unverified account holding an address A invited: like (b) —
//	    an address is proof of nothing until it is verified.
//
// Path parameters are filled with real ids of A's resources from
// guardFixtures; a parameter without a fixture fails the test, so every new
// route must bring its fixture.

const orgA = "org-lumen" // the demo organisation (testdata/demo/users.json)

// guardFixtures maps a path parameter to the id of a resource of org A.
var guardFixtures = map[string]func(t *testing.T, w *guardWorld) string{
	"orgId":          func(*testing.T, *guardWorld) string { return orgA },
	"report":         func(*testing.T, *guardWorld) string { return "adoption" },       // not an id: each caller's own organisation
	"domain":         func(*testing.T, *guardWorld) string { return "org-lumen.test" }, // not a marker: the path is echoed in problems
	"uid":            func(*testing.T, *guardWorld) string { return "demo-participant-2" },
	"step":           func(*testing.T, *guardWorld) string { return "1" },
	"invitationId":   func(t *testing.T, w *guardWorld) string { return w.invitation(t) },
	"mediaId":        func(t *testing.T, w *guardWorld) string { return w.media(t) },
	"purpose":        func(*testing.T, *guardWorld) string { return "analytics" },
	"requestId":      func(t *testing.T, w *guardWorld) string { return w.privacyRequest(t) },
	"itemId":         func(t *testing.T, w *guardWorld) string { return w.contentItem(t) },
	"journeyId":      func(t *testing.T, w *guardWorld) string { return w.live(t).journeyID },
	"version":        func(*testing.T, *guardWorld) string { return "1" },
	"templateId":     func(t *testing.T, w *guardWorld) string { return w.template(t) },
	"sessionId":      func(t *testing.T, w *guardWorld) string { return w.live(t).sessionID },
	"inviteId":       func(t *testing.T, w *guardWorld) string { return w.live(t).inviteID },
	"drawId":         func(t *testing.T, w *guardWorld) string { return w.live(t).drawID },
	"breakoutId":     func(t *testing.T, w *guardWorld) string { return w.live(t).breakoutID },
	"homeworkId":     func(t *testing.T, w *guardWorld) string { return w.live(t).homeworkID },
	"canvasId":       func(t *testing.T, w *guardWorld) string { return w.canvasFixture(t).canvasID },
	"versionId":      func(t *testing.T, w *guardWorld) string { return w.canvasFixture(t).versionID },
	"elementId":      func(t *testing.T, w *guardWorld) string { return w.canvasFixture(t).elementID },
	"conversationId": func(t *testing.T, w *guardWorld) string { return w.coachFixture(t).conversationID },
	"messageId":      func(t *testing.T, w *guardWorld) string { return w.coachFixture(t).messageID },
	"suggestionId":   func(t *testing.T, w *guardWorld) string { return w.coachFixture(t).suggestionID },
	"alertId":        func(t *testing.T, w *guardWorld) string { return w.coachFixture(t).alertID },
	"entryId":        func(t *testing.T, w *guardWorld) string { return w.journalEntry(t) },
	// A recommendation id is a hash of its situation; the session's guard
	// answers before any recommendation is looked up.
	"recId": func(*testing.T, *guardWorld) string { return "rec-guard" },
}

// ownParams address the caller's own data (an onboarding step), not a
// resource of org A: the outsider may succeed there, as long as nothing of
// A comes back.
var ownParams = map[string]bool{"purpose": true, "step": true}

// orgAMarkers are strings that only org A's data contains.
var orgAMarkers = []string{"Lumen", "studio.test", "Maya Ortiz", "Noa Levi", "Inès", "guard-invitee"}

type guardOp struct {
	Method, Path string
	Public       bool
	Roles        []string
	Example      any
}

func loadOperations(t *testing.T) []guardOp {
	t.Helper()
	b, err := os.ReadFile("../infra/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []guardOp
	for path, item := range doc.Paths {
		for m, node := range item {
			if !slices.Contains([]string{"get", "put", "post", "patch", "delete"}, m) {
				continue
			}
			var op struct {
				Security    *[]map[string][]string `yaml:"security"`
				Roles       []string               `yaml:"x-roles"`
				RequestBody *struct {
					Content map[string]struct {
						Example any `yaml:"example"`
					} `yaml:"content"`
				} `yaml:"requestBody"`
			}
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			g := guardOp{Method: strings.ToUpper(m), Path: path, Roles: op.Roles,
				Public: op.Security != nil && len(*op.Security) == 0}
			if op.RequestBody != nil {
				g.Example = op.RequestBody.Content["application/json"].Example
			}
			ops = append(ops, g)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Path+ops[i].Method < ops[j].Path+ops[j].Method })
	return ops
}

// guardWorld holds org A's callers and lazily made fixtures.
type guardWorld struct {
	adminA, facilitatorA, participantA string
	invitationID, invitationEmail      string
	mediaID                            string
	privacyRequestID                   string
	itemID                             string
	admin                              *fbauth.Client
	orgB                               string
	session                            *liveWorld
	templateID                         string
	coach                              *coachWorld
	journalEntryID                     string
}

// coachWorld is org A's coach data: a conversation of Noa linked to the
// live fixture session with a coach answer, a safety alert her crisis
// message raised there, and a copilot suggestion Maya asked for.
type coachWorld struct {
	conversationID, messageID, suggestionID, alertID string
}

func (w *guardWorld) coachFixture(t *testing.T) *coachWorld {
	if w.coach != nil {
		return w.coach
	}
	lw := w.live(t)
	cw := &coachWorld{}
	var conv struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", "/api/coach/v1/conversations", lw.noa, map[string]any{"session_id": lw.sessionID}, &conv); r.StatusCode != 201 {
		t.Fatalf("fixture coach conversation: %d %s", r.StatusCode, body(r))
	}
	cw.conversationID = conv.ID
	var ask struct {
		Answer struct {
			ID string `json:"id"`
		} `json:"answer"`
	}
	if r := call(t, "POST", "/api/coach/v1/conversations/"+conv.ID+"/ask", lw.noa, map[string]any{"text": "How can Lumen help me slow down?"}, &ask); r.StatusCode != 200 {
		t.Fatalf("fixture coach ask: %d %s", r.StatusCode, body(r))
	}
	cw.messageID = ask.Answer.ID
	if r := call(t, "POST", "/api/coach/v1/conversations/"+conv.ID+"/ask", lw.noa, map[string]any{"text": "I want to kill myself"}, nil); r.StatusCode != 200 {
		t.Fatalf("fixture coach crisis: %d %s", r.StatusCode, body(r))
	}
	var alerts struct {
		Alerts []struct {
			ID string `json:"id"`
		} `json:"alerts"`
	}
	if r := call(t, "GET", "/api/coach/v1/sessions/"+lw.sessionID+"/alerts", lw.maya, nil, &alerts); r.StatusCode != 200 || len(alerts.Alerts) == 0 {
		t.Fatalf("fixture coach alerts: %d %s", r.StatusCode, body(r))
	}
	cw.alertID = alerts.Alerts[0].ID
	var sg struct {
		Suggestion struct {
			ID string `json:"id"`
		} `json:"suggestion"`
	}
	if r := call(t, "POST", "/api/coach/v1/sessions/"+lw.sessionID+"/copilot", lw.maya, map[string]any{}, &sg); r.StatusCode != 200 {
		t.Fatalf("fixture copilot: %d %s", r.StatusCode, body(r))
	}
	cw.suggestionID = sg.Suggestion.ID
	w.coach = cw
	return cw
}

// journalEntry is an entry of Noa's journal, pushed from a device of
// hers and shared with the facilitators of the live fixture session.
func (w *guardWorld) journalEntry(t *testing.T) string {
	if w.journalEntryID != "" {
		return w.journalEntryID
	}
	lw := w.live(t)
	id := uuid.NewString()
	push := map[string]any{"client_id": uuid.NewString(), "mutations": []any{map[string]any{"id": 1, "name": "createEntry",
		"args": map[string]any{"id": id, "title": "Lumen journal entry", "body": "Noa Levi writes about the session.",
			"mode": "in_session", "session_id": lw.sessionID, "visibility": "shared_with_facilitator"}}}}
	if r := call(t, "POST", "/api/journal/v1/push", lw.noa, push, nil); r.StatusCode != 200 {
		t.Fatalf("fixture journal push: %d %s", r.StatusCode, body(r))
	}
	w.journalEntryID = id
	return id
}

// live is a live session of org A (journey "Lumen guard journey") with
// Noa and Sam joined, a face-down draw both picked in, an open breakout
// round and a homework item: every session path parameter has a real id.
func (w *guardWorld) live(t *testing.T) *liveWorld {
	if w.session != nil {
		return w.session
	}
	fs := firestoreClient(t)
	lw := newLiveWorld(t, "Lumen guard journey")
	lw.schedule(t, "Lumen guard session")
	inv := lw.invite(t, fs, noaEmail, samEmail)
	lw.join(t, lw.noa, inv[noaEmail])
	lw.join(t, lw.sam, inv[samEmail])
	if r := call(t, "POST", lw.path("/start"), lw.maya, map[string]any{}, nil); r.StatusCode != 200 {
		t.Fatalf("fixture start: %d %s", r.StatusCode, body(r))
	}
	var id struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", lw.path("/draws"), lw.maya, map[string]any{"mode": "face_down", "deck_id": demoDeck}, &id); r.StatusCode != 201 {
		t.Fatalf("fixture draw: %d %s", r.StatusCode, body(r))
	}
	lw.drawID = id.ID
	for _, tok := range []string{lw.noa, lw.sam} {
		if r := call(t, "POST", lw.path("/draws/"+lw.drawID+"/picks"), tok, map[string]any{}, nil); r.StatusCode != 201 {
			t.Fatalf("fixture pick: %d %s", r.StatusCode, body(r))
		}
	}
	id.ID = ""
	if r := call(t, "POST", lw.path("/breakouts"), lw.maya, map[string]any{"strategy": "random", "room_size": 2}, &id); r.StatusCode != 201 {
		t.Fatalf("fixture breakouts: %d %s", r.StatusCode, body(r))
	}
	lw.breakoutID = id.ID
	var hw struct {
		Homework []struct {
			ID string `json:"id"`
		} `json:"homework"`
	}
	if r := call(t, "POST", lw.path("/homework"), lw.maya, map[string]any{"uid": "demo-participant-1", "title": "Lumen guard homework"}, &hw); r.StatusCode != 201 || len(hw.Homework) != 1 {
		t.Fatalf("fixture homework: %d %s", r.StatusCode, body(r))
	}
	lw.homeworkID = hw.Homework[0].ID
	w.session = lw
	return lw
}

// template is an org template made from the guard journey.
func (w *guardWorld) template(t *testing.T) string {
	if w.templateID == "" {
		var tpl struct {
			ID string `json:"id"`
		}
		if r := call(t, "POST", "/api/journeys/v1/journeys/"+w.live(t).journeyID+"/template", w.facilitatorA,
			map[string]any{"name": "Lumen guard template"}, &tpl); r.StatusCode != 201 {
			t.Fatalf("fixture template: %d %s", r.StatusCode, body(r))
		}
		w.templateID = tpl.ID
	}
	return w.templateID
}

var guardSeq atomic.Int64

func (w *guardWorld) invitation(t *testing.T) string {
	if w.invitationID == "" {
		var inv struct{ ID string }
		email := fmt.Sprintf("guard-invitee-%d@studio.test", time.Now().UnixNano())
		if r := call(t, "POST", "/api/accounts/v1/orgs/"+orgA+"/invitations", w.adminA, map[string]any{"email": email, "role": "participant"}, &inv); r.StatusCode != 202 {
			t.Fatalf("fixture invitation: %d", r.StatusCode)
		}
		w.invitationID, w.invitationEmail = inv.ID, email
	}
	return w.invitationID
}

// contentItem is a private content item of org A (its title carries the
// "Lumen" marker, so a leak to org B is caught).
func (w *guardWorld) contentItem(t *testing.T) string {
	if w.itemID == "" {
		var it struct{ ID string }
		body := map[string]any{"type": "exercise", "tier": "free", "status": "published", "license": map[string]any{"type": "proprietary"},
			"text": map[string]any{"en": map[string]any{"title": "Lumen guard exercise", "body": "Private to org A."}}}
		if r := call(t, "POST", "/api/content/v1/items", w.facilitatorA, body, &it); r.StatusCode != 201 {
			t.Fatalf("fixture content item: %d", r.StatusCode)
		}
		w.itemID = it.ID
	}
	return w.itemID
}

func (w *guardWorld) media(t *testing.T) string {
	if w.mediaID == "" {
		w.mediaID = upload(t, w.facilitatorA, testPNG(8, 8)).ID
	}
	return w.mediaID
}

// outsider is a fresh org_admin of org B (a new one per call, so that an
// operation on the caller's own account, such as deleting it, cannot spoil
// the next one).
func (w *guardWorld) outsider(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("outsider-%d-%d@org-b.example", guardSeq.Add(1), time.Now().UnixNano())
	u, err := w.admin.CreateUser(ctx, (&fbauth.UserToCreate{}).Email(email).Password("outsider-pass").EmailVerified(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.admin.SetCustomUserClaims(ctx, u.UID, map[string]any{"org": w.orgB, "role": "org_admin", "tier": "enterprise"}); err != nil {
		t.Fatal(err)
	}
	return signIn(t, email, "outsider-pass")
}

// createOrgB makes the second organisation through the API.
func createOrgB(t *testing.T, admin *fbauth.Client) string {
	t.Helper()
	email := fmt.Sprintf("founder-%d@org-b.example", time.Now().UnixNano())
	if _, err := admin.CreateUser(context.Background(), (&fbauth.UserToCreate{}).Email(email).Password("founder-pass").EmailVerified(true)); err != nil {
		t.Fatal(err)
	}
	tok := signIn(t, email, "founder-pass")
	if r := call(t, "PUT", "/api/accounts/v1/me/profile", tok, map[string]any{"display_name": "Founder B", "language": "en",
		"timezone": "Europe/Berlin", "role": "org_admin"}, nil); r.StatusCode != 200 {
		t.Fatalf("org B founder profile: %d", r.StatusCode)
	}
	var org struct{ ID string }
	if r := call(t, "POST", "/api/accounts/v1/orgs", tok, map[string]any{"name": "Org B", "type": "nonprofit"}, &org); r.StatusCode != 201 {
		t.Fatalf("org B: %d", r.StatusCode)
	}
	return org.ID
}

func adminClient(t *testing.T) *fbauth.Client {
	t.Helper()
	ctx := context.Background()
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: env.Project()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Auth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCrossTenantGuard(t *testing.T) {
	admin := adminClient(t)
	w := &guardWorld{
		adminA:       signIn(t, "ines.admin@studio.test", "demo-admin-pass"),
		facilitatorA: signIn(t, "maya.facilitator@studio.test", "demo-facilitator-pass"),
		participantA: signIn(t, "noa.participant@studio.test", "demo-participant-pass"),
		admin:        admin,
	}
	w.orgB = createOrgB(t, admin)
	strangers := w.strangers(t)

	ops := loadOperations(t)
	if len(ops) < 10 {
		t.Fatalf("only %d operations in infra/openapi.yaml", len(ops))
	}
	for _, op := range ops {
		t.Run(op.Method+" "+op.Path, func(t *testing.T) {
			path := "/api" + op.Path
			params := httpapi.PathParams(op.Path)
			tenant := false
			for _, p := range params {
				tenant = tenant || !ownParams[p]
				fix, ok := guardFixtures[p]
				if !ok {
					t.Fatalf("no fixture for path parameter {%s}: add one to guardFixtures", p)
				}
				path = strings.ReplaceAll(path, "{"+p+"}", fix(t, w))
			}
			if op.Public {
				return // open to anyone: nothing to guard
			}
			// (a) no token.
			r := guardCall(t, op.Method, path, "", op.Example)
			if r.status != http.StatusUnauthorized || r.contentType != httpapi.ContentTypeProblem {
				t.Errorf("(a) no token: %d %s %s", r.status, r.contentType, r.body)
			}
			// (b) another organisation's admin.
			r = guardCall(t, op.Method, path, w.outsider(t), op.Example)
			expectNothingOfA(t, "(b) other org", r, tenant, "")
			// (d) and (e): a removed facilitator, an unverified squatter.
			for _, s := range strangers {
				if op.Method == "DELETE" && !tenant {
					continue // deleting one's own account would spoil the next walks
				}
				expectNothingOfA(t, s.label, guardCall(t, op.Method, path, s.token, op.Example), tenant, s.email)
			}
			// (c) a participant where staff is required.
			if len(op.Roles) > 0 && !slices.Contains(op.Roles, "participant") {
				r = guardCall(t, op.Method, path, w.participantA, op.Example)
				if r.status != http.StatusForbidden || r.contentType != httpapi.ContentTypeProblem {
					t.Errorf("(c) participant: %d %s", r.status, r.body)
				}
			}
		})
	}
}

type guardResult struct {
	status      int
	contentType string
	body        string
}

func guardCall(t *testing.T, method, path, token string, body any) guardResult {
	t.Helper()
	r := hosting().Do(t, method, path, token, body)
	return guardResult{r.Code, r.Header.Get("Content-Type"), string(r.Body)}
}

// privacyRequest is an erasure request of a participant of A, never
// confirmed.
func (w *guardWorld) privacyRequest(t *testing.T) string {
	if w.privacyRequestID == "" {
		var req struct{ ID string }
		if r := call(t, "POST", "/api/consent/v1/me/erasure", w.participantA, map[string]any{}, &req); r.StatusCode != 201 {
			t.Fatalf("fixture erasure request: %d", r.StatusCode)
		}
		w.privacyRequestID = req.ID
	}
	return w.privacyRequestID
}

// expectNothingOfA checks a stranger's answer: 403 or 404 on a resource of
// org A (401 too for a revoked token), never a 5xx, and no marker of A in
// the body (the caller's own address aside: their own profile may echo it).
func expectNothingOfA(t *testing.T, label string, r guardResult, tenant bool, ownEmail string) {
	t.Helper()
	if tenant && r.status != http.StatusForbidden && r.status != http.StatusNotFound && r.status != http.StatusUnauthorized {
		t.Errorf("%s: %d %s", label, r.status, r.body)
	}
	if r.status >= 500 {
		t.Errorf("%s: %d %s", label, r.status, r.body)
	}
	b := r.body
	if ownEmail != "" {
		b = strings.ReplaceAll(b, ownEmail, "")
	}
	for _, m := range orgAMarkers {
		if strings.Contains(b, m) {
			t.Errorf("%s: the body holds %q of org A: %s", label, m, r.body)
		}
	}
}

type stranger struct{ label, token, email string }

// strangers are the callers of (d) and (e). The removed facilitator is made
// a member of A and a co-facilitator of the fixture session, signs in, and
// is then removed by A's admin through the API.
func (w *guardWorld) strangers(t *testing.T) []stranger {
	t.Helper()
	ctx := context.Background()
	fs := firestoreClient(t)
	lw := w.live(t)

	email := fmt.Sprintf("removed-%d@elsewhere.example", time.Now().UnixNano())
	u, err := w.admin.CreateUser(ctx, (&fbauth.UserToCreate{}).Email(email).Password("removed-pass").EmailVerified(true).DisplayName("Removed Facilitator"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := fs.Doc("orgs/"+orgA+"/members/"+u.UID).Set(ctx, map[string]any{
		"uid": u.UID, "role": "facilitator", "email": email, "display_name": "Removed Facilitator", "joined_at": now}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Doc("users/"+u.UID).Set(ctx, map[string]any{
		"display_name": "Removed Facilitator", "language": "en", "timezone": "Europe/Berlin", "role": "facilitator",
		"tier": "professional", "org": orgA, "status": "active",
		"onboarding": map[string]any{"step": 5, "completed": true, "data": map[string]any{}}, "created_at": now, "updated_at": now}); err != nil {
		t.Fatal(err)
	}
	if err := w.admin.SetCustomUserClaims(ctx, u.UID, map[string]any{"org": orgA, "role": "facilitator", "tier": "professional"}); err != nil {
		t.Fatal(err)
	}
	stale := signIn(t, email, "removed-pass")
	if r := call(t, "PATCH", lw.path(""), lw.maya, map[string]any{"co_facilitators": []string{u.UID}}, nil); r.StatusCode != 200 {
		t.Fatalf("fixture co-facilitator: %d %s", r.StatusCode, body(r))
	}
	if r := call(t, "GET", lw.path(""), stale, nil, nil); r.StatusCode != 200 {
		t.Fatalf("the co-facilitator cannot read the session before the removal: %d %s", r.StatusCode, body(r))
	}
	waitNextSecond(t, w.admin, stale) // a revocation takes effect for tokens issued before its second
	if r := call(t, "DELETE", "/api/accounts/v1/orgs/"+orgA+"/members/"+u.UID, w.adminA, nil, nil); r.StatusCode != 204 {
		t.Fatalf("fixture removal: %d %s", r.StatusCode, body(r))
	}
	fresh := signIn(t, email, "removed-pass")

	// An unverified account on the address A invited to the organisation.
	w.invitation(t)
	if _, err := w.admin.CreateUser(ctx, (&fbauth.UserToCreate{}).Email(w.invitationEmail).Password("squatter-pass").EmailVerified(false)); err != nil {
		t.Fatal(err)
	}
	squatter := signIn(t, w.invitationEmail, "squatter-pass")
	return []stranger{
		{"(d) removed facilitator, token from before the removal", stale, email},
		{"(d) removed facilitator, fresh token", fresh, email},
		{"(e) unverified holder of an invited address", squatter, w.invitationEmail},
	}
}

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fbauth "firebase.google.com/go/v4/auth"

	"pointsofyou.ai/studio/shared/mail"
)

// Session authority, mail quotas and text hygiene, through Hosting. Each
// test builds its own organisation through the API, so that the
// organisation's staff, quotas and sessions are its own.

var ssSeq atomic.Int64

// ssOrg is an organisation made through the API by its founder (its
// org_admin).
type ssOrg struct {
	id                       string
	founderUID, founderEmail string
	admin                    *fbauth.Client
}

// ssPerson creates a verified account with a completed profile.
func ssPerson(t *testing.T, admin *fbauth.Client, name, role string) (uid, email string) {
	t.Helper()
	ctx := context.Background()
	email = fmt.Sprintf("%s-%d-%d@sec.example", name, ssSeq.Add(1), time.Now().UnixNano())
	u, err := admin.CreateUser(ctx, (&fbauth.UserToCreate{}).Email(email).Password("sec-pass").EmailVerified(true))
	if err != nil {
		t.Fatal(err)
	}
	if r := call(t, "PUT", "/api/accounts/v1/me/profile", signIn(t, email, "sec-pass"), map[string]any{"display_name": name,
		"language": "en", "timezone": "Europe/Berlin", "role": role}, nil); r.StatusCode != 200 {
		t.Fatalf("%s profile: %d %s", name, r.StatusCode, body(r))
	}
	return u.UID, email
}

func newSSOrg(t *testing.T, name string) *ssOrg {
	t.Helper()
	o := &ssOrg{admin: adminClient(t)}
	o.founderUID, o.founderEmail = ssPerson(t, o.admin, "founder", "org_admin")
	var org struct{ ID string }
	if r := call(t, "POST", "/api/accounts/v1/orgs", signIn(t, o.founderEmail, "sec-pass"), map[string]any{"name": name, "type": "nonprofit"}, &org); r.StatusCode != 201 {
		t.Fatalf("create org: %d %s", r.StatusCode, body(r))
	}
	o.id = org.ID
	return o
}

// founder is a fresh token of the founder (it carries the org claims).
func (o *ssOrg) founder(t *testing.T) string { return signIn(t, o.founderEmail, "sec-pass") }

// staff adds a member with role through an org invitation accepted by
// mail; it returns the member's uid and email.
func (o *ssOrg) staff(t *testing.T, name, role string) (string, string) {
	t.Helper()
	uid, email := ssPerson(t, o.admin, name, "participant")
	if r := call(t, "POST", "/api/accounts/v1/orgs/"+o.id+"/invitations", o.founder(t), map[string]any{"email": email, "role": role}, nil); r.StatusCode != 202 {
		t.Fatalf("invite %s: %d %s", name, r.StatusCode, body(r))
	}
	msgs, err := mail.List(context.Background(), firestoreClient(t), email)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no org invitation for %s: %v", name, err)
	}
	code := inviteCode.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if code == nil {
		t.Fatal("no invitation code in the mail")
	}
	if r := call(t, "POST", "/api/accounts/v1/invitations/accept", signIn(t, email, "sec-pass"), map[string]any{"token": code[1]}, nil); r.StatusCode != 200 {
		t.Fatalf("accept %s: %d %s", name, r.StatusCode, body(r))
	}
	return uid, email
}

// ssJourney is a journey of inline elements only (no licensed content).
func ssJourney(name string) map[string]any {
	el := func(id, typ, title string, min int) []map[string]any {
		return []map[string]any{{"id": id, "kind": "inline", "type": typ, "title": title, "duration_minutes": min}}
	}
	return map[string]any{"name": name, "description": "A short journey.", "goals": []string{"Notice"}, "timeframe": "single", "session_minutes": 60, "locale": "en", "phases": []map[string]any{
		{"phase": "pause", "energy_mode": "cocoon", "duration_minutes": 10, "objectives": []string{"Arrive"}, "elements": el("w", "welcome", "Arrive", 10)},
		{"phase": "expand", "energy_mode": "lift", "duration_minutes": 20, "objectives": []string{"Widen"}, "elements": el("p", "points_of_view", "Share", 20)},
		{"phase": "focus", "energy_mode": "grounding", "duration_minutes": 20, "objectives": []string{"Insight"}, "elements": el("f", "focus_action", "One insight", 20)},
		{"phase": "doing", "energy_mode": "in_the_rhythm", "duration_minutes": 10, "objectives": []string{"Step"}, "elements": el("c", "closure", "Close", 10)},
	}}
}

// ssSessions publishes a journey as tok and schedules n sessions of it.
func ssSessions(t *testing.T, tok string, n int, extra map[string]any) []string {
	t.Helper()
	var j struct{ ID string }
	if r := call(t, "POST", "/api/journeys/v1/journeys", tok, map[string]any{"journey": ssJourney("Security journey")}, &j); r.StatusCode != 201 {
		t.Fatalf("create journey: %d %s", r.StatusCode, body(r))
	}
	if r := call(t, "POST", "/api/journeys/v1/journeys/"+j.ID+"/publish", tok, map[string]any{}, nil); r.StatusCode != 201 {
		t.Fatalf("publish: %d %s", r.StatusCode, body(r))
	}
	var ids []string
	for i := range n {
		req := map[string]any{"journey_id": j.ID, "title": fmt.Sprintf("Security session %d", i),
			"start_at": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "time_zone": "Europe/Berlin"}
		for k, v := range extra {
			req[k] = v
		}
		var s struct{ ID string }
		if r := call(t, "POST", "/api/sessions/v1/sessions", tok, req, &s); r.StatusCode != 201 {
			t.Fatalf("schedule: %d %s", r.StatusCode, body(r))
		}
		ids = append(ids, s.ID)
	}
	return ids
}

func ssProblem(r *http.Response) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json")
}

// TestSecurityRemovedStaffLoseSessions: a demoted facilitator and one
// whose membership is gone (while the token still names the organisation)
// lose every control of their sessions and journeys at once, and the
// organisation's admin cancels their sessions or takes them over.
func TestSecurityRemovedStaffLoseSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := firestoreClient(t)
	o := newSSOrg(t, "Authority Org")
	fUID, fEmail := o.staff(t, "demoted", "facilitator")
	gUID, gEmail := o.staff(t, "vanished", "facilitator")
	hUID, hEmail := o.staff(t, "successor", "educator")
	fTok := signIn(t, fEmail, "sec-pass")
	sessions := ssSessions(t, fTok, 3, map[string]any{"co_facilitators": []string{gUID}})
	if r := call(t, "POST", "/api/sessions/v1/sessions/"+sessions[0]+"/invitations", fTok, map[string]any{"emails": []string{"guest-authority@sec.example"}}, nil); r.StatusCode != 200 {
		t.Fatalf("invite before demotion: %d %s", r.StatusCode, body(r))
	}

	// F is demoted to participant (claims refreshed, token revoked); G's
	// membership disappears while G's token still names the organisation
	// as staff (claims may be up to an hour old).
	if r := call(t, "PATCH", "/api/accounts/v1/orgs/"+o.id+"/members/"+fUID, o.founder(t), map[string]any{"role": "participant"}, nil); r.StatusCode != 200 {
		t.Fatalf("demote: %d %s", r.StatusCode, body(r))
	}
	fTok = signIn(t, fEmail, "sec-pass")
	gTok := signIn(t, gEmail, "sec-pass")
	if _, err := fs.Doc("orgs/" + o.id + "/members/" + gUID).Delete(ctx); err != nil {
		t.Fatal(err)
	}
	sid := sessions[0]
	base := "/api/sessions/v1/sessions/" + sid
	ops := []struct {
		method, path string
		body         any
	}{
		{"PATCH", base, map[string]any{"title": "Still mine"}},
		{"POST", base + "/invitations", map[string]any{"emails": []string{"another-guest@sec.example"}}},
		{"GET", base + "/invitations", nil},
		{"GET", base + "/participants", nil},
		{"POST", base + "/reschedule", map[string]any{"start_at": time.Now().Add(96 * time.Hour).UTC().Format(time.RFC3339)}},
		{"POST", base + "/start", map[string]any{}},
		{"POST", base + "/cancel", map[string]any{}},
		{"GET", base, nil},
		{"GET", "/api/journeys/v1/journeys", nil},
		{"POST", "/api/journeys/v1/journeys", map[string]any{"journey": ssJourney("Not mine any more")}},
	}
	for who, tok := range map[string]string{"demoted": fTok, "membership gone": gTok} {
		for _, op := range ops {
			r := call(t, op.method, op.path, tok, op.body, nil)
			if r.StatusCode != 403 && r.StatusCode != 404 || !ssProblem(r) {
				t.Errorf("%s: %s %s = %d %s, want 403/404 problem", who, op.method, op.path, r.StatusCode, body(r))
			}
		}
		var mine struct {
			Sessions []struct{ ID string } `json:"sessions"`
		}
		call(t, "GET", "/api/sessions/v1/me/sessions", tok, nil, &mine)
		for _, s := range mine.Sessions {
			if s.ID == sid {
				t.Errorf("%s still lists the session among theirs", who)
			}
		}
	}

	// The admin cancels one session and hands another to a current staff
	// member; a former one cannot receive it.
	admin := o.founder(t)
	if r := call(t, "POST", base+"/cancel", admin, map[string]any{}, nil); r.StatusCode != 200 {
		t.Errorf("admin cancels: %d %s", r.StatusCode, body(r))
	}
	owner := "/api/sessions/v1/sessions/" + sessions[1] + "/owner"
	for _, uid := range []string{fUID, gUID, "no-such-user"} {
		if r := call(t, "PUT", owner, admin, map[string]any{"uid": uid}, nil); r.StatusCode != 400 && r.StatusCode != 422 || !ssProblem(r) {
			t.Errorf("hand over to %s: %d %s, want 400/422", uid, r.StatusCode, body(r))
		}
	}
	var got struct {
		Facilitator    string   `json:"facilitator"`
		CoFacilitators []string `json:"co_facilitators"`
	}
	if r := call(t, "PUT", owner, admin, map[string]any{"uid": hUID}, &got); r.StatusCode != 200 || got.Facilitator != hUID {
		t.Fatalf("hand over: %d %+v", r.StatusCode, got)
	}
	hTok := signIn(t, hEmail, "sec-pass")
	if r := call(t, "PATCH", "/api/sessions/v1/sessions/"+sessions[1], hTok, map[string]any{"title": "Taken over"}, nil); r.StatusCode != 200 {
		t.Errorf("new owner patches: %d %s", r.StatusCode, body(r))
	}
	// The admin may also take a session over themselves.
	if r := call(t, "PUT", "/api/sessions/v1/sessions/"+sessions[2]+"/owner", admin, map[string]any{"uid": o.founderUID}, nil); r.StatusCode != 200 {
		t.Errorf("admin takes over: %d %s", r.StatusCode, body(r))
	}
	if r := call(t, "POST", "/api/sessions/v1/sessions/"+sessions[2]+"/start", admin, map[string]any{}, nil); r.StatusCode != 200 {
		t.Errorf("admin starts the taken-over session: %d %s", r.StatusCode, body(r))
	}
	// Other staff cannot hand sessions around.
	if r := call(t, "PUT", "/api/sessions/v1/sessions/"+sessions[2]+"/owner", hTok, map[string]any{"uid": hUID}, nil); r.StatusCode != 403 {
		t.Errorf("educator hands over: %d %s", r.StatusCode, body(r))
	}
}

// TestSecurityInvitationMailQuota: an unchanged invitation is not mailed
// again within the cool-down, and a flood of invitations stops at the
// sender's quota with 429 and Retry-After, writing nothing.
func TestSecurityInvitationMailQuota(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := firestoreClient(t)
	o := newSSOrg(t, "Quota Org")
	_, fEmail := o.staff(t, "sender", "facilitator")
	tok := signIn(t, fEmail, "sec-pass")
	sid := ssSessions(t, tok, 1, nil)[0]
	path := "/api/sessions/v1/sessions/" + sid + "/invitations"
	guest := fmt.Sprintf("cooldown-%d@quota.example", time.Now().UnixNano())

	var first, again struct {
		Invited     int        `json:"invited"`
		Resent      int        `json:"resent"`
		NotResent   int        `json:"not_resent"`
		ResendAfter *time.Time `json:"resend_after"`
	}
	if r := call(t, "POST", path, tok, map[string]any{"emails": []string{guest}}, &first); r.StatusCode != 200 || first.Invited != 1 {
		t.Fatalf("first invitation: %d %+v", r.StatusCode, first)
	}
	if r := call(t, "POST", path, tok, map[string]any{"emails": []string{guest}}, &again); r.StatusCode != 200 || again.Resent != 0 || again.NotResent != 1 ||
		again.ResendAfter == nil || again.ResendAfter.Before(time.Now().Add(5*time.Minute)) {
		t.Errorf("immediate re-send: %d %+v, want not_resent 1 with resend_after", r.StatusCode, again)
	}
	if msgs, _ := mail.List(ctx, fs, guest); len(msgs) != 1 {
		t.Errorf("%d mails to the guest, want 1", len(msgs))
	}

	// 100 new addresses a request: the hourly quota of one sender stops
	// the flood; the refused request mails and records nothing.
	stamp := time.Now().UnixNano()
	refused := -1
	for i := 0; i < 8 && refused < 0; i++ {
		emails := make([]string, 100)
		for k := range emails {
			emails[k] = fmt.Sprintf("flood-%d-%d-%d@quota.example", stamp, i, k)
		}
		r := call(t, "POST", path, tok, map[string]any{"emails": emails}, nil)
		switch r.StatusCode {
		case 200:
		case 429:
			refused = i
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if !ssProblem(r) || err != nil || secs < 1 || secs > 24*3600 {
				t.Errorf("429 without problem+json or Retry-After: %q %s", r.Header.Get("Retry-After"), body(r))
			}
			if msgs, _ := mail.List(ctx, fs, emails[0]); len(msgs) != 0 {
				t.Errorf("a refused request mailed %d messages", len(msgs))
			}
			snaps, err := fs.Collection("orgs/"+o.id+"/sessions/"+sid+"/invitations").Where("email_lc", "==", emails[0]).Documents(ctx).GetAll()
			if err != nil || len(snaps) != 0 {
				t.Errorf("a refused request recorded %d invitations (%v)", len(snaps), err)
			}
		default:
			t.Fatalf("flood request %d: %d %s", i, r.StatusCode, body(r))
		}
	}
	if refused < 0 {
		t.Fatal("800 invitation mails in a row were all sent: no quota")
	}
}

// TestSecurityControlCharactersRefused: control characters never enter a
// human text field (they would reach mail subjects, calendars and other
// people's screens); line breaks only where the field is multi-line.
func TestSecurityControlCharactersRefused(t *testing.T) {
	t.Parallel()
	o := newSSOrg(t, "Text Org")
	_, fEmail := o.staff(t, "writer", "facilitator")
	tok := signIn(t, fEmail, "sec-pass")
	sid := ssSessions(t, tok, 1, nil)[0]
	base := "/api/sessions/v1/sessions/" + sid
	start := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	bad := []string{"Title\x00NUL", "\x1b[31mred", "back\bspace", "bell\a", "del\x7f", "c1\u0085", "line\nbreak", "tab\there", "sep\u2028arator"}
	type op struct {
		name, method, path string
		body               func(s string) any
	}
	ops := []op{
		{"session title", "POST", "/api/sessions/v1/sessions", func(s string) any {
			return map[string]any{"journey_id": "j-none", "title": s, "start_at": start, "time_zone": "Europe/Berlin"}
		}},
		{"patched title", "PATCH", base, func(s string) any { return map[string]any{"title": s} }},
		{"meeting id", "PATCH", base, func(s string) any {
			return map[string]any{"meeting": map[string]any{"provider": "zoom", "url": "https://zoom.us/j/1", "meeting_id": s}}
		}},
		{"meeting passcode", "PATCH", base, func(s string) any {
			return map[string]any{"meeting": map[string]any{"provider": "zoom", "url": "https://zoom.us/j/1", "passcode": s}}
		}},
		{"journey name", "POST", "/api/journeys/v1/journeys", func(s string) any {
			j := ssJourney(s)
			return map[string]any{"journey": j}
		}},
		{"display name", "PUT", "/api/accounts/v1/me/profile", func(s string) any {
			return map[string]any{"display_name": s, "language": "en", "timezone": "Europe/Berlin", "role": "facilitator"}
		}},
		{"org name", "PATCH", "/api/accounts/v1/orgs/" + o.id, func(s string) any { return map[string]any{"name": s} }},
	}
	for _, o2 := range ops {
		for _, s := range bad {
			caller := tok
			if o2.name == "org name" {
				caller = o.founder(t)
			}
			r := call(t, o2.method, o2.path, caller, o2.body(s), nil)
			if r.StatusCode != 400 && r.StatusCode != 422 || !ssProblem(r) {
				t.Errorf("%s %q: %d %s, want 400/422 problem", o2.name, s, r.StatusCode, body(r))
			}
		}
	}
	// Multi-line fields keep line breaks and tabs, and refuse the rest.
	if r := call(t, "PATCH", base, tok, map[string]any{"description": "Bring:\n\t- a notebook\r\n\t- tea"}, nil); r.StatusCode != 200 {
		t.Errorf("multi-line description: %d %s", r.StatusCode, body(r))
	}
	for _, s := range []string{"esc\x1b", "nul\x00", "bs\b", "c1\u009b"} {
		if r := call(t, "PATCH", base, tok, map[string]any{"description": s}, nil); r.StatusCode != 400 {
			t.Errorf("description %q: %d %s", s, r.StatusCode, body(r))
		}
	}
	// What passes reaches mail as written, free of control characters.
	if r := call(t, "POST", base+"/invitations", tok, map[string]any{"emails": []string{"reader@text.example"}}, nil); r.StatusCode != 200 {
		t.Fatalf("invite: %d %s", r.StatusCode, body(r))
	}
	msgs, _ := mail.List(context.Background(), firestoreClient(t), "reader@text.example")
	for _, m := range msgs {
		if strings.ContainsFunc(m.Subject, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }) {
			t.Errorf("subject %q holds a control character", m.Subject)
		}
	}
}

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/mail"
)

// Data-subject requests and consent decisions at the edges of identity:
// addresses not proven by their holder, addresses in mixed case, the last
// administrator of an organisation, and people from outside a session's
// organisation.

var securitySeq atomic.Int64

// securityUser creates an Auth user with a password and returns its uid
// and ID token.
func securityUser(t *testing.T, email string, verified bool) (string, string) {
	t.Helper()
	u, err := adminClient(t).CreateUser(context.Background(), (&fbauth.UserToCreate{}).Email(email).Password("security-pass").EmailVerified(verified))
	if err != nil {
		t.Fatal(err)
	}
	return u.UID, signIn(t, email, "security-pass")
}

// inviteToOrgA sends an org A invitation to email as its admin.
func inviteToOrgA(t *testing.T, email string) {
	t.Helper()
	adminTok := signIn(t, "ines.admin@studio.test", "demo-admin-pass")
	if r := call(t, "POST", "/api/accounts/v1/orgs/"+orgA+"/invitations", adminTok,
		map[string]any{"email": email, "role": "participant"}, nil); r.StatusCode != 202 {
		t.Fatalf("org invitation: %d %s", r.StatusCode, body(r))
	}
}

// invitationDocs lists the invitation documents (of organisations and of
// sessions) addressed to email in any spelling.
func invitationDocs(t *testing.T, ctx context.Context, fs *firestore.Client, email string) []string {
	t.Helper()
	var out []string
	for _, f := range []struct{ field, v string }{{"email", email}, {"email", strings.ToLower(email)}, {"email_lc", strings.ToLower(email)}} {
		snaps, err := fs.CollectionGroup("invitations").Where(f.field, "==", f.v).Documents(ctx).GetAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snaps {
			if !containsString(out, s.Ref.Path) {
				out = append(out, s.Ref.Path)
			}
		}
	}
	return out
}

// outboxDocs lists the outbox messages to email in any spelling.
func outboxDocs(t *testing.T, ctx context.Context, fs *firestore.Client, email string) []string {
	t.Helper()
	var out []string
	for _, v := range []string{email, strings.ToLower(email)} {
		snaps, err := fs.Collection("outbox").Where("to", "==", v).Documents(ctx).GetAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snaps {
			if !containsString(out, s.Ref.Path) {
				out = append(out, s.Ref.Path)
			}
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// exportAndErase exports the caller's data, then requests and confirms
// their erasure; it returns the archive's files.
func exportAndErase(t *testing.T, tok string) map[string][]byte {
	t.Helper()
	var export privacyRequestView
	if r := call(t, "POST", "/api/consent/v1/me/exports", tok, map[string]any{}, &export); r.StatusCode != 201 || export.DownloadURL == "" {
		t.Fatalf("export: %d %+v", r.StatusCode, export)
	}
	files := downloadZip(t, export.DownloadURL)
	var er privacyRequestView
	if r := call(t, "POST", "/api/consent/v1/me/erasure", tok, map[string]any{}, &er); r.StatusCode != 201 {
		t.Fatalf("erasure request: %d %s", r.StatusCode, body(r))
	}
	var done privacyRequestView
	if r := call(t, "POST", "/api/consent/v1/me/erasure/"+er.ID+"/confirm", tok, map[string]any{"code": er.ConfirmationCode}, &done); r.StatusCode != 200 || done.Status != "completed" {
		t.Fatalf("confirm: %d %+v", r.StatusCode, done)
	}
	return files
}

// An account whose address is not verified gets, from export and erasure,
// only what is keyed by its uid: the invitations and mail sent to the
// address stay with whoever really owns it, and the archive says why they
// are missing.
func TestSecurityUnverifiedAddressGetsNoAddressData(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fs := firestoreClient(t)
	email := fmt.Sprintf("guest.person-%d-%d@outside.test", securitySeq.Add(1), time.Now().UnixNano())

	// The real owner of the address is invited to a session and to org A.
	lw := newLiveWorld(t, "Unverified journey")
	lw.schedule(t, "Unverified session")
	inv := lw.invite(t, fs, email)
	token := joinLink.FindStringSubmatch(inv[email].Text)[2]
	inviteToOrgA(t, email)
	msgs, err := mail.List(ctx, fs, email)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("outbox before: %d %v", len(msgs), err)
	}
	code := inviteCode.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if code == nil {
		t.Fatal("no invitation code in the org mail")
	}
	invitations := invitationDocs(t, ctx, fs, email)
	if len(invitations) != 2 {
		t.Fatalf("invitations before: %v", invitations)
	}

	// Someone else signs up with the address and never verifies it.
	_, tok := securityUser(t, email, false)
	files := exportAndErase(t, tok)
	all := ""
	for name, b := range files {
		all += name + "\n" + string(b) + "\n"
	}
	for _, secret := range []string{token, code[1], "maya.facilitator@studio.test", "BEGIN:VCALENDAR", "Invitation code"} {
		if strings.Contains(all, secret) {
			t.Errorf("the export of an unverified account holds %q", secret)
		}
	}
	var manifest struct {
		Withheld map[string]string `json:"withheld"`
	}
	if err := json.Unmarshal(files["README.json"], &manifest); err != nil {
		t.Fatalf("README.json: %v", err)
	}
	for _, h := range []string{"accounts.invitations", "mail.outbox"} {
		if !strings.Contains(manifest.Withheld[h], "verif") {
			t.Errorf("the manifest does not say why %s was left out: %q", h, manifest.Withheld[h])
		}
	}

	// The erasure left the address's invitations and mail alone.
	if got := invitationDocs(t, ctx, fs, email); len(got) != 2 {
		t.Errorf("invitations after the erasure of an unverified account: %v", got)
	}
	if got := outboxDocs(t, ctx, fs, email); len(got) != 2 {
		t.Errorf("mail after the erasure of an unverified account: %v", got)
	}
}

// Invitations and mail to a mixed-case address are found by the export
// and the erasure of the verified owner of the address, including those
// stored with their original spelling before addresses were normalised.
func TestSecurityMixedCaseAddressesExportAndErase(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fs := firestoreClient(t)
	n := securitySeq.Add(1)
	email := fmt.Sprintf("Mixed.Case-%d-%d@Other.test", n, time.Now().UnixNano())

	lw := newLiveWorld(t, "Mixed case journey")
	lw.schedule(t, "Mixed case session")
	inv := lw.invite(t, fs, email)
	token := joinLink.FindStringSubmatch(inv[email].Text)[2]
	inviteToOrgA(t, email)

	// Data written before addresses were normalised: a session invitation
	// and its mail in the original spelling.
	legacy := fmt.Sprintf("Legacy.Case-%d-%d@Other.test", n, time.Now().UnixNano())
	legacyInv := fs.Doc("orgs/" + orgA + "/sessions/" + lw.sessionID + "/invitations/legacy-" + fmt.Sprint(n))
	if _, err := legacyInv.Set(ctx, map[string]any{"email": legacy, "email_lc": strings.ToLower(legacy), "status": "pending", "token_hash": "x"}); err != nil {
		t.Fatal(err)
	}
	legacyMail := fs.Collection("outbox").NewDoc()
	if _, err := legacyMail.Set(ctx, map[string]any{"to": legacy, "kind": "session_invitation",
		"message": map[string]any{"subject": "Legacy invitation", "text": "legacy-join-link"}, "created_at": time.Now()}); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, email string
		secrets     []string
	}{
		{"current", email, []string{token, "Invitation code"}},
		{"legacy", legacy, []string{"legacy-join-link", legacyInv.ID}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The owner signs up with the address in lower case and verifies it.
			_, tok := securityUser(t, strings.ToLower(c.email), true)
			files := exportAndErase(t, tok)
			all := ""
			for name, b := range files {
				all += name + "\n" + string(b) + "\n"
			}
			for _, s := range c.secrets {
				if !strings.Contains(all, s) {
					t.Errorf("the export lacks %q", s)
				}
			}
			if got := invitationDocs(t, ctx, fs, c.email); len(got) != 0 {
				t.Errorf("invitations left after the erasure: %v", got)
			}
			if got := outboxDocs(t, ctx, fs, c.email); len(got) != 0 {
				t.Errorf("mail left after the erasure: %v", got)
			}
		})
	}
}

// problemOf decodes a problem+json answer.
func problemOf(t *testing.T, r *http.Response) httpapi.Problem {
	t.Helper()
	return apitest.Read(t, r).Problem(t, 0)
}

// newOrgOfOne makes a verified user who creates an organisation through
// the API (its only member, an org_admin).
func newOrgOfOne(t *testing.T, name string) (uid, tok, org string) {
	t.Helper()
	email := fmt.Sprintf("%s-%d-%d@founders.example", name, securitySeq.Add(1), time.Now().UnixNano())
	uid, tok = securityUser(t, email, true)
	if r := call(t, "PUT", "/api/accounts/v1/me/profile", tok, map[string]any{"display_name": "Founder " + name, "language": "en",
		"timezone": "Europe/Berlin", "role": "org_admin"}, nil); r.StatusCode != 200 {
		t.Fatalf("profile: %d %s", r.StatusCode, body(r))
	}
	var o struct{ ID string }
	if r := call(t, "POST", "/api/accounts/v1/orgs", tok, map[string]any{"name": "Org of " + name, "type": "nonprofit"}, &o); r.StatusCode != 201 {
		t.Fatalf("create org: %d %s", r.StatusCode, body(r))
	}
	return uid, signIn(t, email, "security-pass"), o.ID
}

// The only org_admin of an organisation with other members cannot erase
// themselves (they appoint another admin first); the only member of an
// organisation can, and the organisation is dissolved with its domains.
func TestSecuritySoleAdminErasure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fs := firestoreClient(t)

	t.Run("only admin with members", func(t *testing.T) {
		uid, tok, org := newOrgOfOne(t, "keeper")
		// A second member joins through an invitation.
		member := fmt.Sprintf("member-%d-%d@founders.example", securitySeq.Add(1), time.Now().UnixNano())
		_, mtok := securityUser(t, member, true)
		if r := call(t, "PUT", "/api/accounts/v1/me/profile", mtok, map[string]any{"display_name": "Member", "language": "en",
			"timezone": "Europe/Berlin", "role": "participant"}, nil); r.StatusCode != 200 {
			t.Fatalf("member profile: %d %s", r.StatusCode, body(r))
		}
		if r := call(t, "POST", "/api/accounts/v1/orgs/"+org+"/invitations", tok, map[string]any{"email": member, "role": "participant"}, nil); r.StatusCode != 202 {
			t.Fatalf("invite: %d %s", r.StatusCode, body(r))
		}
		msgs, err := mail.List(ctx, fs, member)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("outbox: %v %v", msgs, err)
		}
		code := inviteCode.FindStringSubmatch(msgs[0].Text)
		if r := call(t, "POST", "/api/accounts/v1/invitations/accept", mtok, map[string]any{"token": code[1]}, nil); r.StatusCode != 200 {
			t.Fatalf("accept: %d %s", r.StatusCode, body(r))
		}
		r := call(t, "POST", "/api/consent/v1/me/erasure", tok, map[string]any{}, nil)
		if r.StatusCode != 409 {
			t.Fatalf("erasure of the only admin: %d %s, want 409", r.StatusCode, body(r))
		}
		p := problemOf(t, r)
		if !strings.HasSuffix(p.Type, "/sole-admin") || !strings.Contains(p.Detail, "admin") {
			t.Errorf("problem: %+v", p)
		}
		if _, err := fs.Doc("orgs/" + org + "/members/" + uid).Get(ctx); err != nil {
			t.Errorf("the admin's membership: %v", err)
		}
		// With a second admin appointed, the erasure goes through.
		muid := ""
		if snaps, err := fs.Collection("orgs/"+org+"/members").Where("role", "==", "participant").Documents(ctx).GetAll(); err == nil && len(snaps) == 1 {
			muid = snaps[0].Ref.ID
		}
		if r := call(t, "PATCH", "/api/accounts/v1/orgs/"+org+"/members/"+muid, tok, map[string]any{"role": "org_admin"}, nil); r.StatusCode != 200 {
			t.Fatalf("appoint an admin: %d %s", r.StatusCode, body(r))
		}
		exportAndErase(t, tok)
		if snap, err := fs.Doc("orgs/" + org).Get(ctx); err != nil || !snap.Exists() {
			t.Errorf("the organisation went with one of its admins: %v", err)
		}
	})

	t.Run("only member", func(t *testing.T) {
		_, tok, org := newOrgOfOne(t, "solo")
		domain := fmt.Sprintf("solo-%d-%d.example", securitySeq.Add(1), time.Now().UnixNano())
		if _, err := fs.Doc("domains/"+domain).Set(ctx, map[string]any{"org": org}); err != nil {
			t.Fatal(err)
		}
		other := fmt.Sprintf("other-%d-%d.example", securitySeq.Add(1), time.Now().UnixNano())
		if _, err := fs.Doc("domains/"+other).Set(ctx, map[string]any{"org": "some-other-org"}); err != nil {
			t.Fatal(err)
		}
		exportAndErase(t, tok)
		if _, err := fs.Doc("orgs/" + org).Get(ctx); status.Code(err) != codes.NotFound {
			t.Errorf("the organisation of its only member outlived them: %v", err)
		}
		if _, err := fs.Doc("domains/" + domain).Get(ctx); status.Code(err) != codes.NotFound {
			t.Errorf("the dissolved organisation's domain is still claimed: %v", err)
		}
		if _, err := fs.Doc("domains/" + other).Get(ctx); err != nil {
			t.Errorf("another organisation's domain: %v", err)
		}
	})
}

// A participant of a session of another organisation may grant and
// withdraw facilitator_visibility for that organisation; a stranger to it
// may not (and learns nothing about it).
func TestSecurityFacilitatorVisibilityAcrossOrgs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fs := firestoreClient(t)
	if _, err := consentvault.NewStore(fs, nil).PublishPolicy(ctx, consentvault.FacilitatorVisibility, map[string]string{"en": "Share my cards with the facilitator."}); err != nil {
		t.Fatal(err)
	}
	n := securitySeq.Add(1)
	guest := fmt.Sprintf("visitor-%d-%d@elsewhere.example", n, time.Now().UnixNano())
	guestUID, guestTok := securityUser(t, guest, true)
	_, strangerTok := securityUser(t, fmt.Sprintf("stranger-%d-%d@elsewhere.example", n, time.Now().UnixNano()), true)

	lw := newLiveWorld(t, "Visiting journey")
	lw.schedule(t, "Visiting session")
	inv := lw.invite(t, fs, guest)
	lw.join(t, guestTok, inv[guest])
	if _, err := fs.Doc("orgs/" + orgA + "/members/" + guestUID).Get(ctx); status.Code(err) != codes.NotFound {
		t.Fatalf("the guest is a member of org A: %v", err)
	}

	decide := func(tok, org, decision string) *http.Response {
		return call(t, "PUT", "/api/consent/v1/me/consent/facilitator_visibility", tok,
			map[string]any{"decision": decision, "mechanism": "settings", "org": org}, nil)
	}
	for _, d := range []string{"grant", "withdraw"} {
		if r := decide(guestTok, orgA, d); r.StatusCode != 200 {
			t.Errorf("participant %s for the session's org: %d %s", d, r.StatusCode, body(r))
		}
	}
	var st struct {
		Purposes []consentvault.Entry `json:"purposes"`
	}
	call(t, "GET", "/api/consent/v1/me/consent", guestTok, nil, &st)
	found := false
	for _, e := range st.Purposes {
		if e.Purpose == consentvault.FacilitatorVisibility && e.Org == orgA {
			found = !e.Granted
		}
	}
	if !found {
		t.Errorf("state after withdrawal: %+v", st.Purposes)
	}
	for _, org := range []string{orgA, "no-such-org"} {
		if r := decide(strangerTok, org, "grant"); r.StatusCode != 404 {
			t.Errorf("stranger grant for %s: %d %s", org, r.StatusCode, body(r))
		}
	}
	if r := decide(guestTok, "no-such-org", "grant"); r.StatusCode != 404 {
		t.Errorf("participant grant for an unrelated org: %d", r.StatusCode)
	}
}

package consent

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/httpapi"
)

// callProblem is call for a refusal: the status and the problem body.
func callProblem(t *testing.T, h http.Handler, method, path, uid string, body any) (int, httpapi.Problem) {
	t.Helper()
	r := apitest.Serve(t, h, method, path, idToken(t, uid), body)
	if r.Code < 400 {
		return r.Code, httpapi.Problem{}
	}
	return r.Code, r.Problem(t, 0)
}

// exportFiles runs an export as uid and returns the archive's files.
func exportFiles(t *testing.T, h http.Handler, uid string) (RequestView, map[string]string) {
	t.Helper()
	var v RequestView
	if c := call(t, h, "POST", "/v1/me/exports", uid, map[string]any{}, &v); c != 201 {
		t.Fatalf("export: %d", c)
	}
	rd, err := stClient.Bucket(project + "-exports").Object("dsr/" + uid + "/" + v.ID + ".zip").NewReader(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rd)
	rd.Close()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		r, _ := f.Open()
		c, _ := io.ReadAll(r)
		r.Close()
		out[f.Name] = string(c)
	}
	return v, out
}

// erase requests and confirms uid's erasure.
func erase(t *testing.T, h http.Handler, uid string) {
	t.Helper()
	var req RequestView
	if c := call(t, h, "POST", "/v1/me/erasure", uid, map[string]any{}, &req); c != 201 {
		t.Fatalf("erasure request: %d", c)
	}
	var done RequestView
	if c := call(t, h, "POST", "/v1/me/erasure/"+req.ID+"/confirm", uid, map[string]any{"code": req.ConfirmationCode}, &done); c != 200 || done.Status != StatusCompleted {
		t.Fatalf("confirm: %d %+v", c, done)
	}
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := fsClient.Doc(path).Get(context.Background())
	if err != nil && !notFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

func set(t *testing.T, path string, data map[string]any) {
	t.Helper()
	if _, err := fsClient.Doc(path).Set(context.Background(), data); err != nil {
		t.Fatal(err)
	}
}

// Mail and invitations keyed by an address are exported and erased only
// for an account that verified the address; the rest of the account's
// data either way, and the export says what it left out.
func TestAddressHoldersNeedAVerifiedOwner(t *testing.T) {
	t.Parallel()
	h, err := New(deps(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, verified := range []bool{false, true} {
		t.Run(fmt.Sprintf("verified=%v", verified), func(t *testing.T) {
			t.Parallel()
			n := seq.Add(1)
			email := fmt.Sprintf("guest.person%d@outside.test", n)
			uid, _ := newUserWith(t, email, verified)
			org := fmt.Sprintf("org-addr-%d", n)
			invitation := fmt.Sprintf("orgs/%s/invitations/inv-%d", org, n)
			outbox := fmt.Sprintf("outbox/mail-%d", n)
			set(t, invitation, map[string]any{"email": email, "role": "participant"})
			set(t, outbox, map[string]any{"to": email, "kind": "invitation", "message": map[string]any{"text": "Invitation code: secret-" + email}})
			set(t, "users/"+uid, map[string]any{"display_name": "Account holder"})

			v, files := exportFiles(t, h, uid)
			all := ""
			for name, c := range files {
				all += name + "\n" + c + "\n"
			}
			if !strings.Contains(all, "Account holder") {
				t.Error("the account's own data is missing from the export")
			}
			if got := strings.Contains(all, "secret-"+email); got != verified {
				t.Errorf("mail to the address in the export: %v", got)
			}
			if got := strings.Contains(all, invitation); got != verified {
				t.Errorf("invitation to the address in the export: %v", got)
			}
			var manifest struct {
				Withheld map[string]string `json:"withheld"`
			}
			if err := json.Unmarshal([]byte(files["README.json"]), &manifest); err != nil {
				t.Fatal(err)
			}
			for _, holder := range []string{"accounts.invitations", "mail.outbox"} {
				if said := strings.Contains(manifest.Withheld[holder], "not verified"); said == verified {
					t.Errorf("manifest on %s: %q", holder, manifest.Withheld[holder])
				}
				if said := v.Withheld[holder] != ""; said == verified {
					t.Errorf("request view on %s: %q", holder, v.Withheld[holder])
				}
			}

			erase(t, h, uid)
			if exists(t, "users/"+uid) {
				t.Error("the account's profile outlived its erasure")
			}
			if exists(t, invitation) == verified || exists(t, outbox) == verified {
				t.Errorf("after the erasure: invitation kept %v, mail kept %v", exists(t, invitation), exists(t, outbox))
			}
		})
	}
}

// Invitations and mail stored under a mixed-case spelling of the address
// (before addresses were normalised) are found through the normalised copy
// session invitations keep.
func TestMixedCaseSpellingsAreFound(t *testing.T) {
	t.Parallel()
	h, err := New(deps(t))
	if err != nil {
		t.Fatal(err)
	}
	n := seq.Add(1)
	spelled := fmt.Sprintf("Mixed.Case%d@Other.test", n)
	lower := strings.ToLower(spelled)
	uid, _ := newUserWith(t, spelled, true) // Auth keeps it lower-cased
	paths := []string{
		fmt.Sprintf("orgs/org-mc-%d/sessions/s1/invitations/i1", n),
		fmt.Sprintf("orgs/org-mc-%d/invitations/i2", n),
		fmt.Sprintf("outbox/mc-a-%d", n),
		fmt.Sprintf("outbox/mc-b-%d", n),
	}
	set(t, paths[0], map[string]any{"email": spelled, "email_lc": lower, "status": "pending"})
	set(t, paths[1], map[string]any{"email": lower, "role": "participant"})
	set(t, paths[2], map[string]any{"to": spelled, "kind": "session_invitation"})
	set(t, paths[3], map[string]any{"to": lower, "kind": "invitation"})

	_, files := exportFiles(t, h, uid)
	all := files["data/accounts.invitations.json"] + files["data/mail.outbox.json"]
	for _, p := range paths {
		if !strings.Contains(all, p) {
			t.Errorf("the export lacks %s", p)
		}
	}
	erase(t, h, uid)
	for _, p := range paths {
		if exists(t, p) {
			t.Errorf("%s outlived the erasure", p)
		}
	}
}

// The only admin of an organisation with other members cannot erase
// themselves; the only member of an organisation dissolves it.
func TestErasureAndTheLastAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, err := New(deps(t))
	if err != nil {
		t.Fatal(err)
	}
	member := func(org, uid, role string) {
		set(t, "orgs/"+org+"/members/"+uid, map[string]any{"uid": uid, "role": role})
	}

	t.Run("only admin with members", func(t *testing.T) {
		t.Parallel()
		n := seq.Add(1)
		org := fmt.Sprintf("org-keep-%d", n)
		uid, _ := newUser(t)
		set(t, "orgs/"+org, map[string]any{"name": "Kept"})
		member(org, uid, "org_admin")
		member(org, fmt.Sprintf("other-%d", n), "participant")
		c, p := callProblem(t, h, "POST", "/v1/me/erasure", uid, map[string]any{})
		if c != 409 || !strings.HasSuffix(p.Type, "/sole-admin") || !strings.Contains(p.Detail, "appoint another org_admin") {
			t.Fatalf("request: %d %+v", c, p)
		}
		// Requested while another admin was there, confirmed after they
		// left the role: refused at confirmation, still awaiting it.
		member(org, fmt.Sprintf("admin2-%d", n), "org_admin")
		var req RequestView
		if c := call(t, h, "POST", "/v1/me/erasure", uid, map[string]any{}, &req); c != 201 {
			t.Fatalf("request with two admins: %d", c)
		}
		member(org, fmt.Sprintf("admin2-%d", n), "participant")
		if c, p := callProblem(t, h, "POST", "/v1/me/erasure/"+req.ID+"/confirm", uid, map[string]any{"code": req.ConfirmationCode}); c != 409 || !strings.HasSuffix(p.Type, "/sole-admin") {
			t.Fatalf("confirm: %d %+v", c, p)
		}
		if r, err := newJobs(deps(t)).request(ctx, req.ID); err != nil || r.Status != StatusAwaiting {
			t.Errorf("request after a refused confirmation: %+v %v", r, err)
		}
		if !exists(t, "orgs/"+org+"/members/"+uid) || !exists(t, "orgs/"+org) {
			t.Error("the refused erasure changed the organisation")
		}
	})

	t.Run("one of two admins", func(t *testing.T) {
		t.Parallel()
		n := seq.Add(1)
		org := fmt.Sprintf("org-two-%d", n)
		uid, _ := newUser(t)
		set(t, "orgs/"+org, map[string]any{"name": "Two admins"})
		member(org, uid, "org_admin")
		member(org, fmt.Sprintf("admin2-%d", n), "org_admin")
		erase(t, h, uid)
		if exists(t, "orgs/"+org+"/members/"+uid) || !exists(t, "orgs/"+org) {
			t.Error("want the membership gone and the organisation kept")
		}
	})

	t.Run("only member", func(t *testing.T) {
		t.Parallel()
		n := seq.Add(1)
		org := fmt.Sprintf("org-solo-%d", n)
		uid, _ := newUser(t)
		set(t, "orgs/"+org, map[string]any{"name": "Solo", "domains": []string{fmt.Sprintf("solo%d.test", n)}})
		member(org, uid, "org_admin")
		set(t, fmt.Sprintf("orgs/%s/sessions/s1", org), map[string]any{"title": "A session"})
		set(t, fmt.Sprintf("orgs/%s/sessions/s1/participants/guest", org), map[string]any{"uid": "guest"})
		set(t, fmt.Sprintf("domains/solo%d.test", n), map[string]any{"org": org})
		set(t, fmt.Sprintf("domains/keep%d.test", n), map[string]any{"org": "another-org"})
		set(t, fmt.Sprintf("session_index/solo-s1-%d", n), map[string]any{"org": org})
		w := stClient.Bucket(project + "-media").Object("orgs/" + org + "/media/m1/original").NewWriter(ctx)
		w.Write([]byte("org image"))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		erase(t, h, uid)
		for _, p := range []string{"orgs/" + org, "orgs/" + org + "/sessions/s1", "orgs/" + org + "/sessions/s1/participants/guest",
			fmt.Sprintf("domains/solo%d.test", n), fmt.Sprintf("session_index/solo-s1-%d", n)} {
			if exists(t, p) {
				t.Errorf("%s outlived the dissolution", p)
			}
		}
		if !exists(t, fmt.Sprintf("domains/keep%d.test", n)) {
			t.Error("another organisation's domain went too")
		}
		if _, err := stClient.Bucket(project + "-media").Object("orgs/" + org + "/media/m1/original").Attrs(ctx); err == nil {
			t.Error("the dissolved organisation's media outlived it")
		}
	})
}

// A decision scoped to an organisation needs a relation to it: membership,
// or taking part in one of its sessions; a withdrawal also stays possible
// after the relation ended. Strangers get 404 whether or not it exists.
func TestScopedDecisionNeedsARelation(t *testing.T) {
	h, err := New(deps(t))
	if err != nil {
		t.Fatal(err)
	}
	publishPolicies(t, h)
	n := seq.Add(1)
	org := fmt.Sprintf("org-rel-%d", n)
	set(t, "orgs/"+org, map[string]any{"name": "Related"})
	guest, _ := newUser(t)
	set(t, fmt.Sprintf("orgs/%s/sessions/s1/members/%s", org, guest), map[string]any{"uid": guest, "role": "participant"})
	memberUID, _ := newUser(t)
	set(t, fmt.Sprintf("orgs/%s/members/%s", org, memberUID), map[string]any{"uid": memberUID, "role": "participant"})
	stranger, _ := newUser(t)
	// A session membership of another organisation is no relation to org.
	set(t, fmt.Sprintf("orgs/other-%d/sessions/s1/members/%s", n, stranger), map[string]any{"uid": stranger, "role": "participant"})

	decide := func(uid, org, d string) int {
		return call(t, h, "PUT", "/v1/me/consent/facilitator_visibility", uid, map[string]any{"decision": d, "mechanism": "settings", "org": org}, nil)
	}
	cases := []struct {
		name, uid, org, decision string
		want                     int
	}{
		{"participant grants", guest, org, "grant", 200},
		{"participant withdraws", guest, org, "withdraw", 200},
		{"member grants", memberUID, org, "grant", 200},
		{"stranger grants", stranger, org, "grant", 404},
		{"stranger withdraws", stranger, org, "withdraw", 404},
		{"stranger, unknown org", stranger, "no-such-org-" + fmt.Sprint(n), "grant", 404},
		{"participant, unrelated org", guest, fmt.Sprintf("other-%d", n), "grant", 404},
	}
	for _, c := range cases {
		if got := decide(c.uid, c.org, c.decision); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// Removed from the session: the grant can still be withdrawn, not
	// given again.
	if c := decide(guest, org, "grant"); c != 200 {
		t.Fatalf("grant: %d", c)
	}
	if _, err := fsClient.Doc(fmt.Sprintf("orgs/%s/sessions/s1/members/%s", org, guest)).Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := decide(guest, org, "withdraw"); c != 200 {
		t.Errorf("withdraw after the relation ended: %d", c)
	}
	if c := decide(guest, org, "grant"); c != 404 {
		t.Errorf("grant after the relation ended: %d", c)
	}
}

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"

	"pointsofyou.ai/studio/shared/mail"
)

var inviteCode = regexp.MustCompile(`Invitation code: (\S+)`)

// TestAccountsJourney: sign-up completion, organisation, invitation by
// mail (read from the outbox), acceptance with fresh claims, removal that
// revokes the member's token — all through Hosting, on the real binary.
func TestAccountsJourney(t *testing.T) {
	ctx := context.Background()
	admin := adminClient(t)
	fs, err := firestore.NewClient(ctx, env.Project())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	person := func(name string) (string, string) {
		email := fmt.Sprintf("%s-%d@journey.example", name, time.Now().UnixNano())
		u, err := admin.CreateUser(ctx, (&fbauth.UserToCreate{}).Email(email).Password("journey-pass").EmailVerified(true))
		if err != nil {
			t.Fatal(err)
		}
		tok := signIn(t, email, "journey-pass")
		if r := call(t, "PUT", "/api/accounts/v1/me/profile", tok, map[string]any{"display_name": name, "language": "fr",
			"timezone": "Europe/Paris", "role": "participant"}, nil); r.StatusCode != 200 {
			t.Fatalf("%s profile: %d", name, r.StatusCode)
		}
		return u.UID, email
	}
	founderUID, founderEmail := person("founder")
	memberUID, memberEmail := person("member")

	var org struct {
		ID           string `json:"id"`
		RefreshToken bool   `json:"refresh_token"`
	}
	if r := call(t, "POST", "/api/accounts/v1/orgs", signIn(t, founderEmail, "journey-pass"),
		map[string]any{"name": "Journey Org", "type": "healthcare"}, &org); r.StatusCode != 201 || !org.RefreshToken {
		t.Fatalf("create org: %d %+v", r.StatusCode, org)
	}
	founderTok := signIn(t, founderEmail, "journey-pass") // carries the new claims
	if u, _ := admin.GetUser(ctx, founderUID); u.CustomClaims["org"] != org.ID || u.CustomClaims["role"] != "org_admin" {
		t.Fatalf("founder claims %v", u.CustomClaims)
	}

	if r := call(t, "POST", "/api/accounts/v1/orgs/"+org.ID+"/invitations", founderTok,
		map[string]any{"email": memberEmail, "role": "facilitator"}, nil); r.StatusCode != 202 {
		t.Fatalf("invite: %d", r.StatusCode)
	}
	msgs, err := mail.List(ctx, fs, memberEmail)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox: %v %v", msgs, err)
	}
	code := inviteCode.FindStringSubmatch(msgs[0].Text)
	if code == nil {
		t.Fatal("no invitation code in the mail")
	}
	memberTok := signIn(t, memberEmail, "journey-pass")
	if r := call(t, "POST", "/api/accounts/v1/invitations/accept", memberTok, map[string]any{"token": code[1]}, nil); r.StatusCode != 200 {
		t.Fatalf("accept: %d", r.StatusCode)
	}
	if r := call(t, "POST", "/api/accounts/v1/invitations/accept", memberTok, map[string]any{"token": code[1]}, nil); r.StatusCode != 409 {
		t.Fatalf("second accept: %d", r.StatusCode)
	}
	memberTok = signIn(t, memberEmail, "journey-pass")
	if r := call(t, "GET", "/api/accounts/v1/orgs/"+org.ID+"/members", memberTok, nil, nil); r.StatusCode != 200 {
		t.Fatalf("facilitator lists members: %d", r.StatusCode)
	}

	// Removal revokes: the member's token is refused from the next request.
	waitNextSecond(t, admin, memberTok)
	if r := call(t, "DELETE", "/api/accounts/v1/orgs/"+org.ID+"/members/"+memberUID, founderTok, nil, nil); r.StatusCode != 204 {
		t.Fatalf("remove: %d", r.StatusCode)
	}
	if r := call(t, "GET", "/api/accounts/v1/me", memberTok, nil, nil); r.StatusCode != 401 {
		t.Fatalf("revoked token: %d", r.StatusCode)
	}
	if _, err := admin.VerifyIDTokenAndCheckRevoked(ctx, memberTok); !fbauth.IsIDTokenRevoked(err) {
		t.Fatalf("VerifyIDTokenAndCheckRevoked: %v", err)
	}
}

// waitNextSecond returns once the clock has left tok's issue second, so a
// revocation is strictly later (token times have 1 s resolution).
func waitNextSecond(t *testing.T, admin *fbauth.Client, tok string) {
	t.Helper()
	d, err := admin.VerifyIDToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	for time.Now().Unix() <= d.IssuedAt {
		time.Sleep(20 * time.Millisecond)
	}
}

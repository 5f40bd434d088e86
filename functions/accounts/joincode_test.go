package accounts

import (
	"context"
	"strings"
	"testing"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/mail"
)

// The invitation mail links to the app's acceptance page, not to the
// session join page that /join belongs to.
func TestInvitationLinkOpensTheAcceptancePage(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	org, _, adminTok := withOrg(t, h)
	email := "link.invitee@example.org"
	tok := inviteToken(t, h, org, adminTok, email, auth.RoleParticipant)
	msgs, err := mail.List(context.Background(), fsClient, email)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("outbox: %v %v", msgs, err)
	}
	want := testLinkBase + "/organisation/invitations/accept?token=" + tok
	if !strings.Contains(msgs[len(msgs)-1].Text, want+"\n") {
		t.Fatalf("mail %q does not link to %q", msgs[len(msgs)-1].Text, want)
	}
}

func TestJoinByOrganisationCode(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	org, _, adminTok := withOrg(t, h)
	path := "/v1/orgs/" + org + "/join-code"

	// No code until an admin makes one; members other than admins cannot.
	var v OrgView
	apitest.Serve(t, h, "GET", "/v1/orgs/"+org, adminTok, nil).Want(t, 200).JSON(t, &v)
	if v.JoinCode != "" {
		t.Fatalf("a new organisation has a join code %q", v.JoinCode)
	}
	_, _, strangerTok := registered(t, h, "example.org", auth.RoleParticipant)
	if c := apitest.Serve(t, h, "POST", path, strangerTok, map[string]any{}).Code; c != 403 && c != 404 {
		t.Fatalf("a stranger made a join code: %d", c)
	}

	var jc JoinCodeView
	apitest.Serve(t, h, "POST", path, adminTok, map[string]any{}).Want(t, 200).JSON(t, &jc)
	if len(jc.Code) != 11 || jc.Code[5] != '-' {
		t.Fatalf("join code = %q", jc.Code)
	}
	apitest.Serve(t, h, "GET", "/v1/orgs/"+org, adminTok, nil).Want(t, 200).JSON(t, &v)
	if v.JoinCode != jc.Code {
		t.Fatalf("admin view join code = %q, want %q", v.JoinCode, jc.Code)
	}

	// Bad input, unknown codes.
	apitest.Serve(t, h, "POST", "/v1/orgs/join", strangerTok, map[string]any{}).Problem(t, 400)
	apitest.Serve(t, h, "POST", "/v1/orgs/join", strangerTok, map[string]any{"code": strings.Repeat("x", 100)}).Problem(t, 400)
	apitest.Serve(t, h, "POST", "/v1/orgs/join", strangerTok, map[string]any{"code": "AAAAA-AAAAA"}).Problem(t, 404)

	// The code joins as a participant, typed loosely (lower case, no dash).
	uid, _, tok := registered(t, h, "example.org", auth.RoleParticipant)
	loose := strings.ToLower(strings.ReplaceAll(jc.Code, "-", " "))
	var acc AcceptView
	apitest.Serve(t, h, "POST", "/v1/orgs/join", tok, map[string]any{"code": loose}).Want(t, 200).JSON(t, &acc)
	if acc.Org != org || acc.Role != auth.RoleParticipant || !acc.RefreshToken {
		t.Fatalf("join = %+v", acc)
	}
	if c := claimsOf(t, uid); c["org"] != org || c["role"] != auth.RoleParticipant {
		t.Fatalf("claims = %v", c)
	}
	apitest.Serve(t, h, "POST", "/v1/orgs/join", token(t, uid, "password"), map[string]any{"code": jc.Code}).Problem(t, 409)

	// A new code replaces the old one; turning codes off stops them.
	var next JoinCodeView
	apitest.Serve(t, h, "POST", path, adminTok, map[string]any{}).Want(t, 200).JSON(t, &next)
	if next.Code == jc.Code {
		t.Fatal("the code did not change")
	}
	_, _, lateTok := registered(t, h, "example.org", auth.RoleParticipant)
	apitest.Serve(t, h, "POST", "/v1/orgs/join", lateTok, map[string]any{"code": jc.Code}).Problem(t, 404)
	apitest.Serve(t, h, "DELETE", path, adminTok, nil).Want(t, 204)
	apitest.Serve(t, h, "POST", "/v1/orgs/join", lateTok, map[string]any{"code": next.Code}).Problem(t, 404)

	// An unverified address cannot join.
	uvUID, _ := newUser(t, "example.org", false)
	apitest.Serve(t, h, "POST", path, adminTok, map[string]any{}).Want(t, 200).JSON(t, &next)
	apitest.Serve(t, h, "POST", "/v1/orgs/join", token(t, uvUID, "password"), map[string]any{"code": next.Code}).Problem(t, 403)
}

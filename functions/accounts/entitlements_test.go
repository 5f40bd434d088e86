package accounts

import (
	"context"
	"testing"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
)

// operator makes a platform operator (the claim is set out of band, as in
// production) and returns their uid and token.
func operator(t *testing.T) (string, string) {
	t.Helper()
	uid, _ := newUser(t, "ops.example", true)
	if err := admin.SetCustomUserClaims(context.Background(), uid, map[string]any{auth.ClaimPlatformOperator: true}); err != nil {
		t.Fatal(err)
	}
	return uid, token(t, uid, "password")
}

func TestTiersComeOnlyFromEntitlements(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	org, adminUID, adminTok := withOrg(t, h)
	if c := claimsOf(t, adminUID); c["tier"] != auth.TierFree {
		t.Fatalf("founder claims = %v", c)
	}
	memberUID, memberEmail, memberTok := registered(t, h, "example.org", auth.RoleFacilitator)
	apitest.Serve(t, h, "POST", "/v1/invitations/accept", memberTok, map[string]any{"token": inviteToken(t, h, org, adminTok, memberEmail, auth.RoleFacilitator)}).Want(t, 200)

	// Nobody but a platform operator sets an entitlement, whatever the claims say.
	body := map[string]any{"tier": auth.TierEnterprise}
	apitest.Serve(t, h, "PUT", "/v1/entitlements/orgs/"+org, adminTok, body).Problem(t, 403)
	apitest.Serve(t, h, "PUT", "/v1/entitlements/users/"+adminUID, adminTok, body).Problem(t, 403)
	if err := admin.SetCustomUserClaims(context.Background(), memberUID, map[string]any{auth.ClaimPlatformOperator: "true"}); err != nil {
		t.Fatal(err)
	}
	apitest.Serve(t, h, "PUT", "/v1/entitlements/orgs/"+org, token(t, memberUID, "password"), body).Problem(t, 403)

	opUID, opTok := operator(t)
	apitest.Serve(t, h, "PUT", "/v1/entitlements/orgs/"+org, opTok, map[string]any{"tier": "platinum"}).Problem(t, 400)
	apitest.Serve(t, h, "PUT", "/v1/entitlements/orgs/no-such-org", opTok, body).Problem(t, 404)
	apitest.Serve(t, h, "PUT", "/v1/entitlements/users/no-such-user", opTok, body).Problem(t, 404)
	r := apitest.Serve(t, h, "PUT", "/v1/entitlements/orgs/"+org, opTok, body)
	r.Want(t, 200)
	var ev EntitlementView
	r.JSON(t, &ev)
	if ev.Updated != 2 {
		t.Fatalf("entitlement = %+v", ev)
	}
	if c := claimsOf(t, adminUID); c["tier"] != auth.TierEnterprise || c["org"] != org {
		t.Fatalf("admin claims after the entitlement = %v", c)
	}
	if c := claimsOf(t, memberUID); c["tier"] != auth.TierEnterprise {
		t.Fatalf("facilitator claims after the entitlement = %v", c)
	}
	// The tier follows the role within the entitlement, and leaves with the organisation.
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org+"/members/"+memberUID, adminTok, map[string]any{"role": auth.RoleParticipant}).Want(t, 200)
	if c := claimsOf(t, memberUID); c["tier"] != auth.TierProfessional {
		t.Fatalf("participant claims = %v", c)
	}
	apitest.Serve(t, h, "DELETE", "/v1/orgs/"+org+"/members/"+memberUID, adminTok, nil).Want(t, 204)
	if c := claimsOf(t, memberUID); c["tier"] != auth.TierFree || c["org"] != nil {
		t.Fatalf("claims after removal = %v", c)
	}
	// Back to free: the admin's tier drops.
	apitest.Serve(t, h, "PUT", "/v1/entitlements/orgs/"+org, opTok, map[string]any{"tier": auth.TierFree}).Want(t, 200)
	if c := claimsOf(t, adminUID); c["tier"] != auth.TierFree {
		t.Fatalf("admin claims after the downgrade = %v", c)
	}

	// A personal entitlement, and the operator claim survives the
	// operator's own claim changes.
	apitest.Serve(t, h, "PUT", "/v1/me/profile", opTok, map[string]any{"display_name": "Ops", "language": "en", "timezone": "UTC", "role": auth.RoleFacilitator}).Want(t, 200)
	if c := claimsOf(t, opUID); c[auth.ClaimPlatformOperator] != true || c["tier"] != auth.TierFree {
		t.Fatalf("operator claims = %v", c)
	}
	apitest.Serve(t, h, "PUT", "/v1/entitlements/users/"+opUID, opTok, map[string]any{"tier": auth.TierProfessional}).Want(t, 200)
	if c := claimsOf(t, opUID); c[auth.ClaimPlatformOperator] != true || c["tier"] != auth.TierProfessional {
		t.Fatalf("operator claims after a personal entitlement = %v", c)
	}
}

package auth

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/iterator"
)

func TestAdminUserLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	project := newProjectID()
	c := adminClient(t, project)

	created, err := c.CreateUser(ctx, (&fbauth.UserToCreate{}).
		UID("facilitator-1").Email("Ada@Example.com").Password("secret-pw").DisplayName("Ada"))
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if created.UID != "facilitator-1" || created.Email != "ada@example.com" || created.DisplayName != "Ada" {
		t.Fatalf("created = %+v", created.UserInfo)
	}
	if created.UserMetadata.CreationTimestamp == 0 || len(created.ProviderUserInfo) != 1 || created.ProviderUserInfo[0].ProviderID != "password" {
		t.Fatalf("metadata/providers = %+v %+v", created.UserMetadata, created.ProviderUserInfo)
	}

	claims := map[string]any{"org": "org-1", "role": "facilitator", "tier": "professional"}
	if err := c.SetCustomUserClaims(ctx, "facilitator-1", claims); err != nil {
		t.Fatalf("SetCustomUserClaims: %v", err)
	}
	got, err := c.GetUserByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatalf("GetUserByEmail: %v", err)
	}
	if got.CustomClaims["role"] != "facilitator" || got.CustomClaims["org"] != "org-1" {
		t.Fatalf("claims = %v", got.CustomClaims)
	}

	if _, err := c.UpdateUser(ctx, "facilitator-1", (&fbauth.UserToUpdate{}).Disabled(true).DisplayName("").EmailVerified(true)); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, err = c.GetUser(ctx, "facilitator-1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if !got.Disabled || got.DisplayName != "" || !got.EmailVerified {
		t.Fatalf("after update: disabled=%v name=%q verified=%v", got.Disabled, got.DisplayName, got.EmailVerified)
	}

	// The password is stored hashed; lookup redacts even that.
	users := testSrv.Users(project)
	if len(users) != 1 || users[0].PasswordHash == "" || users[0].PasswordHash == "secret-pw" || users[0].Salt == "" {
		t.Fatalf("stored user = %+v", users)
	}

	if err := c.DeleteUser(ctx, "facilitator-1"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := c.GetUser(ctx, "facilitator-1"); !fbauth.IsUserNotFound(err) {
		t.Fatalf("GetUser after delete: %v", err)
	}
}

func TestAdminErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := adminClient(t, newProjectID())
	if _, err := c.CreateUser(ctx, (&fbauth.UserToCreate{}).UID("u1").Email("x@example.com")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		call  func() error
		check func(error) bool
	}{
		{"duplicate email", func() error {
			_, err := c.CreateUser(ctx, (&fbauth.UserToCreate{}).Email("X@example.com"))
			return err
		}, fbauth.IsEmailAlreadyExists},
		{"duplicate uid", func() error {
			_, err := c.CreateUser(ctx, (&fbauth.UserToCreate{}).UID("u1"))
			return err
		}, fbauth.IsUIDAlreadyExists},
		{"unknown email", func() error {
			_, err := c.GetUserByEmail(ctx, "nobody@example.com")
			return err
		}, fbauth.IsUserNotFound},
		{"update unknown uid", func() error {
			_, err := c.UpdateUser(ctx, "nobody", (&fbauth.UserToUpdate{}).DisplayName("x"))
			return err
		}, fbauth.IsUserNotFound},
		{"delete unknown uid", func() error { return c.DeleteUser(ctx, "nobody") }, fbauth.IsUserNotFound},
		{"email taken on update", func() error {
			if _, err := c.CreateUser(ctx, (&fbauth.UserToCreate{}).UID("u2")); err != nil {
				return err
			}
			_, err := c.UpdateUser(ctx, "u2", (&fbauth.UserToUpdate{}).Email("x@example.com"))
			return err
		}, fbauth.IsEmailAlreadyExists},
	}
	for _, tt := range tests {
		if err := tt.call(); !tt.check(err) {
			t.Errorf("%s: got error %v", tt.name, err)
		}
	}
}

func TestAdminListUsersPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := adminClient(t, newProjectID())
	const n = 25
	for i := range n {
		if _, err := c.CreateUser(ctx, &fbauth.UserToCreate{}); err != nil {
			t.Fatalf("CreateUser %d: %v", i, err)
		}
	}
	seen := map[string]bool{}
	it := c.Users(ctx, "")
	for {
		u, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatalf("Users: %v", err)
		}
		if seen[u.UID] {
			t.Fatalf("uid %s listed twice", u.UID)
		}
		seen[u.UID] = true
	}
	if len(seen) != n {
		t.Fatalf("listed %d users, want %d", len(seen), n)
	}

	pager := iterator.NewPager(c.Users(ctx, ""), 10, "")
	var sizes []int
	for {
		var page []*fbauth.ExportedUserRecord
		next, err := pager.NextPage(&page)
		if err != nil {
			t.Fatalf("NextPage: %v", err)
		}
		sizes = append(sizes, len(page))
		if next == "" {
			break
		}
	}
	if len(sizes) != 3 || sizes[0] != 10 || sizes[1] != 10 || sizes[2] != 5 {
		t.Fatalf("page sizes = %v, want [10 10 5]", sizes)
	}
}

func TestAdminDeleteUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := adminClient(t, newProjectID())
	for _, uid := range []string{"a", "b", "c"} {
		if _, err := c.CreateUser(ctx, (&fbauth.UserToCreate{}).UID(uid)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.DeleteUsers(ctx, []string{"a", "b", "missing"})
	if err != nil || res.SuccessCount != 3 || res.FailureCount != 0 {
		t.Fatalf("DeleteUsers = %+v, %v", res, err)
	}
	got, err := c.GetUsers(ctx, []fbauth.UserIdentifier{fbauth.UIDIdentifier{UID: "a"}, fbauth.UIDIdentifier{UID: "c"}})
	if err != nil || len(got.Users) != 1 || got.Users[0].UID != "c" || len(got.NotFound) != 1 {
		t.Fatalf("GetUsers = %+v, %v", got, err)
	}
}

func TestSignInAndVerifyWithClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	project := newProjectID()
	c := adminClient(t, project)
	rest := newREST(t, testSrv, project)
	if _, err := c.CreateUser(ctx, (&fbauth.UserToCreate{}).UID("p1").Email("p1@example.com").Password("pw-123456")); err != nil {
		t.Fatal(err)
	}
	if err := c.SetCustomUserClaims(ctx, "p1", map[string]any{"org": "org-9", "role": "participant"}); err != nil {
		t.Fatal(err)
	}
	signed := rest.signIn("P1@example.com", "pw-123456")
	if signed["localId"] != "p1" || signed["expiresIn"] != "3600" || signed["registered"] != true {
		t.Fatalf("signIn = %v", signed)
	}
	tok, err := c.VerifyIDTokenAndCheckRevoked(ctx, signed["idToken"].(string))
	if err != nil {
		t.Fatalf("VerifyIDTokenAndCheckRevoked: %v", err)
	}
	if tok.UID != "p1" || tok.Firebase.SignInProvider != "password" || tok.Claims["org"] != "org-9" ||
		tok.Claims["role"] != "participant" || tok.Claims["email"] != "p1@example.com" || tok.Claims["email_verified"] != false {
		t.Fatalf("token = %+v", tok)
	}
	if tok.Issuer != "https://securetoken.google.com/"+project || tok.Audience != project || tok.Expires-tok.IssuedAt != 3600 || tok.AuthTime == 0 {
		t.Fatalf("standard claims = %+v", tok)
	}
	ids, _ := tok.Firebase.Identities["email"].([]any)
	if len(ids) != 1 || ids[0] != "p1@example.com" {
		t.Fatalf("identities = %v", tok.Firebase.Identities)
	}

	// The same token checked by the client-side lookup.
	status, body := rest.op("lookup", map[string]any{"idToken": signed["idToken"]})
	users, _ := body["users"].([]any)
	if status != http.StatusOK || len(users) != 1 {
		t.Fatalf("lookup = %d %v", status, body)
	}
	if u := users[0].(map[string]any); u["passwordHash"] != redactedHash || u["salt"] != nil {
		t.Fatalf("lookup must redact the hash: %v", u)
	}
}

func TestRefreshToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	project := newProjectID()
	c := adminClient(t, project)
	rest := newREST(t, testSrv, project)
	signed := rest.signUp("r@example.com", "pw-123456")

	status, body := rest.refresh(signed["refreshToken"].(string))
	if status != http.StatusOK || body["token_type"] != "Bearer" || body["user_id"] != signed["localId"] || body["expires_in"] != "3600" {
		t.Fatalf("refresh = %d %v", status, body)
	}
	if _, err := c.VerifyIDTokenAndCheckRevoked(ctx, body["id_token"].(string)); err != nil {
		t.Fatalf("refreshed token: %v", err)
	}
	// JSON bodies work too, and the new refresh token is usable.
	status, body = rest.do(http.MethodPost, "/securetoken.googleapis.com/v1/token?key=k",
		map[string]any{"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}, false)
	if status != http.StatusOK || body["id_token"] == nil {
		t.Fatalf("JSON refresh = %d %v", status, body)
	}

	bad := []struct {
		form url.Values
		want string
	}{
		{url.Values{"refresh_token": {"x"}}, "MISSING_GRANT_TYPE"},
		{url.Values{"grant_type": {"password"}, "refresh_token": {"x"}}, "INVALID_GRANT_TYPE"},
		{url.Values{"grant_type": {"refresh_token"}}, "MISSING_REFRESH_TOKEN"},
		{url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"garbage"}}, "INVALID_REFRESH_TOKEN"},
	}
	for _, b := range bad {
		status, body := rest.do(http.MethodPost, "/securetoken.googleapis.com/v1/token", map[string]any{
			"grant_type": b.form.Get("grant_type"), "refresh_token": b.form.Get("refresh_token"),
		}, false)
		if status != http.StatusBadRequest || errMessage(body) != b.want {
			t.Errorf("%v: %d %v, want %s", b.form, status, body, b.want)
		}
	}

	// A deleted user's refresh token is dead.
	if err := c.DeleteUser(ctx, signed["localId"].(string)); err != nil {
		t.Fatal(err)
	}
	if status, body := rest.refresh(signed["refreshToken"].(string)); status != http.StatusBadRequest || errMessage(body) != "INVALID_REFRESH_TOKEN" {
		t.Fatalf("refresh of deleted user = %d %v", status, body)
	}
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	project := newProjectID()
	c := adminClient(t, project)
	rest := newREST(t, testSrv, project)
	signed := rest.signUp("rev@example.com", "pw-123456")
	idToken := signed["idToken"].(string)
	tok, err := c.VerifyIDTokenAndCheckRevoked(ctx, idToken)
	if err != nil {
		t.Fatal(err)
	}

	waitNextSecond(tok.IssuedAt)
	if err := c.RevokeRefreshTokens(ctx, tok.UID); err != nil {
		t.Fatalf("RevokeRefreshTokens: %v", err)
	}
	if _, err := c.VerifyIDTokenAndCheckRevoked(ctx, idToken); !fbauth.IsIDTokenRevoked(err) {
		t.Fatalf("revoked token: %v", err)
	}
	if status, body := rest.refresh(signed["refreshToken"].(string)); status != http.StatusBadRequest || errMessage(body) != "TOKEN_EXPIRED" {
		t.Fatalf("revoked refresh = %d %v", status, body)
	}
	if status, body := rest.op("lookup", map[string]any{"idToken": idToken}); status != http.StatusBadRequest || errMessage(body) != "TOKEN_EXPIRED" {
		t.Fatalf("lookup with revoked token = %d %v", status, body)
	}
	// Signing in again yields a valid token.
	fresh := rest.signIn("rev@example.com", "pw-123456")
	if _, err := c.VerifyIDTokenAndCheckRevoked(ctx, fresh["idToken"].(string)); err != nil {
		t.Fatalf("fresh token after revocation: %v", err)
	}
}

func TestDisabledUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	project := newProjectID()
	c := adminClient(t, project)
	rest := newREST(t, testSrv, project)
	signed := rest.signUp("dis@example.com", "pw-123456")
	uid := signed["localId"].(string)
	if _, err := c.UpdateUser(ctx, uid, (&fbauth.UserToUpdate{}).Disabled(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyIDTokenAndCheckRevoked(ctx, signed["idToken"].(string)); !fbauth.IsUserDisabled(err) {
		t.Fatalf("verify disabled: %v", err)
	}
	if status, body := rest.op("signInWithPassword", map[string]any{"email": "dis@example.com", "password": "pw-123456"}); status != 400 || errMessage(body) != "USER_DISABLED" {
		t.Fatalf("signIn disabled = %d %v", status, body)
	}
	if status, body := rest.refresh(signed["refreshToken"].(string)); status != 400 || errMessage(body) != "USER_DISABLED" {
		t.Fatalf("refresh disabled = %d %v", status, body)
	}
}

func TestExpiredToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	project := newProjectID()
	// A second emulator whose clock is two hours behind mints tokens that
	// expired an hour ago; the SDK checks expiry before any lookup.
	past, err := NewServer(Options{Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { past.Close() })
	signed := newREST(t, past, project).signUp("old@example.com", "pw-123456")

	c := adminClient(t, project)
	if _, err := c.VerifyIDTokenAndCheckRevoked(ctx, signed["idToken"].(string)); !fbauth.IsIDTokenExpired(err) {
		t.Fatalf("verify expired: %v", err)
	}
	// The emulator that minted it refuses it too.
	if status, body := newREST(t, testSrv, project).op("lookup", map[string]any{"idToken": signed["idToken"]}); status != 400 || errMessage(body) != "INVALID_ID_TOKEN" {
		t.Fatalf("lookup expired = %d %v", status, body)
	}
	// MintIDToken gives tests the same without a second server.
	if _, err := c.CreateUser(ctx, (&fbauth.UserToCreate{}).UID("m1")); err != nil {
		t.Fatal(err)
	}
	old, err := testSrv.MintIDToken(project, "m1", "password", time.Now().Add(-3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyIDToken(ctx, old); !fbauth.IsIDTokenExpired(err) {
		t.Fatalf("verify minted expired: %v", err)
	}
}

func TestWrongAudience(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	other := newREST(t, testSrv, newProjectID()).signUp("aud@example.com", "pw-123456")
	c := adminClient(t, newProjectID())
	_, err := c.VerifyIDTokenAndCheckRevoked(ctx, other["idToken"].(string))
	if !fbauth.IsIDTokenInvalid(err) || fbauth.IsIDTokenExpired(err) {
		t.Fatalf("verify other project's token: %v", err)
	}
}

func TestCustomToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	project := newProjectID()
	c := adminClient(t, project)
	ct, err := c.CustomTokenWithClaims(ctx, "custom-1", map[string]any{"role": "educator"})
	if err != nil {
		t.Fatalf("CustomToken: %v", err)
	}
	rest := newREST(t, testSrv, project)
	status, body := rest.op("signInWithCustomToken", map[string]any{"token": ct, "returnSecureToken": true})
	if status != http.StatusOK || body["isNewUser"] != true {
		t.Fatalf("signInWithCustomToken = %d %v", status, body)
	}
	tok, err := c.VerifyIDTokenAndCheckRevoked(ctx, body["idToken"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if tok.UID != "custom-1" || tok.Claims["role"] != "educator" || tok.Firebase.SignInProvider != "custom" {
		t.Fatalf("token = %+v", tok)
	}
	// Session claims survive a refresh.
	_, ref := rest.refresh(body["refreshToken"].(string))
	tok, err = c.VerifyIDToken(ctx, ref["id_token"].(string))
	if err != nil || tok.Claims["role"] != "educator" {
		t.Fatalf("refreshed custom token: %+v %v", tok, err)
	}
	// Plain JSON custom tokens are accepted, as by Google's emulator.
	status, body = rest.op("signInWithCustomToken", map[string]any{"token": `{"uid":"custom-2"}`})
	if status != http.StatusOK || body["isNewUser"] != true {
		t.Fatalf("JSON custom token = %d %v", status, body)
	}
}

func TestEmailVerificationViaAdminLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	project := newProjectID()
	c := adminClient(t, project)
	if _, err := c.CreateUser(ctx, (&fbauth.UserToCreate{}).UID("v1").Email("v1@example.com")); err != nil {
		t.Fatal(err)
	}
	link, err := c.EmailVerificationLink(ctx, "v1@example.com")
	if err != nil {
		t.Fatalf("EmailVerificationLink: %v", err)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("following the link: %d", resp.StatusCode)
	}
	u, err := c.GetUser(ctx, "v1")
	if err != nil || !u.EmailVerified {
		t.Fatalf("after verification: %+v %v", u, err)
	}
	// A used link is refused.
	resp, err = http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("reused link: %d", resp.StatusCode)
	}
}

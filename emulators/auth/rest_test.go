package auth

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrorBodyShape(t *testing.T) {
	t.Parallel()
	rest := newREST(t, testSrv, newProjectID())
	rest.signUp("dup@example.com", "pw-123456")
	req, _ := http.NewRequest(http.MethodPost, rest.base+"/identitytoolkit.googleapis.com/v1/projects/"+rest.project+"/accounts:signUp?key=k",
		strings.NewReader(`{"email":"dup@example.com","password":"pw-123456"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	want := `{"error":{"code":400,"errors":[{"domain":"global","message":"EMAIL_EXISTS","reason":"invalid"}],"message":"EMAIL_EXISTS"}}`
	if resp.StatusCode != http.StatusBadRequest || strings.TrimSpace(string(raw)) != want {
		t.Fatalf("got %d %s\nwant %s", resp.StatusCode, raw, want)
	}
}

func TestRESTErrors(t *testing.T) {
	t.Parallel()
	project := newProjectID()
	rest := newREST(t, testSrv, project)
	signed := rest.signUp("taken@example.com", "pw-123456")
	uid := signed["localId"].(string)

	tests := []struct {
		name   string
		op     string
		body   any
		admin  bool
		status int
		want   string
	}{
		{"signUp taken email", "signUp", map[string]any{"email": "TAKEN@example.com", "password": "pw-123456"}, false, 400, "EMAIL_EXISTS"},
		{"signUp weak password", "signUp", map[string]any{"email": "w@example.com", "password": "12345"}, false, 400, "WEAK_PASSWORD : Password should be at least 6 characters"},
		{"signUp missing email", "signUp", map[string]any{"password": "pw-123456"}, false, 400, "MISSING_EMAIL"},
		{"signUp missing password", "signUp", map[string]any{"email": "m@example.com"}, false, 400, "MISSING_PASSWORD"},
		{"signUp invalid email", "signUp", map[string]any{"email": "not-an-email", "password": "pw-123456"}, false, 400, "INVALID_EMAIL"},
		{"signUp uid without privilege", "signUp", map[string]any{"localId": "x", "email": "u@example.com", "password": "pw-123456"}, false, 400, "UNEXPECTED_PARAMETER : User ID"},
		{"signIn wrong password", "signInWithPassword", map[string]any{"email": "taken@example.com", "password": "wrong-pw"}, false, 400, "INVALID_PASSWORD"},
		{"signIn unknown email", "signInWithPassword", map[string]any{"email": "nobody@example.com", "password": "pw-123456"}, false, 400, "EMAIL_NOT_FOUND"},
		{"signIn missing email", "signInWithPassword", map[string]any{"password": "pw-123456"}, false, 400, "MISSING_EMAIL"},
		{"signIn invalid email", "signInWithPassword", map[string]any{"email": "nope", "password": "pw-123456"}, false, 400, "INVALID_EMAIL"},
		{"signIn missing password", "signInWithPassword", map[string]any{"email": "taken@example.com"}, false, 400, "MISSING_PASSWORD"},
		{"lookup garbage token", "lookup", map[string]any{"idToken": "garbage"}, false, 400, "INVALID_ID_TOKEN"},
		{"lookup missing token", "lookup", map[string]any{}, false, 400, "MISSING_ID_TOKEN"},
		{"update reserved claim", "update", map[string]any{"localId": uid, "customAttributes": `{"iss":"x"}`}, true, 400, "FORBIDDEN_CLAIM : iss"},
		{"update claims too large", "update", map[string]any{"localId": uid, "customAttributes": `{"a":"` + strings.Repeat("x", 1000) + `"}`}, true, 400, "CLAIMS_TOO_LARGE"},
		{"update claims not an object", "update", map[string]any{"localId": uid, "customAttributes": `[1]`}, true, 400, "INVALID_CLAIMS"},
		{"update claims not JSON", "update", map[string]any{"localId": uid, "customAttributes": `{`}, true, 400, "INVALID_CLAIMS"},
		{"update claims without privilege", "update", map[string]any{"idToken": signed["idToken"], "customAttributes": `{"role":"org_admin"}`}, false, 400, "INSUFFICIENT_PERMISSION"},
		{"update unknown uid", "update", map[string]any{"localId": "nobody", "displayName": "x"}, true, 400, "USER_NOT_FOUND"},
		{"update missing uid", "update", map[string]any{"displayName": "x"}, true, 400, "MISSING_LOCAL_ID"},
		{"update weak password", "update", map[string]any{"idToken": signed["idToken"], "password": "1"}, false, 400, "WEAK_PASSWORD : Password should be at least 6 characters"},
		{"update bad email", "update", map[string]any{"idToken": signed["idToken"], "email": "bad"}, false, 400, "INVALID_EMAIL"},
		{"update disable as user", "update", map[string]any{"idToken": signed["idToken"], "disableUser": true}, false, 400, "OPERATION_NOT_ALLOWED"},
		{"update no credential", "update", map[string]any{"displayName": "x"}, false, 400, "INVALID_REQ_TYPE : Unsupported request parameters."},
		{"update bad oob code", "update", map[string]any{"oobCode": "nope"}, false, 400, "INVALID_OOB_CODE"},
		{"delete unknown uid", "delete", map[string]any{"localId": "nobody"}, true, 400, "USER_NOT_FOUND"},
		{"delete missing token", "delete", map[string]any{}, false, 400, "MISSING_ID_TOKEN"},
		{"sendOobCode no type", "sendOobCode", map[string]any{"email": "taken@example.com"}, false, 400, "MISSING_REQ_TYPE"},
		{"sendOobCode reset unknown", "sendOobCode", map[string]any{"requestType": "PASSWORD_RESET", "email": "nobody@example.com"}, false, 400, "EMAIL_NOT_FOUND"},
		{"sendOobCode reset no email", "sendOobCode", map[string]any{"requestType": "PASSWORD_RESET"}, false, 400, "MISSING_EMAIL"},
		{"sendOobCode link without privilege", "sendOobCode", map[string]any{"requestType": "VERIFY_EMAIL", "email": "taken@example.com", "returnOobLink": true}, false, 400, "INSUFFICIENT_PERMISSION"},
		{"sendOobCode verify unknown", "sendOobCode", map[string]any{"requestType": "VERIFY_EMAIL", "email": "nobody@example.com", "returnOobLink": true}, true, 400, "USER_NOT_FOUND"},
		{"resetPassword no code", "resetPassword", map[string]any{"newPassword": "pw-123456"}, false, 400, "MISSING_OOB_CODE"},
		{"malformed JSON", "signUp", `{"email":`, false, 400, "INVALID_ARGUMENT : Invalid JSON payload received. unexpected end of JSON input"},
		{"wrong JSON type", "signUp", `{"password":12}`, false, 400, "INVALID_ARGUMENT : Invalid JSON payload received. Invalid value at 'password' (number)"},
		{"unimplemented", "signInWithIdp", map[string]any{}, false, 501, "((signInWithIdp is not implemented in this Auth emulator))"},
		{"unknown op", "frobnicate", map[string]any{}, false, 404, "((no such operation in the Auth emulator: frobnicate))"},
	}
	for _, tt := range tests {
		status, body := rest.do(http.MethodPost, "/identitytoolkit.googleapis.com/v1/projects/"+project+"/accounts:"+tt.op, tt.body, tt.admin)
		if status != tt.status || errMessage(body) != tt.want {
			t.Errorf("%s: got %d %q, want %d %q", tt.name, status, errMessage(body), tt.status, tt.want)
		}
	}
}

func TestKeyBasedPathsUseDefaultProject(t *testing.T) {
	t.Parallel()
	srv, err := NewServer(Options{ProjectID: "demo-web"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	rest := newREST(t, srv, "demo-web")
	status, body := rest.do(http.MethodPost, "/identitytoolkit.googleapis.com/v1/accounts:signUp?key=k",
		map[string]any{"email": "web@example.com", "password": "pw-123456", "returnSecureToken": true}, false)
	if status != http.StatusOK {
		t.Fatalf("signUp = %d %v", status, body)
	}
	if users := srv.Users("demo-web"); len(users) != 1 || users[0].Email != "web@example.com" {
		t.Fatalf("users = %+v", users)
	}
	status, body = rest.do(http.MethodGet, "/identitytoolkit.googleapis.com/v1/projects?key=k", nil, false)
	if status != http.StatusOK || body["projectId"] != projectNumber {
		t.Fatalf("getProjects = %d %v", status, body)
	}
}

func TestAnonymousSignUpAndLink(t *testing.T) {
	t.Parallel()
	project := newProjectID()
	rest := newREST(t, testSrv, project)
	status, anon := rest.op("signUp", map[string]any{"returnSecureToken": true})
	if status != http.StatusOK || anon["idToken"] == nil {
		t.Fatalf("anonymous signUp = %d %v", status, anon)
	}
	c, err := parseIDToken(anon["idToken"].(string))
	if err != nil || c.Firebase.SignInProvider != "anonymous" {
		t.Fatalf("anonymous token = %+v %v", c, err)
	}
	// Linking an email and password keeps the uid.
	status, linked := rest.op("signUp", map[string]any{"idToken": anon["idToken"], "email": "anon@example.com", "password": "pw-123456"})
	if status != http.StatusOK || linked["localId"] != anon["localId"] || linked["email"] != "anon@example.com" {
		t.Fatalf("link = %d %v", status, linked)
	}
	signed := rest.signIn("anon@example.com", "pw-123456")
	if signed["localId"] != anon["localId"] {
		t.Fatalf("signed in as %v, want %v", signed["localId"], anon["localId"])
	}
}

func TestUpdateByUserAndDelete(t *testing.T) {
	t.Parallel()
	project := newProjectID()
	rest := newREST(t, testSrv, project)
	signed := rest.signUp("self@example.com", "pw-123456")
	status, body := rest.op("update", map[string]any{"idToken": signed["idToken"], "displayName": "Self", "password": "new-pw-123", "returnSecureToken": true})
	if status != http.StatusOK || body["displayName"] != "Self" || body["idToken"] == nil {
		t.Fatalf("update = %d %v", status, body)
	}
	rest.signIn("self@example.com", "new-pw-123")
	status, body = rest.op("delete", map[string]any{"idToken": body["idToken"]})
	if status != http.StatusOK {
		t.Fatalf("delete = %d %v", status, body)
	}
	if users := testSrv.Users(project); len(users) != 0 {
		t.Fatalf("users after delete = %+v", users)
	}
}

func TestEmailVerificationFlow(t *testing.T) {
	t.Parallel()
	project := newProjectID()
	rest := newREST(t, testSrv, project)
	signed := rest.signUp("verify@example.com", "pw-123456")
	status, body := rest.op("sendOobCode", map[string]any{"requestType": "VERIFY_EMAIL", "idToken": signed["idToken"]})
	if status != http.StatusOK || body["email"] != "verify@example.com" || body["oobCode"] != nil {
		t.Fatalf("sendOobCode = %d %v", status, body)
	}
	status, listed := rest.do(http.MethodGet, "/emulator/v1/projects/"+project+"/oobCodes", nil, false)
	codes, _ := listed["oobCodes"].([]any)
	if status != http.StatusOK || len(codes) != 1 {
		t.Fatalf("oobCodes = %d %v", status, listed)
	}
	code := codes[0].(map[string]any)
	if code["requestType"] != "VERIFY_EMAIL" || code["email"] != "verify@example.com" ||
		!strings.Contains(code["oobLink"].(string), "/emulator/action?") || !strings.Contains(code["oobLink"].(string), "mode=verifyEmail") {
		t.Fatalf("code = %v", code)
	}
	if got := testSrv.OOBCodes(project); len(got) != 1 || got[0].OOBCode != code["oobCode"] {
		t.Fatalf("OOBCodes helper = %+v", got)
	}
	status, body = rest.op("update", map[string]any{"oobCode": code["oobCode"]})
	if status != http.StatusOK || body["emailVerified"] != true {
		t.Fatalf("apply code = %d %v", status, body)
	}
	if users := testSrv.Users(project); !users[0].EmailVerified {
		t.Fatal("email not verified")
	}
	if got := testSrv.OOBCodes(project); len(got) != 0 {
		t.Fatalf("used code still listed: %+v", got)
	}
}

func TestPasswordResetFlow(t *testing.T) {
	t.Parallel()
	project := newProjectID()
	rest := newREST(t, testSrv, project)
	rest.signUp("reset@example.com", "old-pw-123")
	if status, body := rest.op("sendOobCode", map[string]any{"requestType": "PASSWORD_RESET", "email": "Reset@example.com"}); status != http.StatusOK {
		t.Fatalf("sendOobCode = %d %v", status, body)
	}
	code := testSrv.OOBCodes(project)[0].OOBCode
	status, body := rest.op("resetPassword", map[string]any{"oobCode": code})
	if status != http.StatusOK || body["requestType"] != "PASSWORD_RESET" || body["email"] != "reset@example.com" {
		t.Fatalf("check code = %d %v", status, body)
	}
	if status, body := rest.op("resetPassword", map[string]any{"oobCode": code, "newPassword": "123"}); status != 400 || errMessage(body) != msgWeakPassword {
		t.Fatalf("weak reset = %d %v", status, body)
	}
	if status, body := rest.op("resetPassword", map[string]any{"oobCode": code, "newPassword": "new-pw-123"}); status != http.StatusOK {
		t.Fatalf("reset = %d %v", status, body)
	}
	rest.signIn("reset@example.com", "new-pw-123")
	if status, body := rest.op("signInWithPassword", map[string]any{"email": "reset@example.com", "password": "old-pw-123"}); status != 400 || errMessage(body) != "INVALID_PASSWORD" {
		t.Fatalf("old password = %d %v", status, body)
	}
	if status, body := rest.op("resetPassword", map[string]any{"oobCode": code, "newPassword": "again-123"}); status != 400 || errMessage(body) != "INVALID_OOB_CODE" {
		t.Fatalf("reused code = %d %v", status, body)
	}
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest(http.MethodOptions, "http://"+testSrv.Addr+"/identitytoolkit.googleapis.com/v1/accounts:signUp?key=k", nil)
	req.Header.Set("Origin", "http://localhost:5000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-client-version")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "http://localhost:5000" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") || h.Get("Access-Control-Allow-Headers") != "content-type,x-client-version" {
		t.Fatalf("preflight = %d %v", resp.StatusCode, h)
	}
}

func TestEmulatorEndpoints(t *testing.T) {
	t.Parallel()
	project := newProjectID()
	rest := newREST(t, testSrv, project)
	rest.signUp("a@example.com", "pw-123456")
	rest.signUp("b@example.com", "pw-123456")
	if status, body := rest.do(http.MethodGet, "/emulator/v1/projects/"+project+"/config", nil, false); status != 200 || body["signIn"] == nil {
		t.Fatalf("config = %d %v", status, body)
	}
	if status, _ := rest.do(http.MethodDelete, "/emulator/v1/projects/"+project+"/accounts", nil, false); status != 200 {
		t.Fatalf("clear = %d", status)
	}
	if users := testSrv.Users(project); len(users) != 0 {
		t.Fatalf("users after clear = %d", len(users))
	}
	// The email is free again.
	rest.signUp("a@example.com", "pw-123456")
	if status, body := rest.do(http.MethodGet, "/nowhere", nil, false); status != 404 || errMessage(body) == "" {
		t.Fatalf("unknown path = %d %v", status, body)
	}
	if status, _ := rest.do(http.MethodPost, "/emulator/v1/projects/"+project+"/oobCodes", nil, false); status != 405 {
		t.Fatalf("POST oobCodes = %d", status)
	}
	if status, _ := rest.do(http.MethodPost, "/identitytoolkit.googleapis.com/v1/projects/bad%20id/accounts:lookup", map[string]any{}, true); status != 400 {
		t.Fatalf("bad project id = %d", status)
	}
}

func TestProjectsAreIsolated(t *testing.T) {
	t.Parallel()
	p1, p2 := newProjectID(), newProjectID()
	a := newREST(t, testSrv, p1).signUp("same@example.com", "pw-123456")
	newREST(t, testSrv, p2).signUp("same@example.com", "pw-123456")
	// p1's token means nothing in p2.
	if status, body := newREST(t, testSrv, p2).op("lookup", map[string]any{"idToken": a["idToken"]}); status != 400 || errMessage(body) != "INVALID_ID_TOKEN" {
		t.Fatalf("cross-project lookup = %d %v", status, body)
	}
}

func TestExportImport(t *testing.T) {
	t.Parallel()
	src, err := NewServer(Options{ProjectID: "demo-export"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	rest := newREST(t, src, "demo-export")
	signed := rest.signUp("exp@example.com", "pw-123456")
	if status, body := rest.do(http.MethodPost, "/identitytoolkit.googleapis.com/v1/projects/demo-export/accounts:update",
		map[string]any{"localId": signed["localId"], "customAttributes": `{"role":"org_admin"}`}, true); status != 200 {
		t.Fatalf("set claims = %d %v", status, body)
	}
	dir := filepath.Join(t.TempDir(), "auth_export")
	if err := src.Export(dir); err != nil {
		t.Fatalf("Export: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "accounts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Kind  string           `json:"kind"`
		Users []map[string]any `json:"users"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.Kind != "identitytoolkit#DownloadAccountResponse" || len(f.Users) != 1 {
		t.Fatalf("accounts.json = %s (%v)", raw, err)
	}
	if strings.Contains(string(raw), "pw-123456") {
		t.Fatal("the export holds the plain-text password")
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		t.Fatalf("config.json: %v", err)
	}

	dst, err := NewServer(Options{ProjectID: "demo-export"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dst.Close() })
	if err := dst.Import(dir); err != nil {
		t.Fatalf("Import: %v", err)
	}
	got := newREST(t, dst, "demo-export").signIn("exp@example.com", "pw-123456")
	c, err := parseIDToken(got["idToken"].(string))
	if err != nil || c.UserID != signed["localId"] {
		t.Fatalf("imported sign-in: %+v %v", c, err)
	}
	if users := dst.Users("demo-export"); users[0].CustomAttributes != `{"role":"org_admin"}` {
		t.Fatalf("claims lost: %+v", users[0])
	}
	// The refresh token issued before the export still works after it.
	if status, body := newREST(t, dst, "demo-export").refresh(signed["refreshToken"].(string)); status != 200 {
		t.Fatalf("refresh after import = %d %v", status, body)
	}
	// A missing export imports nothing.
	if err := dst.Import(filepath.Join(t.TempDir(), "absent")); err != nil {
		t.Fatalf("Import of a missing dir: %v", err)
	}
}

func TestImportGoogleEmulatorExport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const accounts = `{"kind":"identitytoolkit#DownloadAccountResponse","users":[{"localId":"g1","email":"G@Example.com",
"emailVerified":true,"passwordHash":"fakeHash:salt=fakeSaltAbc:password=google-pw","salt":"fakeSaltAbc",
"providerUserInfo":[{"providerId":"password","email":"g@example.com","federatedId":"g@example.com","rawId":"g@example.com"}],
"createdAt":"1700000000000","lastLoginAt":"1700000000000","validSince":"1700000000"}]}`
	if err := os.WriteFile(filepath.Join(dir, "accounts.json"), []byte(accounts), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(Options{ProjectID: "demo-import"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.Import(dir); err != nil {
		t.Fatalf("Import: %v", err)
	}
	users := srv.Users("demo-import")
	if len(users) != 1 || strings.Contains(users[0].PasswordHash, "google-pw") {
		t.Fatalf("imported = %+v", users)
	}
	newREST(t, srv, "demo-import").signIn("g@example.com", "google-pw")

	if err := os.WriteFile(filepath.Join(dir, "accounts.json"), []byte(`{"users":[{"email":"x@example.com"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.Import(dir); err == nil {
		t.Fatal("Import accepted a user without localId")
	}
}

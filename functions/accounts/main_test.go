package accounts

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"

	authemu "pointsofyou.ai/studio/emulators/auth"
	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/mail"
)

const project = "demo-accounts"

// testLinkBase stands for the app's public URL in invitation links.
const testLinkBase = "https://studio.test"

// One auth and one Firestore emulator serve the package: the Admin SDK
// reads FIREBASE_AUTH_EMULATOR_HOST from the environment only. Tests keep
// apart by using their own users and organisations.
var (
	authSrv  *authemu.Server
	fsClient *firestore.Client
	admin    *fbauth.Client
	verifier *auth.FirebaseVerifier
)

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctx := context.Background()
	suite, err := apitest.StartSuite(ctx, project, fsemu.Options{})
	if err != nil {
		return 0, err
	}
	defer suite.Close()
	authSrv, fsClient, admin = suite.Auth, suite.Firestore, suite.Admin
	if verifier, err = auth.NewFirebaseVerifier(ctx, config.Config{Project: project, AuthHost: authSrv.Addr}); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// newHandler is one function instance; now nil means the wall clock.
func newHandler(t *testing.T, now func() time.Time) http.Handler {
	t.Helper()
	h, err := New(Deps{Verifier: verifier, Firestore: fsClient, Admin: admin, Mail: mail.NewOutbox(fsClient, now), Now: now, Resolver: dnsRecords, LinkBase: testLinkBase})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var seq atomic.Int64

// newUser creates an Auth user and returns its uid and email.
func newUser(t *testing.T, domain string, verified bool) (string, string) {
	t.Helper()
	n := seq.Add(1)
	email := fmt.Sprintf("Person%d.%d@%s", n, time.Now().UnixNano()%1e6, domain)
	u, err := admin.CreateUser(context.Background(), (&fbauth.UserToCreate{}).Email(email).Password("pw-123456").EmailVerified(verified))
	if err != nil {
		t.Fatal(err)
	}
	return u.UID, email
}

// token mints a fresh ID token (current claims) signed in with provider.
func token(t *testing.T, uid, provider string) string {
	t.Helper()
	tok, err := authSrv.MintIDToken(project, uid, provider, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// registered signs a verified user up with role and returns uid, email and
// a token carrying the resulting claims.
func registered(t *testing.T, h http.Handler, domain, role string) (string, string, string) {
	t.Helper()
	uid, email := newUser(t, domain, true)
	apitest.Serve(t, h, "PUT", "/v1/me/profile", token(t, uid, "password"),
		map[string]any{"display_name": "Test Person", "language": "en", "timezone": "Europe/Paris", "role": role}).Want(t, 200)
	return uid, email, token(t, uid, "password")
}

// withOrg registers an org_admin and their organisation.
func withOrg(t *testing.T, h http.Handler, domains ...string) (orgID, adminUID, adminTok string) {
	t.Helper()
	uid, _, tok := registered(t, h, "example.org", auth.RoleOrgAdmin)
	if domains == nil {
		domains = []string{}
	}
	r := apitest.Serve(t, h, "POST", "/v1/orgs", tok, map[string]any{"name": "Org " + uid, "type": "corporate", "domains": domains})
	r.Want(t, 201)
	var v OrgView
	r.JSON(t, &v)
	return v.ID, uid, token(t, uid, "password")
}

var tokenPattern = regexp.MustCompile(`Invitation code: (\S+)`)

// inviteToken invites email to org and reads the token from the outbox.
func inviteToken(t *testing.T, h http.Handler, org, inviterTok, email, role string) string {
	t.Helper()
	apitest.Serve(t, h, "POST", "/v1/orgs/"+org+"/invitations", inviterTok, map[string]any{"email": email, "role": role}).Want(t, 202)
	msgs, err := mail.List(context.Background(), fsClient, strings.ToLower(email))
	if err != nil || len(msgs) == 0 {
		t.Fatalf("outbox for invitee: %v %v", msgs, err)
	}
	m := tokenPattern.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if m == nil {
		t.Fatalf("no token in %q", msgs[len(msgs)-1].Text)
	}
	return m[1]
}

func claimsOf(t *testing.T, uid string) map[string]any {
	t.Helper()
	u, err := admin.GetUser(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	return u.CustomClaims
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := fsClient.Doc(path).Get(context.Background())
	if err != nil && !notFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

package content

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	fsemu "pointsofyou.ai/studio/emulators/firestore"

	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/emulators/vertex"
	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	os.Exit(m.Run())
}

// countingEmbedder counts Embed calls and texts.
type countingEmbedder struct {
	Embedder
	calls, texts atomic.Int64
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string, task string) ([][]float32, error) {
	c.calls.Add(1)
	c.texts.Add(int64(len(texts)))
	return c.Embedder.Embed(ctx, texts, task)
}

// env is one isolated world: its own Firestore and Vertex emulators.
type env struct {
	fs    *firestore.Client
	emb   *countingEmbedder
	deps  Deps
	h     http.Handler
	users auth.StaticVerifier
}

// Callers of the test world, by token.
const (
	tokAdminA  = "admin-a"  // org_admin of org-a, enterprise
	tokFacA    = "fac-a"    // facilitator of org-a, professional
	tokFreeA   = "free-a"   // participant of org-a, free
	tokAdminB  = "admin-b"  // org_admin of org-b, enterprise
	tokOfficer = "official" // org_admin of the official library's org
)

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	fs := fstest.NewClient(t, "demo-content", fsemu.Options{})
	vsrv, err := vertex.NewServer(vertex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vsrv.Close() })
	c, err := ai.New(ctx, ai.Config{Project: "demo-content", EmulatorHost: vsrv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	e := &env{fs: fs, emb: &countingEmbedder{Embedder: c}, users: auth.StaticVerifier{
		tokAdminA:  {UID: "u-admin-a", Org: "org-a", Role: auth.RoleOrgAdmin, Tier: auth.TierEnterprise},
		tokFacA:    {UID: "u-fac-a", Org: "org-a", Role: auth.RoleFacilitator, Tier: auth.TierProfessional},
		tokFreeA:   {UID: "u-free-a", Org: "org-a", Role: auth.RoleParticipant, Tier: auth.TierFree},
		tokAdminB:  {UID: "u-admin-b", Org: "org-b", Role: auth.RoleOrgAdmin, Tier: auth.TierEnterprise},
		tokOfficer: {UID: "u-officer", Org: DefaultOfficialOrg, Role: auth.RoleOrgAdmin, Tier: auth.TierOfficial},
	}}
	e.deps = Deps{Verifier: e.users, Firestore: fs, Embedder: e.emb, EmbedModel: "test-model"}
	if e.h, err = New(e.deps); err != nil {
		t.Fatal(err)
	}
	return e
}

type result struct {
	Code int
	Body []byte
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (e *env) do(t *testing.T, method, path, tok string, body any, ctype ...string) result {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		ct := "application/json"
		if len(ctype) > 0 {
			ct = ctype[0]
		}
		req.Header.Set("Content-Type", ct)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return result{w.Code, w.Body.Bytes()}
}

func must(t *testing.T, r result, code int) result {
	t.Helper()
	if r.Code != code {
		t.Fatalf("status %d, want %d: %s", r.Code, code, r.Body)
	}
	return r
}

// sync embeds every item of a library as the trigger would.
func (e *env) sync(t *testing.T, org string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := SyncChunks(context.Background(), e.deps, org, id); err != nil {
			t.Fatal(err)
		}
	}
}

func item(id, typ, tier, title, body string) map[string]any {
	return map[string]any{"id": id, "type": typ, "tier": tier, "status": "published",
		"license": map[string]any{"type": "poy_licensed", "ai_usage_allowed": true},
		"text":    map[string]any{"en": map[string]any{"title": title, "body": body}}, "themes": []string{"calm"}}
}

var _ = time.Second

package content

import (
	"context"
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	"cloud.google.com/go/firestore"

	fsemu "pointsofyou.ai/studio/emulators/firestore"

	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/emulators/vertex"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

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
	fs   *firestore.Client
	emb  *countingEmbedder
	ev   *apitest.Events
	deps Deps
	h    http.Handler
}

// Callers of the test world, by token.
const (
	tokAdminA  = apitest.AdminA       // enterprise
	tokFacA    = apitest.FacilitatorA // professional
	tokFreeA   = apitest.ParticipantA // free
	tokAdminB  = apitest.AdminB       // enterprise
	tokOfficer = "official"           // org_admin of the official library's org
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
	e := &env{fs: fs, emb: &countingEmbedder{Embedder: c}}
	users := apitest.TwoOrgs().With(apitest.Users{
		tokOfficer: {UID: "u-officer", Org: DefaultOfficialOrg, Role: auth.RoleOrgAdmin, Tier: auth.TierOfficial},
	})
	e.ev = apitest.NewEvents(t, apitest.EventsOptions{})
	e.deps = Deps{Verifier: users.Verifier(), Firestore: fs, Embedder: e.emb, EmbedModel: "test-model", Outbox: e.ev.Outbox(fs)}
	if e.h, err = New(e.deps); err != nil {
		t.Fatal(err)
	}
	return e
}

// do calls the handler; ctype, when set, is the body's content type.
func (e *env) do(t *testing.T, method, path, tok string, body any, ctype ...string) apitest.Response {
	t.Helper()
	var opts []apitest.Option
	for _, ct := range ctype {
		opts = append(opts, apitest.ContentType(ct))
	}
	return apitest.Serve(t, e.h, method, path, tok, body, opts...)
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

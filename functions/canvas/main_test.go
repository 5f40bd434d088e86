package canvas

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	model "pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/consentvault"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

const (
	project   = "demo-canvas"
	sessionA  = "session-a"   // a live session of org A
	tplFree   = "tpl-harbor"  // a free canvas template with two prompts
	tplEnterp = "tpl-crew"    // an enterprise canvas template
	notTpl    = "card-anchor" // a photo card, not a template
	bucketCv  = project + "-canvases"
	bucketEx  = project + "-exports"
	realtime  = "ws://127.0.0.1:5001/demo-canvas/europe-west1/realtime"
	orgA      = apitest.OrgA
	orgB      = apitest.OrgB
	facA      = apitest.FacilitatorA // facilitator of session A
	adminA    = apitest.AdminA
	partA     = apitest.ParticipantA // participant of session A
	partA2    = "part-a2"            // member of org A, not in the session
	partB     = apitest.ParticipantB // of org B, participant of session A
	facB      = apitest.FacilitatorB
	stranger  = apitest.Stranger
	removed   = "removed" // holds org A claims, no membership any more
)

var testUsers = apitest.TwoOrgs().With(apitest.Users{
	partA2:  {UID: "u-part-a2", Email: "p2@a.test", EmailVerified: true, Org: orgA, Role: auth.RoleParticipant, Tier: auth.TierFree},
	removed: {UID: "u-removed", Email: "removed@a.test", EmailVerified: true, Org: orgA, Role: auth.RoleFacilitator, Tier: auth.TierProfessional},
})

func uid(tok string) string { return testUsers[tok].UID }

// testKeyPEM is generated once per test binary: RSA key generation is slow.
var testKeyPEM = sync.OnceValue(func() []byte {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
})

// env is one isolated world: a Firestore emulator and an in-process
// fake-gcs-server of its own, the demo memberships, session A and the
// library's templates.
type env struct {
	t       testing.TB
	fs      *firestore.Client
	st      *storage.Client
	consent *apitest.Consents
	deps    Deps
	h       http.Handler
}

func newEnv(t testing.TB) *env {
	t.Helper()
	fs := fstest.NewClient(t, project, fsemu.Options{Indexes: fstest.DeployedIndexes(t)})
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: bucketCv})
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: bucketEx})
	st := srv.Client()
	e := &env{t: t, fs: fs, st: st, consent: &apitest.Consents{}}
	e.deps = Deps{
		Verifier: testUsers.Verifier(), Firestore: fs, Storage: st, Consent: e.consent,
		Buckets:     Buckets{Canvases: bucketCv, Exports: bucketEx},
		Signer:      Signer{Email: "canvas@" + project + ".iam.gserviceaccount.com", PrivateKeyPEM: testKeyPEM()},
		RealtimeURL: realtime,
	}
	if e.h, err = New(e.deps); err != nil {
		t.Fatal(err)
	}
	e.seed()
	return e
}

func (e *env) seed() {
	t, ctx := e.t, context.Background()
	users := apitest.Users{}
	for k, p := range testUsers {
		if k != removed {
			users[k] = p
		}
	}
	users.SeedMembers(t, e.fs)
	set := func(path string, v any) {
		if _, err := e.fs.Doc(path).Set(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	set("orgs/"+orgA+"/sessions/"+sessionA, map[string]any{"org": orgA, "facilitator": uid(facA), "co_facilitators": []string{}, "status": "live"})
	set("session_index/"+sessionA, map[string]any{"org": orgA})
	for _, tok := range []string{partA, partB} {
		set("orgs/"+orgA+"/sessions/"+sessionA+"/members/"+uid(tok), map[string]any{"role": "participant"})
	}
	tpl := func(id, typ, tier string, text map[string]any) {
		set("content/"+id, map[string]any{"type": typ, "tier": tier, "status": "published", "text": text,
			"license": map[string]any{"type": "open"}, "themes": []string{}, "tags": []string{}, "org": ""})
	}
	tpl(tplFree, "canvas_template", "free", map[string]any{
		"en": map[string]any{"title": "Harbor and open sea", "prompts": []string{"What keeps me safe?", "What calls me out?"}},
		"es": map[string]any{"title": "Puerto y mar abierto", "prompts": []string{"¿Qué me protege?", "¿Qué me llama?"}},
	})
	tpl(tplEnterp, "canvas_template", "enterprise", map[string]any{"en": map[string]any{"title": "Crew boat", "prompts": []string{"Who steers?"}}})
	tpl(notTpl, "photo_card", "free", map[string]any{"en": map[string]any{"title": "Anchor"}})
}

// do calls the API as tok; body is JSON-encoded unless it is a string.
func (e *env) do(method, path, tok string, body any, opts ...apitest.Option) apitest.Response {
	e.t.Helper()
	return apitest.Serve(e.t, e.h, method, path, tok, body, opts...)
}

// create makes a canvas as tok and returns it.
func (e *env) create(tok string, body map[string]any) View {
	e.t.Helper()
	var v View
	e.do("POST", "/v1/canvases", tok, body).Want(e.t, http.StatusCreated).JSON(e.t, &v)
	return v
}

// elementsOf reads the canvas's element documents.
func (e *env) elementsOf(v View) map[string]*model.Element {
	e.t.Helper()
	d := e.deps
	if d.Now == nil {
		d.Now = time.Now
	}
	a := &api{d: d}
	els, err := a.elements(context.Background(), e.fs.Doc("orgs/"+v.Org+"/canvases/"+v.ID))
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*model.Element{}
	for _, el := range els {
		out[el.ID] = el
	}
	return out
}

// gatewayWrite changes an element as the gateway does: the element merged
// with a patch stamped later than anything seen, the whole document set.
func (e *env) gatewayWrite(v View, id, kind string, props map[string]any) {
	e.t.Helper()
	ctx := context.Background()
	clock := model.NewClock(999, nil)
	ref := e.fs.Doc("orgs/" + v.Org + "/canvases/" + v.ID + "/elements/" + id)
	cur := &model.Element{ID: id}
	if snap, err := ref.Get(ctx); err == nil {
		if cur, err = elementFromDoc(snap); err != nil {
			e.t.Fatal(err)
		}
		clock.Observe(cur.Max())
	}
	s := clock.Next()
	p := model.Patch{ID: id, Kind: kind, Owner: uid(facA), Props: map[string]any{}, Stamps: map[string]model.Stamp{}}
	for k, val := range props {
		p.Props[k], p.Stamps[k] = val, s
	}
	cur.Merge(p)
	if _, err := ref.Set(ctx, elementData(cur)); err != nil {
		e.t.Fatal(err)
	}
}

// object reads an object of the fake Storage.
func (e *env) object(bucket, name string) ([]byte, *storage.ObjectAttrs) {
	e.t.Helper()
	ctx := context.Background()
	o := e.st.Bucket(bucket).Object(name)
	attrs, err := o.Attrs(ctx)
	if err != nil {
		e.t.Fatalf("object %s/%s: %v", bucket, name, err)
	}
	r, err := o.NewReader(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, attrs
}

// opLog is every patch of the canvas's op log.
func (e *env) opLog(v View) []map[string]any {
	e.t.Helper()
	docs, err := e.fs.Collection("orgs/" + v.Org + "/canvases/" + v.ID + "/ops").Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []map[string]any
	for _, d := range docs {
		if exp, ok := d.Data()["expire_at"].(time.Time); !ok || exp.Before(time.Now().Add(6*24*time.Hour)) {
			e.t.Errorf("op batch %s expires at %v, want a week ahead", d.Ref.ID, d.Data()["expire_at"])
		}
		for _, p := range d.Data()["patches"].([]any) {
			out = append(out, p.(map[string]any))
		}
	}
	return out
}

var _ = consentvault.FacilitatorVisibility

func errorsAs(err error, target any) bool { return errors.As(err, target) }

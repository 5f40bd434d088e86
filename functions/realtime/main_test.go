package realtime

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/coder/websocket"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/canvas"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

// Callers by token.
const (
	tokOwner    = "owner"    // participant of org-a, owns the canvases
	tokEditor   = "editor"   // org-a, shared as editor
	tokViewer   = "viewer"   // org-a, shared as viewer
	tokOutsider = "outsider" // org-a, nothing shared
	tokRevoked  = "revoked"  // org-a, shared as editor, then unshared
	tokFac      = "fac"      // facilitator of org-a, runs the session
	tokOtherOrg = apitest.ParticipantB
)

var testUsers = apitest.TwoOrgs().With(apitest.Users{
	tokOwner:    {UID: "u-owner", Org: apitest.OrgA, Role: auth.RoleParticipant},
	tokEditor:   {UID: "u-editor", Org: apitest.OrgA, Role: auth.RoleParticipant},
	tokViewer:   {UID: "u-viewer", Org: apitest.OrgA, Role: auth.RoleParticipant},
	tokOutsider: {UID: "u-outsider", Org: apitest.OrgA, Role: auth.RoleParticipant},
	tokRevoked:  {UID: "u-revoked", Org: apitest.OrgA, Role: auth.RoleParticipant},
	tokFac:      {UID: "u-fac", Org: apitest.OrgA, Role: auth.RoleFacilitator},
})

func uidOf(tok string) string { return testUsers[tok].UID }

// world is one Firestore emulator with the test users' memberships.
type world struct {
	fs      *firestore.Client
	consent *apitest.Consents
}

func newWorld(t testing.TB) *world {
	t.Helper()
	fs := fstest.NewClient(t, "demo-realtime", fsemu.Options{})
	testUsers.SeedMembers(t, fs)
	return &world{fs: fs, consent: &apitest.Consents{}}
}

// fastLimits keep tests quick: element writes every 50 ms.
func fastLimits() Limits {
	l := DefaultLimits
	l.ElementWrite = 50 * time.Millisecond
	l.CursorWrite = 50 * time.Millisecond
	l.ConsentEvery = 200 * time.Millisecond
	l.SessionCoalesce = 20 * time.Millisecond
	return l
}

// gateway is one instance behind an httptest server.
type gateway struct {
	*Gateway
	url string
}

func (w *world) gateway(t testing.TB, instance string, node int, tune func(*Deps)) *gateway {
	t.Helper()
	d := Deps{Verifier: testUsers.Verifier(), Firestore: w.fs, Consent: w.consent, Instance: instance, Node: node, Limits: fastLimits()}
	if tune != nil {
		tune(&d)
	}
	g, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		g.Close()
	})
	return &gateway{Gateway: g, url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/"}
}

// seedCanvas writes a canvas, its index entry and elements.
func (w *world) seedCanvas(t testing.TB, m canvas.Meta, elems ...canvas.Element) {
	t.Helper()
	ctx := context.Background()
	if m.Org == "" {
		m.Org = apitest.OrgA
	}
	if m.Visibility == "" {
		m.Visibility = canvas.Shared
	}
	m.CreatedAt, m.UpdatedAt = time.Now(), time.Now()
	ref := w.fs.Collection("orgs").Doc(m.Org).Collection("canvases").Doc(m.ID)
	if _, err := ref.Set(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := w.fs.Collection("canvas_index").Doc(m.ID).Set(ctx, map[string]any{"org": m.Org}); err != nil {
		t.Fatal(err)
	}
	for _, e := range elems {
		if _, err := ref.Collection("elements").Doc(e.ID).Set(ctx, map[string]any{"kind": e.Kind, "owner": e.Owner,
			"props": e.Props, "stamps": stampsMap(e.Stamps)}); err != nil {
			t.Fatal(err)
		}
	}
}

func (w *world) canvasRef(org, id string) *firestore.DocumentRef {
	return w.fs.Collection("orgs").Doc(org).Collection("canvases").Doc(id)
}

// frameRec is one received frame.
type frameRec struct {
	raw []byte
	m   map[string]any
	at  time.Time
}

func (f frameRec) str(k string) string { s, _ := f.m[k].(string); return s }

// client is a socket that records every frame it receives.
type client struct {
	t      testing.TB
	name   string
	ws     *websocket.Conn
	mu     sync.Mutex
	frames []frameRec
	pos    int
	signal chan struct{}
	closed chan struct{}
	err    error
}

func dial(t testing.TB, url, name string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	ws.SetReadLimit(64 << 20)
	c := &client{t: t, name: name, ws: ws, signal: make(chan struct{}, 1), closed: make(chan struct{})}
	go c.read()
	t.Cleanup(func() { ws.CloseNow() })
	return c
}

func (c *client) read() {
	for {
		_, b, err := c.ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			close(c.closed)
			return
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Errorf("%s: frame not JSON: %s", c.name, b)
		}
		c.mu.Lock()
		c.frames = append(c.frames, frameRec{raw: b, m: m, at: time.Now()})
		c.mu.Unlock()
		select {
		case c.signal <- struct{}{}:
		default:
		}
	}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *client) sendRaw(b []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, b)
}

// expect returns the next frame (after the last one expected) matching
// pred, failing after d.
func (c *client) expect(d time.Duration, what string, pred func(frameRec) bool) frameRec {
	c.t.Helper()
	f, ok := c.await(d, pred)
	if !ok {
		c.mu.Lock()
		var got []string
		for _, f := range c.frames[c.pos:] {
			got = append(got, string(f.raw))
		}
		c.mu.Unlock()
		c.t.Fatalf("%s: no %s within %v; frames after the last expected: %s", c.name, what, d, strings.Join(got, "\n"))
	}
	return f
}

func (c *client) await(d time.Duration, pred func(frameRec) bool) (frameRec, bool) {
	deadline := time.After(d)
	for {
		c.mu.Lock()
		for i := c.pos; i < len(c.frames); i++ {
			if pred(c.frames[i]) {
				c.pos = i + 1
				f := c.frames[i]
				c.mu.Unlock()
				return f, true
			}
		}
		c.mu.Unlock()
		select {
		case <-c.signal:
		case <-c.closed:
			c.mu.Lock()
			n := len(c.frames)
			c.mu.Unlock()
			if c.pos >= n {
				// Check once more: the last frames may have arrived with the close.
				c.mu.Lock()
				for i := c.pos; i < len(c.frames); i++ {
					if pred(c.frames[i]) {
						c.pos = i + 1
						f := c.frames[i]
						c.mu.Unlock()
						return f, true
					}
				}
				c.mu.Unlock()
				return frameRec{}, false
			}
		case <-deadline:
			return frameRec{}, false
		}
	}
}

func typ(t string) func(frameRec) bool { return func(f frameRec) bool { return f.str("type") == t } }

func typOn(t, channel string) func(frameRec) bool {
	return func(f frameRec) bool { return f.str("type") == t && f.str("channel") == channel }
}

func errCode(code string) func(frameRec) bool {
	return func(f frameRec) bool { return f.str("type") == TypeError && f.str("code") == code }
}

// all returns every frame received so far.
func (c *client) all() []frameRec {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]frameRec(nil), c.frames...)
}

// closeStatus waits for the socket to close and returns its status.
func (c *client) closeStatus(d time.Duration) websocket.StatusCode {
	c.t.Helper()
	select {
	case <-c.closed:
	case <-time.After(d):
		c.t.Fatalf("%s: socket still open after %v", c.name, d)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return websocket.CloseStatus(c.err)
}

// login authenticates and waits for ready.
func (c *client) login(tok string) {
	c.t.Helper()
	c.send(AuthMsg{Type: TypeAuth, Token: tok})
	c.expect(5*time.Second, "ready", typ(TypeReady))
}

// join subscribes and returns the snapshot.
func (c *client) join(channel string, since canvas.Stamp) frameRec {
	c.t.Helper()
	c.send(SubscribeMsg{Type: TypeSubscribe, Channel: channel, Since: since})
	return c.expect(10*time.Second, "snapshot of "+channel, func(f frameRec) bool {
		return (f.str("type") == TypeSnapshot || f.str("type") == TypeError) && f.str("channel") == channel
	})
}

// connect dials, logs in and subscribes.
func connect(t testing.TB, g *gateway, tok, channel string) *client {
	t.Helper()
	c := dial(t, g.url, tok)
	c.login(tok)
	if channel != "" {
		if f := c.join(channel, 0); f.str("type") != TypeSnapshot {
			t.Fatalf("%s: subscribe %s: %s", tok, channel, f.raw)
		}
	}
	return c
}

func noteCreate(ch, opID, id, text string, x float64) OpMsg {
	return OpMsg{Type: TypeOp, Channel: ch, OpID: opID, Action: canvas.ActionCreate, ElementID: id, Kind: canvas.KindNote,
		Props: map[string]any{"x": x, "y": 0.0, "text": text}}
}

// storedElements reads a canvas's element documents as elements.
func (w *world) storedElements(t testing.TB, org, id string) map[string]*canvas.Element {
	t.Helper()
	docs, err := w.canvasRef(org, id).Collection("elements").Documents(context.Background()).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*canvas.Element{}
	for _, d := range docs {
		e := &canvas.Element{ID: d.Ref.ID}
		e.Merge(decodePatch(d.Ref.ID, d.Data()))
		out[d.Ref.ID] = e
	}
	return out
}

// eventually polls f until it is true or d passes.
func eventually(t testing.TB, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// subscribers counts the subscribers of a channel on g.
func (g *gateway) subscribers(key string) int {
	g.mu.Lock()
	ch := g.channels[key]
	g.mu.Unlock()
	if ch == nil {
		return 0
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return len(ch.subs)
}

// Package studioenv prepares the realtime gateway for load measurements:
// the emulator suite in this process, an organisation with N signed-in
// people (ID tokens from the Auth emulator), one shared canvas they all
// edit, gateway processes (cmd/functions with FUNCTION_TARGET=realtime)
// pointed at the suite, and the check that what the clients sent reached
// Firestore (op log and element documents).
package studioenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/emulators/suite"
	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/shared/canvas"
)

// Options says what to prepare.
type Options struct {
	Users  int    // people on the canvas (default 50)
	Org    string // default org-bench
	Canvas string // default canvas-bench
	// Output receives the suite's logs (default io.Discard).
	Output io.Writer
}

// User is one signed-in person.
type User struct {
	UID   string `json:"uid"`
	Token string `json:"token"`
}

// Env is a prepared suite.
type Env struct {
	Suite   *suite.Suite `json:"-"`
	Project string       `json:"project"`
	Vars    []string     `json:"env"`
	Org     string       `json:"org"`
	Canvas  string       `json:"canvas"`
	Users   []User       `json:"users"`
	uids    []string
}

// Start brings up the suite on free ports and seeds it.
func Start(ctx context.Context, o Options) (*Env, error) {
	if o.Users <= 0 {
		o.Users = 50
	}
	if o.Org == "" {
		o.Org = "org-bench"
	}
	if o.Canvas == "" {
		o.Canvas = "canvas-bench"
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	topo, err := infra.Topology()
	if err != nil {
		return nil, err
	}
	s, err := suite.Start(ctx, suite.Options{
		RandomPorts: true, Topology: topo, FirebaseJSON: infra.FirebaseJSON(),
		FirestoreIndexes: infra.FirestoreIndexes(), Output: o.Output, LocatorDir: "-",
	})
	if err != nil {
		return nil, err
	}
	e := &Env{Suite: s, Project: s.Project(), Vars: s.Env(), Org: o.Org, Canvas: o.Canvas}
	if err := e.seed(ctx, o.Users); err != nil {
		s.Close()
		return nil, err
	}
	return e, nil
}

// NewCanvas seeds canvas id, shared with every user as an editor (the
// first user owns it), and makes it the one Check reads.
func (e *Env) NewCanvas(ctx context.Context, id string) error {
	return e.NewCanvasFor(ctx, id, e.uids)
}

// NewCanvasFor is NewCanvas shared with uids only (uids[0] owns it).
func (e *Env) NewCanvasFor(ctx context.Context, id string, uids []string) error {
	fs, err := firestore.NewClient(ctx, e.Project)
	if err != nil {
		return err
	}
	defer fs.Close()
	now := time.Now().UTC()
	if len(uids) == 0 {
		return errors.New("a canvas needs an owner")
	}
	shares := make(map[string]canvas.Share, len(uids))
	for _, uid := range uids[1:] {
		shares[uid] = canvas.Share{Role: canvas.RoleEditor}
	}
	meta := canvas.Meta{
		Org: e.Org, Title: "Load test", Owner: uids[0], Visibility: canvas.Shared,
		Shares: shares, CreatedAt: now, UpdatedAt: now,
	}
	if _, err := fs.Doc("orgs/"+e.Org+"/canvases/"+id).Set(ctx, meta); err != nil {
		return err
	}
	if _, err := fs.Doc("canvas_index/"+id).Set(ctx, map[string]any{"org": e.Org}); err != nil {
		return err
	}
	e.Canvas = id
	return nil
}

// Close stops the suite.
func (e *Env) Close() error { return e.Suite.Close() }

func (e *Env) seed(ctx context.Context, n int) error {
	d := &suite.DemoData{}
	d.Orgs = append(d.Orgs, struct {
		ID            string `json:"id"`
		Name          string `json:"name"`
		Type          string `json:"type"`
		RetentionDays int    `json:"retention_days"`
		CreatedBy     string `json:"created_by"`
		Entitlement   string `json:"entitlement"`
	}{ID: e.Org, Name: "Load test", Type: "business", RetentionDays: 365, CreatedBy: "bench-000", Entitlement: "business"})
	for i := range n {
		uid := fmt.Sprintf("bench-%03d", i)
		role := "participant"
		if i == 0 {
			role = "facilitator"
		}
		d.Users = append(d.Users, suite.DemoUser{
			UID: uid, Email: uid + "@bench.example", Password: "bench-password-" + uid,
			DisplayName: "Bench " + strconv.Itoa(i), Language: "en", Timezone: "UTC",
			Org: e.Org, Role: role, Tier: "business",
		})
	}
	// The Admin SDK takes one user per call; in parallel they take seconds
	// even for thousands.
	const par = 16
	var wg sync.WaitGroup
	errs := make([]error, par)
	for w := range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			part := &suite.DemoData{}
			for i := w; i < len(d.Users); i += par {
				part.Users = append(part.Users, d.Users[i])
			}
			errs[w] = suite.SeedAuth(ctx, e.Project, e.Suite.Auth.Addr, part)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := suite.SeedFirestore(ctx, e.Project, e.Suite.Firestore.Addr, d); err != nil {
		return err
	}
	uids := make([]string, len(d.Users))
	for i, u := range d.Users {
		uids[i] = u.UID
	}
	e.uids = uids
	if err := e.NewCanvas(ctx, e.Canvas); err != nil {
		return err
	}
	e.Users = make([]User, len(d.Users))
	errs = make([]error, par)
	for w := range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(d.Users); i += par {
				tok, err := signIn(ctx, e.Suite.Auth.Addr, d.Users[i].Email, d.Users[i].Password)
				if err != nil {
					errs[w] = err
					return
				}
				e.Users[i] = User{UID: d.Users[i].UID, Token: tok}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func signIn(ctx context.Context, authAddr, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]any{"email": email, "password": password, "returnSecureToken": true})
	u := "http://" + authAddr + "/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=fake-api-key"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct {
		IDToken string `json:"idToken"`
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.IDToken == "" {
		return "", fmt.Errorf("sign in %s: %s: %s", email, res.Status, b)
	}
	return out.IDToken, nil
}

// Gateway is one running gateway process.
type Gateway struct {
	Addr string // host:port
	Pid  int
	cmd  *exec.Cmd
	done chan error
}

// StartGateway runs binary (cmd/functions) as the realtime function on a
// free port, with the function's declared environment, the suite's and
// extra.
func (e *Env) StartGateway(ctx context.Context, binary string, out io.Writer, extra ...string) (*Gateway, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "GOOGLE_CLOUD_PROJECT="+e.Project, "FUNCTION_REGION=europe-west1")
	if topo, err := infra.Topology(); err == nil {
		if fn, ok := topo.Function("realtime"); ok {
			keys := make([]string, 0, len(fn.Env))
			for k := range fn.Env {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				env = append(env, k+"="+fn.Env[k].LocalValue(map[string]string{"project": e.Project, "hosting_url": "http://127.0.0.1"}))
			}
		}
	}
	env = append(env, e.Vars...)
	env = append(env, extra...)
	env = append(env, "FUNCTION_TARGET=realtime", "FUNCTION_SIGNATURE_TYPE=http", "K_SERVICE=realtime",
		"K_REVISION=realtime-00001-bench", "K_CONFIGURATION=realtime", "PORT="+strconv.Itoa(port))
	cmd := exec.Command(binary)
	cmd.Env = env
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &Gateway{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Pid: cmd.Process.Pid, cmd: cmd, done: make(chan error, 1)}
	go func() { g.done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", g.Addr, 250*time.Millisecond); err == nil {
			c.Close()
			return g, nil
		}
		select {
		case err := <-g.done:
			return nil, fmt.Errorf("gateway exited before listening: %v", err)
		case <-ctx.Done():
			g.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			g.Stop()
			return nil, errors.New("gateway did not listen within 30 s")
		}
	}
}

// Stop ends the gateway (SIGTERM, then SIGKILL after 5 s).
func (g *Gateway) Stop() {
	if g.cmd.Process == nil {
		return
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-g.Pid, syscall.SIGKILL)
		<-g.done
	}
}

// FreeAddr is a free loopback address.
func FreeAddr() (string, error) {
	p, err := freePort()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), err
}

// Memory is the process's peak and current resident set (/proc status).
func Memory(pid int) (hwm, rss int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) < 1 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmHWM":
			hwm = n << 10
		case "VmRSS":
			rss = n << 10
		}
	}
	return hwm, rss, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// SentOp is one op a client sent: the element it moved and where to.
type SentOp struct {
	Element string  `json:"e"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
}

// Sent is what the clients sent in the measured window, and the last
// position each element was moved to over the whole run.
type Sent struct {
	Ops   []SentOp              `json:"ops"`
	Final map[string][2]float64 `json:"final"`
}

// Persisted is the outcome of Check.
type Persisted struct {
	Kind            string `json:"kind"`
	Check           string `json:"check"`
	OpsLogged       int    `json:"ops_logged"`
	OpsSent         int    `json:"ops_sent"`
	ElementsFinalOK int    `json:"elements_final_ok"`
	Elements        int    `json:"elements"`
	Batches         int    `json:"batches"`
}

// Check reads the canvas's op log and element documents and counts the
// sent ops found in the log (by element and position, which the load
// tool makes unique per op) and the elements whose document holds the
// last position sent. The element documents are written at most once a
// second, so it waits up to wait for them to settle.
func (e *Env) Check(ctx context.Context, s Sent, wait time.Duration) (Persisted, error) {
	fs, err := firestore.NewClient(ctx, e.Project)
	if err != nil {
		return Persisted{}, err
	}
	defer fs.Close()
	base := "orgs/" + e.Org + "/canvases/" + e.Canvas
	p := Persisted{Kind: "studio", Check: "persisted", OpsSent: len(s.Ops), Elements: len(s.Final)}

	deadline := time.Now().Add(wait)
	for {
		p.ElementsFinalOK = 0
		for id, want := range s.Final {
			snap, err := fs.Doc(base + "/elements/" + id).Get(ctx)
			if err != nil {
				continue
			}
			props, _ := snap.Data()["props"].(map[string]any)
			if num(props["x"]) == want[0] && num(props["y"]) == want[1] {
				p.ElementsFinalOK++
			}
		}
		if p.ElementsFinalOK == len(s.Final) || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}

	type key struct {
		e    string
		x, y float64
	}
	logged := make(map[key]bool)
	it := fs.Collection(base + "/ops").Documents(ctx)
	defer it.Stop()
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return p, err
		}
		p.Batches++
		patches, _ := snap.Data()["patches"].([]any)
		for _, raw := range patches {
			pm, _ := raw.(map[string]any)
			id, _ := pm["id"].(string)
			props, _ := pm["props"].(map[string]any)
			if _, ok := props["x"]; ok {
				logged[key{id, num(props["x"]), num(props["y"])}] = true
			}
		}
	}
	for _, o := range s.Ops {
		if logged[key{o.Element, o.X, o.Y}] {
			p.OpsLogged++
		}
	}
	return p, nil
}

func num(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case int:
		return float64(n)
	}
	return -1
}

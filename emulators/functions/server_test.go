//go:build unix

package functions

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/topology"
)

var fakefn string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fakefn")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakefn = filepath.Join(dir, "fakefn")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goTool, "build", "-o", fakefn, "./testdata/fakefn")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build fakefn:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// seen mirrors testdata/fakefn's answer.
type seen struct {
	Path     string            `json:"path"`
	RawPath  string            `json:"rawPath"`
	Query    string            `json:"query"`
	PID      int               `json:"pid"`
	Env      map[string]string `json:"env"`
	Header   http.Header       `json:"header"`
	ChildPID int               `json:"childPid"`
}

func ptr(s string) *string { return &s }

func testTopology() *topology.Topology {
	return &topology.Topology{Functions: []topology.Function{
		{Name: "echo", Kind: topology.KindFunction, Trigger: topology.Trigger{HTTP: &topology.HTTPTrigger{Public: true}},
			Env: map[string]topology.EnvVar{"TOPO_VAR": {Local: ptr("from-{project}")}, "SHARED": {Local: ptr("topology")},
				"SOCKET_URL": {Local: ptr("{functions_ws_url}/events")}}},
		{Name: "events", EntryPoint: "on-event", Kind: topology.KindFunction,
			Trigger: topology.Trigger{PubSub: &topology.PubSubTrigger{Topic: "t"}}},
	}}
}

// syncBuffer collects child output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestServer(t *testing.T, top *topology.Topology) (*Server, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	s, err := NewServer(Options{
		Project: "demo-test", Region: "europe-west1", Topology: top, Binary: fakefn, Local: map[string]string{"project": "demo-test"},
		Env: []string{"EXTRA_VAR=from-options", "SHARED=options", "FUNCTION_TARGET=hijack"}, Output: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, out
}

func getSeen(t *testing.T, url string) (seen, *http.Response) {
	t.Helper()
	var resp *http.Response
	var body []byte
	// A child that a loaded machine started too slowly is restarted, and
	// its requests get 503 with Retry-After meanwhile, as documented:
	// callers retry.
	for deadline := time.Now().Add(15 * time.Second); ; {
		var err error
		if resp, err = http.Get(url); err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	var sn seen
	if err := json.Unmarshal(body, &sn); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
	return sn, resp
}

func TestRouting(t *testing.T) {
	t.Parallel()
	s, out := newTestServer(t, testTopology())
	if got, want := s.URL("echo"), "http://"+s.Addr+"/demo-test/europe-west1/echo"; got != want {
		t.Fatalf("URL = %q, want %q", got, want)
	}
	if s.URL("nope") != "" {
		t.Error("URL of an undeclared function is not empty")
	}
	tests := []struct {
		suffix, path, raw, query string
	}{
		{"", "/", "/", ""},
		{"/", "/", "/", ""},
		{"/api/media/v1/uploads?a=1&b=x%2Fy", "/api/media/v1/uploads", "/api/media/v1/uploads", "a=1&b=x%2Fy"},
		{"/a%2Fb/c", "/a/b/c", "/a%2Fb/c", ""},
	}
	for _, tt := range tests {
		sn, resp := getSeen(t, s.URL("echo")+tt.suffix)
		if sn.Path != tt.path || sn.RawPath != tt.raw || sn.Query != tt.query {
			t.Errorf("%q: function saw path %q raw %q query %q; want %q %q %q", tt.suffix, sn.Path, sn.RawPath, sn.Query, tt.path, tt.raw, tt.query)
		}
		if resp.Header.Get("X-Fake") != "yes" {
			t.Errorf("%q: response headers not preserved: %v", tt.suffix, resp.Header)
		}
		if sn.Header.Get("Function-Execution-Id") == "" || sn.Header.Get("X-Cloud-Trace-Context") == "" || sn.Header.Get("X-Forwarded-Host") != s.Addr {
			t.Errorf("%q: missing front-end headers: %v", tt.suffix, sn.Header)
		}
	}

	// A request body streams through, and a CloudEvent reaches its function.
	req, _ := http.NewRequest(http.MethodPost, s.URL("events"), strings.NewReader(`{"message":{}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("ce-id", "evt-1")
	req.Header.Set("ce-specversion", "1.0")
	req.Header.Set("ce-type", "google.cloud.pubsub.topic.v1.messagePublished")
	req.Header.Set("ce-source", "//pubsub.googleapis.com/projects/demo-test/topics/t")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("CloudEvent delivery: status %d", resp.StatusCode)
	}
	waitFor(t, func() bool { return strings.Contains(out.String(), "[events] event evt-1 of type") })

	// GET / lists every function.
	var list map[string]string
	resp, err = http.Get("http://" + s.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list["echo"] != s.URL("echo") || list["events"] != s.URL("events") {
		t.Errorf("GET / = %v", list)
	}
}

func TestUpgradePassesThrough(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, testTopology())
	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "GET /demo-test/europe-west1/echo/upgrade HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n", s.Addr)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	for _, msg := range []string{"ping\n", "pong\n"} {
		if _, err := io.WriteString(conn, msg); err != nil {
			t.Fatal(err)
		}
		got, err := br.ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("echo over the upgraded connection: %q, %v; want %q", got, err, msg)
		}
	}
}

func TestEnv(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, testTopology())
	sn, _ := getSeen(t, s.URL("echo"))
	want := map[string]string{
		"FUNCTION_TARGET":         "echo",
		"FUNCTION_SIGNATURE_TYPE": "http",
		"K_SERVICE":               "echo",
		"FUNCTION_REGION":         "europe-west1",
		"GOOGLE_CLOUD_PROJECT":    "demo-test",
		"TOPO_VAR":                "from-demo-test",
		"EXTRA_VAR":               "from-options",
		"SHARED":                  "options",
	}
	for k, v := range want {
		if sn.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, sn.Env[k], v)
		}
	}
	if sn.Env["PORT"] == "" {
		t.Error("PORT is not set")
	}
	// A function's socket URL of another function: the emulator's own.
	if got, want := sn.Env["SOCKET_URL"], "ws://"+s.Addr+"/demo-test/europe-west1/events"; got != want {
		t.Errorf("SOCKET_URL = %q, want %q", got, want)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, testTopology())
	for _, p := range []string{
		"/demo-test/europe-west1/nope/x",
		"/other/europe-west1/echo",
		"/demo-test/us-central1/echo",
		"/demo-test/europe-west1",
		"/favicon.ico",
	} {
		resp, err := http.Get("http://" + s.Addr + p)
		if err != nil {
			t.Fatal(err)
		}
		var prob struct {
			Type   string `json:"type"`
			Status int    `json:"status"`
		}
		err = json.NewDecoder(resp.Body).Decode(&prob)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" ||
			err != nil || prob.Status != 404 || !strings.HasSuffix(prob.Type, "/not-found") {
			t.Errorf("%s: %d %s %+v %v", p, resp.StatusCode, resp.Header.Get("Content-Type"), prob, err)
		}
	}
}

func TestRestartAfterCrash(t *testing.T) {
	t.Parallel()
	s, out := newTestServer(t, testTopology())
	before, _ := getSeen(t, s.URL("echo"))
	resp, err := http.Get(s.URL("echo") + "/crash")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("request that crashed the function: %d, want 502", resp.StatusCode)
		}
	}
	var after seen
	waitFor(t, func() bool {
		resp, err := http.Get(s.URL("echo"))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			if resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusBadGateway {
				t.Errorf("while restarting: status %d", resp.StatusCode)
			}
			return false
		}
		return json.NewDecoder(resp.Body).Decode(&after) == nil
	})
	if after.PID == before.PID {
		t.Errorf("pid %d unchanged after a crash", after.PID)
	}
	if !processGone(before.PID) {
		t.Errorf("crashed process %d still exists", before.PID)
	}
	if strings.Count(out.String(), "[echo] fakefn starting") < 2 {
		t.Errorf("output does not show a restart:\n%s", out.String())
	}
}

func TestCloseLeavesNoProcess(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, testTopology())
	sn, _ := getSeen(t, s.URL("echo")+"/spawn")
	if sn.ChildPID == 0 {
		t.Fatal("fakefn did not spawn a grandchild")
	}
	pids := []int{sn.PID, sn.ChildPID}
	for _, c := range s.children {
		_, pid := c.current()
		pids = append(pids, pid)
	}
	for _, pid := range pids {
		if processGone(pid) {
			t.Fatalf("process %d is gone before Close", pid)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		waitFor(t, func() bool { return processGone(pid) })
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get(s.URL("echo")); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestStartFailureReportsOutput(t *testing.T) {
	t.Parallel()
	top := testTopology()
	top.Functions = append(top.Functions, topology.Function{Name: "broken", EntryPoint: "not-registered",
		Trigger: topology.Trigger{HTTP: &topology.HTTPTrigger{}}})
	_, err := NewServer(Options{Topology: top, Binary: fakefn, Output: io.Discard})
	if err == nil {
		t.Fatal("NewServer succeeded with an unregistered entry point")
	}
	if msg := err.Error(); !strings.Contains(msg, "function broken exited before listening") || !strings.Contains(msg, "not-registered") {
		t.Errorf("error lacks the function and its output: %v", err)
	}
	if _, err := NewServer(Options{Topology: top}); err == nil {
		t.Error("NewServer without Binary succeeded")
	}
	if _, err := NewServer(Options{Binary: fakefn}); err == nil {
		t.Error("NewServer without Topology succeeded")
	}
}

// processGone reports a process that no longer exists or is a zombie
// waiting for a parent that is not us (an orphan's reaper may be slow).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

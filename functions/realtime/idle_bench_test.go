package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pointsofyou.ai/studio/bench/realtime/studioenv"
	"pointsofyou.ai/studio/infra"
)

// TestIdleSocketsRSS measures the memory of one gateway instance holding
// REALTIME_IDLE_SOCKETS (e.g. 10000) idle sockets, each authenticated
// and subscribed to a shared canvas: the gateway runs as its own
// process (cmd/functions, FUNCTION_TARGET=realtime) on the emulator
// suite, and its VmRSS and VmHWM are read from /proc after the sockets
// have idled for REALTIME_IDLE_SECONDS (default 10). The budget is
// 512 MiB of RSS. REALTIME_IDLE_USERS (default: one per socket) people
// share the sockets, REALTIME_IDLE_CANVASES (default 1) canvases share
// them round robin; STUDIO_FUNCTIONS names a built cmd/functions
// (default: built into a temporary directory).
//
//	REALTIME_IDLE_SOCKETS=10000 go test -run TestIdleSocketsRSS -v -timeout 20m ./functions/realtime/
func TestIdleSocketsRSS(t *testing.T) {
	sockets, _ := strconv.Atoi(os.Getenv("REALTIME_IDLE_SOCKETS"))
	if sockets <= 0 {
		t.Skip("set REALTIME_IDLE_SOCKETS to run (a load measurement, not a unit test)")
	}
	users := sockets
	if n, _ := strconv.Atoi(os.Getenv("REALTIME_IDLE_USERS")); n > 0 {
		users = min(n, sockets)
	}
	canvases := 1
	if n, _ := strconv.Atoi(os.Getenv("REALTIME_IDLE_CANVASES")); n > 0 {
		canvases = min(n, sockets)
	}
	idle := 10 * time.Second
	if s, _ := strconv.Atoi(os.Getenv("REALTIME_IDLE_SECONDS")); s > 0 {
		idle = time.Duration(s) * time.Second
	}
	raiseFileLimit(t, sockets+1024)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	binary := os.Getenv("STUDIO_FUNCTIONS")
	if binary == "" {
		binary = filepath.Join(t.TempDir(), "functions")
		build := exec.CommandContext(ctx, "go", "build", "-o", binary, "pointsofyou.ai/studio/cmd/functions")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build cmd/functions: %v\n%s", err, out)
		}
	}

	start := time.Now()
	env, err := studioenv.Start(ctx, studioenv.Options{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	// Socket i is user i%users on canvas i%canvases; each canvas is shared
	// with exactly its people.
	channels := []string{"canvas:" + env.Canvas}
	if canvases > 1 {
		channels = channels[:0]
		people := make([][]string, canvases)
		seen := make([]map[int]bool, canvases)
		for i := range sockets {
			k, u := i%canvases, i%users
			if seen[k] == nil {
				seen[k] = map[int]bool{}
			}
			if !seen[k][u] {
				seen[k][u] = true
				people[k] = append(people[k], env.Users[u].UID)
			}
		}
		for k := range canvases {
			id := fmt.Sprintf("canvas-idle-%d", k)
			if err := env.NewCanvasFor(ctx, id, people[k]); err != nil {
				t.Fatal(err)
			}
			channels = append(channels, "canvas:"+id)
		}
	}
	t.Logf("%d people signed in in %s", users, time.Since(start).Round(time.Millisecond))
	logFile, err := os.Create(filepath.Join(t.TempDir(), "gateway.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	// REALTIME_IDLE_HEAP=file saves the gateway's heap profile after the
	// idle time (a binary with net/http/pprof: bench/realtime/gatewayprof).
	var extra []string
	pprofAddr := ""
	heapFile := os.Getenv("REALTIME_IDLE_HEAP")
	if heapFile != "" {
		if pprofAddr, err = studioenv.FreeAddr(); err != nil {
			t.Fatal(err)
		}
		extra = append(extra, "PPROF_ADDR="+pprofAddr)
	}
	// REALTIME_IDLE_GATEWAY_ENV=K=V,… adds to the gateway's environment
	// only (e.g. GOMEMLIMIT=300MiB), not to this process's.
	for _, kv := range strings.Split(os.Getenv("REALTIME_IDLE_GATEWAY_ENV"), ",") {
		if strings.Contains(kv, "=") {
			extra = append(extra, kv)
		}
	}
	// The gateway runs with the environment production gives it: the
	// declared env of infra/topology.yaml (GOMEMLIMIT among it) and the
	// suite's, not this shell's Go runtime settings.
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GODEBUG", "GOMAXPROCS"} {
		if v, ok := os.LookupEnv(k); ok {
			os.Unsetenv(k)
			t.Cleanup(func() { os.Setenv(k, v) })
		}
	}
	memLimit := ""
	if topo, err := infra.Topology(); err == nil {
		if fn, ok := topo.Function("realtime"); ok {
			memLimit = fn.Env["GOMEMLIMIT"].LocalValue(nil)
		}
	}
	gw, err := env.StartGateway(ctx, binary, logFile, extra...)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Stop()
	_, base, _ := studioenv.Memory(gw.Pid)

	start = time.Now()
	conns := make([]*websocket.Conn, sockets)
	var failed, frames, bytes atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	next := make(chan int)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := subscribe(ctx, "ws://"+gw.Addr+"/", env.Users[i%users].Token, channels[i%canvases])
				if err != nil {
					failed.Add(1)
					firstErr.Do(func() { t.Errorf("socket %d: %v", i, err) })
					continue
				}
				conns[i] = c
				// Read from the start, as a browser does: a socket that
				// reads nothing is dropped as slow once its queue is full.
				go func() {
					for {
						_, b, err := c.Read(ctx)
						if err != nil {
							return
						}
						frames.Add(1)
						bytes.Add(int64(len(b)))
					}
				}()
			}
		}()
	}
	for i := range sockets {
		next <- i
	}
	close(next)
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.CloseNow()
			}
		}
	}()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d sockets failed to authenticate and subscribe (gateway log: %s)", n, sockets, logFile.Name())
	}
	joined := time.Since(start)
	t.Logf("%d sockets authenticated and subscribed in %s", sockets, joined.Round(time.Millisecond))
	// Idle: the clients read (and so answer the server's pings) and send nothing.
	time.Sleep(idle)

	hwm, rss, err := studioenv.Memory(gw.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if heapFile != "" {
		if err := saveURL(ctx, "http://"+pprofAddr+"/debug/pprof/heap", heapFile); err != nil {
			t.Errorf("heap profile: %v", err)
		}
		if err := saveURL(ctx, "http://"+pprofAddr+"/debug/pprof/heap?debug=1", heapFile+".memstats.txt"); err != nil {
			t.Errorf("heap text: %v", err)
		}
		if err := saveURL(ctx, "http://"+pprofAddr+"/debug/pprof/goroutine?debug=1", heapFile+".goroutines.txt"); err != nil {
			t.Errorf("goroutine profile: %v", err)
		}
	}
	var open atomic.Int64
	var pw sync.WaitGroup
	for part := range 64 {
		pw.Add(1)
		go func() {
			defer pw.Done()
			for i := part; i < len(conns); i += 64 {
				pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				if conns[i].Ping(pctx) == nil {
					open.Add(1)
				}
				cancel()
			}
		}()
	}
	pw.Wait()
	const budget = 512 << 20
	line, _ := json.Marshal(map[string]any{
		"kind": "studio", "check": "idle_sockets", "gateway_env": os.Getenv("REALTIME_IDLE_GATEWAY_ENV"), "gomemlimit": memLimit, "sockets": sockets, "users": users, "canvases": canvases, "open": open.Load(),
		"join_s": joined.Seconds(), "frames_received": frames.Load(), "mib_received": mib(bytes.Load()),
		"idle_s": idle.Seconds(), "rss_mib": mib(rss), "hwm_mib": mib(hwm), "base_rss_mib": mib(base),
		"per_socket_kib": float64(rss-base) / float64(sockets) / 1024, "budget_mib": mib(budget),
	})
	t.Log(string(line))
	fmt.Println(string(line))
	if int(open.Load()) != sockets {
		t.Errorf("%d of %d sockets still open after %s idle", open.Load(), sockets, idle)
	}
	if rss > budget {
		t.Errorf("gateway RSS %.1f MiB with %d idle sockets; budget 512 MiB", mib(rss), sockets)
	}
}

func saveURL(ctx context.Context, url, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}

func mib(b int64) float64 { return float64(b*10/(1<<20)) / 10 }

// subscribe opens a socket, authenticates and subscribes to channel,
// returning once the snapshot arrived.
func subscribe(ctx context.Context, url, token, channel string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 24)
	fail := func(err error) (*websocket.Conn, error) { c.CloseNow(); return nil, err }
	send := func(v any) error {
		b, _ := json.Marshal(v)
		return c.Write(ctx, websocket.MessageText, b)
	}
	await := func(want string) error {
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return fmt.Errorf("waiting for %s: %w", want, err)
			}
			var m struct {
				Type   string `json:"type"`
				Code   string `json:"code"`
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				return err
			}
			switch m.Type {
			case want:
				return nil
			case "error", "bye":
				return fmt.Errorf("waiting for %s: %s", want, b)
			}
		}
	}
	if err := send(map[string]any{"type": "auth", "token": token}); err != nil {
		return fail(err)
	}
	if err := await("ready"); err != nil {
		return fail(err)
	}
	if err := send(map[string]any{"type": "subscribe", "channel": channel}); err != nil {
		return fail(err)
	}
	if err := await("snapshot"); err != nil {
		return fail(err)
	}
	return c, nil
}

// raiseFileLimit lifts this process's open-file limit (the gateway
// inherits it) to at least n, up to the hard limit.
func raiseFileLimit(t *testing.T, n int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < uint64(n) {
		lim.Cur = min(lim.Max, uint64(n))
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
	}
	if lim.Cur < uint64(n) {
		t.Skipf("open-file limit %d is below the %d sockets need (raise the hard limit)", lim.Cur, n)
	}
}

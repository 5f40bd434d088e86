// Command studioctl runs the realtime gateway for the load tool: it starts
// the emulator suite in-process, seeds N people and a shared canvas, and
// then obeys one JSON command per line on stdin, answering one JSON line
// on stdout each:
//
//	{"cmd":"canvas","id":"c1"}                 seed a fresh canvas → {"ok":true}
//	{"cmd":"gateways","n":2,"pprof":false}     (re)start n gateway processes → {"addrs":[…],"pids":[…],"pprof":[…]}
//	{"cmd":"memory"}                           → {"pids":[…],"hwm":[bytes…],"rss":[bytes…]}
//	{"cmd":"check","file":"sent.json"}         op log and element documents against what was sent
//
// The first line it prints is the environment: {"project","org","canvas","users":[{uid,token}]}.
// End of stdin stops everything.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"pointsofyou.ai/studio/bench/realtime/studioenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "studioctl:", err)
		os.Exit(1)
	}
}

type command struct {
	Cmd string `json:"cmd"`
	ID  string `json:"id"`
	N   int    `json:"n"`
	// Pprof serves net/http/pprof of each gateway (a binary that has it).
	Pprof bool   `json:"pprof"`
	File  string `json:"file"`
}

func run() error {
	users := flag.Int("users", 50, "people to sign in")
	binary := flag.String("functions-binary", "bin/functions", "built cmd/functions")
	logDir := flag.String("log-dir", "", "where gateway logs go (default: discarded)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var suiteLog io.Writer = io.Discard
	if *logDir != "" {
		if err := os.MkdirAll(*logDir, 0o755); err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(*logDir, "suite.log"))
		if err != nil {
			return err
		}
		defer f.Close()
		suiteLog = f
	}
	env, err := studioenv.Start(ctx, studioenv.Options{Users: *users, Output: suiteLog})
	if err != nil {
		return err
	}
	defer env.Close()
	var gws []*studioenv.Gateway
	stopAll := func() {
		for _, g := range gws {
			g.Stop()
		}
		gws = nil
	}
	defer stopAll()

	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(env); err != nil {
		return err
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	starts := 0
	for {
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case line, ok = <-lines:
			if !ok {
				return nil
			}
		}
		var c command
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			_ = out.Encode(map[string]any{"error": err.Error()})
			continue
		}
		reply, err := handle(ctx, env, c, &gws, stopAll, *binary, *logDir, &starts)
		if err != nil {
			reply = map[string]any{"error": err.Error()}
		}
		_ = out.Encode(reply)
	}
}

func handle(ctx context.Context, env *studioenv.Env, c command, gws *[]*studioenv.Gateway, stopAll func(), binary, logDir string, starts *int) (any, error) {
	switch c.Cmd {
	case "canvas":
		if err := env.NewCanvas(ctx, c.ID); err != nil {
			return nil, err
		}
		return map[string]any{"ok": true, "canvas": c.ID}, nil
	case "gateways":
		stopAll()
		var addrs, pprofs []string
		var pids []int
		for range c.N {
			var w io.Writer
			if logDir != "" {
				*starts++
				f, err := os.Create(filepath.Join(logDir, fmt.Sprintf("gateway-%d.log", *starts)))
				if err != nil {
					return nil, err
				}
				w = f
			}
			var extra []string
			if c.Pprof {
				a, err := studioenv.FreeAddr()
				if err != nil {
					return nil, err
				}
				extra = append(extra, "PPROF_ADDR="+a)
				pprofs = append(pprofs, a)
			}
			g, err := env.StartGateway(ctx, binary, w, extra...)
			if err != nil {
				return nil, err
			}
			*gws = append(*gws, g)
			addrs = append(addrs, g.Addr)
			pids = append(pids, g.Pid)
		}
		return map[string]any{"addrs": addrs, "pids": pids, "pprof": pprofs}, nil
	case "memory":
		var pids []int
		var hwm, rss []int64
		for _, g := range *gws {
			h, r, err := studioenv.Memory(g.Pid)
			if err != nil {
				return nil, err
			}
			pids, hwm, rss = append(pids, g.Pid), append(hwm, h), append(rss, r)
		}
		return map[string]any{"pids": pids, "hwm": hwm, "rss": rss}, nil
	case "check":
		b, err := os.ReadFile(c.File)
		if err != nil {
			return nil, err
		}
		var s studioenv.Sent
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		return env.Check(ctx, s, 5*time.Second)
	}
	return nil, fmt.Errorf("unknown command %q", c.Cmd)
}

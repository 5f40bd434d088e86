// Command fakefn is a stand-in for cmd/functions in the emulator's tests: an
// HTTP function that reports what it saw, and a CloudEvent function.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/cloudevents/sdk-go/v2/event"
)

// Seen is what the echo function answers.
type Seen struct {
	Path        string            `json:"path"`
	RawPath     string            `json:"rawPath"`
	Query       string            `json:"query"`
	PID         int               `json:"pid"`
	Env         map[string]string `json:"env"`
	Header      http.Header       `json:"header"`
	ChildPID    int               `json:"childPid,omitempty"`
	BodyPrefix  string            `json:"bodyPrefix,omitempty"`
	ContentType string            `json:"contentType,omitempty"`
}

func init() {
	functions.HTTP("echo", echo)
	functions.CloudEvent("on-event", onEvent)
}

func echo(w http.ResponseWriter, r *http.Request) {
	seen := Seen{Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery, PID: os.Getpid(),
		Env: map[string]string{}, Header: r.Header}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		seen.Env[k] = v
	}
	switch r.URL.Path {
	case "/upgrade":
		upgrade(w, r)
		return
	case "/crash":
		os.Exit(3)
	case "/spawn":
		// A grandchild that would outlive a careless shutdown.
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "FAKEFN_SLEEP=1")
		if err := cmd.Start(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		seen.ChildPID = cmd.Process.Pid
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Fake", "yes")
	_ = json.NewEncoder(w).Encode(seen)
}

// upgrade switches to a trivial echo protocol, as a WebSocket server would
// switch to WebSocket frames.
func upgrade(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") != "echo" {
		http.Error(w, "want Upgrade: echo", http.StatusBadRequest)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	_ = rw.Flush()
	_, _ = io.Copy(conn, rw)
}

func onEvent(_ context.Context, e event.Event) error {
	fmt.Printf("event %s of type %s\n", e.ID(), e.Type())
	return nil
}

func main() {
	if os.Getenv("FAKEFN_SLEEP") != "" {
		time.Sleep(time.Hour)
		return
	}
	fmt.Println("fakefn starting")
	if err := funcframework.Start(os.Getenv("PORT")); err != nil {
		fmt.Fprintln(os.Stderr, "fakefn:", err)
		os.Exit(1)
	}
}

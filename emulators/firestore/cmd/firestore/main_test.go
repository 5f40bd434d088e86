package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunPrintsAddressAndStops(t *testing.T) {
	t.Parallel()
	ix := filepath.Join(t.TempDir(), "firestore.indexes.json")
	if err := os.WriteFile(ix, []byte(`{"indexes": [], "fieldOverrides": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--indexes", ix}, w); w.Close() }()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimSpace(line)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %q: %v", addr, err)
	}
	conn.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestRunRejectsBadIndexes(t *testing.T) {
	t.Parallel()
	ix := filepath.Join(t.TempDir(), "firestore.indexes.json")
	if err := os.WriteFile(ix, []byte(`{"indexes": [{"fields": []}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--indexes", ix},
		{"--indexes", filepath.Join(t.TempDir(), "missing.json")},
		{"--no-such-flag"},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%v): no error", args)
		}
	}
}

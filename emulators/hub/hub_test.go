package hub

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmulatorsAndExport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := NewServer(Options{Project: "demo-hubtest", LocatorDir: dir, ExportRoots: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := os.Stat(LocatorPath(dir, "demo-hubtest")); err != nil {
		t.Fatalf("locator: %v", err)
	}
	s.Register("firestore", "127.0.0.1:8080", func(_ context.Context, d string) error {
		return os.WriteFile(filepath.Join(d, "docs.json"), []byte(`{}`), 0o644)
	})
	s.Register("pubsub", "127.0.0.1:8085", nil)

	resp, err := http.Get("http://" + s.Addr + "/emulators")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]Info
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got["firestore"] != (Info{Name: "firestore", Host: "127.0.0.1", Port: 8080}) || got["hub"].Port == 0 || len(got) != 3 {
		t.Fatalf("emulators = %+v", got)
	}

	out := filepath.Join(dir, "export")
	for i := 0; i < 2; i++ { // a second export replaces the first
		r, err := http.Post("http://"+s.Addr+"/_admin/export", "application/json", strings.NewReader(`{"path":"`+out+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Fatalf("export status %d", r.StatusCode)
		}
	}
	meta, err := ReadExportMetadata(out)
	if err != nil || meta.Emulators["firestore"] != "firestore_export" {
		t.Fatalf("metadata %+v %v", meta, err)
	}
	if _, err := os.Stat(filepath.Join(out, "firestore_export", "docs.json")); err != nil {
		t.Fatal(err)
	}
	r, _ := http.Post("http://"+s.Addr+"/_admin/export", "application/json", strings.NewReader(`{"path":"relative"}`))
	if r.StatusCode != 400 {
		t.Fatalf("relative path: %d", r.StatusCode)
	}
	r.Body.Close()
	s.Close()
	if _, err := os.Stat(LocatorPath(dir, "demo-hubtest")); !os.IsNotExist(err) {
		t.Fatal("locator not removed")
	}
}

// TestExportIsConfined: an export over HTTP needs JSON, stays under its
// roots and replaces only an earlier export or an empty directory; nothing
// else is ever removed.
func TestExportIsConfined(t *testing.T) {
	t.Parallel()
	root, outside := t.TempDir(), t.TempDir()
	s, err := NewServer(Options{Project: "demo-hubconfine", LocatorDir: "-", ExportRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.Register("auth", "127.0.0.1:9099", func(_ context.Context, d string) error {
		return os.WriteFile(filepath.Join(d, "accounts.json"), []byte(`{}`), 0o644)
	})
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Precious things the hub must never touch.
	write(filepath.Join(outside, "victim", "data.txt"), "keep")
	write(filepath.Join(root, "project", "main.go"), "package main")
	write(filepath.Join(root, "fresh.old", "keep.txt"), "keep")
	write(filepath.Join(root, "file"), "keep")
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}

	post := func(ct, origin, body string) int {
		req, _ := http.NewRequest("POST", "http://"+s.Addr+"/_admin/export", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	path := func(p string) string { b, _ := json.Marshal(map[string]string{"path": p}); return string(b) }
	tests := []struct {
		name, ct, origin, body string
		want                   int
	}{
		{"no content type", "", "", path(filepath.Join(root, "a")), 415},
		{"form", "application/x-www-form-urlencoded", "", path(filepath.Join(root, "a")), 415},
		{"text/plain", "text/plain", "", path(filepath.Join(root, "a")), 415},
		{"cross-site page", "application/json", "https://attacker.example", path(filepath.Join(root, "a")), 403},
		{"outside the roots", "application/json", "", path(filepath.Join(outside, "victim")), 403},
		{"a new directory outside the roots", "application/json", "", path(filepath.Join(outside, "new")), 403},
		{"dot-dot out of the root", "application/json", "", path(root + "/../" + filepath.Base(outside) + "/victim"), 400},
		{"dot-dot inside the root", "application/json", "", path(root + "/project/../fresh"), 400},
		{"through a symbolic link", "application/json", "", path(filepath.Join(root, "link", "victim")), 403},
		{"the root itself", "application/json", "", path(root), 409},
		{"a directory that is not an export", "application/json", "", path(filepath.Join(root, "project")), 409},
		{"a file", "application/json", "", path(filepath.Join(root, "file")), 409},
		{"an empty directory", "application/json", "", path(filepath.Join(root, "empty")), 200},
		{"a new directory", "application/json", "", path(filepath.Join(root, "fresh")), 200},
		{"an earlier export", "application/json", "", path(filepath.Join(root, "fresh")), 200},
		{"a new nested directory", "application/json; charset=utf-8", "http://localhost:5000", path(filepath.Join(root, "exports", "today")), 200},
	}
	for _, tt := range tests { // in order: the last cases build on each other
		if got := post(tt.ct, tt.origin, tt.body); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	for _, p := range []string{
		filepath.Join(outside, "victim", "data.txt"), filepath.Join(root, "project", "main.go"),
		filepath.Join(root, "fresh.old", "keep.txt"), filepath.Join(root, "file"),
	} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was touched: %v", p, err)
		}
	}
	for _, d := range []string{"empty", "fresh", "exports/today"} {
		if _, err := ReadExportMetadata(filepath.Join(root, d)); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".export") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	// The Go API (export on exit) refuses to replace a directory that is
	// not an export as well.
	if err := s.Export(context.Background(), filepath.Join(root, "project")); err != ErrNotAnExport {
		t.Errorf("Export over a source directory: %v", err)
	}
}

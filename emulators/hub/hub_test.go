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
	s, err := NewServer(Options{Project: "demo-hubtest", LocatorDir: dir})
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

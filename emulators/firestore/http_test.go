package firestore

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestHTTPSide(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)
	if _, err := c.Doc("h/d").Set(ctx, map[string]any{"s": "v", "n": 3}); err != nil {
		t.Fatal(err)
	}
	base := "http://" + srv.Addr
	docs := "/v1/projects/" + testProject + "/databases/(default)/documents"
	tests := []struct {
		method, path string
		code         int
		contains     string
	}{
		{"GET", "/", 200, "Ok"},
		{"GET", docs + "/h/d", 200, `"stringValue":"v"`},
		{"GET", docs + "/h", 200, `"documents"`},
		{"GET", docs + "/h/missing", 404, `"NOT_FOUND"`},
		{"GET", docs + "/h/__bad__", 400, "reserved"},
		{"GET", "/v1/projects/p", 400, "INVALID_ARGUMENT"},
		{"GET", docs + "/h?pageSize=x", 400, "pageSize"},
		{"GET", "/nowhere", 404, "No route"},
		{"POST", "/shutdown", 200, "{}"},
		{"DELETE", "/emulator/v1/projects/" + testProject + "/databases/(default)/documents", 200, "{}"},
		{"GET", docs + "/h/d", 404, "not found"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequestWithContext(ctx, tt.method, base+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(string(body), tt.contains) {
			t.Fatalf("%s %s = %d %s, want %d containing %q", tt.method, tt.path, resp.StatusCode, body, tt.code, tt.contains)
		}
		if tt.code >= 400 && tt.path != "/" {
			var e struct {
				Error struct{ Code int } `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != tt.code {
				t.Fatalf("%s: error body %s", tt.path, body)
			}
		}
	}
	// The gRPC side still works on the same port after HTTP traffic.
	if _, err := c.Doc("h/d").Get(ctx); status.Code(err) != codes.NotFound {
		t.Fatalf("after clear: %v", err)
	}
}

func TestExportImport(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)
	other := newClient(t, srv, "second")
	wr, err := c.Doc("e/a").Set(ctx, map[string]any{"v": 1, "vec": firestore.Vector64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Doc("e/b/sub/c").Set(ctx, map[string]any{"v": 2}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := srv.Export(dir); err != nil {
		t.Fatal(err)
	}
	srv2 := newTestServer(t, Options{})
	if err := srv2.Import(dir); err != nil {
		t.Fatal(err)
	}
	c2 := newClient(t, srv2, firestore.DefaultDatabaseID)
	snap, err := c2.Doc("e/a").Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !snap.UpdateTime.Equal(wr.UpdateTime) || snap.Data()["v"] != int64(1) {
		t.Fatalf("imported: %v at %v", snap.Data(), snap.UpdateTime)
	}
	if _, err := newClient(t, srv2, "second").Doc("e/b/sub/c").Get(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv2.Import(t.TempDir()); err == nil {
		t.Fatal("import of an empty dir succeeded")
	}
}

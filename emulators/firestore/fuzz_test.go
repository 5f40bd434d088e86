package firestore

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func FuzzParseResource(f *testing.F) {
	for _, s := range []string{
		"projects/p/databases/(default)/documents",
		"projects/p/databases/d/documents/c/d",
		"projects/p/databases/d/documents/c//d",
		"projects/p/databases/d/documents/c/__x__",
		"projects//databases/d/documents/c",
		"projects/p/databases/d/documents/" + strings.Repeat("a/", 120),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		r, err := parseResource(name)
		if err != nil {
			return
		}
		// A parsed name prints back unchanged and compares equal to itself.
		if r.String() != name {
			t.Fatalf("round trip %q -> %q", name, r.String())
		}
		if compareNames(name, name) != 0 {
			t.Fatalf("compareNames(%q, itself) != 0", name)
		}
		if r.isDocument() {
			if _, err := parseDocName(name); err != nil {
				t.Fatalf("document %q rejected: %v", name, err)
			}
			_ = nameSize(name)
		}
	})
}

func FuzzParseFieldPath(f *testing.F) {
	for _, s := range []string{"a", "a.b", "`a.b`.c", "`a\\`b`", "a..b", "`", "a.", ".a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		segs, err := parseFieldPath(p)
		if err != nil {
			return
		}
		if len(segs) == 0 {
			t.Fatalf("%q parsed to no segments", p)
		}
	})
}

func FuzzCompareNames(f *testing.F) {
	f.Add("a/b", "a-b")
	f.Add("a/b/c", "a/b")
	f.Fuzz(func(t *testing.T, a, b string) {
		if x, y := compareNames(a, b), compareNames(b, a); x != -y {
			t.Fatalf("compareNames not antisymmetric for %q, %q: %d %d", a, b, x, y)
		}
	})
}

// FuzzRESTView sends arbitrary paths to the HTTP side: it must answer with a
// client error or success, never a server error or a panic.
func FuzzRESTView(f *testing.F) {
	srv := &Server{now: timeNowForFuzz, dbs: map[dbPath]*database{}, txns: map[string]*txn{}, faults: map[string]error{}}
	h := srv.httpHandler()
	for _, s := range []string{
		"/v1/projects/p/databases/(default)/documents/c/d",
		"/v1/projects/p/databases/(default)/documents/c",
		"/v1/projects/p/databases/(default)/documents/c?pageSize=2&pageToken=zz",
		"/v1/projects/p/databases/(default)/documents/c/__d__",
		"/v1/projects/p",
		"/v1/%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		req, err := http.NewRequest(http.MethodGet, "http://x"+path, nil)
		if err != nil || !strings.HasPrefix(req.URL.Path, "/") {
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET %q = %d %s", path, rec.Code, rec.Body)
		}
	})
}

func timeNowForFuzz() time.Time { return time.Unix(1_700_000_000, 0) }

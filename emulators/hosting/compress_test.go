package hosting

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCompression: text content goes out gzipped to clients that accept it,
// with the configuration's headers still applied; images, small files,
// range requests and clients that do not accept gzip get the bytes as they
// are.
func TestCompression(t *testing.T) {
	t.Parallel()
	js := strings.Repeat("console.log('calm');\n", 200)
	s := serverFor(t, `{"hosting": {"public": "p", "cleanUrls": true,
		"rewrites": [{"source": "**", "destination": "/index.html"}],
		"headers": [{"source": "**/*.js", "headers": [{"key": "Cache-Control", "value": "public, max-age=31536000, immutable"}]}]}}`,
		site(t, map[string]string{
			"index.html":           "<!doctype html><title>x</title>" + strings.Repeat("<p>x</p>", 300),
			"assets/app.js":        js,
			"small.css":            "body{}",
			"icon.png":             strings.Repeat("\x89PNG", 600),
			"manifest.webmanifest": `{"name": "Studio"}` + strings.Repeat(" ", 2000),
		}), Options{})
	gz := http.Header{"Accept-Encoding": {"gzip, deflate, br"}}

	resp, body := get(t, s, http.MethodGet, "/assets/app.js", gz)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" ||
		resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET app.js (gzip): %d %v", resp.StatusCode, resp.Header)
	}
	if got := gunzip(t, body); got != js {
		t.Errorf("gunzipped app.js differs (%d bytes, want %d)", len(got), len(js))
	}
	if n := len(body); resp.Header.Get("Content-Length") != strconv.Itoa(n) || n >= len(js) {
		t.Errorf("compressed length %d, Content-Length %q", n, resp.Header.Get("Content-Length"))
	}
	// A type the machine's MIME table may not know is sniffed from the
	// content, never from its compressed bytes.
	if resp, _ := get(t, s, http.MethodGet, "/manifest.webmanifest", gz); resp.Header.Get("Content-Encoding") != "gzip" ||
		strings.Contains(resp.Header.Get("Content-Type"), "gzip") || resp.Header.Get("Content-Type") == "" {
		t.Errorf("manifest: %v", resp.Header)
	}
	// The SPA fallback is compressed too.
	if resp, body := get(t, s, http.MethodGet, "/journeys/1", gz); resp.Header.Get("Content-Encoding") != "gzip" ||
		!strings.Contains(gunzip(t, body), "<title>x</title>") {
		t.Errorf("SPA route: %v", resp.Header)
	}
	// Conditional requests still work on the compressed form.
	if resp, _ := get(t, s, http.MethodGet, "/assets/app.js", http.Header{
		"Accept-Encoding": {"gzip"}, "If-Modified-Since": {resp.Header.Get("Last-Modified")},
	}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d", resp.StatusCode)
	}

	for name, tt := range map[string]struct {
		path   string
		header http.Header
		vary   bool
	}{
		"no Accept-Encoding": {"/assets/app.js", http.Header{}, true},
		"gzip refused":       {"/assets/app.js", http.Header{"Accept-Encoding": {"br, gzip;q=0"}}, true},
		"range":              {"/assets/app.js", http.Header{"Accept-Encoding": {"gzip"}, "Range": {"bytes=0-9"}}, true},
		"image":              {"/icon.png", gz, false},
		"small file":         {"/small.css", gz, true},
	} {
		resp, body := get(t, s, http.MethodGet, tt.path, tt.header)
		if resp.Header.Get("Content-Encoding") != "" || resp.StatusCode/100 != 2 {
			t.Errorf("%s: %d, Content-Encoding %q", name, resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		if name == "range" && body != js[:10] {
			t.Errorf("range: %q", body)
		}
		if got := slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding"); got != tt.vary {
			t.Errorf("%s: Vary Accept-Encoding %v, want %v", name, got, tt.vary)
		}
	}
}

func gunzip(t *testing.T, body string) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

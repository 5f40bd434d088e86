package hosting

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Hosting's CDN compresses text content for clients that accept it; the
// emulator does the same with gzip (not brotli, which Go's standard library
// lacks), so that a page measured locally (Lighthouse) downloads what it
// would deployed.

// minCompressed: smaller files gain nothing from compression.
const minCompressed = 1024

// compressible extensions: scripts, styles, documents and data, never
// images or fonts that are compressed already.
var compressible = map[string]bool{
	".html": true, ".htm": true, ".js": true, ".mjs": true, ".css": true, ".json": true, ".map": true,
	".webmanifest": true, ".svg": true, ".txt": true, ".xml": true, ".ico": true, ".wasm": true,
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if (strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*") &&
			strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// gzipCache keeps each file's compressed form while the file is unchanged.
type gzipCache struct {
	mu sync.Mutex
	m  map[string]gzipEntry
}

type gzipEntry struct {
	mod   time.Time
	size  int64
	body  []byte
	ctype string // of the uncompressed content
}

func (c *gzipCache) get(rel string, mod time.Time, size int64, f io.Reader) (gzipEntry, error) {
	c.mu.Lock()
	e, ok := c.m[rel]
	c.mu.Unlock()
	if ok && e.mod.Equal(mod) && e.size == size {
		return e, nil
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		return gzipEntry{}, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		return gzipEntry{}, err
	}
	if err := zw.Close(); err != nil {
		return gzipEntry{}, err
	}
	// As http.ServeContent names it, from the extension or else the bytes:
	// sniffing the compressed bytes would say application/x-gzip.
	ctype := mime.TypeByExtension(path.Ext(rel))
	if ctype == "" {
		ctype = http.DetectContentType(raw)
	}
	e = gzipEntry{mod: mod, size: size, body: buf.Bytes(), ctype: ctype}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]gzipEntry{}
	}
	c.m[rel] = e
	c.mu.Unlock()
	return e, nil
}

// serveCompressed answers a GET or HEAD of a compressible file in gzip when
// the client accepts it, and reports whether it did. Range requests get the
// file as it is.
func (s *Server) serveCompressed(w http.ResponseWriter, r *http.Request, rel string, mod time.Time, size int64, f io.Reader) bool {
	if !compressible[strings.ToLower(path.Ext(rel))] {
		return false
	}
	w.Header().Add("Vary", "Accept-Encoding")
	if size < minCompressed || !acceptsGzip(r) || r.Header.Get("Range") != "" {
		return false
	}
	e, err := s.gz.get(rel, mod, size, f)
	if err != nil {
		return false
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", e.ctype)
	}
	w.Header().Set("Content-Encoding", "gzip")
	http.ServeContent(w, r, rel, mod, bytes.NewReader(e.body))
	return true
}

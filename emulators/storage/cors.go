package storage

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// CORS is one entry of a bucket's CORS configuration, as the JSON API's
// bucket resource carries it ("cors": [...]).
type CORS struct {
	Origin         []string `json:"origin,omitempty"`
	Method         []string `json:"method,omitempty"`
	ResponseHeader []string `json:"responseHeader,omitempty"`
	MaxAgeSeconds  int      `json:"maxAgeSeconds,omitempty"`
}

// BucketCORS is the CORS configuration the platform gives its buckets
// (terraform/storage.tf): browsers PUT to V4 signed upload URLs with the
// headers those URLs are signed with, and GET through signed download URLs.
func BucketCORS(origins ...string) []CORS {
	return []CORS{{
		Origin:         slices.Clone(origins),
		Method:         []string{"PUT", "GET", "HEAD"},
		ResponseHeader: []string{"Content-Type", "x-goog-content-length-range", "x-goog-meta-uploader", "ETag"},
		MaxAgeSeconds:  3600,
	}}
}

// SetCORS replaces bucket's CORS configuration; nil or empty removes it.
func (s *Server) SetCORS(bucket string, rules []CORS) {
	s.corsMu.Lock()
	defer s.corsMu.Unlock()
	if len(rules) == 0 {
		delete(s.cors, bucket)
		return
	}
	s.cors[bucket] = cloneCORS(rules)
}

// BucketCORSConfig is bucket's CORS configuration (nil when it has none).
func (s *Server) BucketCORSConfig(bucket string) []CORS {
	s.corsMu.RLock()
	defer s.corsMu.RUnlock()
	return cloneCORS(s.cors[bucket])
}

// AllowOrigin adds origin to every entry of every bucket's CORS
// configuration, as deploying adds the site's own origin: the suite's
// Hosting lives on a port known only once it listens.
func (s *Server) AllowOrigin(origin string) {
	s.corsMu.Lock()
	defer s.corsMu.Unlock()
	for b, rules := range s.cors {
		for i := range rules {
			if !slices.Contains(rules[i].Origin, origin) {
				rules[i].Origin = append(rules[i].Origin, origin)
			}
		}
		s.cors[b] = rules
	}
}

func cloneCORS(rules []CORS) []CORS {
	if rules == nil {
		return nil
	}
	out := make([]CORS, len(rules))
	for i, r := range rules {
		out[i] = CORS{Origin: slices.Clone(r.Origin), Method: slices.Clone(r.Method),
			ResponseHeader: slices.Clone(r.ResponseHeader), MaxAgeSeconds: r.MaxAgeSeconds}
	}
	return out
}

// jsonAPI reports whether path is one of the JSON API's endpoints. GCS
// answers CORS on those for any origin whatever the bucket says (the
// embedded fake does the same); the bucket's configuration governs the
// XML API, which signed URLs use.
func jsonAPI(path string) bool {
	for _, p := range []string{"/storage/v1/", "/upload/storage/v1/", "/download/storage/v1/", "/batch/storage/v1"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// xmlBucket is the bucket an XML API request addresses: the host's first
// label (bucket.host) or the path's first segment (/bucket/object).
func (s *Server) xmlBucket(r *http.Request, origHost string) string {
	if b, ok := strings.CutSuffix(origHost, "."+s.publicHost); ok {
		return b
	}
	b, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return b
}

// matchCORS is GCS's lookup: the first entry listing the origin (or "*")
// and the method (or "*").
func matchCORS(rules []CORS, origin, method string) *CORS {
	for i, r := range rules {
		if (slices.Contains(r.Origin, origin) || slices.Contains(r.Origin, "*")) &&
			(slices.ContainsFunc(r.Method, func(m string) bool { return strings.EqualFold(m, method) }) || slices.Contains(r.Method, "*")) {
			return &rules[i]
		}
	}
	return nil
}

// corsXML applies the bucket's CORS configuration to an XML API request
// carrying an Origin. A preflight is answered here (answered). Any other
// request goes on with w replaced by a writer that keeps the fake's own
// allow-everything CORS headers out of the response.
func (s *Server) corsXML(w http.ResponseWriter, r *http.Request, origHost string) (_ http.ResponseWriter, answered bool) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return w, false
	}
	w.Header().Add("Vary", "Origin")
	rules := s.BucketCORSConfig(s.xmlBucket(r, origHost))
	if r.Method == http.MethodOptions {
		method := r.Header.Get("Access-Control-Request-Method")
		if method == "" {
			return w, false // a plain OPTIONS, not a preflight
		}
		rule := matchCORS(rules, origin, method)
		requested := splitList(r.Header.Get("Access-Control-Request-Headers"))
		if rule == nil || !allowedHeaders(rule.ResponseHeader, requested) {
			// A rejected preflight carries no CORS headers: the browser
			// refuses the request that would have followed.
			(&xmlError{Status: http.StatusForbidden, Code: "AccessDenied",
				Message: "Access denied.", Details: "The CORS configuration of the bucket does not allow this request."}).write(w)
			return w, true
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", strings.ToUpper(method))
		if len(requested) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(requested, ","))
		}
		if rule.MaxAgeSeconds > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(rule.MaxAgeSeconds))
		}
		w.WriteHeader(http.StatusOK)
		return w, true
	}
	cw := &corsWriter{ResponseWriter: w}
	if rule := matchCORS(rules, origin, r.Method); rule != nil {
		cw.allow, cw.expose = origin, strings.Join(rule.ResponseHeader, ",")
	}
	cw.apply()
	r.Header.Del("Origin")
	return cw, false
}

// corsWriter sets the bucket's CORS headers on the response, replacing any
// the fake wrote (it allows every origin on downloads).
type corsWriter struct {
	http.ResponseWriter
	allow, expose string
	done          bool
}

func (c *corsWriter) apply() {
	h := c.Header()
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers"} {
		h.Del(k)
	}
	if c.allow != "" {
		h.Set("Access-Control-Allow-Origin", c.allow)
		if c.expose != "" {
			h.Set("Access-Control-Expose-Headers", c.expose)
		}
	}
}

func (c *corsWriter) WriteHeader(code int) {
	if !c.done {
		c.done = true
		c.apply()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *corsWriter) Write(b []byte) (int, error) {
	if !c.done {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *corsWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// allowedHeaders: every header a preflight asks for must be among the
// entry's responseHeader (case-insensitive), as on GCS, where a signed
// upload's Content-Type is refused unless listed.
func allowedHeaders(listed, requested []string) bool {
	for _, h := range requested {
		if !slices.ContainsFunc(listed, func(l string) bool { return strings.EqualFold(l, h) }) {
			return false
		}
	}
	return true
}

// bucketResource reports whether a JSON API request reads or writes a
// bucket resource (insert, get, patch, update, list), whose "cors" the
// emulator keeps since the fake does not.
func bucketResource(r *http.Request) (bucket string, ok bool) {
	rest, found := strings.CutPrefix(r.URL.Path, "/storage/v1/b")
	if !found {
		return "", false
	}
	if rest == "" || rest == "/" {
		return "", r.Method == http.MethodPost || r.Method == http.MethodGet
	}
	name := strings.TrimPrefix(rest, "/")
	if strings.Contains(name, "/") {
		return "", false
	}
	switch r.Method {
	case http.MethodGet, http.MethodPatch, http.MethodPut:
		return name, true
	case http.MethodDelete:
		return name, true
	}
	return "", false
}

// bucketCORS keeps the "cors" field of bucket resources: it records what
// insert, patch and update send and adds the configuration to every bucket
// resource the fake answers with.
func (s *Server) bucketCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, ok := bucketResource(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		var sent *[]CORS
		if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut {
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			var res struct {
				Name string           `json:"name"`
				CORS *json.RawMessage `json:"cors"`
			}
			if json.Unmarshal(body, &res) == nil {
				if r.Method == http.MethodPost {
					bucket = res.Name
				}
				switch {
				case res.CORS != nil:
					var rules []CORS
					if json.Unmarshal(*res.CORS, &rules) == nil {
						sent = &rules
					}
				case r.Method == http.MethodPut:
					sent = &[]CORS{} // update replaces the whole resource
				}
			}
		}
		rec := &recorder{header: http.Header{}}
		next.ServeHTTP(rec, r)
		if rec.status/100 == 2 {
			switch {
			case r.Method == http.MethodDelete:
				s.SetCORS(bucket, nil)
			case sent != nil:
				s.SetCORS(bucket, *sent)
			}
		}
		body := rec.body.Bytes()
		if rec.status/100 == 2 && r.Method != http.MethodDelete {
			body = s.withCORS(body)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	})
}

// withCORS adds "cors" to a bucket resource or to each item of a list.
func (s *Server) withCORS(body []byte) []byte {
	var res map[string]json.RawMessage
	if json.Unmarshal(body, &res) != nil {
		return body
	}
	add := func(b map[string]json.RawMessage) {
		var name string
		_ = json.Unmarshal(b["name"], &name)
		if rules := s.BucketCORSConfig(name); rules != nil {
			b["cors"], _ = json.Marshal(rules)
		}
	}
	if raw, ok := res["items"]; ok {
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return body
		}
		for _, it := range items {
			add(it)
		}
		res["items"], _ = json.Marshal(items)
	} else {
		add(res)
	}
	out, err := json.Marshal(res)
	if err != nil {
		return body
	}
	return out
}

// recorder buffers a small response (a bucket resource).
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

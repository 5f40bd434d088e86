package hosting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"pointsofyou.ai/studio/emulators/guard"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Options configure a Server.
type Options struct {
	// Addr is the listen address; default "127.0.0.1:0".
	Addr string
	// Listener, when set, is served instead of listening on Addr: the suite
	// must know the site's address (for links in mail) before it starts.
	Listener net.Listener
	// Config is the contents of firebase.json (infra.FirebaseJSON()).
	Config []byte
	// Root is the public directory to serve (the config's "public" resolved
	// against the directory of firebase.json).
	Root string
	// Project is the Firebase project id, reported by /__/firebase/init.json.
	Project string
	// Region is where the emulated functions run. A rewrite naming another
	// region (or none, which means us-central1) is refused at start, because
	// the deployed site would not reach the function.
	Region string
	// FunctionURL returns the base URL of a function or Cloud Run service,
	// or "" when it does not run; required when the config has such rewrites.
	FunctionURL func(name string) string
	// APIPrefix, when set ("/api/"), is where only functions answer: the
	// configuration must send every path under it to a function or Cloud
	// Run rewrite, never to static content or the app's index.html, so that
	// API clients get problem+json from the function, also for a path no
	// function serves. NewServer refuses a configuration that does not, as
	// the deployed site would answer such paths with HTML.
	APIPrefix string
	// CSPSources adds sources to directives of every Content-Security-Policy
	// the configuration sets, e.g. {"connect-src": {"http://127.0.0.1:9099"}}
	// so that a page served locally may reach the Auth emulator, which the
	// deployed policy rightly does not allow. The deployed policy text is
	// served unchanged when it is empty. A directive the policy lacks is
	// added with the sources of the directive it falls back to, so adding
	// sources never loosens anything else.
	CSPSources map[string][]string
	// Init is what /__/firebase/init.json answers; nil serves projectId
	// (Project) and authDomain (Project.firebaseapp.com).
	Init *InitConfig
	// BufferRewrites holds back a function's or Cloud Run service's
	// response until it is complete, as production Hosting does
	// (firebase/firebase-tools#9774: streamed responses, server-sent
	// events included, arrive in one piece at the end). The suite sets it,
	// so a page that streams through the site fails locally as it would
	// deployed; without it responses stream, as the Firebase CLI's
	// emulator lets them. Upgraded connections pass either way.
	BufferRewrites bool
}

// maxBufferedResponse caps a buffered rewrite response: Cloud Functions
// refuse HTTP responses larger than 32 MiB.
const maxBufferedResponse = 32 << 20

// InitConfig is the web app's Firebase configuration that Hosting serves
// at /__/firebase/init.json, for pages that configure the JS SDK from it.
type InitConfig struct {
	APIKey     string `json:"apiKey,omitempty"`
	AuthDomain string `json:"authDomain,omitempty"`
	ProjectID  string `json:"projectId"`
	// Emulators maps an emulator's name ("auth") to its origin
	// ("http://127.0.0.1:9099"). Production's init.json has no such key, so
	// a page that calls connectAuthEmulator only when it is present talks
	// to the emulators locally and to Google when deployed.
	Emulators map[string]string `json:"emulators,omitempty"`
}

// Server is a running hosting emulator.
type Server struct {
	// Addr is the host:port actually bound.
	Addr string

	opts   Options
	cfg    *Config
	root   *os.Root
	ignore []*regexp.Regexp
	// headers are the configuration's header rules, with CSPSources
	// applied to their Content-Security-Policy values.
	headers []HeaderRule
	proxy   *httputil.ReverseProxy
	srv     *http.Server
	h       http.Handler
	gz      gzipCache
}

// NewServer parses the configuration, opens Root and starts serving.
func NewServer(opts Options) (*Server, error) {
	if len(opts.Config) == 0 {
		return nil, errors.New("hosting: Options.Config (firebase.json) is empty")
	}
	if opts.Root == "" {
		return nil, errors.New("hosting: Options.Root (the public directory) is empty")
	}
	cfg, err := ParseConfig(opts.Config)
	if err != nil {
		return nil, err
	}
	for i, rw := range cfg.Rewrites {
		if rw.Service() == "" {
			continue
		}
		if opts.FunctionURL == nil {
			return nil, fmt.Errorf("hosting: rewrites[%d] proxies to %q but Options.FunctionURL is nil", i, rw.Service())
		}
		if opts.Region != "" && rw.Region != opts.Region {
			return nil, fmt.Errorf("hosting: rewrites[%d] sends %q to region %s, but functions run in %s",
				i, rw.Service(), rw.Region, opts.Region)
		}
	}
	root, err := os.OpenRoot(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("hosting: public directory: %w", err)
	}
	if err := checkAPIPrefix(cfg, root, opts.APIPrefix); err != nil {
		root.Close()
		return nil, err
	}
	headers, err := withCSPSources(cfg.Headers, opts.CSPSources)
	if err != nil {
		root.Close()
		return nil, err
	}
	s := &Server{opts: opts, cfg: cfg, root: root, ignore: cfg.ignoreGlobs(), headers: headers}
	s.proxy = &httputil.ReverseProxy{
		Rewrite:        s.rewriteRequest,
		ModifyResponse: s.modifyResponse,
		ErrorHandler:   s.proxyError,
		FlushInterval:  -1, // pass each piece on at once unless BufferRewrites holds the response back
	}
	s.h = httpapi.WithRequestID(httpapi.Recover(http.HandlerFunc(s.serve)))

	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln := opts.Listener
	if ln != nil {
		addr = ln.Addr().String()
	} else if ln, err = net.Listen("tcp", addr); err != nil {
		root.Close()
		return nil, fmt.Errorf("hosting: listen: %w", err)
	}
	s.Addr = ln.Addr().String()
	s.srv = &http.Server{Handler: guard.Wrap(s.h, addr, s.Addr), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("hosting emulator stopped", "error", err.Error())
		}
	}()
	return s, nil
}

// URL is the base URL of the site.
func (s *Server) URL() string { return "http://" + s.Addr }

// Rewrites returns the parsed rewrite rules in order.
func (s *Server) Rewrites() []Rewrite { return append([]Rewrite(nil), s.cfg.Rewrites...) }

// Config returns the parsed hosting configuration.
func (s *Server) Config() *Config { return s.cfg }

// ServeHTTP serves one request, as the listener does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// Close stops serving and releases the public directory.
func (s *Server) Close() error {
	err := s.srv.Close()
	if cerr := s.root.Close(); err == nil {
		err = cerr
	}
	return err
}

// serve answers in Firebase Hosting's documented priority order: reserved
// /__/ paths, redirects, exact static content, rewrites, the 404 page.
// The configuration's headers are set on whatever is answered (files,
// redirects, function responses, 404 pages, errors), matched against the
// request path.
func (s *Server) serve(rw http.ResponseWriter, r *http.Request) {
	w := &headerWriter{ResponseWriter: rw, s: s, paths: []string{r.URL.Path}}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") || strings.ContainsRune(p, 0) || hasDotSegment(p) {
		httpapi.WriteError(w, r, httpapi.BadRequest("the path %q is not a clean absolute path", p))
		return
	}
	if strings.HasPrefix(p, "/__/") {
		s.reserved(w, r)
		return
	}
	for _, rd := range s.cfg.Redirects {
		if loc, ok := rd.location(p); ok {
			redirect(w, r, loc, rd.Type)
			return
		}
	}
	file, to, found := s.resolveStatic(p)
	if to != "" {
		redirect(w, r, to, http.StatusMovedPermanently)
		return
	}
	if found {
		s.serveFile(w, r, file, http.StatusOK)
		return
	}
	for _, rule := range s.cfg.Rewrites {
		if !rule.Matches(p) {
			continue
		}
		if rule.Destination != "" {
			rel := strings.TrimPrefix(rule.Destination, "/")
			if s.isFile(rel) {
				s.serveFile(w, r, rel, http.StatusOK)
				return
			}
			break // a destination that was not deployed is a 404, as in production
		}
		s.forward(w, r, rule)
		return
	}
	s.notFound(w, r)
}

// headerWriter sets the configured headers just before the status line
// goes out, so they reach every kind of response and, as on Hosting, win
// over a function's own header of the same name.
type headerWriter struct {
	http.ResponseWriter
	s *Server
	// paths whose header rules apply, in order: a later rule sets a header
	// over an earlier one ("last rule wins", as Hosting does).
	paths []string
	wrote bool
}

func (w *headerWriter) WriteHeader(code int) {
	if !w.wrote {
		h := w.Header()
		for _, p := range w.paths {
			w.s.applyHeaders(h, p)
		}
		if code >= 200 || code == http.StatusSwitchingProtocols {
			w.wrote = true // informational responses come before the final one
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *headerWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController flush streamed responses and hijack
// upgraded connections through the wrapper.
func (w *headerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// checkAPIPrefix proves, on a sample of paths under prefix, that the first
// rewrite Hosting applies to each is a function or service, and that no
// deployed file sits under prefix (static content wins over rewrites).
func checkAPIPrefix(cfg *Config, root *os.Root, prefix string) error {
	if prefix == "" {
		return nil
	}
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("hosting: APIPrefix %q must start and end with /", prefix)
	}
	if _, err := root.Stat(strings.Trim(prefix, "/")); err == nil {
		return fmt.Errorf("hosting: the public directory has %s, which Hosting would serve before any rewrite", prefix)
	}
	var errs ConfigError
	for _, p := range []string{
		strings.TrimSuffix(prefix, "/"), prefix, prefix + "unknown", prefix + "unknown/v1/things",
		prefix + "unknown/index.html", prefix + "x.json", prefix + "a/b/c/d",
	} {
		var first *Rewrite
		for i := range cfg.Rewrites {
			if cfg.Rewrites[i].Matches(p) {
				first = &cfg.Rewrites[i]
				break
			}
		}
		switch {
		case first == nil:
			errs = append(errs, fmt.Sprintf("%s matches no rewrite; add a function rewrite for %s** before the app's fallback", p, prefix))
		case first.Service() == "":
			errs = append(errs, fmt.Sprintf("%s is rewritten to the file %s; add a function rewrite for %s** before it", p, first.Destination, prefix))
		}
	}
	for _, rw := range cfg.Rewrites {
		if rw.Service() == "" && (strings.HasPrefix(rw.Source, prefix) || rw.Source == strings.TrimSuffix(prefix, "/")) {
			errs = append(errs, fmt.Sprintf("%s is rewritten to the file %s; only functions answer under %s", rw.Source, rw.Destination, prefix))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." || seg == "." {
			return true
		}
	}
	return false
}

// location is the redirect target for p, with captures substituted.
func (rd Redirect) location(p string) (string, bool) {
	if rd.re == nil {
		return "", false
	}
	m := rd.re.FindStringSubmatch(p)
	if m == nil {
		return "", false
	}
	loc := rd.Destination
	for _, name := range captureNames(rd.re) {
		v := m[rd.re.SubexpIndex(name)]
		loc = strings.ReplaceAll(loc, ":"+name+"*", v)
		loc = strings.ReplaceAll(loc, ":"+name, v)
	}
	return loc, true
}

// redirect keeps the request's query string unless the target has its own.
func redirect(w http.ResponseWriter, r *http.Request, loc string, code int) {
	if r.URL.RawQuery != "" && !strings.Contains(loc, "?") {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	w.WriteHeader(code)
}

// resolveStatic finds the deployed file for p, or the canonical URL to
// redirect to under cleanUrls and trailingSlash.
func (s *Server) resolveStatic(p string) (file, redirectTo string, found bool) {
	slash := p != "/" && strings.HasSuffix(p, "/")
	base := strings.TrimSuffix(p, "/")
	rel := strings.TrimPrefix(base, "/")
	ts := s.cfg.TrailingSlash
	wantSlash := ts != nil && *ts
	noSlash := ts != nil && !*ts

	if rel != "" && s.isFile(rel) {
		if s.cfg.CleanURLs && strings.HasSuffix(base, ".html") {
			clean := strings.TrimSuffix(base, ".html")
			if path.Base(clean) == "index" {
				// A directory: it keeps its slash unless trailingSlash is
				// false, in one redirect rather than two.
				clean = strings.TrimSuffix(clean, "index")
				if noSlash && clean != "/" {
					clean = strings.TrimSuffix(clean, "/")
				}
			} else if wantSlash {
				clean += "/"
			}
			return "", clean, false
		}
		if slash {
			if noSlash {
				return "", base, false
			}
			return "", "", false
		}
		return rel, "", true
	}
	index := path.Join(rel, "index.html")
	if s.isFile(index) {
		switch {
		case base == "":
			return index, "", true
		case slash && noSlash:
			return "", base, false
		case !slash && !noSlash:
			// Directories get their slash unless trailingSlash is false.
			return "", base + "/", false
		}
		return index, "", true
	}
	if s.cfg.CleanURLs && rel != "" && s.isFile(rel+".html") {
		switch {
		case slash && !wantSlash:
			return "", base, false
		case !slash && wantSlash:
			return "", base + "/", false
		}
		return rel + ".html", "", true
	}
	return "", "", false
}

// isFile reports a deployed regular file: present under Root and not ignored.
func (s *Server) isFile(rel string) bool {
	if rel == "" || ignored(rel, s.ignore) {
		return false
	}
	fi, err := s.root.Stat(rel)
	return err == nil && fi.Mode().IsRegular()
}

// defaultCacheControl is what Hosting sends with static content when no
// header rule sets Cache-Control.
const defaultCacheControl = "max-age=3600"

// serveFile answers with a deployed file: status 200 (GET and HEAD only,
// with conditional and range requests) or the 404 page (any method).
func (s *Server) serveFile(w *headerWriter, r *http.Request, rel string, status int) {
	if status == http.StatusOK && r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpapi.WriteError(w, r, httpapi.MethodNotAllowed("%s is not allowed on static content", r.Method))
		return
	}
	f, err := s.root.Open(rel)
	if err != nil {
		if status == http.StatusNotFound {
			s.defaultNotFound(w, r) // 404.html went away meanwhile
			return
		}
		s.notFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		httpapi.WriteError(w, r, httpapi.Internal(err))
		return
	}
	// Rules from the configuration replace it when the status line goes out.
	w.Header().Set("Cache-Control", defaultCacheControl)
	if status == http.StatusOK {
		if s.serveCompressed(w, r, rel, fi.ModTime(), fi.Size(), f) {
			return
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			httpapi.WriteError(w, r, httpapi.Internal(err))
			return
		}
		http.ServeContent(w, r, rel, fi.ModTime(), f)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(rel)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Content-Length", fmt.Sprint(fi.Size()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, f)
	}
}

const defaultNotFound = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Page not found</title></head>
<body><h1>Page not found</h1><p>This file does not exist and there was no index.html found in the current directory or 404.html in the root directory.</p></body></html>
`

// notFound serves the site's 404.html, or a default page, with status 404.
// The page gets the header rules matching /404.html and, over them, those
// matching the request path (as the Firebase emulator does).
func (s *Server) notFound(w *headerWriter, r *http.Request) {
	if s.isFile("404.html") {
		w.paths = []string{"/404.html", r.URL.Path}
		s.serveFile(w, r, "404.html", http.StatusNotFound)
		return
	}
	s.defaultNotFound(w, r)
}

// defaultNotFound is Hosting's own 404 page, for sites without 404.html.
func (s *Server) defaultNotFound(w *headerWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, defaultNotFound)
	}
}

// reserved serves Hosting's /__/ namespace: only the Firebase init config.
func (s *Server) reserved(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__/firebase/init.json" {
		init := s.opts.Init
		if init == nil {
			init = &InitConfig{ProjectID: s.opts.Project, AuthDomain: s.opts.Project + ".firebaseapp.com"}
		}
		httpapi.WriteJSON(w, http.StatusOK, init)
		return
	}
	httpapi.WriteError(w, r, httpapi.NotFound("%s is a reserved Hosting path", r.URL.Path))
}

func (s *Server) applyHeaders(h http.Header, p string) {
	for _, rule := range s.headers {
		if rule.Matches(p) {
			for _, hd := range rule.Headers {
				h.Set(hd.Key, hd.Value)
			}
		}
	}
}

type proxyKey struct{}

type proxyTarget struct {
	url  *url.URL
	path string // the original request path, for headers
}

// forward proxies to the function or service, keeping the original path:
// Hosting sends "/api/media/v1/x" to the function as "/api/media/v1/x".
func (s *Server) forward(w http.ResponseWriter, r *http.Request, rw Rewrite) {
	base := s.opts.FunctionURL(rw.Service())
	if base == "" {
		httpapi.WriteError(w, r, httpapi.NotFound("%q is not running in the functions emulator", rw.Service()))
		return
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		httpapi.WriteError(w, r, httpapi.Internal(fmt.Errorf("function URL %q for %q is not absolute", base, rw.Service())))
		return
	}
	ctx := context.WithValue(r.Context(), proxyKey{}, proxyTarget{url: u, path: r.URL.Path})
	s.proxy.ServeHTTP(w, r.WithContext(ctx))
}

func (s *Server) rewriteRequest(pr *httputil.ProxyRequest) {
	t := pr.In.Context().Value(proxyKey{}).(proxyTarget)
	pr.SetURL(t.url)
	// Like Hosting, append the address the client connected from to what
	// the client sent: only the right-most entries are the platform's.
	pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
	pr.SetXForwarded()
	// Hosting strips every cookie but __session before a function sees the
	// request (its CDN caches on cookies otherwise).
	if cs := pr.In.CookiesNamed("__session"); len(cs) > 0 {
		pr.Out.Header.Set("Cookie", cs[0].String())
	} else {
		pr.Out.Header.Del("Cookie")
	}
}

// modifyResponse sets the configured headers on a protocol switch, which
// the proxy writes on the hijacked connection without a WriteHeader call;
// headerWriter does it for every other response.
func (s *Server) modifyResponse(resp *http.Response) error {
	if resp.StatusCode == http.StatusSwitchingProtocols {
		if t, ok := resp.Request.Context().Value(proxyKey{}).(proxyTarget); ok {
			s.applyHeaders(resp.Header, t.path)
		}
		return nil
	}
	if !s.opts.BufferRewrites || resp.Body == nil {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBufferedResponse+1))
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("read the response: %w", err)
	}
	if len(body) > maxBufferedResponse {
		return errors.New("the response is larger than 32 MiB")
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.TransferEncoding = nil
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

func (s *Server) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	slog.WarnContext(r.Context(), "hosting rewrite failed", "path", r.URL.Path, "error", err.Error())
	httpapi.WriteError(w, r, &httpapi.Error{
		Status: http.StatusBadGateway, Slug: "bad-gateway", Title: "Bad gateway",
		Detail: "the function behind this rewrite did not answer",
	})
}

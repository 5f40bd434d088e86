// Package hub is the emulator suite's directory: it tells clients (and the
// Firebase CLI conventions they follow) where each emulator listens, writes a
// locator file so other local tools can find the suite, and triggers exports.
//
// Differences from the Firebase CLI's hub: only `GET /emulators`,
// `POST /_admin/export` and `GET /_internal/healthz` are served; the locator
// file is written under os.TempDir() as hub-<project>.json with the same
// fields (version, host, port, pid). An export over HTTP needs a JSON body
// from this machine (see emulators/guard) and writes only a new directory
// or an earlier export under one of Options.ExportRoots: it replaces what
// it writes, so it must never be pointed at anything else.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"pointsofyou.ai/studio/emulators/guard"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Info describes one emulator, in the JSON shape of Firebase's hub.
type Info struct {
	Name string `json:"name"`
	Host string `json:"host"`
	Port int    `json:"port"`
}

// Exporter writes one emulator's state into dir.
type Exporter func(ctx context.Context, dir string) error

// Options configures the hub.
type Options struct {
	Addr    string // default 127.0.0.1:0
	Project string
	// LocatorDir is where hub-<project>.json is written; "" = os.TempDir(),
	// "-" = no locator file (tests).
	LocatorDir string
	Version    string
	// ExportRoots are the directories under which POST /_admin/export may
	// write; default: the working directory at start.
	ExportRoots []string
}

// Server is the running hub.
type Server struct {
	Addr    string
	opts    Options
	srv     *http.Server
	ln      net.Listener
	locator string

	roots []string // ExportRoots, absolute, symbolic links resolved

	mu        sync.Mutex
	emulators map[string]Info
	exporters []namedExporter
}

func exportRoots(dirs []string) ([]string, error) {
	if len(dirs) == 0 {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("hub: working directory: %w", err)
		}
		dirs = []string{wd}
	}
	out := make([]string, 0, len(dirs))
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("hub: export root %q: %w", d, err)
		}
		out = append(out, resolve(abs))
	}
	return out, nil
}

// resolve resolves the symbolic links of the longest existing prefix of
// the absolute, clean path p, so that a link cannot lead an export out of
// its root.
func resolve(p string) string {
	rest := ""
	for cur := p; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

type namedExporter struct {
	name string
	fn   Exporter
}

// NewServer starts the hub.
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	roots, err := exportRoots(opts.ExportRoots)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("hub: listen %s: %w", opts.Addr, err)
	}
	s := &Server{Addr: ln.Addr().String(), opts: opts, ln: ln, emulators: map[string]Info{}, roots: roots}
	host, port := splitHostPort(s.Addr)
	s.emulators["hub"] = Info{Name: "hub", Host: host, Port: port}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /emulators", s.list)
	mux.Handle("POST /_admin/export", httpapi.HandlerFunc(s.exportHandler))
	mux.HandleFunc("GET /_internal/healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.srv = &http.Server{Handler: guard.Wrap(mux, opts.Addr, s.Addr), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("hub stopped", "error", err.Error())
		}
	}()
	if opts.LocatorDir != "-" {
		if err := s.writeLocator(); err != nil {
			s.srv.Close()
			return nil, err
		}
	}
	return s, nil
}

func splitHostPort(addr string) (string, int) {
	host, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	return host, port
}

// Register records an emulator's address ("host:port") and, optionally,
// how to export its state.
func (s *Server) Register(name, addr string, export Exporter) {
	host, port := splitHostPort(addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emulators[name] = Info{Name: name, Host: host, Port: port}
	if export != nil {
		s.exporters = append(s.exporters, namedExporter{name, export})
	}
}

// Emulators returns the registered emulators by name.
func (s *Server) Emulators() map[string]Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Info, len(s.emulators))
	for k, v := range s.emulators {
		out[k] = v
	}
	return out
}

func (s *Server) list(w http.ResponseWriter, _ *http.Request) {
	httpapi.WriteJSON(w, http.StatusOK, s.Emulators())
}

type exportRequest struct {
	Path string `json:"path"`
}

func (r *exportRequest) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	httpapi.Required(&fs, "path", r.Path)
	switch {
	case r.Path == "":
	case !filepath.IsAbs(r.Path):
		fs = append(fs, httpapi.Field("path", "must be an absolute directory path"))
	case slices.Contains(strings.Split(filepath.ToSlash(r.Path), "/"), ".."):
		fs = append(fs, httpapi.Field("path", "must not contain .. segments"))
	}
	return fs
}

// ErrNotAnExport is returned by Export for an existing directory that is
// neither empty nor an earlier export: replacing it would delete it.
var ErrNotAnExport = errors.New("the directory exists and is not an earlier export (it has no firebase-export-metadata.json)")

func (s *Server) exportHandler(w http.ResponseWriter, r *http.Request) error {
	// A cross-site form can post text/plain or nothing at all; only a
	// script of this machine's pages or a local tool sends JSON.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return httpapi.UnsupportedMediaType("the body must be application/json")
	}
	var req exportRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4096); err != nil {
		return err
	}
	dir := resolve(filepath.Clean(req.Path))
	if !s.underRoot(dir) {
		return httpapi.Forbidden("exports are written only under %s", strings.Join(s.roots, ", "))
	}
	if err := s.Export(r.Context(), dir); err != nil {
		if errors.Is(err, ErrNotAnExport) {
			return httpapi.Conflict("%s: %v", req.Path, ErrNotAnExport)
		}
		return httpapi.Internal(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"path": req.Path})
	return nil
}

func (s *Server) underRoot(dir string) bool {
	for _, root := range s.roots {
		if rel, err := filepath.Rel(root, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// CheckExportDir accepts a directory Export may replace: none yet, an empty
// one, or an earlier export.
func CheckExportDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return ErrNotAnExport
	}
	if _, err := os.Stat(filepath.Join(dir, "firebase-export-metadata.json")); err == nil {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return ErrNotAnExport
	}
	return nil
}

// ExportMetadata is firebase-export-metadata.json.
type ExportMetadata struct {
	Version    string            `json:"version"`
	Emulators  map[string]string `json:"emulators"` // name → sub-directory
	ExportedAt time.Time         `json:"exported_at"`
}

// Export writes every registered emulator's state under dir, in Firebase's
// layout (<name>_export/ per emulator plus firebase-export-metadata.json).
// It writes into a temporary sibling and swaps it in, so a failed export
// never destroys the previous one. dir must not exist, be empty or hold an
// earlier export (ErrNotAnExport otherwise).
func (s *Server) Export(ctx context.Context, dir string) error {
	dir = filepath.Clean(dir)
	if err := CheckExportDir(dir); err != nil {
		return err
	}
	s.mu.Lock()
	exporters := append([]namedExporter(nil), s.exporters...)
	s.mu.Unlock()
	sort.Slice(exporters, func(i, j int) bool { return exporters[i].name < exporters[j].name })

	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".export-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	meta := ExportMetadata{Version: s.opts.Version, Emulators: map[string]string{}, ExportedAt: time.Now().UTC()}
	for _, e := range exporters {
		sub := e.name + "_export"
		if err := os.MkdirAll(filepath.Join(tmp, sub), 0o755); err != nil {
			return err
		}
		if err := e.fn(ctx, filepath.Join(tmp, sub)); err != nil {
			return fmt.Errorf("export %s: %w", e.name, err)
		}
		meta.Emulators[e.name] = sub
	}
	b, _ := json.MarshalIndent(meta, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, "firebase-export-metadata.json"), b, 0o644); err != nil {
		return err
	}
	// The previous export moves to a fresh name of our own, so nothing but
	// it is ever removed.
	old, err := os.MkdirTemp(parent, ".export-old-*")
	if err != nil {
		return err
	}
	if err := os.Remove(old); err != nil {
		return err
	}
	if err := CheckExportDir(dir); err != nil { // it may have changed meanwhile
		return err
	}
	moved := false
	if _, err := os.Lstat(dir); err == nil {
		if err := os.Rename(dir, old); err != nil {
			return err
		}
		moved = true
	}
	if err := os.Rename(tmp, dir); err != nil {
		if moved {
			_ = os.Rename(old, dir)
		}
		return err
	}
	if !moved {
		return nil
	}
	return os.RemoveAll(old)
}

// ReadExportMetadata reads dir/firebase-export-metadata.json.
func ReadExportMetadata(dir string) (*ExportMetadata, error) {
	b, err := os.ReadFile(filepath.Join(dir, "firebase-export-metadata.json"))
	if err != nil {
		return nil, err
	}
	var m ExportMetadata
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("export metadata: %w", err)
	}
	return &m, nil
}

type locator struct {
	Version string `json:"version"`
	Host    string `json:"host"`
	Port    int    `json:"port"`
	PID     int    `json:"pid"`
}

// LocatorPath is where the hub of project writes its locator file.
func LocatorPath(dir, project string) string {
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "hub-"+project+".json")
}

func (s *Server) writeLocator() error {
	host, port := splitHostPort(s.Addr)
	b, _ := json.MarshalIndent(locator{Version: s.opts.Version, Host: host, Port: port, PID: os.Getpid()}, "", "  ")
	s.locator = LocatorPath(s.opts.LocatorDir, s.opts.Project)
	return os.WriteFile(s.locator, b, 0o644)
}

// Close stops the hub and removes its locator file.
func (s *Server) Close() error {
	if s.locator != "" {
		_ = os.Remove(s.locator)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

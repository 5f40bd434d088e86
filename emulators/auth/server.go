package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"pointsofyou.ai/studio/emulators/guard"
	"pointsofyou.ai/studio/shared/config"
)

// maxBody caps request bodies; Identity Toolkit requests are small.
const maxBody = 1 << 20

// Options configure a Server.
type Options struct {
	// Addr is the listen address; "127.0.0.1:0" (a random port) when empty.
	Addr string
	// ProjectID receives key-based requests (the web SDK names no project)
	// and is the project Export and Import work on. Default config.DefaultProject.
	ProjectID string
	// Now is the clock used for token times, validSince and timestamps;
	// time.Now when nil. Tests set it in the past to mint expired tokens.
	Now func() time.Time
}

// Server is a running Auth emulator.
type Server struct {
	// Addr is the host:port actually bound.
	Addr string

	opts Options
	ln   net.Listener
	hs   *http.Server

	mu       sync.Mutex
	projects map[string]*project
}

// NewServer starts an emulator listening on opts.Addr.
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.ProjectID == "" {
		opts.ProjectID = config.DefaultProject
	}
	if !validProjectID(opts.ProjectID) {
		return nil, fmt.Errorf("auth emulator: invalid project id %q", opts.ProjectID)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("auth emulator: listen: %w", err)
	}
	s := &Server{
		Addr:     ln.Addr().String(),
		opts:     opts,
		ln:       ln,
		projects: map[string]*project{},
	}
	s.hs = &http.Server{Handler: guard.Wrap(s, opts.Addr, s.Addr), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("auth emulator stopped", "error", err.Error())
		}
	}()
	return s, nil
}

// Close stops the server, letting requests in flight finish for a moment.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		return s.hs.Close()
	}
	return nil
}

// ProjectID is the default project (key-based requests, Export, Import).
func (s *Server) ProjectID() string { return s.opts.ProjectID }

func (s *Server) now() time.Time { return s.opts.Now() }

// projectLocked returns the state of id, creating it on first use.
func (s *Server) projectLocked(id string) *project {
	p := s.projects[id]
	if p == nil {
		p = newProject(id)
		s.projects[id] = p
	}
	return p
}

// ServeHTTP routes every emulator path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setCORS(w, r)
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	path := r.URL.Path
	var err error
	switch {
	case path == "/" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"authEmulator": map[string]any{"ready": true}})
	case strings.HasPrefix(path, "/identitytoolkit.googleapis.com/v1/"):
		err = s.serveToolkit(w, r, strings.TrimPrefix(path, "/identitytoolkit.googleapis.com/v1/"))
	case path == "/securetoken.googleapis.com/v1/token":
		err = s.serveSecureToken(w, r)
	case strings.HasPrefix(path, "/emulator/v1/projects/"):
		err = s.serveEmulator(w, r, strings.TrimPrefix(path, "/emulator/v1/projects/"))
	case path == "/emulator/action":
		s.serveAction(w, r)
	default:
		err = notFound(fmt.Sprintf("((no such path in the Auth emulator: %s %s))", r.Method, path))
	}
	if err != nil {
		writeError(w, err)
	}
}

// setCORS lets the web SDK call from any local origin, as Google's emulator does.
func setCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = "*"
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		} else {
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Client-Version, X-Firebase-Gmpid, X-Firebase-Client, X-Firebase-Locale")
		}
		h.Set("Access-Control-Max-Age", "3600")
	}
}

// op is one Identity Toolkit operation, run under the server lock.
type op func(s *Server, c *call) (any, error)

// call carries what every operation needs.
type call struct {
	r          *http.Request
	p          *project
	body       []byte
	privileged bool
}

var postOps = map[string]op{
	"signUp":                (*Server).signUp,
	"signInWithPassword":    (*Server).signInWithPassword,
	"signInWithCustomToken": (*Server).signInWithCustomToken,
	"lookup":                (*Server).lookup,
	"update":                (*Server).update,
	"delete":                (*Server).deleteAccount,
	"batchDelete":           (*Server).batchDelete,
	"sendOobCode":           (*Server).sendOobCode,
	"resetPassword":         (*Server).resetPassword,
}

var getOps = map[string]op{
	"batchGet": (*Server).batchGet,
}

// Operations Google's emulator has that this one does not.
var unimplemented = map[string]bool{
	"createAuthUri": true, "signInWithIdp": true, "signInWithEmailLink": true,
	"signInWithPhoneNumber": true, "sendVerificationCode": true, "query": true,
	"batchCreate": true, "createSessionCookie": true, "mfaEnrollment": true, "mfaSignIn": true,
}

func (s *Server) serveToolkit(w http.ResponseWriter, r *http.Request, rest string) error {
	project := s.opts.ProjectID
	var name string
	switch {
	case rest == "projects" && r.Method == http.MethodGet:
		// The web SDK asks for the project config (authorized domains) at start-up.
		writeJSON(w, http.StatusOK, map[string]any{"projectId": projectNumber, "authorizedDomains": []string{"localhost"}})
		return nil
	case rest == "recaptchaParams" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{
			"kind":             "identitytoolkit#GetRecaptchaParamResponse",
			"recaptchaStoken":  "This-is-a-fake-token__The-Auth-Emulator-does-not-support-Recaptcha",
			"recaptchaSiteKey": "Fake-key__Do-not-send-this-to-Recaptcha_",
		})
		return nil
	case strings.HasPrefix(rest, "accounts:"):
		name = strings.TrimPrefix(rest, "accounts:")
	case strings.HasPrefix(rest, "projects/"):
		tail := strings.TrimPrefix(rest, "projects/")
		i := strings.IndexAny(tail, "/:")
		if i < 0 {
			return notFound("((no such path in the Auth emulator))")
		}
		project, tail = tail[:i], tail[i:]
		if !validProjectID(project) {
			return badRequest("INVALID_PROJECT_ID : ((the project id in the path is not valid))")
		}
		switch {
		case tail == "/accounts":
			name = "signUp" // admin create: POST projects/{p}/accounts
		case strings.HasPrefix(tail, "/accounts:"):
			name = strings.TrimPrefix(tail, "/accounts:")
		case strings.HasPrefix(tail, ":"):
			name = strings.TrimPrefix(tail, ":")
		case strings.HasPrefix(tail, "/tenants"), strings.HasPrefix(tail, "/config"), strings.HasPrefix(tail, "/defaultSupportedIdpConfigs"), strings.HasPrefix(tail, "/oauthIdpConfigs"), strings.HasPrefix(tail, "/inboundSamlConfigs"):
			return notImplemented("((" + strings.TrimPrefix(tail, "/") + " is not implemented in this Auth emulator))")
		default:
			return notFound("((no such path in the Auth emulator))")
		}
	default:
		return notFound("((no such path in the Auth emulator))")
	}

	var fn op
	switch r.Method {
	case http.MethodPost:
		fn = postOps[name]
	case http.MethodGet:
		fn = getOps[name]
	}
	if fn == nil {
		base, _, _ := strings.Cut(name, "/")
		if unimplemented[base] {
			return notImplemented("((" + base + " is not implemented in this Auth emulator))")
		}
		if postOps[name] != nil || getOps[name] != nil {
			return &apiError{status: http.StatusMethodNotAllowed, message: "((method " + r.Method + " is not allowed here))"}
		}
		return notFound("((no such operation in the Auth emulator: " + name + "))")
	}

	var body []byte
	if r.Method == http.MethodPost {
		var err error
		if body, err = readBody(w, r); err != nil {
			return err
		}
	}
	s.mu.Lock()
	c := &call{r: r, p: s.projectLocked(project), body: body, privileged: privileged(r)}
	resp, err := fn(s, c)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) serveEmulator(w http.ResponseWriter, r *http.Request, rest string) error {
	project, what, ok := strings.Cut(rest, "/")
	if !ok || !validProjectID(project) {
		return notFound("((no such path in the Auth emulator))")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectLocked(project)
	switch {
	case what == "accounts" && r.Method == http.MethodDelete:
		p.clearAccounts()
		writeJSON(w, http.StatusOK, map[string]any{})
	case what == "oobCodes" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"oobCodes": p.listOOB()})
	case what == "config" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, emulatorConfig())
	case what == "accounts" || what == "oobCodes" || what == "config":
		return &apiError{status: http.StatusMethodNotAllowed, message: "((method " + r.Method + " is not allowed here))"}
	default:
		return notFound("((no such path in the Auth emulator))")
	}
	return nil
}

// emulatorConfig is the fixed project configuration (one account per email).
func emulatorConfig() map[string]any {
	return map[string]any{
		"signIn":             map[string]any{"allowDuplicateEmails": false},
		"emailPrivacyConfig": map[string]any{"enableImprovedEmailPrivacy": false},
	}
}

// privileged reports an OAuth2-authenticated (admin) request. Like Google's
// emulator, any bearer token counts; the Admin SDK sends "owner".
func privileged(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(tok) != ""
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBody {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, message: "((request body too large))"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apiError{status: http.StatusRequestEntityTooLarge, message: "((request body too large))"}
		}
		return nil, badRequest("INVALID_ARGUMENT : ((the request body could not be read))")
	}
	return body, nil
}

// validProjectID accepts Google project ids (and a little more).
func validProjectID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

package bigquery

import (
	"context"
	"database/sql"
	"database/sql/driver"
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

	"github.com/duckdb/duckdb-go/v2"

	"pointsofyou.ai/studio/emulators/guard"
)

// DefaultAddr is where the server listens when Options.Addr is empty.
const DefaultAddr = "127.0.0.1:0"

// DefaultProject is the project of requests that name none.
const DefaultProject = "demo-project"

// DefaultDedupeWindow is how long an insertId is remembered. Production
// documents best-effort de-duplication for at least one minute.
const DefaultDedupeWindow = 5 * time.Minute

const defaultLocation = "US"

// maxBody bounds request bodies (production's insertAll limit is 10 MB).
const maxBody = 32 << 20

// Options configure a Server.
type Options struct {
	// Addr is the listen address; empty means DefaultAddr.
	Addr string
	// Now is the clock for metadata times, job statistics, insertId expiry
	// and CURRENT_TIMESTAMP(); nil means time.Now.
	Now func() time.Time
	// DedupeWindow is how long tabledata.insertAll remembers insertIds;
	// zero means DefaultDedupeWindow, negative disables de-duplication.
	DedupeWindow time.Duration
	// Project is the default project (Pub/Sub tables without one); empty
	// means DefaultProject.
	Project string
}

// Server is a running BigQuery emulator.
type Server struct {
	// Addr is the host:port actually bound.
	Addr string

	now     func() time.Time
	dedupe  time.Duration
	project string

	connector *duckdb.Connector
	db        *sql.DB

	mu        sync.Mutex
	datasets  map[string]*dataset // "project:dataset"
	attached  map[string]bool     // projects with an engine catalog
	jobs      map[string]*job     // "project:jobId"
	insertIDs map[string]time.Time
	seq       int64

	http      *http.Server
	serveDone chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// NewServer starts a server on opts.Addr.
func NewServer(opts Options) (*Server, error) {
	s := &Server{
		now:       opts.Now,
		dedupe:    opts.DedupeWindow,
		project:   opts.Project,
		datasets:  map[string]*dataset{},
		attached:  map[string]bool{},
		jobs:      map[string]*job{},
		insertIDs: map[string]time.Time{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.dedupe == 0 {
		s.dedupe = DefaultDedupeWindow
	}
	if s.project == "" {
		s.project = DefaultProject
	}
	// Every connection computes in UTC, as BigQuery does.
	conn, err := duckdb.NewConnector("", func(execer driver.ExecerContext) error {
		_, err := execer.ExecContext(context.Background(), "SET TimeZone='UTC'", nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bigquery emulator: engine: %w", err)
	}
	s.connector = conn
	s.db = sql.OpenDB(conn)
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = s.db.Close()
		_ = conn.Close()
		return nil, fmt.Errorf("bigquery emulator: listen %s: %w", addr, err)
	}
	s.Addr = ln.Addr().String()
	s.http = &http.Server{Handler: guard.Wrap(s.routes(), addr, s.Addr), ReadHeaderTimeout: 10 * time.Second}
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("bigquery emulator: serve", "err", err)
		}
	}()
	return s, nil
}

// Endpoint is the base URL to pass to option.WithEndpoint.
func (s *Server) Endpoint() string { return "http://" + s.Addr + "/bigquery/v2/" }

// Close stops the server and releases the engine.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		// Connections a client dialled but never used hold Shutdown for a
		// while; past the grace period they are closed outright.
		var err error
		if serr := s.http.Shutdown(ctx); serr != nil {
			err = s.http.Close()
		}
		<-s.serveDone
		s.mu.Lock()
		for _, j := range s.jobs {
			if j.cancel != nil {
				j.cancel()
			}
		}
		s.mu.Unlock()
		s.closeErr = errors.Join(err, s.db.Close(), s.connector.Close())
	})
	return s.closeErr
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	p := "/projects/{project}"
	mux.HandleFunc("POST "+p+"/datasets", s.insertDataset)
	mux.HandleFunc("GET "+p+"/datasets", s.listDatasets)
	mux.HandleFunc("GET "+p+"/datasets/{dataset}", s.getDataset)
	mux.HandleFunc("PATCH "+p+"/datasets/{dataset}", s.patchDataset)
	mux.HandleFunc("PUT "+p+"/datasets/{dataset}", s.patchDataset)
	mux.HandleFunc("DELETE "+p+"/datasets/{dataset}", s.deleteDataset)
	mux.HandleFunc("POST "+p+"/datasets/{dataset}/tables", s.insertTable)
	mux.HandleFunc("GET "+p+"/datasets/{dataset}/tables", s.listTables)
	mux.HandleFunc("GET "+p+"/datasets/{dataset}/tables/{table}", s.getTable)
	mux.HandleFunc("PATCH "+p+"/datasets/{dataset}/tables/{table}", s.patchTable)
	mux.HandleFunc("PUT "+p+"/datasets/{dataset}/tables/{table}", s.patchTable)
	mux.HandleFunc("DELETE "+p+"/datasets/{dataset}/tables/{table}", s.deleteTable)
	mux.HandleFunc("POST "+p+"/datasets/{dataset}/tables/{table}/insertAll", s.insertAll)
	mux.HandleFunc("GET "+p+"/datasets/{dataset}/tables/{table}/data", s.listTableData)
	mux.HandleFunc("POST "+p+"/queries", s.query)
	mux.HandleFunc("GET "+p+"/queries/{job}", s.getQueryResults)
	mux.HandleFunc("POST "+p+"/jobs", s.insertJob)
	mux.HandleFunc("GET "+p+"/jobs", s.listJobs)
	mux.HandleFunc("GET "+p+"/jobs/{job}", s.getJob)
	mux.HandleFunc("POST "+p+"/jobs/{job}/cancel", s.cancelJob)
	mux.HandleFunc("DELETE "+p+"/jobs/{job}/delete", s.deleteJob)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{Code: http.StatusNotFound, Reason: "notFound", Message: "Not found: " + r.Method + " " + r.URL.Path})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The client's base path is /bigquery/v2/; bare paths work too.
		if rest, ok := strings.CutPrefix(r.URL.Path, "/bigquery/v2"); ok {
			r.URL.Path = rest
			r.URL.RawPath = ""
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		mux.ServeHTTP(w, r)
	})
}

// decode reads a JSON request body. Unknown fields are ignored: the
// resources are Google's and newer clients may send fields this emulator
// does not know yet.
func decode(r *http.Request, targets ...any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errInvalid("Request payload size exceeds the limit")
		}
		return errInvalid("Cannot read request body: %v", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return errInvalid("Empty request body")
	}
	for _, v := range targets {
		if err := json.Unmarshal(b, v); err != nil {
			return errInvalid("Invalid JSON payload received. %v", err)
		}
	}
	return nil
}

func msString(t time.Time) string { return fmt.Sprint(t.UnixMilli()) }

// nextID returns a process-unique sequence number for ids and ETags.
func (s *Server) nextID() int64 {
	s.seq++
	return s.seq
}

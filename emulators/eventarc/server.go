package eventarc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/emulators/guard"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/topology"
)

// Production defaults of Eventarc / Pub/Sub push retries.
const (
	DefaultMinBackoff  = 10 * time.Second
	DefaultMaxBackoff  = 600 * time.Second
	DefaultMaxEventAge = 24 * time.Hour
	// DefaultStorageTopicID is the topic, in Options.Project, where the
	// storage emulator publishes object notifications unless told otherwise.
	DefaultStorageTopicID = "gcs-notifications"
)

// maxRecorded bounds the delivery log kept for inspection.
const maxRecorded = 10000

// Options configure a Server.
type Options struct {
	// Addr is the admin HTTP listen address; default "127.0.0.1:0".
	Addr string
	// Project and Region name the subscriptions and qualify topics;
	// defaults are config.DefaultProject and config.DefaultRegion.
	Project, Region string
	// Topology declares the functions and their triggers. Required.
	Topology *topology.Topology
	// PubSubHost is the Pub/Sub emulator's host:port. Required when the
	// topology has Pub/Sub or Storage triggers.
	PubSubHost string
	// StorageTopic is the topic carrying GCS object notifications, a full
	// name or an id in Project; default "gcs-notifications".
	StorageTopic string
	// FunctionURL maps a function name to the URL events are POSTed to.
	// Required.
	FunctionURL func(name string) string
	// Now is the clock used for event ages, the delivery log and schedule
	// triggers' due times.
	Now func() time.Time
	// After waits for schedule triggers' due times and their retries'
	// backoff; default time.After. Tests inject it with Now.
	After func(d time.Duration) <-chan time.Time
	// HTTPClient sends the events; default a fresh client.
	HTTPClient *http.Client
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// retries of a function declared with retry: true (default 10 s, 600 s).
	MinBackoff, MaxBackoff time.Duration
	// MaxAttempts caps the attempts per event for retrying functions;
	// 0 means no cap (production: only MaxEventAge ends retries).
	MaxAttempts int
	// MaxEventAge drops an event still failing this long after it occurred;
	// default 24 h (Eventarc's retention).
	MaxEventAge time.Duration
	// Sources are extra event producers (e.g. Firestore document changes)
	// run for the server's lifetime.
	Sources []Source
}

// Dispatcher delivers events to declared functions; *Server is one.
type Dispatcher interface {
	// Deliver sends ev to function with the function's retry policy and
	// returns once it was accepted (nil) or given up on (ErrDropped), or
	// when ctx or the server ends.
	Deliver(ctx context.Context, function string, ev cloudevents.Event) error
}

// Source produces events for the server. Run blocks until ctx is done,
// handing every event to d; the server starts it in NewServer and stops it
// in Close. It lets new trigger kinds plug in without changing this package.
type Source interface {
	Run(ctx context.Context, d Dispatcher) error
}

// Errors returned by Deliver.
var (
	ErrUnknownFunction = errors.New("eventarc: function not declared in the topology")
	ErrDropped         = errors.New("eventarc: event dropped after failed delivery")
	ErrClosed          = errors.New("eventarc: server closed")
)

// Delivery is one attempt to deliver an event.
type Delivery struct {
	Function string    `json:"function"`
	EventID  string    `json:"eventId"`
	Type     string    `json:"type"`
	Source   string    `json:"source"`
	Subject  string    `json:"subject,omitempty"`
	Attempt  int       `json:"attempt"`
	Status   int       `json:"status"` // HTTP status; 0 when no response
	Error    string    `json:"error,omitempty"`
	Time     time.Time `json:"time"`
}

// OK reports a 2xx answer.
func (d Delivery) OK() bool { return d.Status >= 200 && d.Status < 300 }

// Server is a running Eventarc emulator.
type Server struct {
	// Addr is the host:port the admin endpoint listens on.
	Addr string

	opts   Options
	hs     *http.Server
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ps     *pubsubConn
	wired  []wiredTrigger
	// schedules are the Cloud Scheduler jobs, by function name.
	schedules map[string]*scheduleJob

	mu         sync.Mutex
	closed     bool
	deliveries []Delivery
}

// wiredTrigger describes a trigger connected to a subscription.
type wiredTrigger struct {
	Function     string `json:"function"`
	Kind         string `json:"kind"`
	Topic        string `json:"topic"`
	Subscription string `json:"subscription,omitempty"`
	Filter       string `json:"filter,omitempty"`
	Schedule     string `json:"schedule,omitempty"`
	TimeZone     string `json:"timeZone,omitempty"`
}

// NewServer wires the topology's Pub/Sub and Storage triggers, starts the
// receivers and the admin endpoint. Subscriptions exist when it returns, so
// messages published afterwards are delivered.
func NewServer(opts Options) (*Server, error) {
	if opts.Topology == nil {
		return nil, errors.New("eventarc: Options.Topology is required")
	}
	if opts.FunctionURL == nil {
		return nil, errors.New("eventarc: Options.FunctionURL is required")
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Project == "" {
		opts.Project = config.DefaultProject
	}
	if opts.Region == "" {
		opts.Region = config.DefaultRegion
	}
	if opts.StorageTopic == "" {
		opts.StorageTopic = DefaultStorageTopicID
	}
	opts.StorageTopic = fullTopic(opts.Project, opts.StorageTopic)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.MaxEventAge <= 0 {
		opts.MaxEventAge = DefaultMaxEventAge
	}

	s := &Server{opts: opts}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	subs, err := s.plan()
	if err != nil {
		s.cancel()
		return nil, err
	}
	for _, sub := range subs {
		s.wired = append(s.wired, sub.wired())
	}
	if s.schedules, err = s.planSchedules(); err != nil {
		s.cancel()
		return nil, err
	}
	for _, fn := range opts.Topology.Functions {
		if job, ok := s.schedules[fn.Name]; ok {
			s.wired = append(s.wired, job.wired())
		}
	}
	for _, src := range opts.Sources {
		if w, ok := src.(interface{ wiredTriggers() []wiredTrigger }); ok {
			s.wired = append(s.wired, w.wiredTriggers()...)
		}
	}
	if len(subs) > 0 {
		if opts.PubSubHost == "" {
			s.cancel()
			return nil, errors.New("eventarc: Options.PubSubHost is required for Pub/Sub and Storage triggers")
		}
		setupCtx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		s.ps, err = dialPubSub(setupCtx, opts.Project, opts.PubSubHost)
		if err == nil {
			err = s.ps.ensure(setupCtx, subs)
		}
		cancel()
		if err != nil {
			s.cancel()
			if s.ps != nil {
				_ = s.ps.close()
			}
			return nil, err
		}
	}

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		s.cancel()
		if s.ps != nil {
			_ = s.ps.close()
		}
		return nil, fmt.Errorf("eventarc: listen: %w", err)
	}
	s.Addr = ln.Addr().String()
	s.hs = &http.Server{Handler: guard.Wrap(s.handler(), opts.Addr, s.Addr), ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("eventarc admin server stopped", "error", err.Error())
		}
	}()

	for _, sub := range subs {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.receive(sub)
		}()
	}
	for _, job := range s.schedules {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.runSchedule(job)
		}()
	}
	for _, src := range opts.Sources {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := src.Run(s.ctx, s); err != nil && s.ctx.Err() == nil {
				slog.Error("eventarc source stopped", "source", fmt.Sprintf("%T", src), "error", err.Error())
			}
		}()
	}
	slog.Info("eventarc emulator started", "addr", s.Addr, "triggers", len(s.wired))
	return s, nil
}

// Close stops the receivers, in-flight deliveries and retries, and the
// admin endpoint. Messages whose delivery was interrupted are nacked, so
// Pub/Sub redelivers them to the next run.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	s.cancel()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.hs.Shutdown(shutdownCtx)
	s.wg.Wait()
	if s.ps != nil {
		if cerr := s.ps.close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Deliveries returns every recorded delivery attempt, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

func (s *Server) record(d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.deliveries) >= maxRecorded {
		s.deliveries = append(s.deliveries[:0], s.deliveries[len(s.deliveries)-maxRecorded+1:]...)
	}
	s.deliveries = append(s.deliveries, d)
}

// Deliver sends ev to the declared function with its retry policy: one
// attempt without retry, otherwise exponential backoff until a 2xx answer,
// MaxAttempts or MaxEventAge. It blocks until the outcome is known.
func (s *Server) Deliver(ctx context.Context, function string, ev cloudevents.Event) error {
	fn, ok := s.opts.Topology.Function(function)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownFunction, function)
	}
	if err := ev.Validate(); err != nil {
		return fmt.Errorf("eventarc: invalid event: %w", err)
	}
	// Register before the closed check is released, so Close's Wait never
	// races an Add.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	return s.deliver(ctx, fn, ev)
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_internal/healthz", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /_internal/deliveries", httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		for k := range q {
			if k != "function" && k != "eventId" {
				return httpapi.Invalid(httpapi.Field(k, "is not a known query parameter (function, eventId)"))
			}
		}
		out := []Delivery{}
		for _, d := range s.Deliveries() {
			if f := q.Get("function"); f != "" && d.Function != f {
				continue
			}
			if id := q.Get("eventId"); id != "" && d.EventID != id {
				continue
			}
			out = append(out, d)
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"deliveries": out})
		return nil
	}))
	mux.HandleFunc("GET /_internal/triggers", func(w http.ResponseWriter, r *http.Request) {
		out := append([]wiredTrigger{}, s.wired...)
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"triggers": out})
	})
	mux.Handle("POST "+schedulerRoutePrefix+"{job}", httpapi.HandlerFunc(s.handleRunSchedule))
	return httpapi.Chain("eventarc", mux)
}

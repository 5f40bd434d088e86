package pubsub

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/protobuf/proto"
)

// DefaultAddr is where a server listens when Options.Addr is empty.
const DefaultAddr = "127.0.0.1:0"

// Default timings.
const (
	defaultPollInterval = 200 * time.Millisecond
	// pullInterval is how often a push worker looks for new messages.
	pullInterval = 20 * time.Millisecond
	// maxInFlight bounds concurrent push requests per subscription.
	maxInFlight = 100
	// maxDeliveries bounds the Deliveries log so a long-running suite
	// does not grow without limit.
	maxDeliveries = 10000
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Addr is the gRPC listen address, host:port; default 127.0.0.1:0.
	Addr string
	// Now is the clock of the fake and of push backoffs; default time.Now.
	Now func() time.Time
	// HTTPClient sends push requests; default a client of its own. Each
	// request is bounded by the subscription's ack deadline regardless.
	HTTPClient *http.Client
	// Logger receives delivery logs; default slog.Default().
	Logger *slog.Logger
	// BackoffScale multiplies every redelivery backoff so tests need not
	// wait production's seconds; 0 means 1.
	BackoffScale float64
	// PushTimeout, when positive and shorter than the ack deadline, bounds
	// each push request instead of the ack deadline.
	PushTimeout time.Duration
	// PollInterval is how often subscriptions are listed to find push
	// endpoints; default 200 ms. Refresh lists them at once.
	PollInterval time.Duration
	// Reactors are handed to pstest (error injection and the like). A
	// reactor of the emulator's own comes first on GetSchema; it handles
	// only its private requests and passes every other one on.
	Reactors []pstest.ServerReactorOption
	// BigQuery writes the messages of BigQuery subscriptions (those with a
	// BigQueryConfig table) into the BigQuery emulator, one worker per
	// subscription; see BigQueryWriter. When nil, such subscriptions
	// behave as pull subscriptions.
	BigQuery BigQueryWriter
}

// Server is a running Pub/Sub emulator.
type Server struct {
	// Addr is the host:port actually bound, for PUBSUB_EMULATOR_HOST.
	Addr string

	fake  *pstest.Server
	opts  Options
	log   *slog.Logger
	http  *http.Client
	ownTr *http.Transport // closed on Close when we made the client

	locked lockedCall

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	syncMu sync.Mutex // serialises subscription scans

	mu         sync.Mutex
	closed     bool
	workers    map[string]*pusher
	bqWorkers  map[string]*bqWorker
	deliveries []Delivery
}

// NewServer starts the emulator on opts.Addr.
func NewServer(opts Options) (srv *Server, err error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = defaultPollInterval
	}
	if opts.BackoffScale <= 0 {
		opts.BackoffScale = 1
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{opts: opts, log: log.With("emulator", "pubsub"), workers: map[string]*pusher{}, bqWorkers: map[string]*bqWorker{}}
	s.http = opts.HTTPClient
	if s.http == nil {
		s.ownTr = http.DefaultTransport.(*http.Transport).Clone()
		s.http = &http.Client{Transport: s.ownTr}
	}

	// pstest panics when it cannot listen; report that as an error.
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("pubsub emulator: listen on %s: %v", opts.Addr, r)
			}
		}()
		reactors := append([]pstest.ServerReactorOption{{FuncName: "GetSchema", Reactor: &s.locked}}, opts.Reactors...)
		s.fake = pstest.NewServerWithAddress(opts.Addr, reactors...)
	}()
	if err != nil {
		return nil, err
	}
	s.fake.SetTimeNowFunc(opts.Now)
	s.Addr = s.fake.Addr
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.watch()
	return s, nil
}

// Fake returns the underlying pstest server, for its test hooks.
func (s *Server) Fake() *pstest.Server { return s.fake }

// Close stops push delivery, waits for every goroutine and shuts the
// server down. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	if s.ownTr != nil {
		s.ownTr.CloseIdleConnections()
	}
	return s.fake.Close()
}

// Refresh scans the subscriptions now, so push subscriptions created a
// moment ago start delivering without waiting for the next poll.
func (s *Server) Refresh() { s.scan() }

func (s *Server) now() time.Time { return s.opts.Now() }

// watch rescans subscriptions periodically until Close.
func (s *Server) watch() {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.PollInterval)
	defer t.Stop()
	for {
		s.scan()
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// scan starts a push worker for each subscription with a push endpoint
// and a BigQuery worker for each BigQuery subscription (when there is a
// writer), updates the configuration of running ones and stops those whose
// subscription is gone or changed kind.
func (s *Server) scan() {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	want := map[string]*subConfig{}
	wantBQ := map[string]*bqConfig{}
	req := &pb.ListSubscriptionsRequest{}
	for {
		res, err := s.fake.GServer.ListSubscriptions(s.ctx, req)
		if err != nil {
			s.log.Debug("pubsub: list subscriptions", "err", err)
			return // keep the workers as they are until a scan succeeds
		}
		// pstest returns its live protos, which it writes under its lock:
		// copy them under that lock too.
		var subs []*pb.Subscription
		s.underFakeLock(func() {
			for _, sub := range res.Subscriptions {
				subs = append(subs, proto.Clone(sub).(*pb.Subscription))
			}
		})
		for _, sub := range subs {
			switch {
			case sub.GetPushConfig().GetPushEndpoint() != "":
				want[sub.Name] = newSubConfig(sub)
			case sub.GetBigqueryConfig().GetTable() != "" && s.opts.BigQuery != nil:
				wantBQ[sub.Name] = newBQConfig(sub)
			}
		}
		if res.NextPageToken == "" {
			break
		}
		req.PageToken = res.NextPageToken
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	for name, w := range s.workers {
		if want[name] == nil {
			w.cancel()
			delete(s.workers, name)
		}
	}
	for name, cfg := range want {
		if w := s.workers[name]; w != nil {
			w.cfg.Store(cfg)
			continue
		}
		w := newPusher(s, cfg)
		s.workers[name] = w
		s.wg.Add(1)
		go w.run()
	}
	for name, w := range s.bqWorkers {
		if wantBQ[name] == nil {
			w.cancel()
			delete(s.bqWorkers, name)
		}
	}
	for name, cfg := range wantBQ {
		if w := s.bqWorkers[name]; w != nil {
			w.cfg.Store(cfg)
			continue
		}
		w := newBQWorker(s, cfg)
		s.bqWorkers[name] = w
		s.wg.Add(1)
		go w.run()
	}
}

// lockedCall is a reactor that runs a function while pstest holds its
// server lock. pstest exposes no other way to read its state safely; a
// private GetSchema request, recognised by its address, carries the call.
type lockedCall struct {
	cur atomic.Pointer[lockedFn]
}

type lockedFn struct {
	req *pb.GetSchemaRequest
	fn  func()
}

// React implements pstest.Reactor; other GetSchema requests pass through.
func (l *lockedCall) React(req any) (bool, any, error) {
	if c := l.cur.Load(); c != nil && req == any(c.req) {
		c.fn()
		return true, &pb.Schema{}, nil
	}
	return false, nil, nil
}

// underFakeLock runs fn while pstest's server lock is held. Callers hold
// syncMu, so one call is in progress at a time.
func (s *Server) underFakeLock(fn func()) {
	c := &lockedFn{req: &pb.GetSchemaRequest{Name: "projects/-/schemas/-pubsub-emulator-internal"}, fn: fn}
	s.locked.cur.Store(c)
	defer s.locked.cur.Store(nil)
	_, _ = s.fake.GServer.GetSchema(context.Background(), c.req)
}

// Outcome is what became of one push attempt.
type Outcome string

// Push outcomes.
const (
	// OutcomeAcked: the endpoint answered with a success code.
	OutcomeAcked Outcome = "acked"
	// OutcomeRetry: the attempt failed and the message waits Backoff.
	OutcomeRetry Outcome = "retry"
	// OutcomeDeadLettered: the last allowed attempt failed and the message
	// went to the dead-letter topic.
	OutcomeDeadLettered Outcome = "dead-lettered"
)

// Delivery records one push attempt, or one BigQuery subscription's write
// of a message (Endpoint "bigquery:<table>", Status 0; a batch the writer
// could not take at all is recorded as a retry per message).
type Delivery struct {
	Subscription string // projects/p/subscriptions/s
	MessageID    string
	Endpoint     string
	Attempt      int // 1 for the first delivery of the message
	Status       int // HTTP status; 0 when no answer came
	Err          string
	Outcome      Outcome
	Backoff      time.Duration // before the next attempt, for OutcomeRetry
	At           time.Time     // when the outcome was known
}

// Deliveries returns the push attempts so far, oldest first (at most the
// latest 10,000).
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

func (s *Server) record(d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.deliveries) >= maxDeliveries {
		s.deliveries = append(s.deliveries[:0], s.deliveries[len(s.deliveries)-maxDeliveries+1:]...)
	}
	s.deliveries = append(s.deliveries, d)
}

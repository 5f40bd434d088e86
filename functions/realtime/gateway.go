package realtime

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Gateway is one instance of the realtime service: its sockets and its
// channels (one per active canvas or session).
type Gateway struct {
	d     Deps
	clock *canvas.Clock
	h     http.Handler
	// origins are the host patterns of the allowed browser origins.
	origins []string

	ctx    context.Context // the instance's background work
	cancel context.CancelFunc

	mu       sync.Mutex
	channels map[string]*channel
	conns    map[*conn]struct{}
	buckets  map[string]*userBucket

	draining atomic.Bool
	events   chan events.Event
	evWG     sync.WaitGroup
	stats    Stats
}

// Stats count what an instance did (tests and logs).
type Stats struct {
	Accepted, Refused, Delivered, SlowDropped, EventsDropped atomic.Int64
	LogWrites, ElementWrites                                 atomic.Int64
}

type userBucket struct {
	lim     *rate.Limiter
	refs    int
	refused int // refused in a row
}

// New builds a gateway.
func New(d Deps) (*Gateway, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	g := &Gateway{d: d, clock: canvas.NewClock(d.Node, d.Now), channels: map[string]*channel{},
		conns: map[*conn]struct{}{}, buckets: map[string]*userBucket{}, events: make(chan events.Event, 4096)}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.origins = originPatterns(d.AllowedOrigins, d.LoopbackAliases)
	if d.Events != nil {
		for range 4 {
			g.evWG.Add(1)
			go g.publishEvents()
		}
	}
	sock := http.HandlerFunc(g.serveSocket)
	routes := append(routes(), httpapi.Route{RouteSpec: httpapi.RouteSpec{Method: http.MethodGet, Path: "/{$}", Public: true}, Handler: sock},
		httpapi.Route{RouteSpec: httpapi.RouteSpec{Method: http.MethodGet, Path: "/v1/socket", Public: true}, Handler: sock})
	g.h = httpapi.Router(EntryHTTP, routes)
	return g, nil
}

// routes are the plain HTTP routes (the socket itself is in asyncapi.yaml).
func routes() []httpapi.Route { return []httpapi.Route{httpapi.HealthRoute()} }

// Routes lists the HTTP routes; infra/openapi.yaml documents exactly these.
// The socket (GET / and GET /v1/socket) is documented in infra/asyncapi.yaml.
func Routes() []httpapi.RouteSpec { return httpapi.Specs(routes()) }

// ServeHTTP serves the socket and the health route.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.h.ServeHTTP(w, r) }

// Instance is the instance's name.
func (g *Gateway) Instance() string { return g.d.Instance }

// Stats are the instance's counters.
func (g *Gateway) Stats() *Stats { return &g.stats }

func (g *Gateway) serveSocket(w http.ResponseWriter, r *http.Request) {
	if g.draining.Load() {
		httpapi.WriteError(w, r, httpapi.Unavailable(errDraining))
		return
	}
	cw := &corkWriter{ResponseWriter: w}
	ws, err := websocket.Accept(cw, r, &websocket.AcceptOptions{OriginPatterns: g.origins,
		// Per-socket deflate state is far larger than the frames.
		CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return // Accept has answered (403 for a foreign origin, 426 for plain HTTP)
	}
	// The reader enforces the frame limit itself, so it can say bye first.
	ws.SetReadLimit(g.d.Limits.MaxFrame * 2)
	c := newConn(g, ws, cw.conn)
	g.mu.Lock()
	if g.draining.Load() {
		g.mu.Unlock()
		ws.Close(CloseDrain, ByeDrain)
		return
	}
	g.conns[c] = struct{}{}
	g.mu.Unlock()
	// The socket lives on a fresh goroutine: the request's goroutine has
	// grown its stack through the HTTP middleware, and returning frees it.
	go func() {
		c.run()
		g.mu.Lock()
		delete(g.conns, c)
		g.mu.Unlock()
	}()
}

// loopbackHosts are the spellings of the local machine a browser may use.
var loopbackHosts = []string{"127.0.0.1", "localhost", "[::1]"}

// originPatterns turns origins into websocket.AcceptOptions patterns
// (host:port, matched as file patterns, so brackets are escaped); with
// loopback, a loopback origin brings its other spellings.
func originPatterns(origins []string, loopback bool) []string {
	var hosts []string
	for _, o := range origins {
		u, err := url.Parse(strings.TrimSpace(o))
		if err != nil || u.Host == "" {
			continue
		}
		hosts = append(hosts, u.Host)
		h := u.Hostname()
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		if loopback && slices.Contains(loopbackHosts, h) {
			port := u.Port()
			for _, alt := range loopbackHosts {
				if alt == h {
					continue
				}
				if port != "" {
					alt += ":" + port
				}
				hosts = append(hosts, alt)
			}
		}
	}
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, strings.NewReplacer("[", `\[`, "]", `\]`).Replace(h))
	}
	return out
}

type drainError struct{}

func (drainError) Error() string { return "the instance is shutting down; reconnect" }

var errDraining = drainError{}

// Drain refuses new sockets, says bye (drain, 1012) to every open one,
// writes every pending element and op log entry, and stops the
// instance's listeners. It returns when done or when ctx ends.
func (g *Gateway) Drain(ctx context.Context) error {
	g.draining.Store(true)
	g.mu.Lock()
	conns := make([]*conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	chans := make([]*channel, 0, len(g.channels))
	for _, ch := range g.channels {
		chans = append(chans, ch)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.kill(ByeDrain, CloseDrain)
	}
	var wg sync.WaitGroup
	for _, ch := range chans {
		wg.Add(1)
		go func() { defer wg.Done(); ch.flushAll(ctx) }()
	}
	wg.Wait()
	for _, c := range conns {
		select {
		case <-c.done:
		case <-ctx.Done():
		}
	}
	g.Close()
	return ctx.Err()
}

// Close stops the instance's background work (tests; Drain calls it).
func (g *Gateway) Close() {
	g.cancel()
	g.mu.Lock()
	chans := make([]*channel, 0, len(g.channels))
	for _, ch := range g.channels {
		chans = append(chans, ch)
	}
	g.mu.Unlock()
	for _, ch := range chans {
		ch.stop()
	}
}

// bucket is uid's op budget on this instance, shared by their sockets.
func (g *Gateway) bucket(uid string) *userBucket {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.buckets[uid]
	if b == nil {
		b = &userBucket{lim: rate.NewLimiter(rate.Limit(g.d.Limits.OpsPerSecond), g.d.Limits.OpsBurst)}
		g.buckets[uid] = b
	}
	b.refs++
	return b
}

func (g *Gateway) releaseBucket(uid string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if b := g.buckets[uid]; b != nil {
		if b.refs--; b.refs <= 0 {
			delete(g.buckets, uid)
		}
	}
}

// allowOp takes one op from uid's bucket; abuse reports a long run of
// refusals.
func (g *Gateway) allowOp(b *userBucket) (ok, abuse bool) {
	ok = b.lim.AllowN(g.d.Now(), 1)
	g.mu.Lock()
	defer g.mu.Unlock()
	if ok {
		b.refused = 0
		return true, false
	}
	b.refused++
	return false, b.refused >= g.d.Limits.AbuseAfter
}

// emit queues an event; a full queue drops it (events never slow edits).
func (g *Gateway) emit(ev events.Event) {
	if g.d.Events == nil {
		return
	}
	select {
	case g.events <- ev:
	default:
		g.stats.EventsDropped.Add(1)
	}
}

func (g *Gateway) publishEvents() {
	defer g.evWG.Done()
	for {
		select {
		case <-g.ctx.Done():
			return
		case ev := <-g.events:
			ctx, cancel := context.WithTimeout(g.ctx, 30*time.Second)
			if _, err := g.d.Events.Publish(ctx, ev); err != nil {
				slog.Warn("realtime: canvas event not published", "type", ev.Type, "err", err.Error())
			}
			cancel()
		}
	}
}

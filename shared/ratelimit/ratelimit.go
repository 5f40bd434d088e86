// Package ratelimit is a token-bucket rate limiter keyed by caller (user id,
// client IP), one golang.org/x/time/rate bucket per key, with an HTTP middleware answering 429 problem+json and
// Retry-After.
//
// Buckets live in the memory of one instance: a function scaled to n
// instances admits up to n times the configured rate, and a new instance
// starts with full buckets. That bounds abuse per instance, which is what
// the API needs to stay cheap; production adds a global limit in front
// (Cloud Armor rate-based rules on the load balancer, or a Firestore-backed
// counter for the few endpoints where a global bound matters).
package ratelimit

import (
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Limit is a bucket's shape: Burst tokens at most, refilled at Rate per second.
type Limit struct {
	Rate  float64
	Burst int
}

// Per builds the Limit of n events per period, all of them allowed at once.
func Per(n int, period time.Duration) Limit {
	return Limit{Rate: float64(n) / period.Seconds(), Burst: n}
}

// Options tune a Limiter. Zero fields take defaults.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxKeys bounds memory: past it, full (idle) buckets are dropped
	// first. Default 100,000.
	MaxKeys int
}

// Limiter holds one token bucket (a rate.Limiter) per key. It is safe for
// concurrent use.
type Limiter struct {
	limit   Limit
	now     func() time.Time
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// New builds a limiter. A Limit with Burst < 1 admits nothing.
func New(l Limit, opts Options) *Limiter {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = 100_000
	}
	return &Limiter{limit: l, now: opts.Now, maxKeys: opts.MaxKeys, buckets: map[string]*rate.Limiter{}}
}

// Allow takes one token from key's bucket. When none is left it returns
// false and how long until one is; a refused call takes nothing.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := l.now()
	b := l.bucket(key, now)
	if b.AllowN(now, 1) {
		return true, 0
	}
	if l.limit.Rate <= 0 {
		return false, time.Hour
	}
	wait := time.Duration((1 - b.TokensAt(now)) / l.limit.Rate * float64(time.Second))
	return false, wait
}

// bucket is key's bucket, created full.
func (l *Limiter) bucket(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.evictLocked(now)
		}
		b = rate.NewLimiter(rate.Limit(max(l.limit.Rate, 0)), l.limit.Burst)
		l.buckets[key] = b
	}
	return b
}

// evictLocked drops buckets that have refilled completely: forgetting them
// changes nothing. If every bucket is in use, the oldest half goes, which
// favours memory over precision under a flood of distinct keys.
func (l *Limiter) evictLocked(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.limit.Burst) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxKeys {
		return
	}
	n := 0
	for k := range l.buckets { // map order is random: a fair sample
		delete(l.buckets, k)
		if n++; n >= l.maxKeys/2 {
			break
		}
	}
}

// Len is the number of buckets held (tests, metrics).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Rule limits requests by the key Key derives from them; an empty key
// (e.g. no principal) is not limited by this rule.
type Rule struct {
	Name    string // "user", "ip": part of the key and of the problem detail
	Limiter *Limiter
	Key     func(*http.Request) string
}

// Middleware applies every rule in order; the first one exhausted answers
// 429 with Retry-After in whole seconds (at least 1).
func Middleware(rules ...Rule) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, rule := range rules {
				key := rule.Key(r)
				if key == "" {
					continue
				}
				if ok, wait := rule.Limiter.Allow(rule.Name + ":" + key); !ok {
					secs := int(math.Ceil(wait.Seconds()))
					if secs < 1 {
						secs = 1
					}
					httpapi.WriteError(w, r, httpapi.TooManyRequests(secs,
						"too many requests from this %s; retry in %d s", rule.Name, secs))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ClientIP is the caller's address. Behind Firebase Hosting (and Google's
// front end) the function's peer is a Google proxy and the client's
// address is in X-Forwarded-For; trustForwarded says the function is meant
// to be reached that way, and the number of trusted proxy hops comes from
// the environment (config.Config.TrustedProxyHops). Reached directly, that
// header is whatever the caller wrote, so without trustForwarded it is
// ignored and the peer address is used.
func ClientIP(r *http.Request, trustForwarded bool) string {
	if !trustForwarded {
		return peerIP(r)
	}
	return ForwardedClientIP(r, trustedHops())
}

var trustedHops = sync.OnceValue(func() int { return config.FromEnv(nil).TrustedProxyHops })

// ForwardedClientIP is the client's address as the platform's own front
// end recorded it: proxies append to X-Forwarded-For, so only the
// right-most entries are theirs, and the client is the entry just left of
// the hops trusted proxies appended after it. Entries further left are what
// the client sent and are never used: rotating them must not give a caller
// a fresh budget. With fewer entries than that (the function was reached
// without passing every proxy) the left-most entry the front end wrote is
// used; an entry that is not an address falls back to the peer.
func ForwardedClientIP(r *http.Request, hops int) string {
	var entries []string
	// Several header lines are one list, in order (RFC 9110 §5.3).
	for _, line := range r.Header.Values("X-Forwarded-For") {
		for _, e := range strings.Split(line, ",") {
			if e = strings.TrimSpace(e); e != "" {
				entries = append(entries, e)
			}
		}
	}
	if len(entries) == 0 {
		return peerIP(r)
	}
	i := max(len(entries)-1-max(hops, 0), 0)
	if ip := parseIP(entries[i]); ip != nil {
		return ip.String()
	}
	return peerIP(r)
}

// parseIP reads an address, also in the "ip:port" and "[ipv6]:port" forms
// some proxies write.
func parseIP(s string) net.IP {
	if ip := net.ParseIP(s); ip != nil {
		return ip
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		return net.ParseIP(h)
	}
	return net.ParseIP(strings.Trim(s, "[]"))
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return host
}

package realtime

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/events"
)

// Publisher publishes domain events (*events.Publisher: consent gate,
// pseudonym, batching).
type Publisher interface {
	Publish(ctx context.Context, ev events.Event) (string, error)
}

// ConsentChecker answers whether uid consented to purpose in org
// (*consentvault.Checker).
type ConsentChecker interface {
	Allowed(ctx context.Context, uid, org, purpose string) (bool, error)
}

// Limits bound what one socket, one person and one instance may do.
type Limits struct {
	MaxFrame     int64         // bytes of one incoming frame (64 KiB)
	SendQueue    int           // frames waiting for one socket (1024)
	AuthTimeout  time.Duration // first auth frame (10 s)
	PingEvery    time.Duration // server ping (20 s)
	IdleAfter    time.Duration // no frame nor pong (60 s)
	OpsPerSecond float64       // per person (60)
	OpsBurst     int           // per person (120)
	// AbuseAfter is how many refused ops in a row end the socket (bye rate).
	AbuseAfter      int
	CursorPerSecond float64       // per socket (60)
	ElementWrite    time.Duration // minimum time between writes of one element document (1 s)
	PresenceEvery   time.Duration // presence heartbeat (20 s)
	PresenceTTL     time.Duration // presence expireAt after lastSeen (90 s)
	// PresenceCoalesce is the window presence lists are gathered over (500 ms).
	PresenceCoalesce time.Duration
	// PresenceList is how many people a presence frame lists (100); its
	// count says how many are present in all.
	PresenceList    int
	CursorWrite     time.Duration // cursor persisted per person at most every (1 s)
	ConsentEvery    time.Duration // consent re-read for consent-based access (5 s)
	SessionCoalesce time.Duration // session frames at most every (100 ms)
	LockFor         time.Duration // element drag lock (5 s)
	UndoSteps       int           // per person per canvas (50)
	LoadTimeout     time.Duration // channel load (10 s)
	// RemoteHold is how long an element document changed by another
	// instance waits for that instance's op log entry (1.5 s).
	RemoteHold   time.Duration
	WriteTimeout time.Duration // one frame write (10 s)
}

// DefaultLimits are the documented limits.
var DefaultLimits = Limits{
	MaxFrame: 64 << 10, SendQueue: 1024, AuthTimeout: 10 * time.Second, PingEvery: 20 * time.Second,
	IdleAfter: 60 * time.Second, OpsPerSecond: 60, OpsBurst: 120, AbuseAfter: 600, CursorPerSecond: 60,
	ElementWrite: time.Second, PresenceEvery: 20 * time.Second, PresenceTTL: 90 * time.Second, PresenceCoalesce: 500 * time.Millisecond,
	PresenceList: 100, CursorWrite: time.Second, ConsentEvery: 5 * time.Second, SessionCoalesce: 100 * time.Millisecond,
	LockFor: 5 * time.Second, UndoSteps: 50, LoadTimeout: 10 * time.Second, RemoteHold: 1500 * time.Millisecond, WriteTimeout: 10 * time.Second,
}

// Deps is what the gateway needs; Verifier and Firestore are required.
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	// Events publishes canvas.op events (nil: none are published).
	Events Publisher
	// Consent decides facilitator access by facilitator_visibility (nil:
	// nobody consents).
	Consent ConsentChecker
	// Instance names this instance in the op log and presence (default
	// random); Node is its clock node, 0…1023 (default random).
	Instance string
	Node     int
	// AllowedOrigins are browser origins that may open sockets (scheme and
	// host, e.g. https://studio.example); requests without Origin (non-browser
	// clients) are allowed.
	AllowedOrigins []string
	// LoopbackAliases also allows the other loopback spellings (127.0.0.1,
	// localhost, [::1]) of an allowed loopback origin, with its port: the
	// local suite, where a browser may open the site under either.
	LoopbackAliases bool
	// TokenExpiry is when an ID token expires (default: its exp claim,
	// else an hour from now).
	TokenExpiry func(token string) time.Time
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Limits Limits
}

func (d Deps) check() (Deps, error) {
	var errs []error
	if d.Verifier == nil {
		errs = append(errs, errors.New("realtime: Deps.Verifier is nil"))
	}
	if d.Firestore == nil {
		errs = append(errs, errors.New("realtime: Deps.Firestore is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Consent == nil {
		d.Consent = noConsent{}
	}
	if d.Instance == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		d.Instance = hex.EncodeToString(b)
	}
	if d.Node <= 0 {
		b := make([]byte, 2)
		_, _ = rand.Read(b)
		d.Node = int(binary.BigEndian.Uint16(b)) % 1024
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.TokenExpiry == nil {
		now := d.Now
		d.TokenExpiry = func(tok string) time.Time { return tokenExpiry(tok, now) }
	}
	l, def := &d.Limits, DefaultLimits
	setDur := func(v *time.Duration, dv time.Duration) {
		if *v <= 0 {
			*v = dv
		}
	}
	if l.MaxFrame <= 0 {
		l.MaxFrame = def.MaxFrame
	}
	if l.SendQueue <= 0 {
		l.SendQueue = def.SendQueue
	}
	if l.OpsPerSecond <= 0 {
		l.OpsPerSecond = def.OpsPerSecond
	}
	if l.OpsBurst <= 0 {
		l.OpsBurst = def.OpsBurst
	}
	if l.AbuseAfter <= 0 {
		l.AbuseAfter = def.AbuseAfter
	}
	if l.CursorPerSecond <= 0 {
		l.CursorPerSecond = def.CursorPerSecond
	}
	if l.PresenceList <= 0 {
		l.PresenceList = def.PresenceList
	}
	if l.UndoSteps <= 0 {
		l.UndoSteps = def.UndoSteps
	}
	setDur(&l.AuthTimeout, def.AuthTimeout)
	setDur(&l.PingEvery, def.PingEvery)
	setDur(&l.IdleAfter, def.IdleAfter)
	setDur(&l.ElementWrite, def.ElementWrite)
	setDur(&l.PresenceEvery, def.PresenceEvery)
	setDur(&l.PresenceTTL, def.PresenceTTL)
	setDur(&l.PresenceCoalesce, def.PresenceCoalesce)
	setDur(&l.CursorWrite, def.CursorWrite)
	setDur(&l.ConsentEvery, def.ConsentEvery)
	setDur(&l.SessionCoalesce, def.SessionCoalesce)
	setDur(&l.LockFor, def.LockFor)
	setDur(&l.LoadTimeout, def.LoadTimeout)
	setDur(&l.RemoteHold, def.RemoteHold)
	setDur(&l.WriteTimeout, def.WriteTimeout)
	return d, nil
}

type noConsent struct{}

func (noConsent) Allowed(context.Context, string, string, string) (bool, error) { return false, nil }

// tokenExpiry reads exp from a JWT the verifier accepted (so the claim is
// trusted); anything else expires in an hour.
func tokenExpiry(tok string, now func() time.Time) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) == 3 {
		if raw, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			var c struct {
				Exp float64 `json:"exp"`
			}
			if json.Unmarshal(raw, &c) == nil && c.Exp > 0 {
				return time.Unix(int64(c.Exp), 0)
			}
		}
	}
	return now().Add(time.Hour)
}

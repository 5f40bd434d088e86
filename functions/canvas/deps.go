package canvas

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	"github.com/google/uuid"

	model "pointsofyou.ai/studio/shared/canvas"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/platform"
)

// ConsentChecker answers whether uid consented to purpose in org
// (*consentvault.Checker): a session's facilitators see a participant's
// shared canvas only with the participant's facilitator_visibility consent.
type ConsentChecker interface {
	Allowed(ctx context.Context, uid, org, purpose string) (bool, error)
}

// Buckets are the real names of the buckets the function uses.
type Buckets struct {
	// Canvases holds snapshots (owners/{uid}/canvases/{c}/versions/{v}.json, by the canvas owner).
	Canvases string
	// Exports holds exports (canvas/{org}/{canvas}/{hash}.{ext}), deleted
	// after a day by the bucket's lifecycle.
	Exports string
}

// Signer says how V4 URLs are signed (shared/platform builds it).
type Signer = platform.Signer

// Defaults of Deps.
const (
	DefaultURLTTL    = time.Hour
	DefaultExportTTL = time.Hour
	DefaultKeep      = 50
	DefaultDirtyAge  = 30 * time.Minute
	// DefaultMaxImport caps an imported document; 5,000 elements with
	// long strokes fit.
	DefaultMaxImport = 16 << 20
)

// Deps is what the function needs. Firestore, Storage and
// Buckets.Canvases are always required; the HTTP API also needs Verifier,
// Consent, Buckets.Exports and RealtimeURL.
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	Storage   *storage.Client
	Buckets   Buckets
	Signer    Signer
	Consent   ConsentChecker
	// RealtimeURL is the gateway's WebSocket URL (ws:// or wss://; an
	// http(s) URL is turned into its ws(s) form).
	RealtimeURL string
	// Now is the clock (default time.Now). URL signing uses the wall clock.
	Now func() time.Time
	// NewID makes canvas, element and version ids (default random).
	NewID func() string
	// Clock stamps the patches the function writes (default: a clock of a
	// random node, one per instance).
	Clock *model.Clock
	// URLTTL is the lifetime of signed export URLs; ExportTTL how long an
	// export is served again for the same state and options.
	URLTTL, ExportTTL time.Duration
	// Keep is how many versions a canvas keeps (default 50).
	Keep int
	// DirtyAge is how long after its first unsaved change a canvas gets a
	// scheduled snapshot (default 30 minutes).
	DirtyAge time.Duration
	// MaxImport caps an imported document in bytes.
	MaxImport int64
}

func (d Deps) check(api bool) (Deps, error) {
	var errs []error
	if d.Firestore == nil {
		errs = append(errs, errors.New("canvas: Deps.Firestore is nil"))
	}
	if d.Storage == nil {
		errs = append(errs, errors.New("canvas: Deps.Storage is nil"))
	}
	if d.Buckets.Canvases == "" {
		errs = append(errs, errors.New("canvas: Deps.Buckets.Canvases is empty"))
	}
	if api {
		if d.Verifier == nil {
			errs = append(errs, errors.New("canvas: Deps.Verifier is nil"))
		}
		if d.Consent == nil {
			errs = append(errs, errors.New("canvas: Deps.Consent is nil"))
		}
		if d.Buckets.Exports == "" {
			errs = append(errs, errors.New("canvas: Deps.Buckets.Exports is empty"))
		}
		u, err := wsURL(d.RealtimeURL)
		if err != nil {
			errs = append(errs, err)
		}
		d.RealtimeURL = u
	}
	if (d.Signer.Email == "") != (len(d.Signer.PrivateKeyPEM) == 0) {
		errs = append(errs, errors.New("canvas: Deps.Signer needs both Email and PrivateKeyPEM, or neither"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewID == nil {
		d.NewID = newID
	}
	if d.Clock == nil {
		d.Clock = model.NewClock(randomNode(), d.Now)
	}
	if d.URLTTL <= 0 {
		d.URLTTL = DefaultURLTTL
	}
	if d.ExportTTL <= 0 {
		d.ExportTTL = DefaultExportTTL
	}
	if d.Keep <= 0 {
		d.Keep = DefaultKeep
	}
	if d.DirtyAge <= 0 {
		d.DirtyAge = DefaultDirtyAge
	}
	if d.MaxImport <= 0 {
		d.MaxImport = DefaultMaxImport
	}
	return d, nil
}

// wsURL is u as a WebSocket URL: ws(s) as it is, http(s) as ws(s).
func wsURL(u string) (string, error) {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || p.Host == "" {
		return "", fmt.Errorf("canvas: %s %q is not an absolute URL", EnvRealtimeURL, u)
	}
	switch p.Scheme {
	case "ws", "wss":
	case "http":
		p.Scheme = "ws"
	case "https":
		p.Scheme = "wss"
	default:
		return "", fmt.Errorf("canvas: %s %q is not a ws(s) URL", EnvRealtimeURL, u)
	}
	return p.String(), nil
}

// randomNode is this instance's node number in the low bits of its
// stamps: random, so two instances writing to one canvas never tie.
func randomNode() int {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return int(binary.BigEndian.Uint16(b[:]) & (1<<model.NodeBits - 1))
}

// newID is a random document id (32 hex digits).
func newID() string {
	u := uuid.New()
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 32)
	for _, c := range u {
		b = append(b, hex[c>>4], hex[c&15])
	}
	return string(b)
}

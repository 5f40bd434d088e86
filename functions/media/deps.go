package media

import (
	"errors"
	"time"

	"cloud.google.com/go/storage"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/platform"
)

// Defaults of Limits.
const (
	DefaultMaxUploadBytes = 10 << 20 // 10 MiB
	DefaultMaxPixels      = 40_000_000
	// DefaultMaxDecodeBytes keeps one decode, with the renditions and the
	// Go runtime around it, well inside the 512 MiB the renditions
	// function is deployed with: BenchmarkRenditionsPeakRSS measures the
	// largest accepted images below 256 MiB of resident memory.
	DefaultMaxDecodeBytes = 96 << 20
	DefaultURLTTL         = 15 * time.Minute
	DefaultMaxEventAge    = 24 * time.Hour
)

// Limits bound what the function accepts. Zero fields take the defaults.
type Limits struct {
	// MaxUploadBytes caps the declared size, the signed content-length range
	// and the object the rendition step reads.
	MaxUploadBytes int64
	// MaxPixels caps width×height, checked from the header before decoding so
	// a small file cannot expand into gigabytes (decompression bomb).
	MaxPixels int64
	// MaxDecodeBytes caps the memory a decode may allocate, estimated from
	// the header (pixel format, sampling, progressive or interlaced) before
	// decoding: a 16-bit or progressive image costs more per pixel.
	MaxDecodeBytes int64
	// URLTTL is the lifetime of signed upload and download URLs.
	URLTTL time.Duration
	// MaxEventAge drops older deliveries instead of retrying them forever.
	MaxEventAge time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxUploadBytes <= 0 {
		l.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxDecodeBytes <= 0 {
		l.MaxDecodeBytes = DefaultMaxDecodeBytes
	}
	if l.URLTTL <= 0 {
		l.URLTTL = DefaultURLTTL
	}
	if l.MaxEventAge <= 0 {
		l.MaxEventAge = DefaultMaxEventAge
	}
	return l
}

// Signer says how V4 URLs are signed (shared/platform builds it).
type Signer = platform.Signer

// Deps is what the handlers need. Storage and Bucket are required by both;
// Verifier only by the HTTP API.
type Deps struct {
	Verifier auth.Verifier
	Storage  *storage.Client
	Bucket   string
	Signer   Signer
	// Now is the clock (default time.Now). URL signing itself uses the wall
	// clock, so an injected clock must stay close to real time.
	Now    func() time.Time
	Limits Limits
}

func (d Deps) check(needVerifier bool) (Deps, error) {
	var errs []error
	if needVerifier && d.Verifier == nil {
		errs = append(errs, errors.New("media: Deps.Verifier is nil"))
	}
	if d.Storage == nil {
		errs = append(errs, errors.New("media: Deps.Storage is nil"))
	}
	if d.Bucket == "" {
		errs = append(errs, errors.New("media: Deps.Bucket is empty"))
	}
	if (d.Signer.Email == "") != (len(d.Signer.PrivateKeyPEM) == 0) {
		errs = append(errs, errors.New("media: Deps.Signer needs both Email and PrivateKeyPEM, or neither"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.Limits = d.Limits.withDefaults()
	return d, nil
}

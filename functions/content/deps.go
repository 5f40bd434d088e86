package content

import (
	"errors"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/platform"

	"pointsofyou.ai/studio/shared/outbox"
)

// Signer says how V4 URLs are signed (shared/platform builds it).
type Signer = platform.Signer

// Embedder computes embeddings; *ai.Client implements it.
type Embedder = library.Embedder

// DefaultOfficialOrg is the organisation whose admins manage the official
// library when Deps.OfficialOrg is empty (deployed: CONTENT_OFFICIAL_ORG).
const DefaultOfficialOrg = "poy-official"

// Per official item and month: commercial uses allowed, and the share at
// which a warning comes back (REQUIREMENTS §7).
const (
	ItemMonthlyUses = library.ItemMonthlyUses
	ItemWarnShare   = library.ItemWarnShare
)

// Deps is what the handlers need. Firestore is always required; Verifier
// by the HTTP API; Embedder by semantic search and the embedding trigger.
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	Embedder  Embedder
	// EmbedModel names the embedding model in text hashes, so a model
	// change re-embeds everything.
	EmbedModel string
	// OfficialOrg: org_admins of this organisation manage the official
	// library (default DefaultOfficialOrg).
	OfficialOrg string
	// Storage, Bucket and Signer sign GET URLs of item pictures (the
	// media bucket); without Storage, views carry no URLs.
	Storage *storage.Client
	Bucket  string
	Signer  Signer
	// Outbox records the content.used event of each recorded use in its
	// transaction (required by the HTTP API).
	Outbox *outbox.Outbox
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ScanLimit bounds the items one browse request reads per library
	// (default 2000): keyword search and most filters run in memory.
	ScanLimit int
}

func (d Deps) check(needVerifier, needEmbedder bool) (Deps, error) {
	var errs []error
	if needVerifier && d.Verifier == nil {
		errs = append(errs, errors.New("content: Deps.Verifier is nil"))
	}
	if needVerifier && d.Outbox == nil {
		errs = append(errs, errors.New("content: Deps.Outbox is nil"))
	}
	if d.Firestore == nil {
		errs = append(errs, errors.New("content: Deps.Firestore is nil"))
	}
	if needEmbedder && d.Embedder == nil {
		errs = append(errs, errors.New("content: Deps.Embedder is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.OfficialOrg == "" {
		d.OfficialOrg = DefaultOfficialOrg
	}
	if d.EmbedModel == "" {
		d.EmbedModel = "default"
	}
	if d.ScanLimit <= 0 {
		d.ScanLimit = 2000
	}
	return d, nil
}

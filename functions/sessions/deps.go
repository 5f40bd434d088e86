package sessions

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/uuid"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/outbox"
)

// ConsentChecker answers whether uid consented to purpose in org
// (*consent.Checker). It decides, for example, whether a facilitator may
// see a participant's card before it is revealed.
type ConsentChecker interface {
	Allowed(ctx context.Context, uid, org, purpose string) (bool, error)
}

// Deps is what the function needs. Firestore is always required; Verifier
// by the HTTP API; Outbox and Consent by both entry points.
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	// Outbox commits the events and mail of a change in the change's own
	// transaction (shared/outbox); the relay publishes the events and the
	// Trigger Email extension sends the mail.
	Outbox *outbox.Outbox
	// MailQuota bounds the mail people trigger (default: mail.DefaultLimits
	// counted in Firestore).
	MailQuota *mail.Quota
	Consent   ConsentChecker
	// PublicURL is where people open the app: join links and calendar
	// entries point there (required; the root sets it from PUBLIC_URL).
	PublicURL string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand is the randomness of face-down draws and random breakouts
	// (default crypto/rand.Reader: draws must not be predictable).
	Rand io.Reader
	// NewID makes document ids (default: random UUIDs without dashes).
	NewID func() string
}

func (d Deps) check(needVerifier bool) (Deps, error) {
	var errs []error
	if needVerifier && d.Verifier == nil {
		errs = append(errs, errors.New("sessions: Deps.Verifier is nil"))
	}
	if d.Firestore == nil {
		errs = append(errs, errors.New("sessions: Deps.Firestore is nil"))
	}
	if d.Outbox == nil {
		errs = append(errs, errors.New("sessions: Deps.Outbox is nil"))
	}
	if d.Consent == nil {
		errs = append(errs, errors.New("sessions: Deps.Consent is nil"))
	}
	if d.PublicURL == "" {
		errs = append(errs, errors.New("sessions: Deps.PublicURL is empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.MailQuota == nil {
		d.MailQuota = mail.NewQuota(d.Firestore)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.NewID == nil {
		d.NewID = newID
	}
	return d, nil
}

// newID is a random id that is also a valid events.ID.
func newID() string {
	u := uuid.New()
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 32)
	for _, c := range u {
		b = append(b, hex[c>>4], hex[c&15])
	}
	return string(b)
}

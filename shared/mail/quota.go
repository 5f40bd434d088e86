package mail

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"cloud.google.com/go/firestore"
)

// Mail that people trigger (invitations, updates they cause) is bounded
// per person and per organisation, so that no account can turn the
// platform into a mail cannon. Counters live in Firestore, one document
// per sender and fixed window (mail_quota/{id}), and are charged in the
// same transaction as the records the mail is about: a request either
// fits the quota and is written whole, or is refused and writes nothing.
// Every function instance sees the same counters.
//
// The counter of an organisation's day is one document, written once per
// request (not per mail); requests in one organisation at once retry on
// contention, which people clicking "invite" never come close to.
//
// Counter documents name their sender by a hash, never by the uid or org
// id itself, and carry expires_at for a Firestore TTL policy: they are
// not personal data kept beyond their window.

// Scope is whom a Limit counts.
type Scope string

// Scopes.
const (
	ScopeUser Scope = "user" // the person who triggers the mail
	ScopeOrg  Scope = "org"  // the organisation on whose behalf it goes out
)

// Limit allows at most Max mails per Window (fixed windows aligned to the
// Unix epoch) to one sender of Scope.
type Limit struct {
	Scope  Scope
	Max    int
	Window time.Duration
}

// DefaultLimits are the quotas of user-triggered mail:
//   - a person: 500 an hour — a full session (500 places) invited at
//     once — and 2,000 a day;
//   - an organisation: 5,000 a day, all its staff together.
//
// Scheduled mail (reminders) is not user-triggered and is not counted.
var DefaultLimits = []Limit{
	{Scope: ScopeUser, Max: 500, Window: time.Hour},
	{Scope: ScopeUser, Max: 2000, Window: 24 * time.Hour},
	{Scope: ScopeOrg, Max: 5000, Window: 24 * time.Hour},
}

// QuotaCollection holds the counters.
const QuotaCollection = "mail_quota"

// ErrQuota is a refusal for being over a quota; the error is a *QuotaError.
var ErrQuota = errors.New("mail: over quota")

// QuotaError says which limit a request would exceed and when the window
// ends.
type QuotaError struct {
	Limit      Limit
	Used       int // mails already counted in the window
	Asked      int
	RetryAfter time.Duration
}

func (e *QuotaError) Error() string { return ErrQuota.Error() + ": " + e.Detail() }

// Is makes errors.Is(err, ErrQuota) hold.
func (e *QuotaError) Is(target error) bool { return target == ErrQuota }

// Detail describes the refusal for people.
func (e *QuotaError) Detail() string {
	who := "you"
	if e.Limit.Scope == ScopeOrg {
		who = "your organisation"
	}
	left := max(0, e.Limit.Max-e.Used)
	return fmt.Sprintf("this would send %d emails; %s may send %d per %s and %d remain in this window",
		e.Asked, who, e.Limit.Max, window(e.Limit.Window), left)
}

// RetryAfterSeconds is RetryAfter in whole seconds, at least 1.
func (e *QuotaError) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

func window(d time.Duration) string {
	switch d {
	case time.Hour:
		return "hour"
	case 24 * time.Hour:
		return "day"
	}
	return d.String()
}

// Quota charges mail against Limits.
type Quota struct {
	client *firestore.Client
	limits []Limit
}

// NewQuota counts on client; no limits means DefaultLimits.
func NewQuota(client *firestore.Client, limits ...Limit) *Quota {
	if len(limits) == 0 {
		limits = DefaultLimits
	}
	return &Quota{client: client, limits: limits}
}

type counterDoc struct {
	Count       int       `firestore:"count"`
	Scope       string    `firestore:"scope"`
	WindowStart time.Time `firestore:"window_start"`
	ExpiresAt   time.Time `firestore:"expires_at"`
}

// Reserve charges n mails triggered by uid for org ("" for none) in tx, or
// returns a *QuotaError (nothing charged) when one limit would be
// exceeded. It reads and then writes: call it after the transaction's
// other reads and before its writes.
func (q *Quota) Reserve(tx *firestore.Transaction, org, uid string, n int, now time.Time) error {
	if n <= 0 {
		return nil
	}
	type slot struct {
		lim   Limit
		ref   *firestore.DocumentRef
		start time.Time
	}
	var slots []slot
	var refs []*firestore.DocumentRef
	for _, l := range q.limits {
		id := uid
		if l.Scope == ScopeOrg {
			id = org
		}
		if id == "" || l.Window <= 0 {
			continue
		}
		start := now.UTC().Truncate(l.Window)
		ref := q.client.Collection(QuotaCollection).Doc(counterID(l, id, start))
		slots = append(slots, slot{l, ref, start})
		refs = append(refs, ref)
	}
	if len(refs) == 0 {
		return nil
	}
	snaps, err := tx.GetAll(refs)
	if err != nil {
		return fmt.Errorf("mail: read quota: %w", err)
	}
	counts := make([]int, len(slots))
	var refusal *QuotaError
	for i, snap := range snaps {
		if snap.Exists() {
			var c counterDoc
			if err := snap.DataTo(&c); err != nil {
				return fmt.Errorf("mail: decode quota: %w", err)
			}
			counts[i] = c.Count
		}
		s := slots[i]
		if counts[i]+n > s.lim.Max {
			wait := s.start.Add(s.lim.Window).Sub(now)
			if refusal == nil || wait > refusal.RetryAfter {
				refusal = &QuotaError{Limit: s.lim, Used: counts[i], Asked: n, RetryAfter: wait}
			}
		}
	}
	if refusal != nil {
		return refusal
	}
	for i, s := range slots {
		end := s.start.Add(s.lim.Window)
		if err := tx.Set(s.ref, counterDoc{Count: counts[i] + n, Scope: string(s.lim.Scope), WindowStart: s.start,
			ExpiresAt: end.Add(time.Hour)}); err != nil {
			return fmt.Errorf("mail: charge quota: %w", err)
		}
	}
	return nil
}

// counterID names the counter of sender id under l in the window from
// start; the sender appears only hashed.
func counterID(l Limit, id string, start time.Time) string {
	h := sha256.Sum256([]byte(string(l.Scope) + "\x00" + id))
	return fmt.Sprintf("%s-%s-%d-%d", l.Scope, hex.EncodeToString(h[:12]), int64(l.Window/time.Second), start.Unix())
}

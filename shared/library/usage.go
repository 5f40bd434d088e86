package library

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/entitlements"
)

// A person's content uses a month are their tier's allowance
// (entitlements.Of(tier).ContentUses, REQUIREMENTS §12), counted here
// where uses are logged: Allow refuses a use past it with a
// *UsesExhausted, and UserMeter carries the warning from 80 %. The
// content API asks Allow before every recorded use; the coach counts the
// items its answer quotes but is bounded by the person's AI interactions
// instead (an answer already given is not taken back).

// Per official item and month: commercial uses allowed, and the share at
// which a warning is given (REQUIREMENTS §7).
const (
	ItemMonthlyUses = 1000
	ItemWarnShare   = 0.8
)

// UsePurposes are the purposes a use is logged with.
var UsePurposes = []string{"session", "coach", "journey", "canvas", "journal"}

// Usage layout: one log entry per use, and monthly counters per user,
// per organisation and per official item.
//
//	orgs/{org}/content_usage/{id}                   the log (who, what, why, tiers, licence)
//	orgs/{org}/content_usage_months/{yyyy-mm}       UseCounter of the organisation
//	users/{uid}/content_usage_months/{yyyy-mm}      UseCounter of the person
//	content/{item}/usage_months/{yyyy-mm}           UseCounter of an official item
const (
	usageLog    = "content_usage"
	usageMonths = entitlements.ContentCollection
	itemMonths  = "usage_months"
)

// UsageMonth is the counters' month of t (UTC).
func UsageMonth(t time.Time) string { return t.UTC().Format("2006-01") }

// UseCounter is one monthly counter document.
type UseCounter struct {
	Count     int            `firestore:"count"`
	ByPurpose map[string]int `firestore:"by_purpose"`
	ByItem    map[string]int `firestore:"by_item,omitempty"`
}

func readUseCounter(tx *firestore.Transaction, ref *firestore.DocumentRef) (*UseCounter, error) {
	c := &UseCounter{ByPurpose: map[string]int{}, ByItem: map[string]int{}}
	snap, err := tx.Get(ref)
	if status.Code(err) == codes.NotFound {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	if err := snap.DataTo(c); err != nil {
		return nil, err
	}
	if c.ByPurpose == nil {
		c.ByPurpose = map[string]int{}
	}
	if c.ByItem == nil {
		c.ByItem = map[string]int{}
	}
	return c, nil
}

// Use is one use of an item to log.
type Use struct {
	Item       *Item
	Purpose    string
	SessionID  string
	CallerTier string
}

// Usage is the counters of one person's month, read in a transaction so
// that uses are counted and logged in the same commit as the change that
// made them (a recorded use in the content API, an answer of the coach).
// Read everything first (ReadUsage), then Add, then Write: a Firestore
// transaction reads before it writes.
type Usage struct {
	fs         *firestore.Client
	uid, org   string
	month      string
	now        time.Time
	userRef    *firestore.DocumentRef
	orgRef     *firestore.DocumentRef
	user, orgC *UseCounter
	items      map[string]*UseCounter
	itemRefs   map[string]*firestore.DocumentRef
	logs       map[string]map[string]any
}

// ReadUsage reads, in tx, the month of now's counters of uid, of org (none
// when org is "") and of the official items ids.
func ReadUsage(tx *firestore.Transaction, fs *firestore.Client, uid, org string, now time.Time, officialIDs []string) (*Usage, error) {
	u := &Usage{fs: fs, uid: uid, org: org, month: UsageMonth(now), now: now.UTC(),
		items: map[string]*UseCounter{}, itemRefs: map[string]*firestore.DocumentRef{}, logs: map[string]map[string]any{}}
	u.userRef = fs.Doc("users/" + uid + "/" + usageMonths + "/" + u.month)
	var err error
	if u.user, err = readUseCounter(tx, u.userRef); err != nil {
		return nil, fmt.Errorf("read usage: %w", err)
	}
	if org != "" {
		u.orgRef = fs.Doc("orgs/" + org + "/" + usageMonths + "/" + u.month)
		if u.orgC, err = readUseCounter(tx, u.orgRef); err != nil {
			return nil, fmt.Errorf("read usage: %w", err)
		}
	}
	for _, id := range officialIDs {
		if _, ok := u.items[id]; ok {
			continue
		}
		ref := fs.Doc(OfficialCollection + "/" + id + "/" + itemMonths + "/" + u.month)
		c, err := readUseCounter(tx, ref)
		if err != nil {
			return nil, fmt.Errorf("read usage: %w", err)
		}
		u.items[id], u.itemRefs[id] = c, ref
	}
	return u, nil
}

// UsesExhausted is a use refused because the person's month has no
// content use left at their tier; it is ErrUsesExhausted.
type UsesExhausted struct {
	Tier     string
	Month    string
	ResetsAt time.Time
	Meter    entitlements.Meter
}

// ErrUsesExhausted is a use past the monthly content-use allowance.
var ErrUsesExhausted = errors.New("library: monthly content uses exhausted")

func (e *UsesExhausted) Error() string {
	return fmt.Sprintf("library: %d of %d content uses used in %s", e.Meter.Used, e.Meter.Allowed, e.Month)
}

// Is makes errors.Is(err, ErrUsesExhausted) hold.
func (e *UsesExhausted) Is(target error) bool { return target == ErrUsesExhausted }

// Detail is the sentence a client is shown.
func (e *UsesExhausted) Detail() string {
	return fmt.Sprintf("all %d content uses of your %s plan this month are used; they come back on %s",
		e.Meter.Allowed, e.Tier, e.ResetsAt.Format("2 January 2006"))
}

// UserMeter is the person's content uses of the month (with the uses
// added so far) against the allowance of tier.
func (u *Usage) UserMeter(tier string) entitlements.Meter {
	return entitlements.NewMeter(u.user.Count, entitlements.Of(tier).ContentUses)
}

// Allow refuses one more use by a person of tier whose month's allowance
// is used up (a *UsesExhausted).
func (u *Usage) Allow(tier string) error {
	m := u.UserMeter(tier)
	if m.Left() > 0 {
		return nil
	}
	_, resets := entitlements.Month(u.now)
	return &UsesExhausted{Tier: entitlements.Claim(tier), Month: u.month, ResetsAt: resets, Meter: m}
}

// Month is the counters' month (yyyy-mm).
func (u *Usage) Month() string { return u.month }

// UserUses is the person's uses this month so far.
func (u *Usage) UserUses() int { return u.user.Count }

// ItemUses is an official item's uses this month so far (it must have
// been read by ReadUsage).
func (u *Usage) ItemUses(id string) int {
	if c := u.items[id]; c != nil {
		return c.Count
	}
	return 0
}

// Add counts one use and queues its log entry; it returns the entry's id.
// An official item must have been read by ReadUsage.
func (u *Usage) Add(use Use) string {
	it := use.Item
	u.user.Count++
	u.user.ByPurpose[use.Purpose]++
	if u.orgC != nil {
		u.orgC.Count++
		u.orgC.ByPurpose[use.Purpose]++
		u.orgC.ByItem[it.ID]++
	}
	if c := u.items[it.ID]; c != nil && it.Official() {
		c.Count++
		c.ByPurpose[use.Purpose]++
	}
	id := uuid.NewString()
	lib := "org"
	if it.Official() {
		lib = "official"
	}
	u.logs[id] = map[string]any{
		"uid": u.uid, "org": u.org, "item_id": it.ID, "library": lib, "item_tier": it.Tier,
		"caller_tier": use.CallerTier, "purpose": use.Purpose, "session_id": use.SessionID,
		"license_type": it.License.Type, "month": u.month, "at": u.now,
	}
	return id
}

// Write writes the counters and the queued log entries in tx. Without an
// organisation there is no organisation log: the person's and the items'
// counters still count.
func (u *Usage) Write(tx *firestore.Transaction) error {
	if len(u.logs) == 0 {
		return nil
	}
	if u.orgRef != nil {
		for id, entry := range u.logs {
			if err := tx.Set(u.fs.Collection("orgs/"+u.org+"/"+usageLog).Doc(id), entry); err != nil {
				return err
			}
		}
		if err := tx.Set(u.orgRef, u.orgC); err != nil {
			return err
		}
	}
	if err := tx.Set(u.userRef, u.user); err != nil {
		return err
	}
	for id, c := range u.items {
		c.ByItem = nil
		if err := tx.Set(u.itemRefs[id], c); err != nil {
			return err
		}
	}
	return nil
}

// ItemUsesThisMonth reads the official items' uses in now's month outside
// any transaction: a check before work that a later transaction counts.
func ItemUsesThisMonth(ctx context.Context, fs *firestore.Client, ids []string, now time.Time) (map[string]int, error) {
	out := map[string]int{}
	if len(ids) == 0 {
		return out, nil
	}
	month := UsageMonth(now)
	refs := make([]*firestore.DocumentRef, len(ids))
	for i, id := range ids {
		refs[i] = fs.Doc(OfficialCollection + "/" + id + "/" + itemMonths + "/" + month)
	}
	snaps, err := fs.GetAll(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read item usage: %w", err)
	}
	for i, s := range snaps {
		if !s.Exists() {
			continue
		}
		var c UseCounter
		if err := s.DataTo(&c); err != nil {
			return nil, fmt.Errorf("item usage %s: %w", ids[i], err)
		}
		out[ids[i]] = c.Count
	}
	return out, nil
}

package entitlements

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
)

// Monthly counters of one person, one document per UTC month (yyyy-mm):
//
//	users/{uid}/ai_credits/{month}            {used}: AI interactions (coach answers, copilot suggestions)
//	users/{uid}/content_usage_months/{month}  {count}: content uses (shared/library.Usage)
//
// The coach and the library write them, in the transaction of the use;
// Usage reads them for the meters.
const (
	AICollection      = "ai_credits"
	ContentCollection = "content_usage_months"
)

// Month is the UTC month of t (yyyy-mm) and when it ends.
func Month(t time.Time) (string, time.Time) {
	t = t.UTC()
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start.Format("2006-01"), start.AddDate(0, 1, 0)
}

// Meter is one allowance of a month: used, allowed, and whether the
// warning share is reached.
type Meter struct {
	Used    int  `json:"used"`
	Allowed int  `json:"allowed"`
	Warning bool `json:"warning"`
}

// NewMeter builds a meter.
func NewMeter(used, allowed int) Meter {
	return Meter{Used: used, Allowed: allowed, Warning: Warn(used, allowed)}
}

// Left is what remains of the allowance (never below zero).
func (m Meter) Left() int { return max(0, m.Allowed-m.Used) }

// MonthUsage is a person's month against their tier's allowances (the
// "usage" of the billing API's GET /v1/me).
type MonthUsage struct {
	Month          string    `json:"month"`
	ResetsAt       time.Time `json:"resets_at"`
	AIInteractions Meter     `json:"ai_interactions"`
	ContentUses    Meter     `json:"content_uses"`
}

// Usage returns the month of now's AI interactions and content uses of
// uid against the allowances of tier.
func (s *Store) Usage(ctx context.Context, uid, tier string, now time.Time) (MonthUsage, error) {
	month, resets := Month(now)
	user := s.fs.Collection(colUsers).Doc(uid)
	snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{
		user.Collection(AICollection).Doc(month), user.Collection(ContentCollection).Doc(month),
	})
	if err != nil {
		return MonthUsage{}, fmt.Errorf("read usage: %w", err)
	}
	counts := [2]int{}
	for i, field := range []string{"used", "count"} {
		if !snaps[i].Exists() {
			continue
		}
		v, err := snaps[i].DataAt(field)
		if err != nil {
			continue // a counter without the field has counted nothing
		}
		if n, ok := v.(int64); ok {
			counts[i] = int(n)
		}
	}
	a := Of(tier)
	return MonthUsage{Month: month, ResetsAt: resets,
		AIInteractions: NewMeter(counts[0], a.AIInteractions), ContentUses: NewMeter(counts[1], a.ContentUses)}, nil
}

// Package entitlements is the one truth about what a person or an
// organisation may use: the tier each is entitled to (granted by billing
// or a platform operator), the monthly allowances of a tier, the seats of
// an organisation's plan, and the person's tier as stored in their profile
// and ID token claims. Every function asks it; none keeps a tier table of
// its own.
//
// Storage layout (Firestore):
//
//	entitlements/org:{orgId}        Doc of an organisation
//	entitlements/user:{uid}         Doc of one person
//	orgs/{orgId}/billing/seats      seat holders of the organisation (seats.go)
//	users/{uid}                     profile: role, tier, active org (read; tier written)
//
// Decisions where the specs leave a gap:
//   - A person's tier is the highest tier their own entitlement or their
//     active organisation's grants, capped by what their role may hold
//     (REQUIREMENTS §1); no entitlement means free. A role or an
//     organisation never raises a tier by itself.
//   - A failed payment keeps the paid tier for GracePeriod (7 days), then
//     the tier is free; a canceled subscription is free at once. Nothing
//     is deleted: the doc stays and a renewal restores the tier.
//   - Nothing read here is cached across requests: a cached tier or seat
//     count would outlive the downgrade or the membership change that
//     ended it. Only the static tables (tiers, allowances, roles) are
//     package state.
package entitlements

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
)

// Tiers, lowest first (shared/auth's tier claims; the library items'
// tiers have the same names).
const (
	TierFree         = auth.TierFree
	TierProfessional = auth.TierProfessional
	TierEnterprise   = auth.TierEnterprise
	TierOfficial     = auth.TierOfficial
)

// Tiers lists the tiers, lowest first.
var Tiers = []string{TierFree, TierProfessional, TierEnterprise, TierOfficial}

// Allowances are what a tier gives each month (and at once, for seats and
// journal storage).
type Allowances struct {
	AIInteractions int   `json:"ai_interactions"`
	ContentUses    int   `json:"content_uses"`
	JournalEntries int   `json:"journal_entries"`
	JournalBytes   int64 `json:"journal_bytes"`
}

// allowances per tier (REQUIREMENTS §12; the journal's from the journal
// spec): AI interactions and content uses a UTC month, journal entries
// and bytes at any time.
var allowances = map[string]Allowances{
	TierFree:         {AIInteractions: 50, ContentUses: 100, JournalEntries: 100, JournalBytes: 10 << 20},
	TierProfessional: {AIInteractions: 500, ContentUses: 1000, JournalEntries: 2000, JournalBytes: 200 << 20},
	TierEnterprise:   {AIInteractions: 2000, ContentUses: 5000, JournalEntries: 10000, JournalBytes: 1 << 30},
	TierOfficial:     {AIInteractions: 5000, ContentUses: 10000, JournalEntries: 10000, JournalBytes: 1 << 30},
}

// WarnShare is the share of an allowance from which a warning is given.
const WarnShare = 0.8

// Warn reports used at or past WarnShare of allowed.
func Warn[N int | int64](used, allowed N) bool {
	return float64(used) >= WarnShare*float64(allowed)
}

// Of returns the allowances of tier (unknown tiers: free's).
func Of(tier string) Allowances { return allowances[Claim(tier)] }

// Rank orders tiers (free 0 … official 3; unknown -1).
func Rank(tier string) int { return slices.Index(Tiers, tier) }

// Claim maps a tier claim (or any tier string from outside) to a tier: an
// empty or unknown one is free, the safe default.
func Claim(tier string) string {
	if Rank(tier) < 0 {
		return TierFree
	}
	return tier
}

// UpTo lists the tiers a holder of tier may use, lowest first.
func UpTo(tier string) []string { return slices.Clone(Tiers[:Rank(Claim(tier))+1]) }

// Covers reports whether a holder of tier may use what needs tier need
// (an unknown need is covered by nobody).
func Covers(tier, need string) bool { return Rank(need) >= 0 && Rank(need) <= Rank(Claim(tier)) }

// roleTiers lists, per role, the tiers the role may hold (REQUIREMENTS §1),
// lowest first.
var roleTiers = map[string][]string{
	auth.RoleFacilitator: {TierProfessional, TierEnterprise, TierOfficial},
	auth.RoleParticipant: {TierFree, TierProfessional},
	auth.RoleEducator:    {TierProfessional, TierEnterprise},
	auth.RoleOrgAdmin:    {TierEnterprise},
}

// IsStaff reports a role that holds a seat of an organisation's plan: the
// staff roles of shared/authz.
func IsStaff(role string) bool { return slices.Contains(authz.Staff, role) }

// ForRole is the tier a person with role holds when entitled to at most
// entitled: the highest tier the role allows that does not exceed the
// entitlement, and free when there is none.
func ForRole(role, entitled string) string {
	best := TierFree
	for _, t := range roleTiers[role] {
		if Rank(t) <= Rank(entitled) && Rank(t) > Rank(best) {
			best = t
		}
	}
	return best
}

// Entitlement statuses.
const (
	StatusActive   = "active"
	StatusPastDue  = "past_due" // payment failed: full access until GraceUntil
	StatusCanceled = "canceled"
)

// GracePeriod is how long a failed payment keeps the paid tier.
const GracePeriod = 7 * 24 * time.Hour

// Sources of a Doc.
const (
	SourceOperator = "operator"
	SourceBilling  = "billing"
)

// Doc is entitlements/{subject} (subject "org:{orgId}" or "user:{uid}").
type Doc struct {
	Tier      string    `firestore:"tier" json:"tier"`
	Source    string    `firestore:"source" json:"source"` // operator | billing
	UpdatedBy string    `firestore:"updated_by" json:"-"`
	UpdatedAt time.Time `firestore:"updated_at" json:"updated_at"`
	// Billing fields (Source billing).
	Status           string     `firestore:"status,omitempty" json:"status,omitempty"`
	GraceUntil       *time.Time `firestore:"grace_until,omitempty" json:"grace_until,omitempty"`
	Seats            int        `firestore:"seats,omitempty" json:"seats,omitempty"` // org: seats paid for (0: no limit)
	Customer         string     `firestore:"customer,omitempty" json:"-"`
	Subscription     string     `firestore:"subscription,omitempty" json:"-"`
	Price            string     `firestore:"price,omitempty" json:"price,omitempty"` // lookup key
	CurrentPeriodEnd *time.Time `firestore:"current_period_end,omitempty" json:"current_period_end,omitempty"`
	CancelAtEnd      bool       `firestore:"cancel_at_period_end,omitempty" json:"cancel_at_period_end,omitempty"`
	// Version orders updates from Stripe: the event's created time and the
	// subscription's status rank; older ones are ignored.
	Version int64 `firestore:"version,omitempty" json:"-"`
}

// TierAt is the tier the doc grants at now: free once a grace period ended
// or the subscription is canceled, and for an unknown tier. A past_due doc
// without GraceUntil is given GracePeriod from UpdatedAt, so a writer that
// forgot the deadline still downgrades.
func (d Doc) TierAt(now time.Time) string {
	switch d.Status {
	case StatusCanceled:
		return TierFree
	case StatusPastDue:
		until := d.UpdatedAt.Add(GracePeriod)
		if d.GraceUntil != nil {
			until = *d.GraceUntil
		}
		if !now.Before(until) {
			return TierFree
		}
	}
	return Claim(d.Tier)
}

// AllowedSeats is the seats d's plan pays for (0: no limit, and for no
// doc).
func AllowedSeats(d *Doc) int {
	if d == nil {
		return 0
	}
	return max(0, d.Seats)
}

// ErrNoSeat is a seat asked for beyond the plan.
var ErrNoSeat = errors.New("entitlements: no seat left")

// NoSeatError is ErrNoSeat with the plan's seats.
type NoSeatError struct{ Allowed int }

func (e *NoSeatError) Error() string {
	return fmt.Sprintf("entitlements: all %d seats of the plan are taken", e.Allowed)
}

// Is makes errors.Is(err, ErrNoSeat) hold.
func (e *NoSeatError) Is(target error) bool { return target == ErrNoSeat }

// Detail is the sentence a client is shown.
func (e *NoSeatError) Detail() string {
	return fmt.Sprintf("all %d seats of the plan are taken", e.Allowed)
}

// Subjects.
func OrgSubject(org string) string  { return "org:" + org }
func UserSubject(uid string) string { return "user:" + uid }

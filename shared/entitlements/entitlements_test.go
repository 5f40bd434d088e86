package entitlements

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestTierAt(t *testing.T) {
	t.Parallel()
	failed := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	grace := failed.Add(GracePeriod)
	for _, c := range []struct {
		name string
		doc  Doc
		at   time.Time
		want string
	}{
		{"active", Doc{Tier: TierProfessional, Status: StatusActive}, failed, TierProfessional},
		{"operator grant without status", Doc{Tier: TierEnterprise, Source: SourceOperator}, failed, TierEnterprise},
		{"past due, day one", Doc{Tier: TierEnterprise, Status: StatusPastDue, GraceUntil: &grace}, failed, TierEnterprise},
		{"past due, last second", Doc{Tier: TierEnterprise, Status: StatusPastDue, GraceUntil: &grace}, grace.Add(-time.Second), TierEnterprise},
		{"past due, grace over", Doc{Tier: TierEnterprise, Status: StatusPastDue, GraceUntil: &grace}, grace, TierFree},
		{"past due, long after", Doc{Tier: TierEnterprise, Status: StatusPastDue, GraceUntil: &grace}, grace.AddDate(1, 0, 0), TierFree},
		{"past due without deadline, in grace", Doc{Tier: TierOfficial, Status: StatusPastDue, UpdatedAt: failed}, failed.Add(6 * 24 * time.Hour), TierOfficial},
		{"past due without deadline, after", Doc{Tier: TierOfficial, Status: StatusPastDue, UpdatedAt: failed}, grace, TierFree},
		{"canceled", Doc{Tier: TierProfessional, Status: StatusCanceled}, failed, TierFree},
		{"unknown tier", Doc{Tier: "platinum", Status: StatusActive}, failed, TierFree},
		{"empty", Doc{}, failed, TierFree},
	} {
		if got := c.doc.TierAt(c.at); got != c.want {
			t.Errorf("%s: TierAt = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestRankAndOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		tier       string
		rank       int
		ai, uses   int
		entries    int
		bytes      int64
		claim      string
		upTo       int
		coversPro  bool
		coversFree bool
	}{
		{TierFree, 0, 50, 100, 100, 10 << 20, TierFree, 1, false, true},
		{TierProfessional, 1, 500, 1000, 2000, 200 << 20, TierProfessional, 2, true, true},
		{TierEnterprise, 2, 2000, 5000, 10000, 1 << 30, TierEnterprise, 3, true, true},
		{TierOfficial, 3, 5000, 10000, 10000, 1 << 30, TierOfficial, 4, true, true},
		{"", -1, 50, 100, 100, 10 << 20, TierFree, 1, false, true},
		{"platinum", -1, 50, 100, 100, 10 << 20, TierFree, 1, false, true},
		{"Professional", -1, 50, 100, 100, 10 << 20, TierFree, 1, false, true},
	} {
		if got := Rank(c.tier); got != c.rank {
			t.Errorf("Rank(%q) = %d, want %d", c.tier, got, c.rank)
		}
		a := Of(c.tier)
		if a.AIInteractions != c.ai || a.ContentUses != c.uses || a.JournalEntries != c.entries || a.JournalBytes != c.bytes {
			t.Errorf("Of(%q) = %+v", c.tier, a)
		}
		if got := Claim(c.tier); got != c.claim {
			t.Errorf("Claim(%q) = %s, want %s", c.tier, got, c.claim)
		}
		if got := UpTo(c.tier); len(got) != c.upTo {
			t.Errorf("UpTo(%q) = %v", c.tier, got)
		}
		if Covers(c.tier, TierProfessional) != c.coversPro || Covers(c.tier, TierFree) != c.coversFree || Covers(c.tier, "bogus") {
			t.Errorf("Covers(%q, …) wrong", c.tier)
		}
	}
}

func TestForRole(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ role, entitled, want string }{
		{"org_admin", "", TierFree},
		{"org_admin", TierProfessional, TierFree},
		{"org_admin", TierEnterprise, TierEnterprise},
		{"org_admin", TierOfficial, TierEnterprise},
		{"facilitator", TierFree, TierFree},
		{"facilitator", TierEnterprise, TierEnterprise},
		{"facilitator", TierOfficial, TierOfficial},
		{"educator", TierOfficial, TierEnterprise},
		{"participant", TierEnterprise, TierProfessional},
		{"participant", "bogus", TierFree},
		{"root", TierOfficial, TierFree},
	} {
		if got := ForRole(c.role, c.entitled); got != c.want {
			t.Errorf("ForRole(%s, %q) = %s, want %s", c.role, c.entitled, got, c.want)
		}
	}
	for role, staff := range map[string]bool{"facilitator": true, "educator": true, "org_admin": true, "participant": false, "": false} {
		if IsStaff(role) != staff {
			t.Errorf("IsStaff(%q) = %v", role, !staff)
		}
	}
}

func TestMeterAndMonth(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		used, allowed int
		warn          bool
		left          int
	}{{0, 50, false, 50}, {39, 50, false, 11}, {40, 50, true, 10}, {50, 50, true, 0}, {60, 50, true, 0}} {
		m := NewMeter(c.used, c.allowed)
		if m.Warning != c.warn || m.Left() != c.left {
			t.Errorf("NewMeter(%d, %d) = %+v, left %d", c.used, c.allowed, m, m.Left())
		}
	}
	month, resets := Month(time.Date(2026, 12, 31, 23, 59, 0, 0, time.FixedZone("x", -3600)))
	if month != "2027-01" || !resets.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Month = %s, %s", month, resets)
	}
}

func TestNoSeatError(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("accept: %w", &NoSeatError{Allowed: 5})
	var ns *NoSeatError
	if !errors.Is(err, ErrNoSeat) || !errors.As(err, &ns) || ns.Detail() != "all 5 seats of the plan are taken" {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkTierAt is the check every read of an entitlement makes.
func BenchmarkTierAt(b *testing.B) {
	grace := time.Now().Add(time.Hour)
	d := Doc{Tier: TierEnterprise, Status: StatusPastDue, GraceUntil: &grace}
	now := time.Now()
	for b.Loop() {
		if d.TierAt(now) != TierEnterprise {
			b.Fatal("tier")
		}
	}
}

// BenchmarkOf is the allowance lookup of every coach answer and content use.
func BenchmarkOf(b *testing.B) {
	for b.Loop() {
		if Of(TierProfessional).AIInteractions != 500 {
			b.Fatal("allowance")
		}
	}
}

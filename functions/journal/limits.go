package journal

import "pointsofyou.ai/studio/shared/entitlements"

// Journal limits per tier claim come from shared/entitlements (entries,
// and UTF-8 bytes of titles, bodies and conflict versions of live
// entries); WarnShare is the share of either limit from which
// Usage.Warning is set.
const WarnShare = entitlements.WarnShare

// limits are a tier's journal limits.
type limits struct {
	entries int
	bytes   int64
}

func limitsOf(tier string) (string, limits) {
	t := entitlements.Claim(tier)
	a := entitlements.Of(t)
	return t, limits{entries: a.JournalEntries, bytes: a.JournalBytes}
}

func usageOf(tier string, entries int, bytes int64) Usage {
	t, l := limitsOf(tier)
	return Usage{Tier: t, Entries: entries, EntriesLimit: l.entries, Bytes: bytes, BytesLimit: l.bytes,
		Warning: entitlements.Warn(entries, l.entries) || entitlements.Warn(bytes, l.bytes)}
}

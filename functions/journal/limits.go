package journal

import "pointsofyou.ai/studio/shared/library"

// limits are a tier's journal limits.
type limits struct {
	entries int
	bytes   int64
}

// Limits per tier claim (entries, and UTF-8 bytes of titles, bodies and
// conflict versions of live entries).
var tierLimits = map[string]limits{
	"free":         {entries: 100, bytes: 10 << 20},
	"professional": {entries: 2000, bytes: 200 << 20},
	"enterprise":   {entries: 10000, bytes: 1 << 30},
	"official":     {entries: 10000, bytes: 1 << 30},
}

// WarnShare is the share of either limit from which Usage.Warning is set.
const WarnShare = 0.8

func limitsOf(tier string) (string, limits) {
	t := library.CallerTier(tier)
	l, ok := tierLimits[t]
	if !ok {
		t, l = "free", tierLimits["free"]
	}
	return t, l
}

func usageOf(tier string, entries int, bytes int64) Usage {
	t, l := limitsOf(tier)
	return Usage{Tier: t, Entries: entries, EntriesLimit: l.entries, Bytes: bytes, BytesLimit: l.bytes,
		Warning: float64(entries) >= WarnShare*float64(l.entries) || float64(bytes) >= WarnShare*float64(l.bytes)}
}

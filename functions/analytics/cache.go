package analytics

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// cacheTTL is how long a cache document lives (a TTL policy on
// expire_at deletes it); the key's date makes it stale after its day.
const cacheTTL = 48 * time.Hour

// maxCached bounds the rows JSON kept in one document (Firestore's limit
// is 1 MiB); a bigger answer is simply not cached.
const maxCached = 900 << 10

// cacheEntry is orgs/{org}/report_cache/{key}.
type cacheEntry struct {
	Report         string    `firestore:"report"`
	Day            string    `firestore:"day"`
	GeneratedAt    time.Time `firestore:"generated_at"`
	ExpireAt       time.Time `firestore:"expire_at"`
	Rows           string    `firestore:"rows"`
	SuppressedRows int       `firestore:"suppressed_rows"`
	// UID names the caller of a personal report (me, facilitator,
	// content-owner), so export and erasure find the answer; "" for
	// organisation reports.
	UID string `firestore:"uid,omitempty"`
}

// cacheKey names one answer: the report, the organisation, the period,
// the caller for reports that depend on who asks, and the UTC day.
func cacheKey(rep report, p Params, uid string, now time.Time) string {
	who := ""
	if rep.Scope != scopeOrg {
		who = uid
	}
	parts := []string{"v1", rep.Name, p.Org, p.From.Format("2006-01"), p.To.Format("2006-01"), who, now.UTC().Format(time.DateOnly)}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// result answers from the day's cache, or runs the report and caches it.
func (a *api) result(ctx context.Context, rep report, p Params, uid, role string, now time.Time) (*Result, scoped, error) {
	res := &Result{Report: rep.Name, OrgID: p.Org, From: p.From.Format("2006-01"), To: p.To.Format("2006-01"), K: K}
	sc, err := a.scope(ctx, rep, p, uid, role)
	if err != nil {
		return nil, sc, err
	}
	ref := a.d.Firestore.Collection("orgs/" + p.Org + "/report_cache").Doc(cacheKey(rep, p, uid, now))
	if snap, err := ref.Get(ctx); err == nil {
		var e cacheEntry
		if err := snap.DataTo(&e); err == nil && decodeRows(e.Rows, &res.Rows) == nil {
			res.GeneratedAt, res.SuppressedRows, res.Cached = e.GeneratedAt.UTC(), e.SuppressedRows, true
			return res, sc, nil
		}
	} else if status.Code(err) != codes.NotFound {
		slog.Warn("report cache unreadable; running the report", "report", rep.Name, "err", err)
	}
	if res.Rows, res.SuppressedRows, err = a.run(ctx, rep, p, sc); err != nil {
		return nil, sc, err
	}
	res.GeneratedAt = now.Truncate(time.Second)
	b, err := json.Marshal(res.Rows)
	if err != nil {
		return nil, sc, fmt.Errorf("report %s: %w", rep.Name, err)
	}
	if len(b) <= maxCached {
		entry := cacheEntry{Report: rep.Name, Day: now.Format(time.DateOnly), GeneratedAt: res.GeneratedAt,
			ExpireAt: now.Add(cacheTTL), Rows: string(b), SuppressedRows: res.SuppressedRows}
		if rep.Scope != scopeOrg {
			entry.UID = uid
		}
		_, err := ref.Set(ctx, entry)
		if err != nil {
			slog.Warn("report not cached", "report", rep.Name, "err", err)
		}
	}
	return res, sc, nil
}

// decodeRows reads cached rows, keeping numbers exact (json.Number).
func decodeRows(s string, rows *[]Row) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(rows)
}

package journal

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/pii"
)

// Search limits.
const (
	maxQuery       = 500
	maxSearch      = 50
	defaultSearch  = 20
	wordScanLimit  = 1000 // candidate entries read for a words search
	snippetRunes   = 160
	meaningMaxDist = 0.8 // cosine distance beyond which a hit is noise
)

// SearchResult is one hit.
type SearchResult struct {
	Entry   Entry   `json:"entry"`
	Score   float64 `json:"score"`
	Snippet string  `json:"snippet"`
}

func (a *api) search(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	qv := r.URL.Query()
	q := strings.TrimSpace(qv.Get("q"))
	mode := qv.Get("mode")
	if mode == "" {
		mode = "both"
	}
	limit := defaultSearch
	var fs []httpapi.FieldError
	httpapi.Required(&fs, "q", q)
	httpapi.MaxLen(&fs, "q", q, maxQuery)
	httpapi.Text(&fs, "q", q, httpapi.SingleLine)
	httpapi.OneOf(&fs, "mode", mode, "words", "meaning", "both")
	if s := qv.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxSearch {
			fs = append(fs, httpapi.Field("limit", "must be 1..%d", maxSearch))
		}
		limit = n
	}
	if len(fs) > 0 {
		return httpapi.Invalid(fs...)
	}
	ctx := r.Context()
	hits := map[string]*SearchResult{}
	if mode != "meaning" {
		if err := a.searchWords(ctx, p.UID, q, hits); err != nil {
			return httpapi.Unavailable(err)
		}
	}
	if mode != "words" {
		if a.d.Model == nil {
			if mode == "meaning" {
				return httpapi.Unavailable(fmt.Errorf("no embedding model"))
			}
		} else if err := a.searchMeaning(ctx, p.UID, q, limit, hits); err != nil {
			if mode == "meaning" {
				return httpapi.Unavailable(err)
			}
		}
	}
	out := make([]SearchResult, 0, len(hits))
	for _, h := range hits {
		h.Entry.Conflicts = nonNil(h.Entry.Conflicts)
		h.Snippet = snippet(h.Entry.Body, q)
		out = append(out, *h)
	}
	slices.SortFunc(out, func(x, y SearchResult) int {
		if x.Score != y.Score {
			if x.Score > y.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Entry.ID, y.Entry.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}

// searchWords finds live entries holding every term of q: Firestore
// matches the rarest-looking (longest) term, the rest is checked here.
func (a *api) searchWords(ctx context.Context, uid, q string, hits map[string]*SearchResult) error {
	ts := terms(q)
	if len(ts) == 0 {
		return nil
	}
	first := slices.MaxFunc(ts, func(x, y string) int { return len(x) - len(y) })
	it := a.entries(uid).Where("terms", "array-contains", first).Limit(wordScanLimit).Documents(ctx)
	defer it.Stop()
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			return nil
		}
		if err != nil {
			return fmt.Errorf("search words: %w", err)
		}
		var e Entry
		if err := snap.DataTo(&e); err != nil {
			return fmt.Errorf("decode entry: %w", err)
		}
		if e.Deleted || !containsAll(e.Terms, ts) {
			continue
		}
		e.normalizeLists()
		score := 1.0
		if containsAll(terms(e.Title), ts) {
			score = 1.5 // a title match ranks first
		}
		hits[e.ID] = &SearchResult{Entry: e, Score: score}
	}
}

func containsAll(sorted, want []string) bool {
	for _, t := range want {
		if _, ok := slices.BinarySearch(sorted, t); !ok {
			return false
		}
	}
	return true
}

// searchMeaning embeds the redacted query and finds the nearest of the
// person's own entry vectors (journal_vectors, kept by journal-embed).
func (a *api) searchMeaning(ctx context.Context, uid, q string, limit int, hits map[string]*SearchResult) error {
	red := pii.New(pii.Options{}).Redact(q).Text
	vecs, err := a.d.Model.Embed(ctx, []string{red}, ai.TaskRetrievalQuery)
	if err != nil || len(vecs) != 1 {
		return fmt.Errorf("embed query: %w", err)
	}
	docs, err := a.user(uid).Collection(collVectors).
		FindNearest("embedding", firestore.Vector32(vecs[0]), limit, firestore.DistanceMeasureCosine,
			&firestore.FindNearestOptions{DistanceResultField: "distance"}).Documents(ctx).GetAll()
	if err != nil {
		return fmt.Errorf("find nearest: %w", err)
	}
	for _, d := range docs {
		dist, _ := d.Data()["distance"].(float64)
		if dist > meaningMaxDist {
			continue
		}
		score := 1 - dist
		if h, ok := hits[d.Ref.ID]; ok {
			h.Score += score
			continue
		}
		e, err := a.readEntry(ctx, uid, d.Ref.ID)
		if err != nil || e.Deleted {
			continue // removed since it was embedded
		}
		hits[e.ID] = &SearchResult{Entry: *e, Score: score}
	}
	return nil
}

// snippet is a short piece of body around the first word of q found in it.
func snippet(body, q string) string {
	r := []rune(body)
	at := 0
	want := map[string]bool{}
	for _, t := range terms(q) {
		want[t] = true
	}
	// Find the rune offset of the first matching word.
	off := 0
	for _, w := range strings.FieldsFunc(body, func(c rune) bool { return c == ' ' || c == '\n' || c == '\t' }) {
		i := strings.Index(body[off:], w)
		if i < 0 {
			break
		}
		off += i
		for _, ww := range words(w) {
			if want[stem(fold(ww))] {
				at = len([]rune(body[:off]))
				goto found
			}
		}
		off += len(w)
	}
found:
	start := max(0, at-snippetRunes/4)
	end := min(len(r), start+snippetRunes)
	s := strings.Join(strings.Fields(string(r[start:end])), " ")
	if start > 0 {
		s = "…" + s
	}
	if end < len(r) {
		s += "…"
	}
	return s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

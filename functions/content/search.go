package content

import (
	"net/http"
	"sort"
	"strings"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
)

// SearchResponse is the result of a semantic search, best first.
type SearchResponse struct {
	Items []ItemView `json:"items"`
}

// search embeds q and runs FindNearest over the chunks of the official
// library and of the caller's organisation, each filtered to published
// items at or below the caller's tier, so nothing above the tier is even
// read. The best chunk of an item ranks it; the item is shown in lang, or
// else in the locale of its best chunk.
func (a *api) search(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	var fields []httpapi.FieldError
	httpapi.Required(&fields, "q", q)
	httpapi.MaxLen(&fields, "q", q, 500)
	if len(fields) > 0 {
		return httpapi.Invalid(fields...)
	}
	lang := r.URL.Query().Get("lang")
	if lang != "" {
		if _, err := localeParam(r); err != nil {
			return err
		}
	}
	limit, err := intParam(r, "limit", 10, 1, 50)
	if err != nil {
		return err
	}
	vecs, err := a.d.Embedder.Embed(r.Context(), []string{q}, ai.TaskRetrievalQuery)
	if err != nil || len(vecs) != 1 {
		return httpapi.Unavailable(err)
	}
	tier := entitlements.Claim(p.Tier)
	type hit struct {
		org, id, locale string
		dist            float64
	}
	best := map[string]hit{} // by org + id
	for _, org := range []string{"", p.Org} {
		vq := a.d.Firestore.Collection(library.ChunksPath(org)).
			Where("status", "==", library.StatusPublished).
			Where("tier", "in", entitlements.UpTo(tier)).
			FindNearest("embedding", firestore.Vector32(vecs[0]), limit*3, firestore.DistanceMeasureCosine,
				&firestore.FindNearestOptions{DistanceResultField: "distance"})
		docs, err := vq.Documents(r.Context()).GetAll()
		if err != nil {
			return httpapi.Unavailable(err)
		}
		for _, d := range docs {
			var c struct {
				ItemID   string  `firestore:"item_id"`
				Locale   string  `firestore:"locale"`
				Distance float64 `firestore:"distance"`
			}
			if err := d.DataTo(&c); err != nil || c.ItemID == "" {
				continue
			}
			k := org + "/" + c.ItemID
			if h, ok := best[k]; !ok || c.Distance < h.dist {
				best[k] = hit{org, c.ItemID, c.Locale, c.Distance}
			}
		}
	}
	hits := make([]hit, 0, len(best))
	for _, h := range best {
		hits = append(hits, h)
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].dist != hits[j].dist {
			return hits[i].dist < hits[j].dist
		}
		return hits[i].id < hits[j].id
	})
	out := SearchResponse{Items: []ItemView{}}
	for _, h := range hits {
		if len(out.Items) == limit {
			break
		}
		// The item itself is the authority (chunks may lag behind it).
		it, found, err := a.readItem(r.Context(), h.org, h.id)
		if err != nil {
			return err
		}
		if !found || it.Status != library.StatusPublished || !it.Usable(tier, a.d.Now()) {
			continue
		}
		locale := lang
		if locale == "" {
			locale = h.locale
		}
		v := a.view(it, tier, locale)
		v.Score = 1 - h.dist
		out.Items = append(out.Items, v)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

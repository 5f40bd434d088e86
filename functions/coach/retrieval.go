package coach

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/library"
)

// retrieved is what the library gives one question.
type retrieved struct {
	// passages go to the model: text of items whose licence allows AI
	// use, title and themes of the others.
	passages []ai.Passage
	// sources by item id, with their attribution and use.
	sources map[string]Source
	// items by id (every passage's item).
	items map[string]*library.Item
	// text are the items whose text is sent (counted as uses).
	text []*library.Item
	// order is the passages' item ids, best first.
	order   []string
	upgrade *Upgrade
}

type chunkHit struct {
	org, id, tier string
	dist          float64
}

// nearest runs FindNearest over org's chunks of published items in tiers,
// best chunk per item.
func (a *api) nearest(ctx context.Context, org string, vec []float32, tiers []string, limit int) ([]chunkHit, error) {
	if len(tiers) == 0 {
		return nil, nil
	}
	q := a.d.Firestore.Collection(library.ChunksPath(org)).
		Where("status", "==", library.StatusPublished).
		Where("tier", "in", tiers).
		FindNearest("embedding", firestore.Vector32(vec), limit, firestore.DistanceMeasureCosine,
			&firestore.FindNearestOptions{DistanceResultField: "distance"})
	docs, err := q.Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("find nearest: %w", err)
	}
	best := map[string]chunkHit{}
	for _, d := range docs {
		var c struct {
			ItemID   string  `firestore:"item_id"`
			Tier     string  `firestore:"tier"`
			Distance float64 `firestore:"distance"`
		}
		if err := d.DataTo(&c); err != nil || c.ItemID == "" {
			continue
		}
		if h, ok := best[c.ItemID]; !ok || c.Distance < h.dist {
			best[c.ItemID] = chunkHit{org: org, id: c.ItemID, tier: c.Tier, dist: c.Distance}
		}
	}
	out := make([]chunkHit, 0, len(best))
	for _, h := range best {
		out = append(out, h)
	}
	return out, nil
}

func sortHits(h []chunkHit) {
	sort.Slice(h, func(i, j int) bool {
		if h[i].dist != h[j].dist {
			return h[i].dist < h[j].dist
		}
		if h[i].org != h[j].org {
			return h[i].org > h[j].org // the organisation's own first
		}
		return h[i].id < h[j].id
	})
}

// libraries are the libraries the caller reads: the official one and
// their organisation's.
func libraries(org string) []string {
	if authz.ValidOrgID(org) {
		return []string{"", org}
	}
	return []string{""}
}

// retrieve finds the library items closest to the (redacted) question
// that the caller's tier licenses.
func (a *api) retrieve(ctx context.Context, org, tier, lang string, vec []float32) (*retrieved, error) {
	tier = entitlements.Claim(tier)
	now := a.d.Now()
	k := a.d.Passages
	// Every search (each library at the tier, each above it) and the
	// organisation's name run at once.
	type search struct {
		lib   string
		above bool
		hits  []chunkHit
		err   error
	}
	above := entitlements.Tiers[entitlements.Rank(tier)+1:]
	var searches []*search
	for _, lib := range libraries(org) {
		searches = append(searches, &search{lib: lib})
		if len(above) > 0 {
			searches = append(searches, &search{lib: lib, above: true})
		}
	}
	var (
		wg      sync.WaitGroup
		orgName string
		nameErr error
	)
	for _, s := range searches {
		wg.Go(func() {
			if s.above {
				s.hits, s.err = a.nearest(ctx, s.lib, vec, above, k)
			} else {
				s.hits, s.err = a.nearest(ctx, s.lib, vec, entitlements.UpTo(tier), k*3)
			}
		})
	}
	if authz.ValidOrgID(org) {
		// An organisation's item without a named creator is credited to
		// the organisation, by its name.
		wg.Go(func() { orgName, nameErr = docString(ctx, a.d.Firestore.Collection("orgs").Doc(org), "name") })
	}
	wg.Wait()
	if nameErr != nil {
		return nil, nameErr
	}
	if orgName == "" {
		orgName = org
	}
	var hits, higher []chunkHit
	for _, s := range searches {
		if s.err != nil {
			return nil, s.err
		}
		if s.above {
			higher = append(higher, s.hits...)
		} else {
			hits = append(hits, s.hits...)
		}
	}
	sortHits(hits)
	sortHits(higher)
	items, err := a.readItems(ctx, hits)
	if err != nil {
		return nil, err
	}
	out := &retrieved{sources: map[string]Source{}, items: map[string]*library.Item{}}
	var officialText []string
	var picked []chunkHit
	for _, h := range hits {
		it := items[h.org+"/"+h.id]
		if it == nil || out.items[it.ID] != nil || it.Status != library.StatusPublished || !it.Usable(tier, now) {
			continue
		}
		out.items[it.ID] = it
		out.order = append(out.order, it.ID)
		picked = append(picked, h)
		if it.License.AIUsageAllowed && it.Official() {
			officialText = append(officialText, it.ID)
		}
		if len(out.order) == k {
			break
		}
	}
	// An official item over its monthly uses is left out before the
	// model sees it.
	uses, err := library.ItemUsesThisMonth(ctx, a.d.Firestore, officialText, now)
	if err != nil {
		return nil, err
	}
	kept := out.order[:0]
	for _, id := range out.order {
		n := uses[id]
		if n >= library.ItemMonthlyUses {
			slog.WarnContext(ctx, "coach: an official item reached its monthly uses; left out", "item_id", id, "uses", n)
			delete(out.items, id)
			continue
		}
		if float64(n) >= library.ItemWarnShare*library.ItemMonthlyUses {
			slog.WarnContext(ctx, "coach: an official item is near its monthly uses", "item_id", id, "uses", n, "limit", library.ItemMonthlyUses)
		}
		kept = append(kept, id)
	}
	out.order = kept
	for _, id := range out.order {
		it := out.items[id]
		t, _ := it.Localized(lang)
		src := Source{ItemID: id, Title: t.Title, Attribution: it.AttributionLineFor(lang, orgName), Use: UseTheme}
		text := themeText(it, t)
		if it.License.AIUsageAllowed {
			src.Use = UseText
			text = passageText(t, it.Themes)
			out.text = append(out.text, it)
		}
		out.sources[id] = src
		out.passages = append(out.passages, ai.Passage{ID: id, Text: text})
	}
	out.upgrade = upgradeHint(tier, higher, picked, k)
	return out, nil
}

// readItems reads the hits' items (the item is the authority: chunks may
// lag behind it).
func (a *api) readItems(ctx context.Context, hits []chunkHit) (map[string]*library.Item, error) {
	if len(hits) == 0 {
		return map[string]*library.Item{}, nil
	}
	refs := make([]*firestore.DocumentRef, 0, len(hits))
	for _, h := range hits {
		if library.ValidID(h.id) {
			refs = append(refs, a.d.Firestore.Collection(library.ItemsPath(h.org)).Doc(h.id))
		}
	}
	snaps, err := a.d.Firestore.GetAll(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read items: %w", err)
	}
	out := map[string]*library.Item{}
	for i, s := range snaps {
		if !s.Exists() {
			continue
		}
		it := &library.Item{}
		if err := s.DataTo(it); err != nil {
			continue
		}
		it.ID = s.Ref.ID
		it.Org = hits[i].org
		out[hits[i].org+"/"+it.ID] = it
	}
	return out, nil
}

// passageText is an item's text as the model reads it.
func passageText(t library.Text, themes []string) string {
	parts := []string{t.Title}
	if t.Body != "" {
		parts = append(parts, t.Body)
	}
	parts = append(parts, t.Prompts...)
	if len(themes) > 0 {
		parts = append(parts, "Themes: "+strings.Join(themes, ", "))
	}
	return strings.Join(parts, "\n")
}

// themeText is what the model reads of an item whose licence allows no
// AI use of its text: its title and themes, to inspire an original answer.
func themeText(it *library.Item, t library.Text) string {
	s := "Theme only (write an original answer; this item's text is not available): " + t.Title
	if len(it.Themes) > 0 {
		s += ". Themes: " + strings.Join(it.Themes, ", ")
	}
	return s
}

// upgradeHint counts the items above the caller's tier (higher, best
// first) that are closer to the question than what the tier gave (or,
// with fewer than a prompt's worth, among the closest): only their number
// and the lowest tier that has them, never their text or titles.
func upgradeHint(tier string, higher, picked []chunkHit, k int) *Upgrade {
	rank := entitlements.Rank(tier)
	bar := 2.0 // cosine distance is at most 2
	if len(picked) >= k {
		bar = picked[len(picked)-1].dist
	}
	count, lowest := 0, ""
	for _, h := range higher {
		if h.dist >= bar || count == k {
			break
		}
		count++
		if lowest == "" || entitlements.Rank(h.tier) < entitlements.Rank(lowest) {
			lowest = h.tier
		}
	}
	if count == 0 || entitlements.Rank(lowest) <= rank {
		return nil
	}
	return &Upgrade{Tier: lowest, Count: count}
}

// cardTypes are the item types suggested as cards.
var cardTypes = []string{library.TypePhotoCard, library.TypeWordCard, library.TypeQuestionCard}

// cardOf is an item as a suggested card, titled in lang.
func cardOf(it *library.Item, lang string) Card {
	t, _ := it.Localized(lang)
	return Card{ItemID: it.ID, Title: t.Title, Type: it.Type, Attribution: it.AttributionLine(lang)}
}

// suggestedCards keeps the model's suggestions that are cards the caller
// retrieved, else the closest retrieved cards, at most max.
func suggestedCards(r *retrieved, ids []string, lang string, max int) []Card {
	var out []Card
	seen := map[string]bool{}
	add := func(id string) {
		it := r.items[id]
		if it == nil || seen[id] || len(out) == max || !slices.Contains(cardTypes, it.Type) {
			return
		}
		seen[id] = true
		out = append(out, cardOf(it, lang))
	}
	for _, id := range ids {
		add(id)
	}
	if len(out) == 0 {
		for _, id := range r.order {
			add(id)
		}
	}
	return out
}

package sessions

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
)

// drawKinds maps the library's card types to the kinds of a draw (and of
// session.card_selected).
var drawKinds = map[string]string{
	library.TypePhotoCard:    "photo",
	library.TypeWordCard:     "word",
	library.TypeQuestionCard: "question",
}

// drawCardOf copies a library item into a draw.
func drawCardOf(it *library.Item) drawCard {
	t, _ := it.Localized(library.DefaultLocale)
	return drawCard{ID: it.ID, Kind: drawKinds[it.Type], Title: t.Title, Images: it.Images}
}

// drawUnusable says why item it cannot be drawn by a caller of tier, or "".
func drawUnusable(it *library.Item, tier string, a *api) string {
	switch {
	case drawKinds[it.Type] == "":
		return fmt.Sprintf("is a %s, not a photo, word or question card", strings.ReplaceAll(it.Type, "_", " "))
	case it.Status != library.StatusPublished:
		return "is not published"
	case !it.Usable(tier, a.d.Now()):
		return "is not available to you (tier or licence)"
	}
	return ""
}

// drawPool resolves the cards a draw is made from: a deck's published,
// usable cards, or the listed ones (each of which must be usable). The
// organisation's own items come first; the official library fills in.
func (a *api) drawPool(ctx context.Context, l *loaded, q *drawReq) ([]drawCard, error) {
	official := a.d.Firestore.Collection(library.OfficialCollection)
	own := a.d.Firestore.Collection(collOrgs).Doc(l.Org()).Collection(library.OfficialCollection)
	// The drawer's tier claim, as shared/entitlements reads it (an empty
	// or unknown claim is free).
	tier := entitlements.Claim(l.P.Tier)
	if q.CardIDs == nil {
		seen := map[string]bool{}
		var pool []drawCard
		for _, c := range []*firestore.CollectionRef{own, official} {
			snaps, err := c.Where("deck_id", "==", q.DeckID).Where("status", "==", library.StatusPublished).
				Limit(drawMaxDeck + 1).Documents(ctx).GetAll()
			if err != nil {
				return nil, httpapi.Unavailable(err)
			}
			for _, s := range snaps {
				var it library.Item
				if s.DataTo(&it) != nil || seen[s.Ref.ID] {
					continue
				}
				it.ID = s.Ref.ID
				seen[it.ID] = true
				if drawUnusable(&it, tier, a) == "" {
					pool = append(pool, drawCardOf(&it))
				}
			}
		}
		switch {
		case len(pool) == 0:
			return nil, unprocessable(httpapi.Field("deck_id", "has no published cards you may use"))
		case len(pool) > drawMaxDeck:
			return nil, unprocessable(httpapi.Field("deck_id", "has more than %d cards; list the cards to draw from in card_ids", drawMaxDeck))
		}
		slices.SortFunc(pool, func(x, y drawCard) int { return strings.Compare(x.ID, y.ID) })
		return pool, nil
	}
	items, err := library.LookupItems(ctx, a.d.Firestore, l.Org(), q.CardIDs)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	pool := make([]drawCard, 0, len(q.CardIDs))
	var fields []httpapi.FieldError
	for i, id := range q.CardIDs {
		name := fmt.Sprintf("card_ids[%d]", i)
		it, ok := items[id]
		if !ok {
			fields = append(fields, httpapi.Field(name, "is not a card of the library"))
			continue
		}
		if why := drawUnusable(it, tier, a); why != "" {
			fields = append(fields, httpapi.Field(name, "%s", why))
			continue
		}
		pool = append(pool, drawCardOf(it))
	}
	if len(fields) > 0 {
		return nil, unprocessable(fields...)
	}
	return pool, nil
}

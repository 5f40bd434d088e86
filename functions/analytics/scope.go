package analytics

import (
	"context"
	"fmt"
	"slices"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
)

// Bounds on what one report reads from Firestore.
const (
	maxSessions = 2000
	maxItems    = 5000
)

// scope resolves what rep's query needs to know about the caller.
func (a *api) scope(ctx context.Context, rep report, p Params, uid, role string) (scoped, error) {
	switch rep.Scope {
	case scopeSelf:
		return scoped{actor: a.d.Pseudonyms.Actor(p.Org, uid)}, nil
	case scopeSessions:
		return a.sessions(ctx, p.Org, uid)
	case scopeOwnedItems:
		return a.ownedItems(ctx, p.Org, uid, role)
	}
	return scoped{}, nil
}

// sessions are the ones uid owns or co-facilitates in org.
func (a *api) sessions(ctx context.Context, org, uid string) (scoped, error) {
	col := a.d.Firestore.Collection("orgs/" + org + "/sessions")
	sc := scoped{titles: map[string]string{}}
	for _, q := range []firestore.Query{
		col.Where("facilitator", "==", uid).Select("title").Limit(maxSessions),
		col.Where("co_facilitators", "array-contains", uid).Select("title").Limit(maxSessions),
	} {
		snaps, err := q.Documents(ctx).GetAll()
		if err != nil {
			return sc, httpapi.Unavailable(fmt.Errorf("read sessions: %w", err))
		}
		for _, s := range snaps {
			if _, seen := sc.titles[s.Ref.ID]; seen {
				continue
			}
			title, _ := s.DataAt("title")
			t, _ := title.(string)
			sc.titles[s.Ref.ID] = t
			sc.sessions = append(sc.sessions, s.Ref.ID)
		}
	}
	slices.Sort(sc.sessions)
	sc.none = len(sc.sessions) == 0
	return sc, nil
}

// ownedItems are the organisation's items for an org_admin, and the items
// a staff member last saved otherwise.
func (a *api) ownedItems(ctx context.Context, org, uid, role string) (scoped, error) {
	q := a.d.Firestore.Collection(library.ItemsPath(org)).Select().Limit(maxItems)
	if role != auth.RoleOrgAdmin {
		q = q.Where("updated_by", "==", uid)
	}
	snaps, err := q.Documents(ctx).GetAll()
	if err != nil {
		return scoped{}, httpapi.Unavailable(fmt.Errorf("read items: %w", err))
	}
	var sc scoped
	for _, s := range snaps {
		sc.items = append(sc.items, s.Ref.ID)
	}
	slices.Sort(sc.items)
	sc.none = len(sc.items) == 0
	return sc, nil
}

// titles fills the title column: the caller's session titles, or item
// titles in lang (English, then any, when the item has none in lang).
func (a *api) titles(ctx context.Context, rep report, p Params, sc scoped, res *Result) error {
	if !slices.ContainsFunc(rep.Columns, func(c Column) bool { return c.Name == "title" }) || len(res.Rows) == 0 {
		return nil
	}
	if rep.Scope == scopeSessions {
		for _, row := range res.Rows {
			id, _ := row["session_id"].(string)
			row["title"] = sc.titles[id]
		}
		return nil
	}
	var ids []string
	for _, row := range res.Rows {
		if id, ok := row["item_id"].(string); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	items, err := library.LookupItems(ctx, a.d.Firestore, p.Org, ids)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	for _, row := range res.Rows {
		id, _ := row["item_id"].(string)
		row["title"] = itemTitle(items[id], p.Lang)
	}
	return nil
}

func itemTitle(it *library.Item, lang string) string {
	if it == nil {
		return ""
	}
	for _, l := range []string{lang, "en"} {
		if t := it.Text[l].Title; t != "" {
			return t
		}
	}
	keys := make([]string, 0, len(it.Text))
	for k := range it.Text {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if t := it.Text[k].Title; t != "" {
			return t
		}
	}
	return ""
}

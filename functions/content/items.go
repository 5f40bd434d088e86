package content

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"cloud.google.com/go/firestore"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
)

// ItemView is an item as a caller sees it: text in one locale (with the
// English fallback), or, when Locked, only its id, type and tier.
type ItemView struct {
	ID          string           `json:"id"`
	Library     string           `json:"library"` // official | org
	Type        string           `json:"type"`
	Tier        string           `json:"tier"`
	Locked      bool             `json:"locked"`
	Locale      string           `json:"locale,omitempty"`
	Title       string           `json:"title,omitempty"`
	Body        string           `json:"body,omitempty"`
	Prompts     []string         `json:"prompts,omitempty"`
	Locales     []string         `json:"locales,omitempty"`
	Themes      []string         `json:"themes,omitempty"`
	Tags        []string         `json:"tags,omitempty"`
	Phase       string           `json:"phase,omitempty"`
	Category    string           `json:"category,omitempty"`
	DeckID      string           `json:"deck_id,omitempty"`
	Series      string           `json:"series,omitempty"`
	DurationMin int              `json:"duration_minutes,omitempty"`
	Images      []ImageView      `json:"images,omitempty"`
	License     *library.License `json:"license,omitempty"`
	Attribution string           `json:"attribution,omitempty"`
	Status      string           `json:"status,omitempty"`
	Version     int              `json:"version,omitempty"`
	Score       float64          `json:"score,omitempty"`
}

// Full is the whole stored item, for its managers (GET ?full=true).
type Full struct {
	library.Item
	Library string `json:"library"`
}

func libraryName(it *library.Item) string {
	if it.Official() {
		return "official"
	}
	return "org"
}

// view renders it for a caller of tier in locale; above the tier only a
// locked stub leaves the server.
func (a *api) view(it *library.Item, tier, locale string) ItemView {
	v := ItemView{ID: it.ID, Library: libraryName(it), Type: it.Type, Tier: it.Tier}
	if !it.Usable(tier, a.d.Now()) {
		v.Locked = true
		return v
	}
	t, l := it.Localized(locale)
	lic := it.License
	v.Locale, v.Title, v.Body, v.Prompts = l, t.Title, t.Body, t.Prompts
	v.Locales, v.Themes, v.Tags, v.Phase = it.Locales, it.Themes, it.Tags, it.Phase
	v.Category, v.DeckID, v.Series, v.DurationMin = it.Category, it.DeckID, it.Series, it.DurationMin
	v.Images, v.License, v.Attribution, v.Status, v.Version = a.img.images(it.Images), &lic, it.Attribution, it.Status, it.Version
	return v
}

func localeParam(r *http.Request) (string, error) {
	l := r.URL.Query().Get("lang")
	if l == "" {
		return library.DefaultLocale, nil
	}
	if !slices.Contains(library.Locales, l) {
		return "", httpapi.Invalid(httpapi.Field("lang", "must be one of %v", library.Locales))
	}
	return l, nil
}

// ListResponse is a page of items.
type ListResponse struct {
	Items         []ItemView `json:"items"`
	NextPageToken string     `json:"next_page_token,omitempty"`
}

type listFilter struct {
	typ, phase, theme, tag, lang, tier, q, library string
	includeLocked                                  bool
	// textLang is the locale of the text shown (default lang); unlike
	// lang it filters nothing.
	textLang string
}

func parseFilter(r *http.Request) (listFilter, error) {
	q := r.URL.Query()
	f := listFilter{typ: q.Get("type"), phase: q.Get("phase"), theme: q.Get("theme"), tag: q.Get("tag"),
		lang: q.Get("lang"), tier: q.Get("tier"), q: strings.ToLower(strings.TrimSpace(q.Get("q"))), library: q.Get("library"),
		textLang: q.Get("text_lang")}
	var fields []httpapi.FieldError
	if f.typ != "" {
		httpapi.OneOf(&fields, "type", f.typ, library.Types...)
	}
	if f.phase != "" {
		httpapi.OneOf(&fields, "phase", f.phase, library.Phases...)
	}
	if f.lang != "" {
		httpapi.OneOf(&fields, "lang", f.lang, library.Locales...)
	}
	if f.tier != "" {
		httpapi.OneOf(&fields, "tier", f.tier, entitlements.Tiers...)
	}
	if f.textLang != "" {
		httpapi.OneOf(&fields, "text_lang", f.textLang, library.Locales...)
	} else {
		f.textLang = f.lang
	}
	if f.library != "" {
		httpapi.OneOf(&fields, "library", f.library, "official", "org", "all")
	}
	httpapi.MaxLen(&fields, "q", f.q, 200)
	httpapi.MaxLen(&fields, "theme", f.theme, library.MaxLabel)
	httpapi.MaxLen(&fields, "tag", f.tag, library.MaxLabel)
	switch v := q.Get("include_locked"); v {
	case "", "false":
	case "true":
		f.includeLocked = true
	default:
		fields = append(fields, httpapi.Field("include_locked", "must be true or false"))
	}
	if len(fields) > 0 {
		return f, httpapi.Invalid(fields...)
	}
	return f, nil
}

func (f listFilter) match(it *library.Item) bool {
	if f.phase != "" && it.Phase != f.phase {
		return false
	}
	if f.theme != "" && !slices.Contains(it.Themes, f.theme) {
		return false
	}
	if f.tag != "" && !slices.Contains(it.Tags, f.tag) {
		return false
	}
	if f.lang != "" && !it.HasLocale(f.lang) {
		return false
	}
	if f.tier != "" && it.Tier != f.tier {
		return false
	}
	return true
}

// keyword reports q in any locale's text, themes or tags (case-folded).
func keyword(it *library.Item, q string) bool {
	if q == "" {
		return true
	}
	for _, t := range it.Text {
		for _, s := range append([]string{t.Title, t.Body}, t.Prompts...) {
			if strings.Contains(strings.ToLower(s), q) {
				return true
			}
		}
	}
	for _, s := range append(slices.Clone(it.Themes), it.Tags...) {
		if strings.Contains(s, q) {
			return true
		}
	}
	return false
}

func (a *api) listItems(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	f, err := parseFilter(r)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 20, 1, 100)
	if err != nil {
		return err
	}
	var after string
	if _, err := itemPages.Param(r, &after); err != nil {
		return err
	}
	tier := entitlements.Claim(p.Tier)
	var libs []string
	switch f.library {
	case "official":
		libs = []string{""}
	case "org":
		libs = []string{p.Org}
	default:
		libs = []string{"", p.Org}
	}
	var all []*library.Item
	for _, org := range libs {
		q := a.d.Firestore.Collection(library.ItemsPath(org)).Where("status", "==", library.StatusPublished)
		if f.typ != "" {
			q = q.Where("type", "==", f.typ)
		}
		// Items above the caller's tier are read only when asked for as
		// locked stubs.
		if !f.includeLocked {
			q = q.Where("tier", "in", entitlements.UpTo(tier))
		}
		docs, err := q.Limit(a.d.ScanLimit).Documents(r.Context()).GetAll()
		if err != nil {
			return httpapi.Unavailable(err)
		}
		for _, s := range docs {
			it, err := decodeItem(s, org)
			if err != nil {
				continue // a malformed document is skipped, not served
			}
			usable := it.Usable(tier, a.d.Now())
			if !f.match(it) || (usable && !keyword(it, f.q)) || (!usable && f.q != "") {
				continue // locked items never match a keyword: that would leak their text
			}
			all = append(all, it)
		}
	}
	sort.Slice(all, func(i, j int) bool { return sortKey(all[i]) < sortKey(all[j]) })
	out := ListResponse{Items: []ItemView{}}
	var last *library.Item
	for _, it := range all {
		if after != "" && sortKey(it) <= after {
			continue
		}
		if len(out.Items) == limit {
			out.NextPageToken = itemPages.Encode(sortKey(last))
			break
		}
		out.Items = append(out.Items, a.view(it, tier, f.textLang))
		last = it
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// itemPages is the page token of the item list: the sort key of the
// last item of the page.
var itemPages = httpapi.NewCursor("content.items")

// sortKey orders items by id, official before org for equal ids.
func sortKey(it *library.Item) string { return it.ID + "~" + libraryName(it) }

func (a *api) getItem(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	locale, err := localeParam(r)
	if err != nil {
		return err
	}
	it, err := a.visibleItem(r.Context(), p, r.PathValue("itemId"))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("full") == "true" && a.manages(p, it.Org) {
		httpapi.WriteJSON(w, http.StatusOK, Full{Item: *it, Library: libraryName(it)})
		return nil
	}
	httpapi.WriteJSON(w, http.StatusOK, a.view(it, entitlements.Claim(p.Tier), locale))
	return nil
}

// itemBody is the body of POST and PUT /v1/items.
type itemBody struct{ library.Item }

func (b *itemBody) Validate() []httpapi.FieldError { return b.Item.Validate() }

func (a *api) createItem(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	org, err := a.library(r, p)
	if err != nil {
		return err
	}
	var b itemBody
	if err := httpapi.DecodeJSON(w, r, &b, 256<<10); err != nil {
		return err
	}
	it := b.Item
	if it.ID == "" {
		it.ID = uuid.NewString()
	}
	it.Version = 1
	it.Org, it.UpdatedAt, it.UpdatedBy = org, a.d.Now().UTC(), p.UID
	it.Normalize()
	_, err = a.d.Firestore.Collection(library.ItemsPath(org)).Doc(it.ID).Create(r.Context(), it)
	if status.Code(err) == codes.AlreadyExists {
		return httpapi.Conflict("an item %q already exists", it.ID)
	}
	if err != nil {
		return httpapi.Unavailable(err)
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(it.Version)))
	httpapi.WriteJSON(w, http.StatusCreated, Full{Item: it, Library: libraryName(&it)})
	return nil
}

// change runs fn on the stored item id of the library the request names,
// in a transaction, bumping its version; If-Match (a version) guards
// against lost updates.
func (a *api) change(w http.ResponseWriter, r *http.Request, fn func(*library.Item) error) (*library.Item, error) {
	p, _ := auth.FromContext(r.Context())
	org, err := a.library(r, p)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("itemId")
	if !library.ValidID(id) {
		return nil, httpapi.NotFound("no item %q", id)
	}
	want := 0
	if m := strings.Trim(r.Header.Get("If-Match"), `"`); m != "" {
		if want, err = strconv.Atoi(m); err != nil || want < 1 {
			return nil, httpapi.BadRequest("If-Match must be an item version")
		}
	}
	ref := a.d.Firestore.Collection(library.ItemsPath(org)).Doc(id)
	var out *library.Item
	err = txn.Run(r.Context(), a.ob, func(ctx context.Context, tx *firestore.Transaction, _ *outbox.Tx) error {
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			return httpapi.NotFound("no item %q", id)
		}
		if err != nil {
			return err
		}
		cur, err := decodeItem(snap, org)
		if err != nil {
			return err
		}
		if want != 0 && cur.Version != want {
			return httpapi.PreconditionFailed("the item is at version %d, not %d", cur.Version, want)
		}
		next := *cur
		if err := fn(&next); err != nil {
			return err
		}
		next.ID, next.Org, next.Version = id, org, cur.Version+1
		next.UpdatedAt, next.UpdatedBy = a.d.Now().UTC(), p.UID
		next.Normalize()
		out = &next
		return tx.Set(ref, next)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (a *api) updateItem(w http.ResponseWriter, r *http.Request) error {
	var b itemBody
	if err := httpapi.DecodeJSON(w, r, &b, 256<<10); err != nil {
		return err
	}
	if b.ID != "" && b.ID != r.PathValue("itemId") {
		return httpapi.Invalid(httpapi.Field("id", "must match the path"))
	}
	it, err := a.change(w, r, func(cur *library.Item) error {
		*cur = b.Item
		return nil
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(it.Version)))
	httpapi.WriteJSON(w, http.StatusOK, Full{Item: *it, Library: libraryName(it)})
	return nil
}

func (a *api) archiveItem(w http.ResponseWriter, r *http.Request) error {
	_, err := a.change(w, r, func(cur *library.Item) error {
		cur.Status = library.StatusArchived
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

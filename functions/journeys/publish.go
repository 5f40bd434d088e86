package journeys

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
)

// publish validates the draft strictly, resolves its library items and
// creates the next immutable version, all in one transaction: two
// concurrent publishes get consecutive numbers, never the same one.
// ?dry_run=true runs the same checks and writes nothing, so an editor can
// show what still stands in the way while the draft is being written.
func (a *api) publish(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := journeyID(r)
	if err != nil {
		return err
	}
	dryRun := false
	switch r.URL.Query().Get("dry_run") {
	case "", "false":
	case "true":
		dryRun = true
	default:
		return httpapi.Invalid(httpapi.Field("dry_run", "must be true or false"))
	}
	readyAt := 0
	base, ifMatch := 0, false
	if r.Header.Get("If-Match") != "" {
		if base, ifMatch, err = baseRevision(r, &SaveRequest{}); err != nil {
			return err
		}
	}
	var ver *journey.Version
	err = txn.Run(r.Context(), a.d.Outbox, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		d, err := a.readDraft(ctx, p.Org, id, tx)
		if err != nil {
			return err
		}
		if d.Status == journey.StatusArchived {
			return httpapi.Conflict("the journey is archived; duplicate it to publish it again")
		}
		if ifMatch && d.Revision != base {
			return httpapi.PreconditionFailed("the journey is at revision %d, not %d; review it before publishing", d.Revision, base)
		}
		j := d.Journey.Clone()
		fields, err := a.resolveContent(ctx, p, &j)
		if err != nil {
			return err
		}
		if len(fields) > 0 {
			return invalidJourney("the journey cannot be published", fields)
		}
		if dryRun {
			readyAt = d.Revision
			return nil
		}
		n := d.LatestVersion + 1
		ver = &journey.Version{JourneyID: id, Version: n, Journey: j, PublishedAt: a.d.Now().UTC(),
			PublishedBy: p.UID, SourceRevision: d.Revision}
		if err := tx.Create(a.versions(p.Org, id).Doc(journey.VersionDocID(n)), ver); err != nil {
			return err
		}
		if err := tx.Update(a.drafts(p.Org).Doc(id), []firestore.Update{
			{Path: "latest_version", Value: n}, {Path: "status", Value: journey.StatusPublished},
		}); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeJourneyPublished, OrgID: p.Org, UID: p.UID,
			Payload: events.JourneyPublished{JourneyID: events.ID(id), Version: ver.Version,
				Phases: ver.Journey.ActivePhases(), Elements: ver.Journey.Elements(), TotalMinutes: ver.Journey.TotalMinutes()}})
	})
	if err != nil {
		return err
	}
	if dryRun {
		httpapi.WriteJSON(w, http.StatusOK, DryRun{Ready: true, Revision: readyAt})
		return nil
	}
	w.Header().Set("Location", fmt.Sprintf("/v1/journeys/%s/versions/%d", id, ver.Version))
	httpapi.WriteJSON(w, http.StatusCreated, ver)
	return nil
}

// DryRun is the answer of a publish dry run that found nothing to refuse.
type DryRun struct {
	Ready    bool `json:"ready"`
	Revision int  `json:"revision"`
}

func (a *api) versions(org, id string) *firestore.CollectionRef {
	return a.d.Firestore.Collection(journey.VersionsPath(org, id))
}

// resolveContent checks every content element's library item and fills
// the element's type (and empty title) from it, then validates j strictly.
// Reads are outside the transaction: items are not part of what it guards.
func (a *api) resolveContent(ctx context.Context, p *auth.Principal, j *journey.Journey) ([]httpapi.FieldError, error) {
	var ids []string
	seen := map[string]bool{}
	for _, ph := range j.Phases {
		for _, e := range ph.Elements {
			if e.Kind == journey.KindContent && library.ValidID(e.ItemID) && !seen[e.ItemID] {
				seen[e.ItemID] = true
				ids = append(ids, e.ItemID)
			}
		}
	}
	items, err := library.LookupItems(ctx, a.d.Firestore, p.Org, ids)
	if err != nil {
		return nil, err
	}
	tier, now := entitlements.Claim(p.Tier), a.d.Now()
	var fields []httpapi.FieldError
	bad := map[string]bool{}
	for i := range j.Phases {
		for k := range j.Phases[i].Elements {
			e := &j.Phases[i].Elements[k]
			if e.Kind != journey.KindContent || !library.ValidID(e.ItemID) {
				continue
			}
			path := fmt.Sprintf("phases[%d].elements[%d]", i, k)
			it := items[e.ItemID]
			msg := ""
			switch {
			case it == nil:
				msg = fmt.Sprintf("no library item %q in your organisation or the official library", e.ItemID)
			case it.Status != library.StatusPublished:
				msg = fmt.Sprintf("library item %q is %s, not published", e.ItemID, it.Status)
			case it.License.ExpiresAt != nil && !now.Before(*it.License.ExpiresAt):
				msg = fmt.Sprintf("library item %q is locked: its licence has expired", e.ItemID)
			case !it.Usable(tier, now):
				msg = fmt.Sprintf("library item %q is locked: it needs the %s tier (yours: %s)", e.ItemID, it.Tier, tier)
			case journey.ElementTypeForItem(it.Type) == "":
				msg = fmt.Sprintf("library item %q is a %s, which cannot be a journey element", e.ItemID, it.Type)
			}
			if msg != "" {
				fields = append(fields, httpapi.Field(path+".item_id", "%s", msg))
				bad[path+".type"], bad[path+".title"] = true, true
				continue
			}
			fillFromItem(e, it, j.Locale)
		}
	}
	for _, f := range journey.Validate(j, journey.ModePublish) {
		if !bad[f.Field] { // already explained by the item error
			fields = append(fields, f)
		}
	}
	return fields, nil
}

func fillFromItem(e *journey.Element, it *library.Item, locale string) {
	e.Type = journey.ElementTypeForItem(it.Type)
	if strings.TrimSpace(e.Title) == "" {
		t, _ := it.Localized(locale)
		title := []rune(strings.Join(strings.Fields(t.Title), " "))
		if len(title) > journey.MaxTitle {
			title = title[:journey.MaxTitle]
		}
		e.Title = string(title)
	}
	if e.Type == journey.TypeCanvas {
		if e.Canvas == nil {
			e.Canvas = &journey.CanvasSpec{}
		}
		if e.Canvas.TemplateID == "" {
			e.Canvas.TemplateID = it.ID
		}
	}
}

// VersionSummary is a version in a list.
type VersionSummary struct {
	Version        int       `json:"version"`
	Name           string    `json:"name"`
	TotalMinutes   int       `json:"total_minutes"`
	PublishedAt    time.Time `json:"published_at"`
	PublishedBy    string    `json:"published_by"`
	SourceRevision int       `json:"source_revision"`
}

// VersionList is a page of versions, newest first.
type VersionList struct {
	Versions      []VersionSummary `json:"versions"`
	NextPageToken string           `json:"next_page_token,omitempty"`
}

// versionPages is the page token of a journey's versions, newest first:
// the last version number of the previous page.
var versionPages = httpapi.NewCursor("journeys.versions")

func (a *api) listVersions(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := journeyID(r)
	if err != nil {
		return err
	}
	before := 0
	var tok string
	if found, err := versionPages.Param(r, &tok); err != nil {
		return err
	} else if found {
		if before, err = strconv.Atoi(tok); err != nil || before < 2 {
			return httpapi.Invalid(httpapi.Field(httpapi.PageParam, "is not a token this API returned"))
		}
	}
	if _, err := a.readDraft(r.Context(), p.Org, id, nil); err != nil {
		return txn.Problem(err)
	}
	q := a.versions(p.Org, id).OrderBy("version", firestore.Desc).Limit(PageSize + 1)
	if before > 0 {
		q = q.StartAfter(before)
	}
	snaps, err := q.Documents(r.Context()).GetAll()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	out := VersionList{Versions: []VersionSummary{}}
	if len(snaps) > PageSize {
		snaps = snaps[:PageSize]
	}
	for _, s := range snaps {
		var v journey.Version
		if err := s.DataTo(&v); err != nil {
			return httpapi.Unavailable(err)
		}
		out.Versions = append(out.Versions, VersionSummary{Version: v.Version, Name: v.Journey.Name, TotalMinutes: v.Journey.TotalMinutes(),
			PublishedAt: v.PublishedAt, PublishedBy: v.PublishedBy, SourceRevision: v.SourceRevision})
	}
	if n := len(out.Versions); n == PageSize && out.Versions[n-1].Version > 1 {
		out.NextPageToken = versionPages.Encode(strconv.Itoa(out.Versions[n-1].Version))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// versionParam is the {version} path value, a whole number from 1.
func versionParam(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, httpapi.Invalid(httpapi.Field("version", "must be a whole number from 1"))
	}
	return n, nil
}

// readVersion loads version n of the caller's journey id.
func (a *api) readVersion(ctx context.Context, org, id string, n int) (*journey.Version, error) {
	s, err := a.versions(org, id).Doc(journey.VersionDocID(n)).Get(ctx)
	if notFound(err) {
		return nil, httpapi.NotFound("journey %q has no version %d", id, n)
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	var v journey.Version
	if err := s.DataTo(&v); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	v.Journey.Normalize()
	return &v, nil
}

func (a *api) getVersion(w http.ResponseWriter, r *http.Request) error {
	id, err := journeyID(r)
	if err != nil {
		return err
	}
	n, err := versionParam(r)
	if err != nil {
		return err
	}
	v, err := a.readVersion(r.Context(), principal(r).Org, id, n)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, max-age=3600") // a version never changes
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

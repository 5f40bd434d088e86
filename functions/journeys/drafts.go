package journeys

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
)

// PageSize is the number of entries a list answers at most.
const PageSize = 20

// Summary is a journey in a list.
type Summary struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Status        string    `json:"status"`
	Timeframe     string    `json:"timeframe,omitempty"`
	Revision      int       `json:"revision"`
	LatestVersion int       `json:"latest_version"`
	TotalMinutes  int       `json:"total_minutes"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// ListResponse is a page of journeys.
type ListResponse struct {
	Journeys      []Summary `json:"journeys"`
	NextPageToken string    `json:"next_page_token,omitempty"`
}

func (a *api) drafts(org string) *firestore.CollectionRef {
	return a.d.Firestore.Collection(journey.JourneysPath(org))
}

// idPages is the page token of the lists ordered by id (journeys,
// templates): the last id of the previous page.
var idPages = httpapi.NewCursor("journeys.by-id")

// pageToken decodes ?page_token= ("" for the first page).
func pageToken(r *http.Request) (string, error) {
	var after string
	if _, err := idPages.Param(r, &after); err != nil {
		return "", err
	}
	if after != "" && !journey.ValidID(after) {
		return "", httpapi.Invalid(httpapi.Field(httpapi.PageParam, "is not a token this API returned"))
	}
	return after, nil
}

func nextToken(lastID string) string { return idPages.Encode(lastID) }

// page runs q ordered by id after the token and reports the next token.
func page(ctx context.Context, q firestore.Query, after string) ([]*firestore.DocumentSnapshot, string, error) {
	q = q.OrderBy(firestore.DocumentID, firestore.Asc).Limit(PageSize + 1)
	if after != "" {
		q = q.StartAfter(after)
	}
	snaps, err := q.Documents(ctx).GetAll()
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(snaps) > PageSize {
		snaps = snaps[:PageSize]
		next = nextToken(snaps[PageSize-1].Ref.ID)
	}
	return snaps, next, nil
}

func (a *api) listJourneys(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	after, err := pageToken(r)
	if err != nil {
		return err
	}
	q := a.drafts(p.Org).Query
	switch st := r.URL.Query().Get("status"); st {
	case "":
		q = q.Where("status", "in", []string{journey.StatusDraft, journey.StatusPublished})
	case journey.StatusDraft, journey.StatusPublished, journey.StatusArchived:
		q = q.Where("status", "==", st)
	default:
		return httpapi.Invalid(httpapi.Field("status", "must be one of %s", strings.Join(journey.Statuses, ", ")))
	}
	snaps, next, err := page(r.Context(), q, after)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	out := ListResponse{Journeys: []Summary{}, NextPageToken: next}
	for _, s := range snaps {
		d, err := decodeDraft(s)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		out.Journeys = append(out.Journeys, Summary{ID: d.ID, Name: d.Journey.Name, Status: d.Status, Timeframe: d.Journey.Timeframe,
			Revision: d.Revision, LatestVersion: d.LatestVersion, TotalMinutes: d.Journey.TotalMinutes(), UpdatedAt: d.UpdatedAt})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func decodeDraft(s *firestore.DocumentSnapshot) (*journey.Draft, error) {
	var d journey.Draft
	if err := s.DataTo(&d); err != nil {
		return nil, fmt.Errorf("journey %s: %w", s.Ref.ID, err)
	}
	d.ID = s.Ref.ID
	d.Journey.Normalize()
	return &d, nil
}

// readDraft loads the caller's draft id; a missing one is a 404.
func (a *api) readDraft(ctx context.Context, org, id string, tx *firestore.Transaction) (*journey.Draft, error) {
	ref := a.drafts(org).Doc(id)
	s, err := txn.Get(ctx, tx, ref)
	if notFound(err) {
		return nil, httpapi.NotFound("no journey %q", id)
	}
	if err != nil {
		return nil, err
	}
	return decodeDraft(s)
}

func etag(revision int) string { return strconv.Quote(strconv.Itoa(revision)) }

func writeDraft(w http.ResponseWriter, code int, d *journey.Draft) {
	w.Header().Set("ETag", etag(d.Revision))
	httpapi.WriteJSON(w, code, d)
}

// CreateRequest starts a draft from a journey (blank when absent), a
// template or another journey; Name overrides the copied name.
type CreateRequest struct {
	Journey      *journey.Journey `json:"journey,omitempty"`
	FromTemplate string           `json:"from_template,omitempty"`
	DuplicateOf  string           `json:"duplicate_of,omitempty"`
	Name         string           `json:"name,omitempty"`
}

// Validate implements httpapi.Validator.
func (c *CreateRequest) Validate() []httpapi.FieldError {
	n := 0
	for _, set := range []bool{c.Journey != nil, c.FromTemplate != "", c.DuplicateOf != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return []httpapi.FieldError{httpapi.Field("(body)", "give at most one of journey, from_template and duplicate_of")}
	}
	if c.Name != "" && c.Journey != nil {
		return []httpapi.FieldError{httpapi.Field("name", "is only used with from_template or duplicate_of; set journey.name instead")}
	}
	return nil
}

func (a *api) createJourney(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req CreateRequest
	if err := httpapi.DecodeJSON(w, r, &req, journey.MaxDocumentBytes); err != nil {
		return err
	}
	var j journey.Journey
	source := journey.SourceBlank
	switch {
	case req.FromTemplate != "":
		source = journey.SourceTemplate
		t, err := a.readTemplate(r.Context(), p.Org, req.FromTemplate)
		if err != nil {
			if isNotFound(err) {
				return invalidJourney("", []httpapi.FieldError{httpapi.Field("from_template", "no template %q in your organisation", req.FromTemplate)})
			}
			return txn.Problem(err)
		}
		j = t.Journey
	case req.DuplicateOf != "":
		source = journey.SourceDuplicate
		if !journey.ValidID(req.DuplicateOf) {
			return invalidJourney("", []httpapi.FieldError{httpapi.Field("duplicate_of", "no journey %q in your organisation", req.DuplicateOf)})
		}
		d, err := a.readDraft(r.Context(), p.Org, req.DuplicateOf, nil)
		if err != nil {
			if isNotFound(err) {
				return invalidJourney("", []httpapi.FieldError{httpapi.Field("duplicate_of", "no journey %q in your organisation", req.DuplicateOf)})
			}
			return txn.Problem(err)
		}
		j = d.Journey
		j.Name = copyName(j.Name)
	case req.Journey != nil:
		j = *req.Journey
	}
	if req.Name != "" {
		j.Name = req.Name
	}
	d, err := a.create(r.Context(), p, j, source)
	if err != nil {
		return err
	}
	writeDraft(w, http.StatusCreated, d)
	return nil
}

// copyName names a duplicate, keeping within the name limit.
func copyName(name string) string {
	const suffix = " (copy)"
	rs := []rune(name)
	if max := journey.MaxName - len(suffix); len(rs) > max {
		rs = rs[:max]
	}
	return string(rs) + suffix
}

func isNotFound(err error) bool {
	var pe *httpapi.Error
	return errors.As(err, &pe) && pe.Status == http.StatusNotFound
}

// create validates j as a draft and stores it as a new journey.
func (a *api) create(ctx context.Context, p *auth.Principal, j journey.Journey, source string) (*journey.Draft, error) {
	j = j.Clone()
	j.Normalize()
	j.AssignIDs(a.d.NewElementID)
	if fields := journey.Validate(&j, journey.ModeDraft); len(fields) > 0 {
		return nil, invalidJourney("the journey cannot be saved", fields)
	}
	now := a.d.Now().UTC()
	d := &journey.Draft{ID: a.d.NewID(), Journey: j, Revision: 1, Status: journey.StatusDraft, Source: source,
		CreatedAt: now, CreatedBy: p.UID, UpdatedAt: now, UpdatedBy: p.UID}
	err := txn.Run(ctx, a.d.Outbox, func(_ context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		if err := tx.Create(a.drafts(p.Org).Doc(d.ID), d); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeJourneyCreated, OrgID: p.Org, UID: p.UID,
			Payload: events.JourneyCreated{JourneyID: events.ID(d.ID), Source: events.Enum(source)}})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (a *api) getJourney(w http.ResponseWriter, r *http.Request) error {
	id, err := journeyID(r)
	if err != nil {
		return err
	}
	d, err := a.readDraft(r.Context(), principal(r).Org, id, nil)
	if err != nil {
		return txn.Problem(err)
	}
	writeDraft(w, http.StatusOK, d)
	return nil
}

// SaveRequest is an autosave: the whole journey and the revision it was
// based on (or If-Match).
type SaveRequest struct {
	Revision *int            `json:"revision,omitempty"`
	Journey  journey.Journey `json:"journey"`
}

// baseRevision is the revision a save was based on: If-Match wins over the
// body; ifMatch reports which one was used.
func baseRevision(r *http.Request, req *SaveRequest) (rev int, ifMatch bool, err error) {
	if h := r.Header.Get("If-Match"); h != "" {
		v := strings.Trim(strings.TrimPrefix(strings.TrimSpace(h), "W/"), `"`)
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, false, httpapi.BadRequest(`If-Match must be the journey's ETag, a revision such as "3"`)
		}
		return n, true, nil
	}
	if req.Revision == nil {
		return 0, false, &httpapi.Error{Status: http.StatusPreconditionRequired, Slug: "precondition-required", Title: "Precondition required",
			Detail: "send the revision the edit is based on (body revision or If-Match), so that no other edit is overwritten"}
	}
	return *req.Revision, false, nil
}

func (a *api) saveJourney(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := journeyID(r)
	if err != nil {
		return err
	}
	var req SaveRequest
	if err := httpapi.DecodeJSON(w, r, &req, journey.MaxDocumentBytes); err != nil {
		return err
	}
	base, ifMatch, err := baseRevision(r, &req)
	if err != nil {
		return err
	}
	j := req.Journey
	j.Normalize()
	j.AssignIDs(a.d.NewElementID)
	if fields := journey.Validate(&j, journey.ModeDraft); len(fields) > 0 {
		return invalidJourney("the journey cannot be saved", fields)
	}
	var saved *journey.Draft
	err = txn.Run(r.Context(), a.d.Outbox, func(ctx context.Context, tx *firestore.Transaction, _ *outbox.Tx) error {
		d, err := a.readDraft(ctx, p.Org, id, tx)
		if err != nil {
			return err
		}
		if d.Status == journey.StatusArchived {
			return httpapi.Conflict("the journey is archived; duplicate it to keep working on it")
		}
		if d.Revision != base {
			msg := "the journey is at revision %d, and this edit is based on revision %d; reload it and apply the edit again"
			if ifMatch {
				return httpapi.PreconditionFailed(msg, d.Revision, base)
			}
			return httpapi.Conflict(msg, d.Revision, base)
		}
		d.Journey, d.Revision = j, d.Revision+1
		d.UpdatedAt, d.UpdatedBy = a.d.Now().UTC(), p.UID
		saved = d
		return tx.Update(a.drafts(p.Org).Doc(id), []firestore.Update{
			{Path: "journey", Value: d.Journey}, {Path: "revision", Value: d.Revision},
			{Path: "updated_at", Value: d.UpdatedAt}, {Path: "updated_by", Value: d.UpdatedBy},
		})
	})
	if err != nil {
		return txn.Problem(err)
	}
	writeDraft(w, http.StatusOK, saved)
	return nil
}

func (a *api) archiveJourney(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := journeyID(r)
	if err != nil {
		return err
	}
	err = txn.Run(r.Context(), a.d.Outbox, func(ctx context.Context, tx *firestore.Transaction, _ *outbox.Tx) error {
		d, err := a.readDraft(ctx, p.Org, id, tx)
		if err != nil || d.Status == journey.StatusArchived {
			return err
		}
		return tx.Update(a.drafts(p.Org).Doc(id), []firestore.Update{
			{Path: "status", Value: journey.StatusArchived}, {Path: "revision", Value: d.Revision + 1},
			{Path: "updated_at", Value: a.d.Now().UTC()}, {Path: "updated_by", Value: p.UID},
		})
	})
	if err != nil {
		return txn.Problem(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

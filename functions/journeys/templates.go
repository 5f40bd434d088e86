package journeys

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/txn"
)

// TemplateRequest names a template saved from a journey (default: the
// journey's name).
type TemplateRequest struct {
	Name string `json:"name,omitempty"`
}

// Validate implements httpapi.Validator.
func (t *TemplateRequest) Validate() []httpapi.FieldError {
	j := journey.Journey{Name: t.Name, Phases: journey.Blank().Phases}
	var out []httpapi.FieldError
	for _, f := range journey.Validate(&j, journey.ModeDraft) {
		if f.Field == "name" {
			out = append(out, f)
		}
	}
	return out
}

// TemplateSummary is a template in a list.
type TemplateSummary struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	SourceJourneyID string    `json:"source_journey_id,omitempty"`
	TotalMinutes    int       `json:"total_minutes"`
	CreatedAt       time.Time `json:"created_at"`
}

// TemplateList is a page of templates.
type TemplateList struct {
	Templates     []TemplateSummary `json:"templates"`
	NextPageToken string            `json:"next_page_token,omitempty"`
}

func (a *api) templates(org string) *firestore.CollectionRef {
	return a.d.Firestore.Collection(journey.TemplatesPath(org))
}

func (a *api) saveTemplate(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := journeyID(r)
	if err != nil {
		return err
	}
	var req TemplateRequest
	if err := httpapi.DecodeOptionalJSON(w, r, &req, 0); err != nil {
		return err
	}
	d, err := a.readDraft(r.Context(), p.Org, id, nil)
	if err != nil {
		return txn.Problem(err)
	}
	t := &journey.Template{ID: a.d.NewID(), Name: d.Journey.Name, Journey: d.Journey, SourceJourneyID: id,
		CreatedAt: a.d.Now().UTC(), CreatedBy: p.UID}
	if req.Name != "" {
		t.Name = req.Name
	}
	if t.Name == "" {
		return invalidJourney("", []httpapi.FieldError{httpapi.Field("name", "is required: the journey has no name to use")})
	}
	if _, err := a.templates(p.Org).Doc(t.ID).Create(r.Context(), t); err != nil {
		return httpapi.Unavailable(err)
	}
	w.Header().Set("Location", "/v1/templates/"+t.ID)
	httpapi.WriteJSON(w, http.StatusCreated, t)
	return nil
}

// readTemplate loads the caller's template id; a missing one is a 404.
func (a *api) readTemplate(ctx context.Context, org, id string) (*journey.Template, error) {
	if !journey.ValidID(id) {
		return nil, httpapi.NotFound("no template %q", id)
	}
	s, err := a.templates(org).Doc(id).Get(ctx)
	if notFound(err) {
		return nil, httpapi.NotFound("no template %q", id)
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	var t journey.Template
	if err := s.DataTo(&t); err != nil {
		return nil, httpapi.Unavailable(fmt.Errorf("template %s: %w", id, err))
	}
	t.ID = id
	t.Journey.Normalize()
	return &t, nil
}

func (a *api) listTemplates(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	after, err := pageToken(r)
	if err != nil {
		return err
	}
	snaps, next, err := page(r.Context(), a.templates(p.Org).Query, after)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	out := TemplateList{Templates: []TemplateSummary{}, NextPageToken: next}
	for _, s := range snaps {
		var t journey.Template
		if err := s.DataTo(&t); err != nil {
			return httpapi.Unavailable(err)
		}
		out.Templates = append(out.Templates, TemplateSummary{ID: s.Ref.ID, Name: t.Name, SourceJourneyID: t.SourceJourneyID,
			TotalMinutes: t.Journey.TotalMinutes(), CreatedAt: t.CreatedAt})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *api) getTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := a.readTemplate(r.Context(), principal(r).Org, r.PathValue("templateId"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, t)
	return nil
}

func (a *api) deleteTemplate(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id := r.PathValue("templateId")
	if _, err := a.readTemplate(r.Context(), p.Org, id); err != nil {
		return err
	}
	if _, err := a.templates(p.Org).Doc(id).Delete(r.Context()); err != nil {
		return httpapi.Unavailable(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

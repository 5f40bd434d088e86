package coach

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
)

// Suggestion states.
const (
	StateOpen      = "open"
	StateAccepted  = "accepted"
	StateEdited    = "edited"
	StateDismissed = "dismissed"
)

// SuggestedQuestion is a question the copilot offers.
type SuggestedQuestion struct {
	ItemID string `json:"item_id,omitempty" firestore:"item_id,omitempty"`
	Text   string `json:"text" firestore:"text"`
}

// CopilotFeedback is what a facilitator did with a suggestion.
type CopilotFeedback struct {
	Action string    `json:"action" firestore:"action"`
	ItemID string    `json:"item_id,omitempty" firestore:"item_id,omitempty"`
	Text   string    `json:"text,omitempty" firestore:"text,omitempty"`
	UID    string    `json:"-" firestore:"uid"`
	At     time.Time `json:"-" firestore:"at"`
}

// Suggestion is orgs/{org}/sessions/{s}/copilot/{id}.
type Suggestion struct {
	ID        string              `json:"id" firestore:"-"`
	Phase     string              `json:"phase" firestore:"phase"`
	Cards     []Card              `json:"cards" firestore:"cards"`
	Questions []SuggestedQuestion `json:"questions" firestore:"questions"`
	Rationale string              `json:"rationale" firestore:"rationale"`
	CreatedAt time.Time           `json:"created_at" firestore:"created_at"`
	State     string              `json:"state" firestore:"state"`
	// UID is the facilitator who asked (data-subject requests find it).
	UID      string            `json:"-" firestore:"uid"`
	Feedback []CopilotFeedback `json:"-" firestore:"feedback"`
	Fallback bool              `json:"-" firestore:"fallback"`
}

// copilotState is orgs/{org}/sessions/{s}/copilot_state/latest.
type copilotState struct {
	Latest string    `firestore:"latest"`
	NextAt time.Time `firestore:"next_at"`
}

// CopilotResponse answers POST …/copilot.
type CopilotResponse struct {
	Suggestion Suggestion `json:"suggestion"`
	NextAt     time.Time  `json:"next_at"`
}

// CopilotRequest is the (empty) body of POST …/copilot.
type CopilotRequest struct {
	// Lang is the facilitator's language: card titles, questions and the
	// rationale are in it (default en). A suggestion asked again within
	// the period is the one already made, in its language.
	Lang string `json:"lang,omitempty"`
}

// Validate implements httpapi.Validator.
func (c *CopilotRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	if c.Lang != "" {
		httpapi.OneOf(&f, "lang", c.Lang, Languages...)
	}
	return f
}

// CopilotFeedbackRequest is the body of POST …/copilot/{id}/feedback.
type CopilotFeedbackRequest struct {
	Action string `json:"action"`
	ItemID string `json:"item_id,omitempty"`
	Text   string `json:"text,omitempty"`
}

// Validate implements httpapi.Validator.
func (c *CopilotFeedbackRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	if c.Action == "" {
		f = append(f, httpapi.Field("action", "is required"))
	} else {
		httpapi.OneOf(&f, "action", c.Action, StateAccepted, StateEdited, StateDismissed)
	}
	if c.ItemID != "" && !library.ValidID(c.ItemID) {
		f = append(f, httpapi.Field("item_id", "is not an item id"))
	}
	if c.Action == StateEdited {
		httpapi.Required(&f, "text", strings.TrimSpace(c.Text))
	}
	httpapi.MaxLen(&f, "text", c.Text, MaxReason)
	httpapi.Text(&f, "text", c.Text, httpapi.MultiLine)
	return f
}

func (a *api) copilot(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req CopilotRequest
	if err := httpapi.DecodeOptionalJSON(w, r, &req, 1<<10); err != nil {
		return err
	}
	s, err := a.facilitating(r, p)
	if err != nil {
		return err
	}
	if s.Status != "live" {
		return httpapi.Conflict("the copilot helps while the session is live; it is %s", s.Status)
	}
	ctx := r.Context()
	// Firestore keeps microseconds: what is answered now and what is read
	// back later are the same instant.
	now := a.d.Now().UTC().Truncate(time.Microsecond)
	stateRef := s.ref.Collection(collCopilotState).Doc("latest")
	// One new suggestion per session per period: the slot is taken in a
	// transaction, so two facilitators asking at once make one.
	var st copilotState
	fresh := false
	err = txn.Run(ctx, a.d.Outbox, func(ctx context.Context, tx *firestore.Transaction, _ *outbox.Tx) error {
		st, fresh = copilotState{}, false
		snap, err := tx.Get(stateRef)
		if err != nil && status.Code(err) != codes.NotFound {
			return err
		}
		if err == nil {
			if err := snap.DataTo(&st); err != nil {
				return err
			}
		}
		if now.Before(st.NextAt) {
			return nil
		}
		fresh = true
		st.NextAt = now.Add(a.d.CopilotEvery)
		return tx.Set(stateRef, st)
	})
	if err != nil {
		return err
	}
	if !fresh {
		if st.Latest == "" {
			return httpapi.TooManyRequests(max(1, int(time.Until(st.NextAt).Seconds())), "a suggestion is being prepared")
		}
		sg, err := a.readSuggestion(ctx, s, st.Latest)
		if err != nil {
			return err
		}
		httpapi.WriteJSON(w, http.StatusOK, CopilotResponse{Suggestion: *sg, NextAt: st.NextAt})
		return nil
	}
	sg, charged, err := a.suggest(ctx, p, s, req.Lang, now)
	if err != nil {
		// Give the slot back, so the next ask may try again at once.
		_, _ = stateRef.Update(context.WithoutCancel(ctx), []firestore.Update{{Path: "next_at", Value: now}})
		return err
	}
	ref := s.ref.Collection(collCopilot).Doc(sg.ID)
	err = a.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction, _ *outbox.Tx) error {
		var credits Credits
		if charged {
			var err error
			if credits, err = a.readCredits(ctx, tx, p.UID, p.Tier, now); err != nil {
				return err
			}
			if credits.Remaining <= 0 {
				return &exhausted{credits}
			}
		}
		if err := tx.Create(ref, sg); err != nil {
			return err
		}
		if err := tx.Set(stateRef, copilotState{Latest: sg.ID, NextAt: st.NextAt}); err != nil {
			return err
		}
		if charged {
			_, err := a.charge(tx, p.UID, credits, now)
			return err
		}
		return nil
	})
	if err != nil {
		_, _ = stateRef.Update(context.WithoutCancel(ctx), []firestore.Update{{Path: "next_at", Value: now}})
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, CopilotResponse{Suggestion: *sg, NextAt: st.NextAt})
	return nil
}

func (a *api) readSuggestion(ctx context.Context, s *session, id string) (*Suggestion, error) {
	if !authz.ValidDocID(id) {
		return nil, httpapi.NotFound("no suggestion %q", id)
	}
	snap, err := s.ref.Collection(collCopilot).Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, httpapi.NotFound("no suggestion %q", id)
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	sg := &Suggestion{}
	if err := snap.DataTo(sg); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	sg.ID = id
	return sg, nil
}

// visibleCards are the titles of the cards picked in the session so far
// that the facilitator may see: revealed ones, and unrevealed ones of
// participants who consented to facilitator_visibility. Never who picked
// them, never anything a participant wrote.
func (a *api) visibleCards(ctx context.Context, s *session) ([]string, error) {
	draws, err := s.ref.Collection("draws").Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	var titles []string
	consent := map[string]bool{}
	for _, d := range draws {
		picks, err := d.Ref.Collection("picks").Documents(ctx).GetAll()
		if err != nil {
			return nil, err
		}
		for _, pk := range picks {
			var pick struct {
				UID      string `firestore:"uid"`
				Title    string `firestore:"title"`
				Revealed bool   `firestore:"revealed"`
			}
			if err := pk.DataTo(&pick); err != nil || pick.Title == "" {
				continue
			}
			if !pick.Revealed {
				ok, seen := consent[pick.UID]
				if !seen {
					ok, err = a.d.Consent.Allowed(ctx, pick.UID, s.Org, string(consentvault.FacilitatorVisibility))
					if err != nil {
						slog.WarnContext(ctx, "coach: consent check failed; the pick stays hidden", "err", err)
						ok = false
					}
					consent[pick.UID] = ok
				}
				if !ok {
					continue
				}
			}
			if !slices.Contains(titles, pick.Title) {
				titles = append(titles, pick.Title)
			}
		}
	}
	return titles, nil
}

// copilotSchema is the model's suggestion.
var copilotSchema = &aiplatformpb.Schema{
	Type: aiplatformpb.Type_OBJECT,
	Properties: map[string]*aiplatformpb.Schema{
		"rationale": {Type: aiplatformpb.Type_STRING},
		"cards":     {Type: aiplatformpb.Type_ARRAY, MaxItems: 3, Items: &aiplatformpb.Schema{Type: aiplatformpb.Type_STRING}},
		"questions": {Type: aiplatformpb.Type_ARRAY, MaxItems: 2, Items: &aiplatformpb.Schema{
			Type: aiplatformpb.Type_OBJECT,
			Properties: map[string]*aiplatformpb.Schema{
				"item_id": {Type: aiplatformpb.Type_STRING},
				"text":    {Type: aiplatformpb.Type_STRING},
			},
			Required: []string{"text"},
		}},
	},
	Required:         []string{"rationale", "cards", "questions"},
	PropertyOrdering: []string{"rationale", "cards", "questions"},
}

// phaseQuestions stand in when the library and the model offer none, per
// language.
var phaseQuestions = map[string]map[string][]string{
	"en": {
		"pause":  {"What are you noticing right now?", "What would you like to leave outside for this moment?"},
		"expand": {"What else could this card be saying to you?", "How might someone you admire see this?"},
		"focus":  {"What matters most to you in this?", "What is one thing you choose to hold on to?"},
		"doing":  {"What small step could you take this week?", "Who could support you in that step?"},
		"":       {"What caught your attention so far?", "What would you like to explore next?"},
	},
	"es": {
		"pause":  {"¿Qué estás notando ahora mismo?", "¿Qué te gustaría dejar fuera en este momento?"},
		"expand": {"¿Qué más podría estar diciéndote esta carta?", "¿Cómo vería esto alguien a quien admiras?"},
		"focus":  {"¿Qué es lo que más te importa en esto?", "¿Qué eliges conservar?"},
		"doing":  {"¿Qué pequeño paso podrías dar esta semana?", "¿Quién podría apoyarte en ese paso?"},
		"":       {"¿Qué te ha llamado la atención hasta ahora?", "¿Qué te gustaría explorar a continuación?"},
	},
	"fr": {
		"pause":  {"Que remarquez-vous en ce moment ?", "Que voudriez-vous laisser de côté pour cet instant ?"},
		"expand": {"Que pourrait encore vous dire cette carte ?", "Comment une personne que vous admirez verrait-elle cela ?"},
		"focus":  {"Qu'est-ce qui compte le plus pour vous ici ?", "Quelle chose choisissez-vous de garder ?"},
		"doing":  {"Quel petit pas pourriez-vous faire cette semaine ?", "Qui pourrait vous soutenir dans ce pas ?"},
		"":       {"Qu'est-ce qui a retenu votre attention jusqu'ici ?", "Qu'aimeriez-vous explorer ensuite ?"},
	},
	"de": {
		"pause":  {"Was nimmst du gerade wahr?", "Was möchtest du für diesen Moment draußen lassen?"},
		"expand": {"Was könnte dir diese Karte noch sagen?", "Wie würde jemand, den du bewunderst, das sehen?"},
		"focus":  {"Was ist dir daran am wichtigsten?", "Woran möchtest du festhalten?"},
		"doing":  {"Welchen kleinen Schritt könntest du diese Woche gehen?", "Wer könnte dich bei diesem Schritt unterstützen?"},
		"":       {"Was ist dir bisher aufgefallen?", "Was möchtest du als Nächstes erkunden?"},
	},
	"he": {
		"pause":  {"מה את/ה שם/ה לב אליו עכשיו?", "מה היית רוצה להשאיר בחוץ לרגע הזה?"},
		"expand": {"מה עוד הקלף הזה יכול לומר לך?", "איך מישהו שאת/ה מעריך/ה היה רואה את זה?"},
		"focus":  {"מה הכי חשוב לך בזה?", "במה את/ה בוחר/ת להחזיק?"},
		"doing":  {"איזה צעד קטן תוכל/י לעשות השבוע?", "מי יכול לתמוך בך בצעד הזה?"},
		"":       {"מה משך את תשומת לבך עד עכשיו?", "מה היית רוצה לחקור עכשיו?"},
	},
}

// suggest makes a suggestion for the session's moment: cards and
// questions from the library at the tier of the session's organisation
// (its entitlement, not the facilitator's claim: the content serves that
// organisation's session), by meaning, and the model's rationale (or a
// fixed one when the model is unavailable; then no credit is charged).
// The credit is the facilitator's own, at their tier.
func (a *api) suggest(ctx context.Context, p *auth.Principal, s *session, lang string, now time.Time) (*Suggestion, bool, error) {
	if languageNames[lang] == "" {
		lang = "en"
	}
	credits, err := a.readCredits(ctx, nil, p.UID, p.Tier, now)
	if err != nil {
		return nil, false, httpapi.Unavailable(err)
	}
	if credits.Remaining <= 0 {
		return nil, false, &exhausted{credits}
	}
	phase := s.Phase()
	cards, err := a.visibleCards(ctx, s)
	if err != nil {
		return nil, false, httpapi.Unavailable(err)
	}
	query := "Phase: " + phase + "."
	if len(cards) > 0 {
		query += " Cards so far: " + strings.Join(cards, ", ") + "."
	}
	sg := &Suggestion{ID: a.d.NewID(), Phase: phase, CreatedAt: now, State: StateOpen, UID: p.UID,
		Cards: []Card{}, Questions: []SuggestedQuestion{}, Feedback: []CopilotFeedback{}}
	vecs, err := a.d.Model.Embed(ctx, []string{query}, ai.TaskRetrievalQuery)
	if err != nil || len(vecs) != 1 {
		return nil, false, httpapi.Unavailable(err)
	}
	saved := a.d.Passages
	a2 := *a
	a2.d.Passages = max(saved, 8)
	tier, err := a.ent.OrgTier(ctx, nil, s.Org)
	if err != nil {
		return nil, false, httpapi.Unavailable(err)
	}
	ret, err := a2.retrieve(ctx, s.Org, tier, lang, vecs[0])
	if err != nil {
		return nil, false, httpapi.Unavailable(err)
	}
	var qcards []string
	for _, id := range ret.order {
		it := ret.items[id]
		switch {
		case slices.Contains([]string{library.TypePhotoCard, library.TypeWordCard}, it.Type) && len(sg.Cards) < 3:
			sg.Cards = append(sg.Cards, cardOf(it, lang))
		case it.Type == library.TypeQuestionCard:
			qcards = append(qcards, id)
		}
	}
	for _, id := range qcards {
		if len(sg.Questions) == 2 {
			break
		}
		t, _ := ret.items[id].Localized(lang)
		q := t.Body
		if q == "" {
			q = t.Title
		}
		sg.Questions = append(sg.Questions, SuggestedQuestion{ItemID: id, Text: q})
	}
	for _, q := range phaseQuestions[lang][phase] {
		if len(sg.Questions) == 2 {
			break
		}
		sg.Questions = append(sg.Questions, SuggestedQuestion{Text: q})
	}
	sg.Rationale = fallbackRationale(lang, phase, len(cards))
	res, err := a.d.Model.Generate(ctx, ai.GenerateRequest{
		System: "You help a facilitator of a Points of You session (phases Pause, Expand, Focus, Doing). " +
			"In one or two sentences, say why these cards and questions fit the session's moment. Write in " +
			languageNames[lang] + ". Reply as JSON.",
		Turns:    []ai.Turn{{Role: "user", Text: query + " Suggested: " + suggestionSummary(sg)}},
		Passages: ret.passages,
		Schema:   copilotSchema, MaxTokens: 400, Temperature: 0.3,
	})
	if err != nil {
		slog.WarnContext(ctx, "coach: copilot model unavailable; fixed text", "err", err)
		sg.Fallback = true
		return sg, false, nil
	}
	var m struct {
		Rationale string `json:"rationale"`
	}
	if json.Unmarshal(res.JSON, &m) == nil && strings.TrimSpace(m.Rationale) != "" {
		sg.Rationale = clip(m.Rationale, 600)
	}
	return sg, true, nil
}

func suggestionSummary(sg *Suggestion) string {
	var parts []string
	for _, c := range sg.Cards {
		parts = append(parts, c.Title)
	}
	for _, q := range sg.Questions {
		parts = append(parts, q.Text)
	}
	return strings.Join(parts, "; ")
}

// rationales are the fixed rationale per language: {what} is the phase's
// aim; the second form is for a session where cards were picked.
var rationales = map[string]struct {
	fresh, picked string
	aims          map[string]string
}{
	"en": {"These cards and questions help the group {what}.", "These cards and questions echo the cards chosen so far and help the group {what}.",
		map[string]string{"pause": "slow down and notice", "expand": "open new perspectives", "focus": "choose what matters", "doing": "turn insight into a small step", "": "explore together"}},
	"es": {"Estas cartas y preguntas ayudan al grupo a {what}.", "Estas cartas y preguntas retoman las cartas elegidas hasta ahora y ayudan al grupo a {what}.",
		map[string]string{"pause": "detenerse y observar", "expand": "abrir nuevas perspectivas", "focus": "elegir lo que importa", "doing": "convertir lo descubierto en un pequeño paso", "": "explorar juntos"}},
	"fr": {"Ces cartes et ces questions aident le groupe à {what}.", "Ces cartes et ces questions font écho aux cartes choisies jusqu'ici et aident le groupe à {what}.",
		map[string]string{"pause": "ralentir et observer", "expand": "ouvrir de nouvelles perspectives", "focus": "choisir ce qui compte", "doing": "transformer une prise de conscience en un petit pas", "": "explorer ensemble"}},
	"de": {"Diese Karten und Fragen helfen der Gruppe, {what}.", "Diese Karten und Fragen greifen die bisher gewählten Karten auf und helfen der Gruppe, {what}.",
		map[string]string{"pause": "innezuhalten und wahrzunehmen", "expand": "neue Perspektiven zu öffnen", "focus": "zu wählen, was zählt", "doing": "aus einer Einsicht einen kleinen Schritt zu machen", "": "gemeinsam zu erkunden"}},
	"he": {"הקלפים והשאלות האלה עוזרים לקבוצה {what}.", "הקלפים והשאלות האלה מהדהדים את הקלפים שנבחרו עד כה ועוזרים לקבוצה {what}.",
		map[string]string{"pause": "להאט ולשים לב", "expand": "לפתוח נקודות מבט חדשות", "focus": "לבחור את מה שחשוב", "doing": "להפוך תובנה לצעד קטן", "": "לחקור יחד"}},
}

func fallbackRationale(lang, phase string, picked int) string {
	r, ok := rationales[lang]
	if !ok {
		r = rationales["en"]
	}
	what, ok := r.aims[phase]
	if !ok {
		what = r.aims[""]
	}
	form := r.fresh
	if picked > 0 {
		form = r.picked
	}
	return strings.ReplaceAll(form, "{what}", what)
}

func (a *api) copilotFeedback(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req CopilotFeedbackRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	s, err := a.facilitating(r, p)
	if err != nil {
		return err
	}
	id := r.PathValue("suggestionId")
	if !authz.ValidDocID(id) {
		return httpapi.NotFound("no suggestion %q", id)
	}
	ref := s.ref.Collection(collCopilot).Doc(id)
	var sg Suggestion
	err = txn.Run(r.Context(), a.d.Outbox, func(ctx context.Context, tx *firestore.Transaction, _ *outbox.Tx) error {
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			return httpapi.NotFound("no suggestion %q", id)
		}
		if err != nil {
			return err
		}
		sg = Suggestion{}
		if err := snap.DataTo(&sg); err != nil {
			return err
		}
		if req.ItemID != "" && !slices.ContainsFunc(sg.Cards, func(c Card) bool { return c.ItemID == req.ItemID }) &&
			!slices.ContainsFunc(sg.Questions, func(q SuggestedQuestion) bool { return q.ItemID == req.ItemID }) {
			return httpapi.Unprocessable(httpapi.Field("item_id", "is not one of the suggestion's cards or questions"))
		}
		sg.State = req.Action
		sg.Feedback = append(sg.Feedback, CopilotFeedback{Action: req.Action, ItemID: req.ItemID,
			Text: strings.TrimSpace(req.Text), UID: p.UID, At: a.d.Now().UTC()})
		return tx.Update(ref, []firestore.Update{{Path: "state", Value: sg.State}, {Path: "feedback", Value: sg.Feedback}})
	})
	if err != nil {
		return err
	}
	sg.ID = id
	httpapi.WriteJSON(w, http.StatusOK, sg)
	return nil
}

package insights

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
	"unicode"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/insights"
)

// Retrospective is the session's figures after (or so far during) the
// session, served as JSON and PDF and stored at the end.
type Retrospective struct {
	SessionID     string                  `json:"session_id" firestore:"session_id"`
	Title         string                  `json:"title" firestore:"title"`
	Status        string                  `json:"status" firestore:"status"`
	StartedAt     *time.Time              `json:"started_at" firestore:"started_at"`
	EndedAt       *time.Time              `json:"ended_at" firestore:"ended_at"`
	Phases        []RetroPhase            `json:"phases" firestore:"phases"`
	Themes        []insights.ThemeCount   `json:"themes" firestore:"themes"`
	Participation Participation           `json:"participation" firestore:"participation"`
	Participants  []RetroParticipant      `json:"participants" firestore:"participants"`
	Homework      []Homework              `json:"homework" firestore:"homework"`
	Summary       Summary                 `json:"summary" firestore:"-"`
	Breakthroughs []insights.Breakthrough `json:"breakthroughs" firestore:"breakthroughs"`
	Definitions   int                     `json:"definitions" firestore:"definitions"`
}

// RetroPhase is one phase's totals over shared participants.
type RetroPhase struct {
	Phase              string    `json:"phase" firestore:"phase"`
	StartedAt          time.Time `json:"started_at" firestore:"started_at"`
	Seconds            int       `json:"seconds" firestore:"seconds"`
	Ops                int       `json:"ops" firestore:"ops"`
	Elements           int       `json:"elements" firestore:"elements"`
	Cards              int       `json:"cards" firestore:"cards"`
	Connections        int       `json:"connections" firestore:"connections"`
	SharedParticipants int       `json:"shared_participants" firestore:"shared_participants"`
}

// Participation is the balance of the whole session.
type Participation struct {
	Gini           float64 `json:"gini" firestore:"gini"`
	Balance        float64 `json:"balance" firestore:"balance"`
	SharedCount    int     `json:"shared_count" firestore:"shared_count"`
	NotSharedCount int     `json:"not_shared_count" firestore:"not_shared_count"`
	QuietCount     int     `json:"quiet_count" firestore:"quiet_count"`
	DominantCount  int     `json:"dominant_count" firestore:"dominant_count"`
}

// RetroParticipant is one participant's totals (shared ones only).
type RetroParticipant struct {
	UID    string            `json:"uid" firestore:"uid"`
	Shared bool              `json:"shared" firestore:"shared"`
	Totals *insights.Metrics `json:"totals,omitempty" firestore:"totals"`
}

// Homework is one homework title and how many people it was assigned to.
type Homework struct {
	Title    string     `json:"title" firestore:"title"`
	DueAt    *time.Time `json:"due_at" firestore:"due_at"`
	Assigned int        `json:"assigned" firestore:"assigned"`
}

// Summary is the retrospective's short text.
type Summary struct {
	Text   string `json:"text" firestore:"text"`
	Lang   string `json:"lang" firestore:"lang"`
	Source string `json:"source" firestore:"source"`
}

// retroDoc is orgs/{org}/sessions/{s}/insights/retrospective.
type retroDoc struct {
	Retro     Retrospective      `firestore:"retro"`
	Summaries map[string]Summary `firestore:"summaries"`
	UIDs      []string           `firestore:"uids"`
	UIDHashes []string           `firestore:"uid_hashes"`
	People    []string           `firestore:"people"`
	UpdatedAt time.Time          `firestore:"updated_at"`
}

// buildRetro derives the retrospective from the live view.
func buildRetro(s *session, l insights.Live, hw []Homework, tl []insights.PhaseChange) Retrospective {
	r := Retrospective{SessionID: s.ID, Title: s.Title, Status: s.Status, StartedAt: s.StartedAt, EndedAt: s.EndedAt,
		Themes: nonNil(l.Session.Themes), Homework: hw, Breakthroughs: nonNil(l.Session.Breakthroughs),
		Definitions: l.Definitions, Participants: []RetroParticipant{}}
	if r.Homework == nil {
		r.Homework = []Homework{}
	}
	seen := map[string]bool{}
	for _, pc := range tl {
		if seen[pc.Phase] {
			continue
		}
		seen[pc.Phase] = true
		r.Phases = append(r.Phases, RetroPhase{Phase: pc.Phase, StartedAt: pc.At, Seconds: l.Session.PhaseSeconds[pc.Phase]})
	}
	var totals []float64
	for _, p := range l.Participants {
		rp := RetroParticipant{UID: p.UID, Shared: p.Shared}
		if !p.Shared {
			r.Participation.NotSharedCount++
			r.Participants = append(r.Participants, rp)
			continue
		}
		r.Participation.SharedCount++
		rp.Totals = p.Totals
		r.Participants = append(r.Participants, rp)
		if p.Totals != nil {
			totals = append(totals, float64(p.Totals.Ops))
		}
		for i := range r.Phases {
			m, ok := p.Phases[r.Phases[i].Phase]
			if !ok {
				continue
			}
			ph := &r.Phases[i]
			ph.Ops += m.Ops
			for _, n := range m.ElementsByKind {
				ph.Elements += n
			}
			ph.Cards += m.CardsPlaced
			ph.Connections += m.Connections
			if m.Ops > 0 {
				ph.SharedParticipants++
			}
		}
	}
	if r.Phases == nil {
		r.Phases = []RetroPhase{}
	}
	r.Participation.Gini = round3(insights.Gini(totals))
	r.Participation.Balance = round1(100 * (1 - r.Participation.Gini))
	r.Participation.QuietCount = len(l.Session.Quiet)
	r.Participation.DominantCount = len(l.Session.Dominant)
	return r
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// readHomework groups the session's homework by title.
func readHomework(ctx context.Context, ref *firestore.DocumentRef) ([]Homework, error) {
	docs, err := ref.Collection(collHomework).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("read homework: %w", err)
	}
	by := map[string]*Homework{}
	var order []string
	for _, d := range docs {
		var h struct {
			Title  string `firestore:"title"`
			Due    string `firestore:"due"`
			Status string `firestore:"status"`
		}
		if d.DataTo(&h) != nil || h.Title == "" {
			continue
		}
		hw := by[h.Title]
		if hw == nil {
			hw = &Homework{Title: h.Title}
			if t, err := parseDue(h.Due); err == nil {
				hw.DueAt = &t
			}
			by[h.Title] = hw
			order = append(order, h.Title)
		}
		hw.Assigned++
	}
	sort.Strings(order)
	out := make([]Homework, 0, len(order))
	for _, t := range order {
		out = append(out, *by[t])
	}
	return out, nil
}

func parseDue(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse("2006-01-02", s)
}

// summaryFacts are the aggregates the summary is written from: numbers
// and theme words only.
type summaryFacts struct {
	Minutes       int            `json:"minutes"`
	Phases        []summaryPhase `json:"phases"`
	Balance       float64        `json:"balance"`
	Shared        int            `json:"shared_participants"`
	Breakthroughs int            `json:"breakthroughs"`
	Themes        []string       `json:"themes"`
	Homework      int            `json:"homework_items"`
}

type summaryPhase struct {
	Phase       string `json:"phase"`
	Minutes     int    `json:"minutes"`
	Ops         int    `json:"ops"`
	Cards       int    `json:"cards"`
	Connections int    `json:"connections"`
}

func factsOf(r Retrospective) summaryFacts {
	f := summaryFacts{Balance: r.Participation.Balance, Shared: r.Participation.SharedCount,
		Breakthroughs: len(r.Breakthroughs), Homework: len(r.Homework), Themes: []string{}}
	for _, p := range r.Phases {
		f.Minutes += p.Seconds / 60
		f.Phases = append(f.Phases, summaryPhase{Phase: p.Phase, Minutes: p.Seconds / 60, Ops: p.Ops, Cards: p.Cards, Connections: p.Connections})
	}
	for i, t := range r.Themes {
		if i == 5 {
			break
		}
		f.Themes = append(f.Themes, t.Theme)
	}
	return f
}

const summarySystem = `You write a short retrospective (at most 80 words) of a group session for its facilitator, from aggregate figures only.
Mention how the phases went, how balanced participation was and the recurring themes. Do not mention any person.
Answer in %s, as JSON matching the schema.`

var summarySchema = map[string]any{
	"type":       "object",
	"properties": map[string]any{"summary": map[string]any{"type": "string"}},
	"required":   []any{"summary"},
}

// summarize writes the summary in lang: the model from the aggregates,
// else the fallback.
func (e *engine) summarize(ctx context.Context, r Retrospective, lang string) Summary {
	facts := factsOf(r)
	if e.d.Model != nil {
		body, _ := json.Marshal(facts)
		ctx, cancel := context.WithTimeout(ctx, e.d.ModelTimeout)
		defer cancel()
		res, err := e.d.Model.Generate(ctx, ai.GenerateRequest{
			System: fmt.Sprintf(summarySystem, langNames[lang]), Turns: []ai.Turn{{Role: "user", Text: string(body)}},
			JSONSchema: summarySchema, MaxTokens: 512,
		})
		if err == nil {
			var out struct {
				Summary string `json:"summary"`
			}
			if json.Unmarshal(res.JSON, &out) == nil {
				if t := strings.TrimSpace(out.Summary); t != "" && len(t) <= 2000 && inScript(t, lang) {
					return Summary{Text: t, Lang: lang, Source: insights.SourceModel}
				}
			}
		} else {
			slog.Warn("insights: summary fell back", "err", err.Error())
		}
	}
	return Summary{Text: fallbackSummary(facts, lang), Lang: lang, Source: insights.SourceFallback}
}

// fallbackOf is r's summary in lang without the model.
func fallbackOf(r Retrospective, lang string) Summary {
	return Summary{Text: fallbackSummary(factsOf(r), lang), Lang: lang, Source: insights.SourceFallback}
}

// inScript reports whether text is written in lang's script: a model may
// answer a Hebrew request in English, and the fallback is better then.
func inScript(text, lang string) bool {
	if lang != "he" {
		return true
	}
	for _, r := range text {
		if unicode.Is(unicode.Hebrew, r) {
			return true
		}
	}
	return false
}

// storeRetro stores the retrospective of the ended session from l, with
// its summary in the facilitator's language (by the model when useModel;
// a removal uses the fallback, to finish quickly).
func (e *engine) storeRetro(ctx context.Context, s *session, l insights.Live, useModel bool) error {
	r := sessionRefs(e.d.Firestore, s.Org, s.ID)
	hw, err := readHomework(ctx, r.session)
	if err != nil {
		return err
	}
	st, err := r.state.Get(ctx)
	if err != nil {
		return err
	}
	cur := decodeState(st)
	retro := buildRetro(s, l, hw, timeline(s, cur.Steps))
	sums := map[string]Summary{}
	if useModel {
		sums[cur.Lang] = e.summarize(ctx, retro, cur.Lang)
	} else {
		sums[cur.Lang] = fallbackOf(retro, cur.Lang)
	}
	_, err = r.retro.Set(ctx, retroDoc{Retro: retro, Summaries: sums, UIDs: nonNil(l.UIDs), UIDHashes: uidHashes(l.UIDs),
		People: peopleOf(l.UIDs, listed(l)), UpdatedAt: e.d.Now().UTC()})
	return err
}

// readRetro reads the stored retrospective (nil when none).
func readRetro(ctx context.Context, ref *firestore.DocumentRef) (*retroDoc, error) {
	snap, err := ref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d retroDoc
	if err := snap.DataTo(&d); err != nil {
		return nil, err
	}
	return &d, nil
}

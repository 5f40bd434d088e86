package insights

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/insights"
)

// engine runs flushes and removals for one instance.
type engine struct {
	d      Deps
	themes *themeCache
	co     *coalescer
}

func newEngine(d Deps) *engine {
	e := &engine{d: d, themes: newThemeCache(d.Firestore, d.ThemesTTL)}
	e.co = newCoalescer(context.Background(), d.Window, d.MinGap, d.CatchUp, e.flush)
	return e
}

// readLog is what a flush read of the op log and the elements.
type readLog struct {
	entries []insights.LogEntry
	cursors map[string]int64
	owners  map[string]string
	kinds   map[string]string
	seeded  []string
}

// flush brings the session's state and live view up to date with the op
// log, the phase timeline, the participants and their consent.
func (e *engine) flush(ctx context.Context, b *batch) (flushResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	fs := e.d.Firestore
	r := sessionRefs(fs, b.Org, b.Session)
	s, err := readSession(ctx, r.session)
	if err != nil || s == nil {
		return flushResult{}, err
	}
	if s.Status != statusLive && s.Status != statusEnded {
		return flushResult{}, nil // nothing happens on a canvas before the start
	}
	uids, _, err := readParticipants(ctx, r.session)
	if err != nil {
		return flushResult{}, err
	}
	first, err := r.state.Get(ctx)
	if err != nil && status.Code(err) != codes.NotFound {
		return flushResult{}, fmt.Errorf("read state: %w", err)
	}
	cur := decodeState(first)
	log, err := e.readLog(ctx, b.Org, b.Session, cur)
	if err != nil {
		return flushResult{}, err
	}
	var cards []string
	for _, en := range log.entries {
		for _, p := range en.Patches {
			if id, ok := p.Props["card_id"].(string); ok && id != "" {
				cards = append(cards, id)
			}
		}
	}
	themes, err := e.themes.load(ctx, b.Org, cards)
	if err != nil {
		return flushResult{}, fmt.Errorf("read card themes: %w", err)
	}
	ended := b.Ended || s.Status == statusEnded
	now := e.d.Now().UTC()
	if ended && s.EndedAt != nil && s.EndedAt.Before(now) {
		now = s.EndedAt.UTC()
	}
	in := computeIn{s: s, steps: b.Steps, uids: uids, log: log, themes: themes, now: now}

	// A first pass outside the transaction finds whether the open
	// recommendations changed, so the model is asked before it.
	pre, err := e.consents(ctx, nil, b.Org, uids)
	if err != nil {
		return flushResult{}, err
	}
	fb, _ := readFeedback(ctx, nil, r.feedback)
	st0, live0 := e.compute(first, in, pre, fb)
	var fresh map[string]textDoc
	key0 := textKey(live0.Recommendations, st0.Lang)
	if key0 != st0.TextKey && len(openOf(live0.Recommendations)) > 0 {
		fresh = e.writeTexts(ctx, live0, st0.Lang)
	}

	var live insights.Live
	err = fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(r.state)
		if err != nil && status.Code(err) != codes.NotFound {
			return err
		}
		shared, err := e.consents(ctx, tx, b.Org, uids)
		if err != nil {
			return err
		}
		fb, err := readFeedback(ctx, tx, r.feedback)
		if err != nil {
			return err
		}
		st, l := e.compute(snap, in, shared, fb)
		key := textKey(l.Recommendations, st.Lang)
		switch {
		case key == st.TextKey:
		case key == key0 && fresh != nil:
			st.TextKey, st.Texts = key, fresh
		default:
			st.TextKey, st.Texts = key, map[string]textDoc{}
		}
		for i := range l.Recommendations {
			if t, ok := st.Texts[l.Recommendations[i].ID]; ok {
				l.Recommendations[i].Text, l.Recommendations[i].Lang, l.Recommendations[i].Source = t.Text, t.Lang, t.Source
			}
		}
		st.Recs = l.Recommendations
		st.Version++
		st.UpdatedAt = e.d.Now().UTC()
		st.Ended = st.Ended || ended
		l.Version, l.UpdatedAt = st.Version, st.UpdatedAt
		st.UIDs = l.UIDs
		st.UIDHashes = uidHashes(l.UIDs, slices.Collect(maps.Keys(st.Engine.People)))
		st.People = peopleOf(l.UIDs, slices.Collect(maps.Keys(st.Engine.People)))
		l.People = peopleOf(l.UIDs, listed(l))
		if err := tx.Set(r.state, st); err != nil {
			return err
		}
		live = l
		return tx.Set(r.live, l)
	})
	if err != nil {
		return flushResult{}, fmt.Errorf("store insights: %w", err)
	}
	if ended && !cur.Ended {
		if err := e.storeRetro(ctx, s, live, true); err != nil {
			slog.Warn("insights: retrospective not stored", "session", b.Session, "err", err.Error())
		}
	}
	behind := false
	for c, t := range b.Latest {
		if log.cursors[c] < t {
			behind = true
		}
	}
	return flushResult{Behind: behind}, nil
}

// computeIn is what a flush read, for both of its passes.
type computeIn struct {
	s      *session
	steps  []phaseDoc
	uids   []string
	log    readLog
	themes func(string) []string
	now    time.Time
}

// compute folds what was read into the stored state (snap) and returns
// the new state and live view, recommendations included.
func (e *engine) compute(snap *firestore.DocumentSnapshot, in computeIn, shared map[string]bool, fb feedbackDoc) (stateDoc, insights.Live) {
	st := decodeState(snap)
	if st.Engine == nil {
		st.Engine = insights.NewState(in.s.ID, *e.d.Config)
	}
	// The session's current phase is kept too: its event may come later
	// than the ops of the phase it starts.
	steps := in.steps
	if ph := in.s.phase(); ph != "" && !in.s.Current.ChangedAt.IsZero() {
		steps = append(slices.Clone(steps), phaseDoc{Phase: ph, At: in.s.Current.ChangedAt.UTC()})
	}
	st.Steps = mergeSteps(st.Steps, steps)
	st.Engine.SetPhases(timeline(in.s, st.Steps))
	isShared := func(uid string) bool { return shared[uid] }
	// Anyone not sharing now is forgotten: a withdrawal, an erasure that
	// took the uid out of the lists, a participant removed.
	gone := st.sharedBefore()
	for uid := range st.Engine.People {
		gone[uid] = true
	}
	for uid := range gone {
		if !shared[uid] {
			st.Engine.Forget(uid)
		}
	}
	if len(in.log.seeded) > 0 {
		st.Engine.SeedOwners(in.log.owners, in.log.kinds)
		for _, c := range in.log.seeded {
			st.Seeded[c] = true
		}
	}
	for _, en := range in.log.entries {
		st.Engine.Apply(en, isShared, in.themes)
	}
	for c, t := range in.log.cursors {
		st.Cursors[c] = max(st.Cursors[c], t)
	}
	l := st.Engine.Snapshot(in.now, in.uids, isShared)
	l.SessionID = in.s.ID
	prev := slices.Clone(st.Recs)
	for i := range prev {
		if s, ok := fb.Statuses[prev[i].ID]; ok {
			prev[i].Status = s
		}
	}
	l.Recommendations = insights.Recommend(l, st.Lang, prev)
	for i := range l.Recommendations {
		if s, ok := fb.Statuses[l.Recommendations[i].ID]; ok {
			l.Recommendations[i].Status = s
		}
	}
	if l.UIDs == nil {
		l.UIDs = []string{}
	}
	return st, l
}

// sharedBefore are the uids whose figures the stored state holds.
func (st stateDoc) sharedBefore() map[string]bool {
	out := map[string]bool{}
	for _, u := range st.UIDs {
		out[u] = true
	}
	return out
}

// decodeState reads a state document (an empty state when there is none).
func decodeState(snap *firestore.DocumentSnapshot) stateDoc {
	var st stateDoc
	if snap != nil && snap.Exists() {
		if err := snap.DataTo(&st); err != nil {
			slog.Warn("insights: state unreadable; starting over", "doc", snap.Ref.Path, "err", err.Error())
			st = stateDoc{}
		}
	}
	if st.Cursors == nil {
		st.Cursors = map[string]int64{}
	}
	if st.Seeded == nil {
		st.Seeded = map[string]bool{}
	}
	if st.Texts == nil {
		st.Texts = map[string]textDoc{}
	}
	if st.Lang == "" {
		st.Lang = "en"
	}
	return st
}

func mergeSteps(a, b []phaseDoc) []phaseDoc {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.ContainsFunc(out, func(o phaseDoc) bool { return o.Phase == s.Phase && o.At.Equal(s.At) }) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// readLog reads the session's canvases' op-log entries since their
// cursors (less the engine's late tolerance: Apply skips those it saw)
// and, for canvases seen the first time, their elements' owners.
func (e *engine) readLog(ctx context.Context, org, sid string, cur stateDoc) (readLog, error) {
	fs := e.d.Firestore
	out := readLog{cursors: map[string]int64{}, owners: map[string]string{}, kinds: map[string]string{}}
	canvases, err := fs.Collection(collOrgs).Doc(org).Collection(collCanvases).Where("session_id", "==", sid).Documents(ctx).GetAll()
	if err != nil {
		return out, fmt.Errorf("read canvases: %w", err)
	}
	late := e.d.Config.LateTolerance.Milliseconds()
	for _, c := range canvases {
		since := cur.Cursors[c.Ref.ID]
		q := c.Ref.Collection(collOps).Where("t", ">=", max(0, since-late)).OrderBy("t", firestore.Asc)
		docs, err := q.Documents(ctx).GetAll()
		if err != nil {
			return out, fmt.Errorf("read op log: %w", err)
		}
		out.cursors[c.Ref.ID] = since
		for _, d := range docs {
			var doc logDoc
			if err := d.DataTo(&doc); err != nil {
				continue
			}
			en := doc.entry(c.Ref.ID + "/" + d.Ref.ID)
			out.entries = append(out.entries, en)
			out.cursors[c.Ref.ID] = max(out.cursors[c.Ref.ID], en.T)
		}
		if !cur.Seeded[c.Ref.ID] {
			els, err := c.Ref.Collection(collElements).Select("owner", "kind").Documents(ctx).GetAll()
			if err != nil {
				return out, fmt.Errorf("read elements: %w", err)
			}
			for _, el := range els {
				if o, _ := el.Data()["owner"].(string); o != "" {
					out.owners[el.Ref.ID] = o
				}
				if k, _ := el.Data()["kind"].(string); k != "" {
					out.kinds[el.Ref.ID] = k
				}
			}
			out.seeded = append(out.seeded, c.Ref.ID)
		}
	}
	sort.SliceStable(out.entries, func(i, j int) bool { return out.entries[i].T < out.entries[j].T })
	return out, nil
}

// consents reads each participant's consent state (in tx when given) and
// says who shares canvas_insights in org.
func (e *engine) consents(ctx context.Context, tx *firestore.Transaction, org string, uids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(uids) == 0 {
		return out, nil
	}
	fs := e.d.Firestore
	refs := make([]*firestore.DocumentRef, len(uids))
	for i, u := range uids {
		refs[i] = fs.Collection(consentvault.ColUsers).Doc(u).Collection(consentvault.ColConsent).Doc(consentvault.DocState)
	}
	var snaps []*firestore.DocumentSnapshot
	var err error
	if tx != nil {
		snaps, err = tx.GetAll(refs)
	} else {
		snaps, err = fs.GetAll(ctx, refs)
	}
	if err != nil {
		return nil, fmt.Errorf("read consent: %w", err)
	}
	for i, s := range snaps {
		if !s.Exists() {
			continue
		}
		var st consentvault.State
		if err := s.DataTo(&st); err != nil {
			continue // unreadable: no consent
		}
		if st.Allowed(consentvault.CanvasInsights, org) {
			out[uids[i]] = true
		}
	}
	return out, nil
}

func readFeedback(ctx context.Context, tx *firestore.Transaction, ref *firestore.DocumentRef) (feedbackDoc, error) {
	var snap *firestore.DocumentSnapshot
	var err error
	if tx != nil {
		snap, err = tx.Get(ref)
	} else {
		snap, err = ref.Get(ctx)
	}
	var fb feedbackDoc
	if status.Code(err) == codes.NotFound {
		return fb, nil
	}
	if err != nil {
		return fb, err
	}
	_ = snap.DataTo(&fb)
	return fb, nil
}

// openOf lists the open recommendations.
func openOf(recs []insights.Recommendation) []insights.Recommendation {
	var out []insights.Recommendation
	for _, r := range recs {
		if r.Status == "" || r.Status == insights.StatusOpen {
			out = append(out, r)
		}
	}
	return out
}

// textKey names the set of open recommendations and the language.
func textKey(recs []insights.Recommendation, lang string) string {
	var ids []string
	for _, r := range openOf(recs) {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	return lang + "|" + strings.Join(ids, ",")
}

var errNoSession = errors.New("insights: no such session")

// logDoc is an op-log entry as the realtime gateway writes it.
type logDoc struct {
	T       int64 `firestore:"t"`
	Patches []struct {
		ID    string         `firestore:"id"`
		Kind  string         `firestore:"kind"`
		Owner string         `firestore:"owner"`
		From  string         `firestore:"from"`
		OpID  string         `firestore:"op_id"`
		Props map[string]any `firestore:"props"`
	} `firestore:"patches"`
}

func (d logDoc) entry(id string) insights.LogEntry {
	en := insights.LogEntry{ID: id, T: d.T, Patches: make([]insights.Patch, 0, len(d.Patches))}
	for _, p := range d.Patches {
		en.Patches = append(en.Patches, insights.Patch{ID: p.ID, Kind: p.Kind, Owner: p.Owner, From: p.From, OpID: p.OpID, Props: p.Props})
	}
	return en
}

package insights

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Langs are the languages of the fallback texts.
var Langs = []string{"en", "es", "fr", "de", "he"}

// SubjectPlaceholder stands in a recommendation's text where the
// participant's name goes: the web app puts the display name there, so
// no name is ever stored in a recommendation.
const SubjectPlaceholder = "{subject}"

func recommend(l Live, lang string, prev []Recommendation) []Recommendation {
	if !slices.Contains(Langs, lang) {
		lang = "en"
	}
	phaseOps := map[string]float64{}
	var ops []float64
	var uids []string
	for _, p := range l.Participants {
		if p.Shared {
			n := float64(p.Phases[l.Phase].Ops)
			phaseOps[p.UID] = n
			ops = append(ops, n)
			uids = append(uids, p.UID)
		}
	}
	medianOthers := func(uid string) float64 {
		i := slices.Index(uids, uid)
		if i < 0 {
			return median(ops)
		}
		return median(slices.Concat(ops[:i], ops[i+1:]))
	}
	var out []Recommendation
	add := func(r Recommendation) {
		r.Phase = firstNonEmpty(r.Phase, l.Phase)
		if r.Subjects == nil {
			r.Subjects = []string{}
		}
		r.ID = RecommendationID(r.Kind, r.Phase, r.Subjects, r.Theme)
		r.Lang, r.Source, r.Status, r.At = lang, SourceFallback, StatusOpen, l.UpdatedAt
		r.Text = fallbackText(r, lang)
		out = append(out, r)
	}
	if st := l.Session.Stuck; st != nil {
		mins := math.Floor(l.UpdatedAt.Sub(st.Since).Minutes())
		add(Recommendation{Kind: KindStuck, Priority: PriorityHigh, Timing: TimingNow, Phase: st.Phase,
			Numbers: map[string]float64{"minutes": max(0, mins)}})
	}
	for _, uid := range l.Session.Quiet {
		add(Recommendation{Kind: KindQuiet, Priority: PriorityMedium, Timing: TimingNow, Subjects: []string{uid},
			Numbers: map[string]float64{"ops": phaseOps[uid], "median_others": medianOthers(uid)}})
	}
	if l.Session.SharedCount >= 2 && l.Session.Balance < 50 {
		add(Recommendation{Kind: KindLowBalance, Priority: PriorityMedium, Timing: TimingNextTransition,
			Numbers: map[string]float64{"balance": l.Session.Balance, "gini": l.Session.Gini}})
	}
	for _, uid := range l.Session.Dominant {
		add(Recommendation{Kind: KindDominant, Priority: PriorityLow, Timing: TimingNextTransition, Subjects: []string{uid},
			Numbers: map[string]float64{"ops": phaseOps[uid], "median_others": medianOthers(uid)}})
	}
	var bursts, conns float64
	for _, b := range l.Session.Breakthroughs {
		if b.Phase == l.Phase {
			bursts++
			conns += float64(b.Connections)
		}
	}
	if bursts > 0 {
		add(Recommendation{Kind: KindBreakthrough, Priority: PriorityLow, Timing: TimingEndOfPhase,
			Numbers: map[string]float64{"bursts": bursts, "connections": conns}})
	}
	if len(l.Session.Themes) > 0 {
		th := l.Session.Themes[0]
		add(Recommendation{Kind: KindTheme, Priority: PriorityLow, Timing: TimingEndOfPhase, Theme: th.Theme,
			Numbers: map[string]float64{"people": float64(th.People), "cards": float64(th.Cards)}})
	}
	rank := map[string]int{PriorityHigh: 0, PriorityMedium: 1, PriorityLow: 2}
	slices.SortStableFunc(out, func(a, b Recommendation) int { return rank[a.Priority] - rank[b.Priority] })
	byID := map[string]Recommendation{}
	for _, p := range prev {
		byID[p.ID] = p
	}
	for i, r := range out {
		p, ok := byID[r.ID]
		if !ok {
			continue
		}
		if p.Status == StatusAccepted || p.Status == StatusDismissed {
			out[i].Status = p.Status
		}
		if !p.At.IsZero() {
			out[i].At = p.At
		}
		if p.Source == SourceModel && p.Lang == lang && p.Text != "" {
			out[i].Text, out[i].Source = p.Text, SourceModel
		}
	}
	if out == nil {
		out = []Recommendation{}
	}
	return out
}

// RecommendationID is stable for the same situation: a hash of the kind,
// the phase, the sorted subjects and (for recurring themes) the theme.
func RecommendationID(kind, phase string, subjects []string, theme string) string {
	subs := slices.Clone(subjects)
	slices.Sort(subs)
	h := sha256.New()
	for _, part := range append([]string{kind, phase, theme}, subs...) {
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	return "r" + hex.EncodeToString(h.Sum(nil))[:16]
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// fallbackText fills the figures into the template of r's kind in lang;
// {subject} stays for the web app.
func fallbackText(r Recommendation, lang string) string {
	t := fallbacks[lang][r.Kind]
	if t == "" {
		t = fallbacks["en"][r.Kind]
	}
	pairs := []string{"{theme}", r.Theme}
	for _, k := range sortedKeys(r.Numbers) {
		pairs = append(pairs, "{"+k+"}", strconv.FormatFloat(r.Numbers[k], 'f', -1, 64))
	}
	return strings.NewReplacer(pairs...).Replace(t)
}

package insights

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// The recorded session of testdata/insights/session-12x4, made by a
// deterministic generator (go test -run TestGolden -generate writes the
// fixture files; they are committed data, and TestGoldenFixture checks
// that the generator still makes exactly them).
//
// 12 participants over the four phases (40 minutes): p11 (very active)
// and p12 have not shared canvas_insights; p07 is quiet and scripted by
// hand; p03 carries the doing phase; p05 steps away in focus; a burst of
// 10 connectors at 33:00–34:21 is the breakthrough; after 34:30 nobody
// who shares creates anything (the stuck stretch; p11 still does).

var (
	fixStart = time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	fixEnd   = fixStart.Add(40 * time.Minute)
	// fixPhases: pause 0–8, expand 8–20, focus 20–32, doing 32–40 min.
	fixPhases = []PhaseChange{
		{Phase: "pause", At: fixStart},
		{Phase: "expand", At: fixStart.Add(8 * time.Minute)},
		{Phase: "focus", At: fixStart.Add(20 * time.Minute)},
		{Phase: "doing", At: fixStart.Add(32 * time.Minute)},
	}
	fixThemes = []string{"trust", "change", "courage", "connection", "curiosity", "rest", "play", "loss"}
)

// fixRates are ops per minute by phase (pause, expand, focus, doing) of
// the participants drawn at random.
var fixRates = map[string][4]float64{
	"p01": {3, 3.5, 3, 2.5},
	"p02": {2.5, 3, 2.5, 2},
	"p03": {3, 4, 4, 8},
	"p04": {2, 2.5, 3, 2},
	"p05": {2.5, 3, 2, 2.5}, // away 23:00–29:00
	"p06": {2, 2, 2.5, 2},
	"p08": {3, 2.5, 2, 2.5},
	"p09": {1.5, 2, 2, 1.5},
	"p10": {2, 3, 2.5, 2},
	"p11": {8, 10, 10, 9}, // not shared
	"p12": {2, 2, 1.5, 2}, // not shared
}

type fixOp struct {
	at time.Duration
	p  Patch
}

type fixGen struct {
	r     *rand.Rand
	ops   []fixOp
	owned map[string][]string // uid → element ids
	all   []string            // every element id, in creation order
	seq   map[string]int
}

func (g *fixGen) newID(uid, kind string) string {
	g.seq[uid]++
	return fmt.Sprintf("%s-%s-%03d", uid, kind[:2], g.seq[uid])
}

func (g *fixGen) add(at time.Duration, p Patch) {
	if p.Owner != "" {
		g.owned[p.From] = append(g.owned[p.From], p.ID)
		g.all = append(g.all, p.ID)
	}
	p.OpID = fmt.Sprintf("%s:%d", p.From, len(g.ops))
	g.ops = append(g.ops, fixOp{at, p})
}

func (g *fixGen) xy() (float64, float64) {
	return float64(g.r.IntN(3000)), float64(g.r.IntN(2000))
}

func (g *fixGen) createCard(at time.Duration, uid, card string) {
	x, y := g.xy()
	g.add(at, Patch{ID: g.newID(uid, "card"), Kind: "card", Owner: uid, From: uid,
		Props: map[string]any{"card_id": card, "x": x, "y": y, "w": 180.0, "h": 260.0, "face_down": false}})
}

func (g *fixGen) createNote(at time.Duration, uid string) {
	x, y := g.xy()
	g.add(at, Patch{ID: g.newID(uid, "note"), Kind: "note", Owner: uid, From: uid,
		Props: map[string]any{"x": x, "y": y, "w": 200.0, "h": 200.0, "color": "yellow", "text": "a thought"}})
}

func (g *fixGen) createKind(at time.Duration, uid, kind string) {
	x, y := g.xy()
	props := map[string]any{"x": x, "y": y}
	switch kind {
	case "stroke":
		props["points"] = []any{0.0, 0.0, 0.5, 10.0, 12.0, 0.5}
		props["tool"] = "pen"
	case "shape":
		props["shape"] = "ellipse"
	case "text":
		props["text"] = "words"
	}
	g.add(at, Patch{ID: g.newID(uid, kind), Kind: kind, Owner: uid, From: uid, Props: props})
}

func (g *fixGen) connect(at time.Duration, uid, a, b string) {
	g.add(at, Patch{ID: g.newID(uid, "connector"), Kind: "connector", Owner: uid, From: uid, Props: map[string]any{
		"from": map[string]any{"element": a, "anchor": "right"}, "to": map[string]any{"element": b, "anchor": "left"}, "style": "curved"}})
}

func (g *fixGen) move(at time.Duration, uid, id string) {
	x, y := g.xy()
	g.add(at, Patch{ID: id, Kind: g.kindOf(id), From: uid, Props: map[string]any{"x": x, "y": y}})
}

func (g *fixGen) kindOf(id string) string {
	for _, k := range Kinds {
		if len(id) > 6 && id[4:6] == k[:2] {
			return k
		}
	}
	return "note"
}

// other is an element another participant owns (shared or not).
func (g *fixGen) other(uid string) string {
	var c []string
	for _, id := range g.all {
		if id[:3] != uid {
			c = append(c, id)
		}
	}
	if len(c) == 0 {
		return ""
	}
	return c[g.r.IntN(len(c))]
}

func (g *fixGen) own(uid string) string {
	o := g.owned[uid]
	if len(o) == 0 {
		return ""
	}
	return o[g.r.IntN(len(o))]
}

// randomOp is one op of uid in phase i at time at.
func (g *fixGen) randomOp(at time.Duration, uid string, i int, cards []string, mayCreate bool) {
	roll := g.r.Float64()
	own, other := g.own(uid), g.other(uid)
	switch {
	case own == "" || (mayCreate && roll < [4]float64{0.45, 0.35, 0.15, 0.2}[i]):
		if !mayCreate {
			return
		}
		switch k := g.r.IntN(10); {
		case i == 0 || k < 4:
			// Low card numbers come up more often (the popular cards).
			g.createCard(at, uid, cards[min(g.r.IntN(len(cards)), g.r.IntN(len(cards)))])
		case k < 7:
			g.createNote(at, uid)
		default:
			g.createKind(at, uid, []string{"stroke", "shape", "text"}[g.r.IntN(3)])
		}
	case mayCreate && i >= 1 && roll < [4]float64{0, 0.37, 0.18, 0.21}[i] && other != "":
		g.connect(at, uid, own, other)
	case roll < 0.75 || other == "":
		g.move(at, uid, own)
	default:
		g.move(at, uid, other) // working on someone else's element
	}
}

// generateFixture makes the session. Same code, same bytes.
func generateFixture() Fixture {
	g := &fixGen{r: rand.New(rand.NewPCG(12, 4)), owned: map[string][]string{}, seq: map[string]int{}}
	cards := map[string][]string{}
	var cardIDs []string
	for i := range 24 {
		id := fmt.Sprintf("card-%02d", i+1)
		th := []string{fixThemes[i%len(fixThemes)]}
		if i%3 == 0 {
			th = append(th, fixThemes[(i/3+2)%len(fixThemes)])
		}
		cards[id] = th
		cardIDs = append(cardIDs, id)
	}
	var parts []FixtureParticipant
	for i := range 12 {
		uid := fmt.Sprintf("p%02d", i+1)
		parts = append(parts, FixtureParticipant{UID: uid, Shared: uid != "p11" && uid != "p12"})
	}
	m := time.Minute
	s := time.Second
	bounds := []time.Duration{0, 8 * m, 20 * m, 32 * m, 40 * m}
	stuckFrom := 34*m + 30*s
	// Every op is planned first and made in time order, so "someone
	// else's element" is one that exists at that moment.
	type planned struct {
		at time.Duration
		do func()
	}
	var plan []planned
	at := func(d time.Duration, f func()) { plan = append(plan, planned{d, f}) }
	for _, uid := range sortedKeys(fixRates) {
		shared := uid != "p11" && uid != "p12"
		for i := range 4 {
			rate := fixRates[uid][i]
			d := bounds[i] + time.Duration(g.r.ExpFloat64()/rate*float64(m))
			for d < bounds[i+1]-2*s {
				if away := uid == "p05" && d >= 23*m && d < 29*m; !away {
					d, i, uid := d.Round(100*time.Millisecond), i, uid
					mayCreate := !(shared && i == 3 && d >= stuckFrom-10*s)
					at(d, func() { g.randomOp(d, uid, i, cardIDs, mayCreate) })
				}
				d += time.Duration(g.r.ExpFloat64() / rate * float64(m))
			}
		}
	}
	// p07, quiet, by hand.
	at(1*m+10*s, func() { g.createCard(1*m+10*s, "p07", "card-01") })
	at(1*m+30*s, func() { g.move(1*m+30*s, "p07", "p07-ca-001") })
	at(12*m, func() { g.createNote(12*m, "p07") })
	at(12*m+20*s, func() { g.move(12*m+20*s, "p07", "p07-no-002") })
	at(25*m, func() { g.move(25*m, "p07", "p01-ca-001") })
	at(36*m, func() { g.move(36*m, "p07", "p07-ca-001") })
	// The breakthrough: 10 connectors to others' elements within 81 s,
	// by six people.
	burst := []string{"p01", "p02", "p04", "p05", "p06", "p08", "p01", "p04", "p02", "p06"}
	for k, uid := range burst {
		d := 33*m + time.Duration(k)*9*s
		at(d, func() { g.connect(d, uid, g.own(uid), g.other(uid)) })
	}
	sort.SliceStable(plan, func(i, j int) bool { return plan[i].at < plan[j].at })
	for _, p := range plan {
		p.do()
	}
	// Order by time, then batch like the gateway: ops within 400 ms form
	// one entry written 150 ms after its last op.
	sort.SliceStable(g.ops, func(i, j int) bool { return g.ops[i].at < g.ops[j].at })
	var entries []LogEntry
	for i := 0; i < len(g.ops); {
		j := i
		for j < len(g.ops) && g.ops[j].at-g.ops[i].at < 400*time.Millisecond {
			j++
		}
		e := LogEntry{ID: fixDocID(g.r), T: fixStart.Add(g.ops[j-1].at + 150*time.Millisecond).UnixMilli()}
		for _, o := range g.ops[i:j] {
			e.Patches = append(e.Patches, o.p)
		}
		entries = append(entries, e)
		i = j
	}
	return Fixture{Participants: parts, Phases: slices.Clone(fixPhases), Cards: cards, Entries: entries, End: fixEnd}
}

// fixDocID is a 20-character id like Firestore's auto ids.
func fixDocID(r *rand.Rand) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = abc[r.IntN(len(abc))]
	}
	return string(b)
}

package sessions

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/events"
)

// liveWithClock is e answering with a fixed clock.
func liveWithClock(t *testing.T, e *env, now time.Time) *env {
	t.Helper()
	d := e.deps
	d.Now = func() time.Time { return now }
	h, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	e2 := *e
	e2.h = h
	return &e2
}

// liveGet reads GET /live.
func liveGet(t *testing.T, e *env, id, tok string) liveView {
	t.Helper()
	r := e.do(t, "GET", "/v1/sessions/"+id+"/live", tok, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("live %d %s", r.Code, r.Body)
	}
	var v liveView
	r.JSON(t, &v)
	return v
}

// livePlan is a run of n steps across the four phases.
func livePlan(n int) []Step {
	phases := []string{"pause", "expand", "focus", "doing"}
	out := make([]Step, n)
	for i := range out {
		out[i] = Step{Phase: phases[i*4/n], PhaseIndex: i * 4 / n, ElementIndex: i, ElementID: fmt.Sprintf("el-%d", i),
			Title: fmt.Sprintf("Step %d", i), Minutes: 5}
	}
	return out
}

func TestLiveStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seedSession(t, seedOpts{Participants: map[string]string{"u-part-1": "", "u-part-2": PartInvited}})
	empty := e.seedSession(t, seedOpts{Plan: []Step{}})
	for _, c := range []struct {
		name, tok, id, body string
		code                int
	}{
		{"other org admin", tokAdminB, id, "", 404},
		{"other org facilitator", tokFacB, id, "", 404},
		{"invited participant", tokPart2, id, "", 403},
		{"not a member", tokPart3, id, "", 404},
		{"participant", tokPart1, id, "", 403},
		{"org admin", tokAdminA, id, "", 403},
		{"unknown session", tokFac, "nope", "", 404},
		{"anonymous", "", id, "", 401},
		{"unknown field", tokFac, id, `{"now":true}`, 400},
		{"empty plan", tokFac, empty, "", 409},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := e.do(t, "POST", "/v1/sessions/"+c.id+"/start", c.tok, body)
		r.Problem(t, c.code)
	}
	at := time.Now().UTC().Truncate(time.Second)
	ec := liveWithClock(t, e, at)
	r := ec.do(t, "POST", "/v1/sessions/"+id+"/start", tokCoFac, nil)
	if r.Code != 200 {
		t.Fatalf("start %d %s", r.Code, r.Body)
	}
	var v liveView
	r.JSON(t, &v)
	if v.Status != StatusLive || v.Current == nil || v.Current.Step != 0 || v.Current.Moves != 0 || v.Step == nil ||
		v.Step.Title != "Arrive" || v.NextTitle != "Pick a card" || v.RemainingMinutes != 10 || v.Steps != len(testPlan) {
		t.Fatalf("started view %+v", v)
	}
	ec.do(t, "POST", "/v1/sessions/"+id+"/start", tokFac, nil).Problem(t, 409)
	evs := e.events.Of(events.TypeSessionStarted)
	if len(evs) != 1 {
		t.Fatalf("started events %v", e.events.Types())
	}
	p := apitest.Payload[events.SessionStarted](t, evs[0])
	if p.Participants != 1 || p.LateMinutes > -23*60 || evs[0].Actor != e.events.Actor("org-a", "u-cofac") || evs[0].SessionID != id {
		t.Errorf("started %s", apitest.Describe(evs))
	}
}

func TestLiveAdvanceRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{"u-part-1": ""}})
	sched := e.seedSession(t, seedOpts{})
	path := "/v1/sessions/" + id + "/advance"
	steps := []struct {
		name, tok string
		body      any
		code      int
		step      int // expected step after a 200
		field     string
	}{
		{"next", tokFac, `{"direction":"next","from_step":0}`, 200, 1, ""},
		{"stale next", tokCoFac, `{"direction":"next","from_step":0}`, 409, 0, ""},
		{"back", tokCoFac, `{"direction":"back","from_step":1}`, 200, 0, ""},
		{"back at first", tokFac, `{"direction":"back","from_step":0}`, 409, 0, ""},
		{"jump", tokFac, `{"direction":"jump","from_step":0,"to_step":4}`, 200, 4, ""},
		{"next at last", tokFac, `{"direction":"next","from_step":4}`, 409, 0, ""},
		{"jump out of range", tokFac, `{"direction":"jump","from_step":4,"to_step":5}`, 422, 0, "to_step"},
		{"jump in place", tokFac, `{"direction":"jump","from_step":4,"to_step":4}`, 409, 0, ""},
		{"bad direction", tokFac, `{"direction":"sideways","from_step":4}`, 400, 0, "direction"},
		{"no from_step", tokFac, `{"direction":"next"}`, 400, 0, "from_step"},
		{"negative from_step", tokFac, `{"direction":"next","from_step":-1}`, 400, 0, "from_step"},
		{"to_step without jump", tokFac, `{"direction":"back","from_step":4,"to_step":1}`, 400, 0, "to_step"},
		{"jump without to_step", tokFac, `{"direction":"jump","from_step":4}`, 400, 0, "to_step"},
		{"wrong type", tokFac, `{"direction":"next","from_step":"4"}`, 400, 0, "from_step"},
		{"not json", tokFac, `direction=next`, 400, 0, ""},
		{"participant", tokPart1, `{"direction":"back","from_step":4}`, 403, 0, ""},
		{"org admin", tokAdminA, `{"direction":"back","from_step":4}`, 403, 0, ""},
		{"other org", tokFacB, `{"direction":"back","from_step":4}`, 404, 0, ""},
		{"back from last", tokFac, `{"direction":"back","from_step":4}`, 200, 3, ""},
	}
	moves := 0
	for _, s := range steps {
		r := e.do(t, "POST", path, s.tok, s.body)
		if s.code != 200 {
			r.Problem(t, s.code)
			if s.field != "" {
				var p struct {
					Errors []struct{ Field string } `json:"errors"`
				}
				r.JSON(t, &p)
				if len(p.Errors) == 0 || p.Errors[0].Field != s.field {
					t.Errorf("%s: errors %s, want field %s", s.name, r.Body, s.field)
				}
			}
			continue
		}
		moves++
		var v liveView
		r.JSON(t, &v)
		if r.Code != 200 || v.Current.Step != s.step || v.Current.Moves != moves || v.Step.ElementID != testPlan[s.step].ElementID {
			t.Fatalf("%s: %d %+v", s.name, r.Code, v)
		}
	}
	r := e.do(t, "POST", path, tokFac, `{"direction":"next","from_step":1}`)
	r.Problem(t, 409)
	if !strings.Contains(string(r.Body), "it is at step 3") {
		t.Errorf("stale answer does not say where the session is: %s", r.Body)
	}
	e.do(t, "POST", "/v1/sessions/"+sched+"/advance", tokFac, `{"direction":"next","from_step":0}`).Problem(t, 409)
	var got []string
	for _, ev := range e.events.Of(events.TypeSessionStepChanged) {
		p := apitest.Payload[events.SessionStepChanged](t, ev)
		got = append(got, fmt.Sprintf("%d:%s:%s:%d", p.Step, p.Direction, p.Phase, p.ElementIndex))
	}
	want := []string{"1:next:expand:0", "2:back:pause:0", "3:jump:doing:0", "4:back:focus:0"}
	if !slices.Equal(got, want) {
		t.Errorf("step events %v, want %v", got, want)
	}
}

func TestLiveGetAndEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{"u-part-1": "", "u-part-b": ""}})
	// Four minutes into the first (ten-minute) step.
	later := liveWithClock(t, e, time.Now().Add(4*time.Minute))
	for _, tok := range []string{tokFac, tokCoFac, tokPart1, tokPartB, tokAdminA} {
		v := liveGet(t, later, id, tok)
		if v.Status != StatusLive || v.Step == nil || v.Step.Title != "Arrive" || v.ElapsedMinutes < 3 || v.RemainingMinutes > 7 {
			t.Errorf("%s: %+v", tok, v)
		}
	}
	for _, tok := range []string{tokAdminB, tokFacB, tokPart2} {
		e.do(t, "GET", "/v1/sessions/"+id+"/live", tok, nil).Problem(t, 404)
	}
	sched := liveGet(t, e, e.seedSession(t, seedOpts{}), tokFac)
	if sched.Status != StatusScheduled || sched.Step != nil || sched.NextTitle != "Arrive" {
		t.Errorf("scheduled view %+v", sched)
	}

	drawSeedLibrary(t, e, drawDeck("deck-end", 4))
	d := drawOpenOK(t, e, id, map[string]any{"mode": "face_down", "deck_id": "deck-end"})
	if v := liveGet(t, e, id, tokPart1); v.OpenDrawID != d.ID {
		t.Errorf("open draw not shown: %+v", v)
	}
	if r := e.do(t, "POST", "/v1/sessions/"+id+"/draws/"+d.ID+"/picks", tokPart1, nil); r.Code != 201 {
		t.Fatalf("pick %d %s", r.Code, r.Body)
	}
	e.do(t, "POST", "/v1/sessions/"+id+"/end", tokPart1, nil).Problem(t, 403)
	e.do(t, "POST", "/v1/sessions/"+id+"/end", tokAdminB, nil).Problem(t, 404)
	r := e.do(t, "POST", "/v1/sessions/"+id+"/end", tokCoFac, nil)
	if r.Code != 200 {
		t.Fatalf("end %d %s", r.Code, r.Body)
	}
	var v liveView
	r.JSON(t, &v)
	if v.Status != StatusEnded || v.EndedAt == nil || v.RemainingMinutes != 0 {
		t.Errorf("ended view %+v", v)
	}
	e.do(t, "POST", "/v1/sessions/"+id+"/end", tokFac, nil).Problem(t, 409)
	e.do(t, "POST", "/v1/sessions/"+id+"/advance", tokFac, `{"direction":"next","from_step":0}`).Problem(t, 409)
	e.do(t, "POST", "/v1/sessions/"+id+"/start", tokFac, nil).Problem(t, 409)
	e.do(t, "POST", "/v1/sessions/"+id+"/draws/"+d.ID+"/picks", tokPartB, nil).Problem(t, 409)
	var got drawDetail
	r = e.do(t, "GET", "/v1/sessions/"+id+"/draws/"+d.ID, tokFac, nil)
	r.JSON(t, &got)
	if got.Status != drawClosed || got.ClosedReason != "session_ended" {
		t.Errorf("draw after the end %+v", got.drawSummary)
	}
	ended := e.events.Of(events.TypeSessionEnded)
	closed := e.events.Of(events.TypeSessionDrawClosed)
	if len(ended) != 1 || len(closed) != 1 {
		t.Fatalf("events %v", e.events.Types())
	}
	if p := apitest.Payload[events.SessionEnded](t, ended[0]); p.Participants != 2 || p.Draws != 1 {
		t.Errorf("ended payload %+v", p)
	}
	if p := apitest.Payload[events.SessionDrawClosed](t, closed[0]); p.Picks != 1 || string(p.DrawID) != d.ID {
		t.Errorf("draw closed payload %+v", p)
	}
	e.do(t, "POST", "/v1/sessions/"+sched.SessionID+"/end", tokFac, nil).Problem(t, 409)
}

// TestLiveConcurrentNext has the owner and the co-facilitator press "next"
// from the same step at once, round after round: one wins each round.
func TestLiveConcurrentNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const rounds = 20
	id := e.seedSession(t, seedOpts{Status: StatusLive, Plan: livePlan(rounds + 1)})
	wins := 0
	for round := range rounds {
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i, tok := range []string{tokFac, tokCoFac} {
			wg.Go(func() {
				r := e.do(t, "POST", "/v1/sessions/"+id+"/advance", tok, map[string]any{"direction": "next", "from_step": round})
				codes[i] = r.Code
			})
		}
		wg.Wait()
		slices.Sort(codes)
		if codes[0] != 200 || codes[1] != 409 {
			t.Fatalf("round %d: %v", round, codes)
		}
		wins++
	}
	v := liveGet(t, e, id, tokFac)
	if v.Current.Moves != wins || v.Current.Step != rounds {
		t.Fatalf("after %d wins: %+v", wins, v.Current)
	}
	for i, ev := range e.events.Of(events.TypeSessionStepChanged) {
		if p := apitest.Payload[events.SessionStepChanged](t, ev); p.Step != i+1 || p.ElementIndex != i+1 {
			t.Fatalf("event %d: %+v", i, p)
		}
	}
}

// TestLiveConcurrentRandom runs many facilitators' moves in random
// directions at once; the accepted ones must form one unbroken chain.
func TestLiveConcurrentRandom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const steps, workers, each = 6, 6, 12
	id := e.seedSession(t, seedOpts{Status: StatusLive, Plan: livePlan(steps)})
	type move struct {
		dir             string
		from, to, moves int
	}
	var (
		mu  sync.Mutex
		won []move
	)
	var wg sync.WaitGroup
	for w := range workers {
		tok := []string{tokFac, tokCoFac}[w%2]
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		wg.Go(func() {
			for range each {
				at := liveGet(t, e, id, tok).Current.Step
				dir := []string{dirNext, dirBack, dirJump}[rng.IntN(3)]
				body := map[string]any{"direction": dir, "from_step": at}
				if dir == dirJump {
					body["to_step"] = rng.IntN(steps)
				}
				r := e.do(t, "POST", "/v1/sessions/"+id+"/advance", tok, body)
				switch r.Code {
				case 200:
					var v liveView
					r.JSON(t, &v)
					mu.Lock()
					won = append(won, move{dir, at, v.Current.Step, v.Current.Moves})
					mu.Unlock()
				case 409, 422:
				default:
					t.Errorf("advance: %d %s", r.Code, r.Body)
				}
			}
		})
	}
	wg.Wait()
	sort.Slice(won, func(i, j int) bool { return won[i].moves < won[j].moves })
	pos := 0
	for i, m := range won {
		if m.moves != i+1 || m.from != pos {
			t.Fatalf("move %d %+v does not follow step %d", i, m, pos)
		}
		switch {
		case m.dir == dirNext && m.to != m.from+1, m.dir == dirBack && m.to != m.from-1, m.to < 0, m.to >= steps:
			t.Fatalf("move %+v", m)
		}
		pos = m.to
	}
	v := liveGet(t, e, id, tokFac)
	if v.Current.Moves != len(won) || v.Current.Step != pos {
		t.Fatalf("final %+v after %d accepted moves ending at %d", v.Current, len(won), pos)
	}
	evs := e.events.Of(events.TypeSessionStepChanged)
	seen := map[int]bool{}
	for _, ev := range evs {
		seen[apitest.Payload[events.SessionStepChanged](t, ev).Step] = true
	}
	if len(evs) != len(won) || len(seen) != len(won) {
		t.Fatalf("%d events (%d distinct) for %d moves", len(evs), len(seen), len(won))
	}
	if len(won) == 0 {
		t.Fatal("no move was accepted")
	}
}

// TestLiveNamesLatestDrawAndOpenBreakout: a participant's live view polls
// /live alone to learn which draw to show (also after it closed, for the
// revealed picks) and which breakout round is running.
func TestLiveNamesLatestDrawAndOpenBreakout(t *testing.T) {
	t.Parallel()
	e, _ := breakoutEnv(t)
	id := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{"u-part-1": "", "u-part-2": ""}})
	if v := liveGet(t, e, id, tokPart1); v.LatestDrawID != "" || v.OpenBreakoutID != "" {
		t.Fatalf("fresh session %+v", v)
	}
	drawSeedLibrary(t, e, drawDeck("deck-live", 4))
	d := drawOpenOK(t, e, id, map[string]any{"mode": "face_down", "deck_id": "deck-live"})
	if v := liveGet(t, e, id, tokPart1); v.LatestDrawID != d.ID || v.OpenDrawID != d.ID {
		t.Errorf("open draw: %+v", v)
	}
	if r := e.do(t, "POST", "/v1/sessions/"+id+"/draws/"+d.ID+"/close", tokFac, nil); r.Code != 200 {
		t.Fatalf("close draw %d %s", r.Code, r.Body)
	}
	if v := liveGet(t, e, id, tokPart1); v.LatestDrawID != d.ID || v.OpenDrawID != "" {
		t.Errorf("closed draw: %+v", v)
	}
	b := breakoutDecode(t, e.do(t, "POST", breakoutURL(id), tokFac, map[string]any{"strategy": "random", "minutes": 5}), 201)
	if v := liveGet(t, e, id, tokPart2); v.OpenBreakoutID != b.ID {
		t.Errorf("open breakout: %+v", v)
	}
	breakoutDecode(t, e.do(t, "POST", breakoutURL(id, b.ID, "close"), tokFac, nil), 200)
	if v := liveGet(t, e, id, tokPart2); v.OpenBreakoutID != "" {
		t.Errorf("closed breakout: %+v", v)
	}
}

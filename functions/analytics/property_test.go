package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
)

// world is one random organisation: its events as seeded and its callers.
type world struct {
	org              string
	admin, fac, self string // tokens
	selfUID          string
	evs              []ev
}

// randomWorld makes an organisation of 1–30 people, each with or without
// analytics consent, active in random months of the first half of 2026.
// Events are what the consent gate lets through: card picks and canvas
// operations only with consent, counting events without an actor when
// there is none.
func randomWorld(r *rand.Rand, i int) (world, apitest.Users) {
	w := world{org: fmt.Sprintf("org-p%d", i), admin: fmt.Sprintf("adm-p%d", i), fac: fmt.Sprintf("fac-p%d", i), self: fmt.Sprintf("me-p%d", i)}
	n := 1 + r.IntN(30)
	w.selfUID = fmt.Sprintf("u-%s-person-0", w.org)
	users := apitest.Users{
		w.admin: {UID: "u-" + w.admin, Org: w.org, Role: auth.RoleOrgAdmin, EmailVerified: true},
		w.fac:   {UID: "u-" + w.fac, Org: w.org, Role: auth.RoleFacilitator, EmailVerified: true},
		w.self:  {UID: w.selfUID, Org: w.org, Role: auth.RoleParticipant, EmailVerified: true},
	}
	pConsent := r.Float64()
	for p := range n {
		uid := fmt.Sprintf("u-%s-person-%d", w.org, p)
		consent := p == 0 || r.Float64() < pConsent
		actor := uid
		if !consent {
			actor = ""
		}
		for m := 1; m <= 6; m++ {
			if r.IntN(3) == 0 {
				continue
			}
			month := fmt.Sprintf("2026-%02d", m)
			for range r.IntN(6) {
				at := at(month, 1+r.IntN(27), r.IntN(23))
				session := fmt.Sprintf("s%d", r.IntN(4))
				switch k := r.IntN(5); {
				case k == 0 && consent:
					w.evs = append(w.evs, ev{typ: "session.card_selected", at: at, org: w.org, uid: actor, session: session,
						payload: fmt.Sprintf(`{"card_id":"item-%d"}`, r.IntN(4))})
				case k == 1 && consent:
					w.evs = append(w.evs, ev{typ: "canvas.op", at: at, org: w.org, uid: actor, session: session, canvas: fmt.Sprintf("c%d", r.IntN(3))})
				case k == 2:
					w.evs = append(w.evs, ev{typ: "journal.synced", at: at, org: w.org, uid: actor})
				case k == 3:
					w.evs = append(w.evs, ev{typ: "coach.asked", at: at, org: w.org, uid: actor})
				default:
					w.evs = append(w.evs, ev{typ: "session.participant_changed", at: at, org: w.org, uid: actor, session: session})
				}
			}
		}
	}
	return w, users
}

// actors counts the distinct actors of the events that match.
func actors(evs []ev, match func(ev) bool) int {
	seen := map[string]bool{}
	for _, x := range evs {
		if x.uid != "" && match(x) {
			seen[x.uid] = true
		}
	}
	return len(seen)
}

func monthOf(x ev) string { return x.at.Format("2006-01") }

func cardOf(x ev) string {
	var id string
	fmt.Sscanf(x.payload, `{"card_id":"%6s"}`, &id)
	return id
}

// TestKAnonymity: over random organisations, no answered figure describes
// fewer than K people — counted here, independently of the SQL, from the
// seeded events — and every figure over K or more people is the true one;
// "me" shows the caller's own activity only.
func TestKAnonymity(t *testing.T) {
	t.Parallel()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	const orgs = 8
	worlds := make([]world, orgs)
	users := apitest.Users{}
	for i := range worlds {
		var u apitest.Users
		worlds[i], u = randomWorld(r, i)
		users = users.With(u)
	}
	e := newEnvWith(t, users)
	var all []ev
	for _, w := range worlds {
		all = append(all, w.evs...)
		for s := range 4 {
			if _, err := e.fs.Doc(fmt.Sprintf("orgs/%s/sessions/s%d", w.org, s)).Set(context.Background(),
				map[string]any{"title": fmt.Sprint("Session ", s), "facilitator": "u-" + w.fac, "co_facilitators": []string{}}); err != nil {
				t.Fatal(err)
			}
		}
		for it := range 4 {
			if _, err := e.fs.Doc(fmt.Sprintf("orgs/%s/content/item-%d", w.org, it)).Set(context.Background(),
				map[string]any{"type": "photo_card", "updated_by": "u-" + w.fac}); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.insert(t, all)
	const q = "from=2026-01&to=2026-06"
	shown, withheld := 0, 0
	for _, w := range worlds {
		t.Run(w.org, func(t *testing.T) {
			check := func(report string, row Row, col string, people int, truth int) {
				t.Helper()
				v := row[col]
				if people < K {
					withheld++
				} else {
					shown++
				}
				switch {
				case people < K && v != nil:
					t.Errorf("%s %v: %s = %v describes %d people", report, row, col, v, people)
				case people >= K && v != float64(truth):
					t.Errorf("%s %v: %s = %v, want %d (%d people)", report, row, col, v, truth, people)
				}
			}
			in := func(m string) func(ev) bool { return func(x ev) bool { return monthOf(x) == m } }
			count := func(match func(ev) bool) int {
				n := 0
				for _, x := range w.evs {
					if match(x) {
						n++
					}
				}
				return n
			}
			and := func(a, b func(ev) bool) func(ev) bool { return func(x ev) bool { return a(x) && b(x) } }
			typ := func(s string) func(ev) bool { return func(x ev) bool { return x.typ == s } }
			inSession := func(x ev) bool { return x.session != "" }

			for _, row := range e.result(t, w.admin, "adoption", q).Rows {
				m := row["month"].(string)
				active := actors(w.evs, in(m))
				check("adoption", row, "active_people", active, active)
				if row["suppressed"] != (active < K) {
					t.Errorf("adoption %s: suppressed %v with %d people", m, row["suppressed"], active)
				}
				sp := actors(w.evs, and(in(m), inSession))
				check("adoption", row, "participants", min(sp, active), sp)
				for col, ty := range map[string]string{"cards_selected": "session.card_selected", "canvas_ops": "canvas.op", "journal_syncs": "journal.synced", "coach_asks": "coach.asked"} {
					check("adoption", row, col, min(active, actors(w.evs, and(in(m), typ(ty)))), count(and(in(m), typ(ty))))
				}
			}
			for _, row := range e.result(t, w.admin, "collaboration", q).Rows {
				m := row["month"].(string)
				p := actors(w.evs, and(in(m), typ("canvas.op")))
				check("collaboration", row, "people_on_canvases", p, p)
				check("collaboration", row, "canvas_ops", p, count(and(in(m), typ("canvas.op"))))
				if row["collaborative_canvases"] != nil && p < K {
					t.Errorf("collaboration %s: canvases shown for %d people", m, p)
				}
			}
			for _, row := range e.result(t, w.admin, "usage", q).Rows {
				m := row["month"].(string)
				asks := and(in(m), typ("coach.asked"))
				check("usage", row, "ai_interactions", actors(w.evs, asks), count(asks))
			}
			// content: only (item, month) cells of K or more people count.
			released := map[string]map[string]bool{} // item → months
			picks := typ("session.card_selected")
			items := map[string]bool{}
			for _, x := range w.evs {
				if picks(x) {
					items[cardOf(x)] = true
				}
			}
			for item := range items {
				for m := 1; m <= 6; m++ {
					month := fmt.Sprintf("2026-%02d", m)
					if actors(w.evs, func(x ev) bool { return picks(x) && cardOf(x) == item && monthOf(x) == month }) >= K {
						if released[item] == nil {
							released[item] = map[string]bool{}
						}
						released[item][month] = true
					}
				}
			}
			content := e.result(t, w.admin, "content", q)
			for _, row := range content.Rows {
				item := row["item_id"].(string)
				inCells := func(x ev) bool { return picks(x) && cardOf(x) == item && released[item][monthOf(x)] }
				p := actors(w.evs, inCells)
				check("content", row, "people", p, p)
				check("content", row, "selections", p, count(inCells))
				if p < K {
					t.Errorf("content: item %s listed for %d people", item, p)
				}
			}
			if content.SuppressedRows+len(content.Rows) != len(items) || len(content.Rows) != len(released) {
				t.Errorf("content: %d rows + %d suppressed; %d items picked, %d released", len(content.Rows), content.SuppressedRows, len(items), len(released))
			}
			for _, row := range e.result(t, w.fac, "content-owner", q).Rows {
				item, m := row["item_id"].(string), row["month"].(string)
				cell := func(x ev) bool { return picks(x) && cardOf(x) == item && monthOf(x) == m }
				p := actors(w.evs, cell)
				check("content-owner", row, "people", p, p)
				check("content-owner", row, "uses", p, count(cell))
			}
			for _, row := range e.result(t, w.fac, "facilitator", q).Rows {
				s := row["session_id"].(string)
				ofS := func(x ev) bool { return x.session == s }
				p := actors(w.evs, ofS)
				check("facilitator", row, "participants", p, p)
				check("facilitator", row, "canvas_ops", p, count(and(ofS, typ("canvas.op"))))
			}
			// me: exactly the caller's own events, whatever the group sizes.
			mine := func(x ev) bool { return x.uid == w.selfUID }
			var months []string
			for _, row := range e.result(t, w.self, "me", q).Rows {
				m := row["month"].(string)
				months = append(months, m)
				for col, ty := range map[string]string{"cards_selected": "session.card_selected", "canvas_ops": "canvas.op", "journal_syncs": "journal.synced", "coach_asks": "coach.asked"} {
					if got, want := row[col], float64(count(and(mine, and(in(m), typ(ty))))); got != want {
						t.Errorf("me %s: %s = %v, want %v", m, col, got, want)
					}
				}
			}
			var want []string
			for _, x := range w.evs {
				if mine(x) && !slices.Contains(want, monthOf(x)) {
					want = append(want, monthOf(x))
				}
			}
			slices.Sort(want)
			if !slices.Equal(months, want) {
				t.Errorf("me: months %v, want %v", months, want)
			}
			// Another organisation's admin reaches none of it.
			e.get(t, w.admin, "adoption", "org=org-a").Want(t, http.StatusNotFound)
		})
	}
	t.Logf("%d figures shown, %d withheld", shown, withheld)
	if shown == 0 || withheld == 0 {
		t.Errorf("%d figures shown and %d withheld: the worlds test one side only", shown, withheld)
	}
}

package coach

import (
	"strings"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
)

func TestCopilotAndAlerts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	base := "orgs/" + orgA + "/sessions/" + sessionA
	e.set(base+"/draws/d1", map[string]any{"mode": "face_down", "phase": "expand"})
	e.set(base+"/draws/d1/picks/p1", map[string]any{"uid": uid(partA), "title": "Calm Morning", "card_id": "calm-morning", "revealed": true})
	e.set(base+"/draws/d1/picks/p2", map[string]any{"uid": uid(partB), "title": "HiddenPickTitle", "card_id": "x", "revealed": false})

	mark := e.rec.mark()
	var first CopilotResponse
	e.do("POST", "/v1/sessions/"+sessionA+"/copilot", facA, map[string]any{}).Want(t, 200).JSON(t, &first)
	sg := first.Suggestion
	if sg.Phase != "expand" || len(sg.Cards) == 0 || len(sg.Cards) > 3 || len(sg.Questions) != 2 || sg.Rationale == "" || sg.State != StateOpen {
		t.Fatalf("suggestion %+v", sg)
	}
	for _, c := range sg.Cards {
		if c.ItemID == "pro-dawn" && testUsers[facA].Tier == "free" {
			t.Errorf("a card above the tier: %+v", c)
		}
	}
	reqs := e.rec.since(mark)
	saw := false
	for _, q := range reqs {
		saw = saw || strings.Contains(q.text, "Calm Morning")
		for _, bad := range []string{"HiddenPickTitle", "Noa", uid(partA), uid(partB)} {
			if strings.Contains(q.text, bad) {
				t.Errorf("copilot request carries %q", bad)
			}
		}
	}
	if !saw {
		t.Error("the revealed card is not in the copilot's request")
	}
	// Within 30 s: the same suggestion, no model call.
	mark = e.rec.mark()
	var again CopilotResponse
	e.do("POST", "/v1/sessions/"+sessionA+"/copilot", facA, nil).Want(t, 200).JSON(t, &again)
	if again.Suggestion.ID != sg.ID || e.rec.generations(mark) != 0 || !again.NextAt.Equal(first.NextAt) {
		t.Errorf("second ask %+v, %d generations", again, e.rec.generations(mark))
	}
	var cfg Config
	e.do("GET", "/v1/config", facA, nil).Want(t, 200).JSON(t, &cfg)
	if cfg.Credits.Used != 1 {
		t.Errorf("copilot credits used %d, want 1", cfg.Credits.Used)
	}
	// Only the session's facilitators.
	e.do("POST", "/v1/sessions/"+sessionA+"/copilot", partA, nil).Problem(t, 403)
	e.do("POST", "/v1/sessions/"+sessionA+"/copilot", partB, nil).Problem(t, 403)
	e.do("POST", "/v1/sessions/"+sessionA+"/copilot", stranger, nil).Problem(t, 404)
	e.do("POST", "/v1/sessions/"+sessionA+"/copilot", apitest.AdminB, nil).Problem(t, 404)
	// Feedback.
	fb := "/v1/sessions/" + sessionA + "/copilot/" + sg.ID + "/feedback"
	e.do("POST", fb, facA, map[string]any{"action": "accepted", "item_id": "not-in-it"}).Problem(t, 422)
	e.do("POST", fb, facA, map[string]any{"action": "edited"}).Problem(t, 400)
	var got Suggestion
	e.do("POST", fb, facA, map[string]any{"action": "accepted", "item_id": sg.Cards[0].ItemID}).Want(t, 200).JSON(t, &got)
	if got.State != StateAccepted || got.ID != sg.ID {
		t.Errorf("feedback %+v", got)
	}
	e.do("POST", "/v1/sessions/"+sessionA+"/copilot/nope/feedback", facA, map[string]any{"action": "dismissed"}).Problem(t, 404)
	e.do("POST", fb, partA, map[string]any{"action": "dismissed"}).Problem(t, 403)

	// A participant's crisis message in a session-linked conversation: an
	// alert for the facilitators, never the text.
	c := e.conversation(partA, map[string]any{"session_id": sessionA})
	if c.SessionID != sessionA {
		t.Fatalf("conversation %+v", c)
	}
	const crisis = "I want to kill myself"
	var out AskResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/ask", partA, map[string]any{"text": crisis}).Want(t, 200).JSON(t, &out)
	if out.Answer.Type != TypeEscalation {
		t.Skipf("shared/safety did not escalate %q (type %q)", crisis, out.Answer.Type)
	}
	r := e.do("GET", "/v1/sessions/"+sessionA+"/alerts", facA, nil).Want(t, 200)
	if strings.Contains(string(r.Body), "kill") {
		t.Errorf("alerts carry the text: %s", r.Body)
	}
	var alerts struct{ Alerts []Alert }
	r.JSON(t, &alerts)
	if len(alerts.Alerts) != 1 || alerts.Alerts[0].UID != uid(partA) || alerts.Alerts[0].DisplayName != "Noa part-a" ||
		alerts.Alerts[0].Category == "" || alerts.Alerts[0].Acknowledged {
		t.Fatalf("alerts %+v", alerts)
	}
	e.do("GET", "/v1/sessions/"+sessionA+"/alerts", partA, nil).Problem(t, 403)
	var ack Alert
	e.do("POST", "/v1/sessions/"+sessionA+"/alerts/"+alerts.Alerts[0].ID+"/ack", facA, nil).Want(t, 200).JSON(t, &ack)
	if !ack.Acknowledged || ack.ID != alerts.Alerts[0].ID {
		t.Errorf("ack %+v", ack)
	}
	e.do("POST", "/v1/sessions/"+sessionA+"/alerts/nope/ack", facA, nil).Problem(t, 404)
	// A session that is over takes no new conversations.
	e.set("orgs/"+orgA+"/sessions/s-ended", map[string]any{"org": orgA, "facilitator": uid(facA), "status": "ended"})
	e.do("POST", "/v1/conversations", facA, map[string]any{"session_id": "s-ended"}).Problem(t, 403)
}

func TestCopilotFallsBackWithoutTheModel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	e.vs.InjectError("GenerateContent", statusUnavailable())
	var out CopilotResponse
	e.do("POST", "/v1/sessions/"+sessionA+"/copilot", facA, nil).Want(t, 200).JSON(t, &out)
	if out.Suggestion.Rationale == "" || len(out.Suggestion.Questions) != 2 {
		t.Errorf("fallback %+v", out.Suggestion)
	}
	var cfg Config
	e.do("GET", "/v1/config", facA, nil).Want(t, 200).JSON(t, &cfg)
	if cfg.Credits.Used != 0 {
		t.Errorf("a fixed suggestion used %d credits", cfg.Credits.Used)
	}
}

func TestFallbackRationaleSpeaksEveryLanguage(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, lang := range Languages {
		for _, phase := range []string{"pause", "expand", "focus", "doing", "", "unknown"} {
			for _, picked := range []int{0, 2} {
				r := fallbackRationale(lang, phase, picked)
				if r == "" || strings.Contains(r, "{what}") || seen[r] && phase != "unknown" && phase != "" {
					t.Errorf("%s %q %d: %q", lang, phase, picked, r)
				}
				seen[r] = true
			}
		}
		if len(phaseQuestions[lang]) != 5 {
			t.Errorf("%s: phase questions %v", lang, phaseQuestions[lang])
		}
	}
}

// The copilot draws on the library at the tier of the session's
// organisation (its entitlement), whatever the facilitator's own claim.
func TestCopilotTierIsTheOrgs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		orgTier string // "" for no entitlement
		wantPro bool
	}{
		{"org without entitlement", "", false},
		{"professional org", "professional", true},
		{"org past its grace period", "lapsed", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, testUsers)
			switch c.orgTier {
			case "":
			case "lapsed":
				e.set("entitlements/org:"+orgA, map[string]any{"tier": "enterprise", "source": "billing", "status": "past_due",
					"grace_until": time.Now().Add(-time.Hour)})
			default:
				e.set("entitlements/org:"+orgA, map[string]any{"tier": c.orgTier, "source": "operator"})
			}
			mark := e.rec.mark()
			e.do("POST", "/v1/sessions/"+sessionA+"/copilot", facA, map[string]any{}).Want(t, 200)
			saw := false
			for _, q := range e.rec.since(mark) {
				saw = saw || strings.Contains(q.text, markPro)
			}
			if saw != c.wantPro {
				t.Errorf("professional content in the copilot's request: %v, want %v", saw, c.wantPro)
			}
		})
	}
}

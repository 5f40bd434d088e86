package coach

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/events"
)

const morning = "How can I find a calm morning start to my day?"

func TestAskStoresChargesAndRecords(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	c := e.conversation(partA, map[string]any{"lang": "en"})
	out := e.ask(partA, c.ID, morning)
	if out.Question.Role != RoleUser || out.Question.Text != morning || out.Answer.Role != RoleCoach || out.Answer.Text == "" {
		t.Fatalf("answer %+v", out)
	}
	if out.Credits.Used != 1 || out.Credits.Limit != 50 || out.Credits.Remaining != 49 || out.Credits.Warning {
		t.Errorf("credits %+v", out.Credits)
	}
	if len(out.Answer.Sources) == 0 {
		t.Errorf("no sources: %+v", out.Answer)
	}
	var view ConversationView
	e.do("GET", "/v1/conversations/"+c.ID, partA, nil).Want(t, 200).JSON(t, &view)
	if len(view.Messages) != 2 || view.Messages[0].ID != out.Question.ID || view.Messages[1].ID != out.Answer.ID ||
		view.Conversation.MessageCount != 2 || view.Conversation.Title == "" {
		t.Fatalf("view %+v", view)
	}
	// Someone else's conversation does not exist for them.
	e.do("GET", "/v1/conversations/"+c.ID, partB, nil).Problem(t, 404)
	e.do("POST", "/v1/conversations/"+c.ID+"/ask", partB, map[string]any{"text": "hi"}).Problem(t, 404)
	// Feedback on coach messages only, replaced by the next.
	e.do("POST", "/v1/conversations/"+c.ID+"/messages/"+out.Question.ID+"/feedback", partA, map[string]any{"rating": 3}).Problem(t, 422)
	e.do("POST", "/v1/conversations/"+c.ID+"/messages/"+out.Answer.ID+"/feedback", partA, map[string]any{"rating": 2}).Want(t, 200)
	var m Message
	e.do("POST", "/v1/conversations/"+c.ID+"/messages/"+out.Answer.ID+"/feedback", partA, map[string]any{"rating": 5, "reason": "helpful"}).Want(t, 200).JSON(t, &m)
	if m.Feedback == nil || m.Feedback.Rating != 5 || m.Feedback.Reason != "helpful" {
		t.Errorf("feedback %+v", m.Feedback)
	}
	// The event names ids and counts, never the text.
	evs := e.events.Of(events.TypeCoachAsked)
	if len(evs) != 1 {
		t.Fatalf("events %s", apitest.Describe(e.events.Published()))
	}
	raw := string(evs[0].Payload)
	if strings.Contains(raw, "calm morning") || strings.Contains(raw, out.Answer.Text) {
		t.Errorf("the event carries text: %s", raw)
	}
	p := apitest.Payload[events.CoachAsked](t, evs[0])
	if p.CreditsUsed != 1 || p.Escalated || string(p.MessageID) != out.Answer.ID || p.Tier != "free" {
		t.Errorf("payload %+v", p)
	}
	// Deleting the conversation deletes its messages.
	e.do("DELETE", "/v1/conversations/"+c.ID, partA, nil).Want(t, 204)
	e.do("GET", "/v1/conversations/"+c.ID, partA, nil).Problem(t, 404)
	docs, err := e.fs.Collection("users/" + uid(partA) + "/coach_conversations/" + c.ID + "/messages").Documents(context.Background()).GetAll()
	if err != nil || len(docs) != 0 {
		t.Errorf("messages left after delete: %d %v", len(docs), err)
	}
}

func TestBadInputIsAProblem(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	c := e.conversation(partA, nil)
	for name, body := range map[string]any{
		"empty":        map[string]any{"text": "  "},
		"too long":     map[string]any{"text": strings.Repeat("a", MaxQuestion+1)},
		"unknown lang": map[string]any{"text": "hi", "lang": "xx"},
		"unknown key":  map[string]any{"text": "hi", "x": 1},
		"not json":     "{",
	} {
		if p := e.do("POST", "/v1/conversations/"+c.ID+"/ask", partA, body).Problem(t, 400); p.Status != 400 {
			t.Errorf("%s: %+v", name, p)
		}
	}
	e.do("POST", "/v1/conversations", partA, map[string]any{"session_id": "nope"}).Problem(t, 404)
	e.do("POST", "/v1/conversations", partA, map[string]any{"lang": "xx"}).Problem(t, 400)
	e.do("GET", "/v1/conversations?page_token=garbage", partA, nil).Problem(t, 400)
	e.do("POST", "/v1/conversations/"+c.ID+"/messages/x/feedback", partA, map[string]any{"rating": 9}).Problem(t, 400)
	e.do("GET", "/v1/conversations", "", nil).Problem(t, 401)
}

func TestLicensingAndAttribution(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	c := e.conversation(partA, map[string]any{"lang": "en"})
	mark := e.rec.mark()
	out := e.ask(partA, c.ID, morning)
	reqs := e.rec.since(mark)
	if len(reqs) < 2 {
		t.Fatalf("%d model requests", len(reqs))
	}
	for _, q := range reqs {
		for _, bad := range []string{markNoAI, markPro, proTitle, markExpired} {
			if strings.Contains(q.text, bad) {
				t.Errorf("%s request carries %q", q.method, bad)
			}
		}
	}
	body := e.do("GET", "/v1/conversations/"+c.ID, partA, nil).Body
	for _, bad := range []string{markPro, proTitle, "pro-dawn"} {
		if strings.Contains(string(body), bad) {
			t.Errorf("the free user's conversation shows %q", bad)
		}
	}
	if out.Answer.Upgrade == nil || out.Answer.Upgrade.Tier != "professional" || out.Answer.Upgrade.Count < 1 {
		t.Errorf("upgrade %+v", out.Answer.Upgrade)
	}
	// The item whose licence allows no AI use was the best match: it goes
	// as a theme (its title), never its text.
	a := e.api()
	pd, err := a.prepare(context.Background(), principal(partA), c.ID, AskRequest{Text: morning, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Source{
		"calm-morning":   {ItemID: "calm-morning", Title: "Calm Morning", Attribution: "", Use: UseText},
		"balance":        {ItemID: "balance", Title: "Balance", Attribution: "'Balance' - Points of You® methodology", Use: UseText},
		"secret-sunrise": {ItemID: "secret-sunrise", Title: "Sunrise Ritual", Attribution: "'Sunrise Ritual' - Points of You® methodology", Use: UseTheme},
		"team-morning":   {ItemID: "team-morning", Title: "Team Morning", Attribution: "'Team Morning' by Ana Ruiz", Use: UseText},
		"circle":         {ItemID: "circle", Title: "Circle", Attribution: "'Circle' by Lumen Circle", Use: UseText},
		"ask-start":      {ItemID: "ask-start", Title: "First step", Attribution: "", Use: UseText},
	}
	for id, w := range want {
		if got, ok := pd.ret.sources[id]; !ok || got != w {
			t.Errorf("source %s = %+v, want %+v", id, got, w)
		}
	}
	for _, id := range []string{"pro-dawn", "expired-day"} {
		if _, ok := pd.ret.sources[id]; ok {
			t.Errorf("%s retrieved for a free caller", id)
		}
	}
	for _, s := range out.Answer.Sources {
		if w, ok := want[s.ItemID]; !ok || s != w {
			t.Errorf("answer source %+v, want %+v", s, w)
		}
	}
	// In Spanish, titles follow the locale shown.
	pd, err = a.prepare(context.Background(), principal(partA), c.ID, AskRequest{Text: morning, Lang: "es"})
	if err != nil {
		t.Fatal(err)
	}
	if got := pd.ret.sources["balance"].Attribution; got != "'Equilibrio' - Points of You® methodology" {
		t.Errorf("spanish attribution %q", got)
	}
	// A professional caller gets the professional item as text, and no hint.
	pd, err = a.prepare(context.Background(), principal(facA), c.ID, AskRequest{Text: morning})
	if err == nil {
		t.Fatal("another person's conversation was prepared")
	}
	cf := e.conversation(facA, nil)
	pd, err = a.prepare(context.Background(), principal(facA), cf.ID, AskRequest{Text: morning})
	if err != nil {
		t.Fatal(err)
	}
	if s := pd.ret.sources["pro-dawn"]; s.Use != UseText {
		t.Errorf("professional caller: pro-dawn %+v", s)
	}
}

func TestCoachMemoryFollowsConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	const secret = "lighthouse"
	first := e.conversation(partA, nil)
	e.ask(partA, first.ID, "I keep thinking about the lighthouse project at work.")
	second := e.conversation(partA, nil)
	sees := func() bool {
		mark := e.rec.mark()
		e.ask(partA, second.ID, "What could help me focus this week?")
		for _, q := range e.rec.since(mark) {
			if strings.Contains(q.text, secret) {
				return true
			}
		}
		return false
	}
	if sees() {
		t.Error("without coach_memory an earlier conversation reached the model")
	}
	e.consent.Set(uid(partA), string(consentvault.CoachMemory), true)
	var cfg Config
	e.do("GET", "/v1/config", partA, nil).Want(t, 200).JSON(t, &cfg)
	if !cfg.Memory || cfg.Credits.Used != 2 || len(cfg.Languages) != 5 || cfg.StreamURL == "" {
		t.Errorf("config %+v", cfg)
	}
	if !sees() {
		t.Error("with coach_memory the earlier conversation is missing from the prompt")
	}
	e.consent.Set(uid(partA), string(consentvault.CoachMemory), false)
	if sees() {
		t.Error("after withdrawing coach_memory the next answer still remembers")
	}
	// The conversations themselves stay: they are the person's own.
	var list ConversationList
	e.do("GET", "/v1/conversations", partA, nil).Want(t, 200).JSON(t, &list)
	if len(list.Conversations) != 2 || list.Conversations[0].ID != second.ID {
		t.Errorf("list %+v", list)
	}
}

// 50 asks at once on the last 10 credits: exactly 10 answers, 40 × 402,
// and the credits end at the limit, never beyond.
func TestConcurrentAsksOnTheLastCredits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	a := e.api()
	ref := a.creditsRef(uid(partA), a.d.Now())
	if _, err := ref.Set(context.Background(), creditDoc{Used: 40, Limit: 50}); err != nil {
		t.Fatal(err)
	}
	convs := make([]Conversation, 50)
	for i := range convs {
		convs[i] = e.conversation(partA, nil)
	}
	codes := make([]int, len(convs))
	var wg sync.WaitGroup
	for i, c := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := apitest.Serve(t, e.h, "POST", "/v1/conversations/"+c.ID+"/ask", partA, map[string]any{"text": morning})
			codes[i] = r.Code
			if r.Code == http.StatusPaymentRequired {
				var p creditsProblem
				r.JSON(t, &p)
				if p.Limit != 50 || p.ResetsAt.IsZero() || p.Type != "https://studio.pointsofyou.ai/problems/credits-exhausted" || !r.IsProblem() {
					t.Errorf("402 problem %s", r.Body)
				}
			}
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	t.Logf("50 concurrent asks on 10 credits: %v", count)
	if count[200] != 10 || count[402] != 40 {
		t.Errorf("codes %v, want 10 × 200 and 40 × 402", count)
	}
	snap, err := ref.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var d creditDoc
	_ = snap.DataTo(&d)
	if d.Used != 50 {
		t.Errorf("credits used %d, want 50", d.Used)
	}
	stored := 0
	for _, c := range convs {
		docs, _ := e.fs.Collection("users/" + uid(partA) + "/coach_conversations/" + c.ID + "/messages").Documents(context.Background()).GetAll()
		stored += len(docs)
	}
	if stored != 20 {
		t.Errorf("%d messages stored, want 20 (10 questions and answers)", stored)
	}
}

func TestModelDownStoresNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	c := e.conversation(partA, nil)
	e.vs.InjectError("GenerateContent", statusUnavailable())
	e.do("POST", "/v1/conversations/"+c.ID+"/ask", partA, map[string]any{"text": morning}).Problem(t, 503)
	e.vs.InjectError("GenerateContent", nil)
	var view ConversationView
	e.do("GET", "/v1/conversations/"+c.ID, partA, nil).Want(t, 200).JSON(t, &view)
	var cfg Config
	e.do("GET", "/v1/config", partA, nil).Want(t, 200).JSON(t, &cfg)
	if len(view.Messages) != 0 || cfg.Credits.Used != 0 {
		t.Errorf("a failed answer left %d messages and %d credits used", len(view.Messages), cfg.Credits.Used)
	}
}

// TestEscalationFollowsTheRegionAndNamesNothing: an escalation answer
// lists the resources of the person's country (the app sends the
// browser's), not of the interface's language, and the crisis message
// does not become the conversation's title.
func TestEscalationFollowsTheRegionAndNamesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	c := e.conversation(partA, map[string]any{"lang": "en"})
	mark := e.rec.mark()
	var out AskResponse
	e.do("POST", "/v1/conversations/"+c.ID+"/ask", partA, map[string]any{
		"text": "I want to kill myself", "lang": "en", "region": "DE",
	}).Want(t, 200).JSON(t, &out)
	if out.Answer.Type != TypeEscalation || out.Answer.Escalation == nil || e.rec.generations(mark) != 0 {
		t.Fatalf("answer %+v", out.Answer)
	}
	var phones []string
	for _, r := range out.Answer.Escalation.Resources {
		phones = append(phones, r.Phone)
	}
	if !slices.Contains(phones, "112") || slices.Contains(phones, "988") {
		t.Errorf("resources for DE: %v", phones)
	}
	var view ConversationView
	e.do("GET", "/v1/conversations/"+c.ID, partA, nil).Want(t, 200).JSON(t, &view)
	if view.Conversation.Title != "" {
		t.Errorf("the crisis message became the title %q", view.Conversation.Title)
	}
	e.do("POST", "/v1/conversations/"+c.ID+"/ask", partA, map[string]any{"text": "hi", "region": "Germany"}).Problem(t, 400)
}

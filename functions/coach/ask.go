package coach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/pii"
	"pointsofyou.ai/studio/shared/safety"
	"pointsofyou.ai/studio/shared/txn"
)

// regionCode is an ISO 3166-1 alpha-2 code as the app sends it.
var regionCode = regexp.MustCompile(`^[A-Z]{2}$`)

// AskRequest is the body of POST …/ask (both entry points).
type AskRequest struct {
	Text string `json:"text"`
	Lang string `json:"lang,omitempty"`
	// Region is where the person is (ISO 3166-1 alpha-2, from the
	// browser's locale): an escalation answer lists that country's
	// resources, else those of the language's usual country.
	Region string `json:"region,omitempty"`
}

// Validate implements httpapi.Validator.
func (q *AskRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.Required(&f, "text", strings.TrimSpace(q.Text))
	httpapi.MaxLen(&f, "text", q.Text, MaxQuestion)
	httpapi.Text(&f, "text", q.Text, httpapi.MultiLine)
	if q.Lang != "" {
		httpapi.OneOf(&f, "lang", q.Lang, Languages...)
	}
	if q.Region != "" && !regionCode.MatchString(q.Region) {
		f = append(f, httpapi.Field("region", "is not a country code (two capital letters, ISO 3166-1)"))
	}
	return f
}

// AskResponse is the answer of POST …/ask.
type AskResponse struct {
	Question Message `json:"question"`
	Answer   Message `json:"answer"`
	Credits  Credits `json:"credits"`
}

// pending is one ask between its preparation and its commit.
type pending struct {
	p        *auth.Principal
	ref      *firestore.DocumentRef
	conv     *Conversation
	text     string // the question as asked (stored)
	region   string // where the person is, for crisis resources
	redacted string // the question as the model sees it
	lang     string
	memory   bool
	start    time.Time
	prep     time.Duration
	// esc is set for a message that needs escalation: no model.
	esc *safety.Result
	red *pii.Redaction
	ret *retrieved
	gen ai.GenerateRequest
	// question and answer are the messages' ids and time, known before
	// the model answers (the stream announces them first).
	question Message
	answerID string
	streamed bool
}

func (a *api) memoryAllowed(ctx context.Context, p *auth.Principal) (bool, error) {
	if !authz.ValidDocID(p.UID) {
		return false, nil
	}
	return a.d.Consent.Allowed(ctx, p.UID, p.Org, string(consentvault.CoachMemory))
}

// prepare runs the pipeline up to the model call: the conversation,
// consent, safety, credits, redaction, retrieval and the prompt.
func (a *api) prepare(ctx context.Context, p *auth.Principal, convID string, req AskRequest) (*pending, error) {
	start := time.Now()
	ref, err := a.convRef(p, convID)
	if err != nil {
		return nil, err
	}
	conv, err := readConv(ctx, nil, ref)
	if err != nil {
		return nil, err
	}
	now := a.d.Now().UTC().Truncate(time.Microsecond)
	pd := &pending{p: p, ref: ref, conv: conv, text: strings.TrimSpace(req.Text), lang: req.Lang, region: req.Region, start: start,
		answerID: a.d.NewID()}
	if pd.lang == "" {
		pd.lang = conv.Lang
	}
	pd.question = Message{ID: a.d.NewID(), Role: RoleUser, Text: pd.text, CreatedAt: now}
	// Consent on every ask: a withdrawal makes the very next answer forget.
	if pd.memory, err = a.memoryAllowed(ctx, p); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if res := safety.Check(pd.text, pd.lang); res.Escalate {
		pd.esc = &res
		pd.redacted = pd.text
		pd.prep = time.Since(start)
		return pd, nil
	}
	// The reads the prompt needs are independent: they run at once.
	var (
		credits Credits
		history []Message
		memory  []string
		r       *pii.Redactor
		errs    [4]error
		wg      sync.WaitGroup
	)
	wg.Go(func() { credits, errs[0] = a.readCredits(ctx, nil, p.UID, p.Tier, now) })
	wg.Go(func() { history, errs[1] = readMessages(ctx, ref, a.d.HistoryTurns+2) })
	if pd.memory {
		wg.Go(func() { memory, errs[2] = a.recall(ctx, p, conv.ID) })
	}
	wg.Go(func() { r, errs[3] = a.redactor(ctx, p) })
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if credits.Remaining <= 0 {
		return nil, &exhausted{credits}
	}
	turns := historyTurns(history, a.d.HistoryTurns)
	texts := make([]string, 0, len(memory)+len(turns)+1)
	texts = append(texts, memory...)
	for _, t := range turns {
		texts = append(texts, t.Text)
	}
	texts = append(texts, pd.text)
	red, d := redactAll(r, texts)
	pd.red = d
	memory = red[:len(memory)]
	for i := range turns {
		turns[i].Text = red[len(memory)+i]
	}
	pd.redacted = red[len(red)-1]
	vecs, err := a.d.Model.Embed(ctx, []string{pd.redacted}, ai.TaskRetrievalQuery)
	if err != nil || len(vecs) != 1 {
		return nil, httpapi.Unavailable(fmt.Errorf("embed the question: %w", err))
	}
	if pd.ret, err = a.retrieve(ctx, p.Org, p.Tier, pd.lang, vecs[0]); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	pd.gen = ai.GenerateRequest{
		System:      systemPrompt(pd.lang, memory),
		Turns:       append(turns, ai.Turn{Role: "user", Text: pd.redacted}),
		Passages:    pd.ret.passages,
		Schema:      answerSchema,
		MaxTokens:   1024,
		Temperature: 0.4,
	}
	pd.prep = time.Since(start)
	return pd, nil
}

// historyTurns are the conversation's last turns for the model: an
// escalated message and its fixed answer never go back to a model.
func historyTurns(msgs []Message, max int) []ai.Turn {
	var out []ai.Turn
	for _, m := range msgs {
		if m.Escalated || m.Type == TypeEscalation || strings.TrimSpace(m.Text) == "" {
			continue
		}
		role := "user"
		if m.Role == RoleCoach {
			role = "model"
		}
		out = append(out, ai.Turn{Role: role, Text: m.Text})
	}
	if len(out) > max {
		out = out[len(out)-max:]
	}
	for len(out) > 0 && out[0].Role != "user" {
		out = out[1:]
	}
	return out
}

// recall is coach memory: the latest earlier conversations, each as its
// title and last turns, and the journal's context once it exists.
func (a *api) recall(ctx context.Context, p *auth.Principal, current string) ([]string, error) {
	docs, err := a.convs(p.UID).OrderBy("updated_at", firestore.Desc).Limit(a.d.MemoryConvs + 1).Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range docs {
		if d.Ref.ID == current || len(out) == a.d.MemoryConvs {
			continue
		}
		msgs, err := readMessages(ctx, d.Ref, 4)
		if err != nil {
			return nil, err
		}
		var parts []string
		for _, m := range msgs {
			if m.Escalated || m.Type == TypeEscalation {
				continue
			}
			who := "they said"
			if m.Role == RoleCoach {
				who = "the coach said"
			}
			parts = append(parts, who+": "+clip(m.Text, 200))
		}
		if len(parts) == 0 {
			continue
		}
		t, _ := d.Data()["title"].(string)
		out = append(out, "Earlier conversation \""+clip(t, 80)+"\": "+strings.Join(parts, "; "))
	}
	if a.d.Journal != nil {
		j, err := a.d.Journal.Context(ctx, p.UID, 3)
		if err != nil {
			return nil, err
		}
		for _, s := range j {
			out = append(out, "From the journal: "+clip(s, 300))
		}
	}
	return out, nil
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// fallbackEscalation stands in when shared/safety has no text for a
// category and language.
const fallbackEscalation = "Thank you for telling me. This sounds really hard, and you deserve support from a person right now. " +
	"Please reach out to someone you trust, or call your local emergency number if you are in danger. " +
	"The resources below can help, any time."

// escalation is the fixed answer to an escalated message.
func escalation(res *safety.Result, lang, region string) (string, *Escalation) {
	e := safety.Answer(res.Category, lang, region)
	text := strings.TrimSpace(e.Text)
	if text == "" {
		text = fallbackEscalation
	}
	out := &Escalation{Category: string(res.Category), Resources: []Resource{}}
	for _, r := range e.Resources {
		out.Resources = append(out.Resources, Resource(r))
	}
	return text, out
}

// generate asks the model and builds the answer message. onToken, when
// set, receives the answer's text as it streams (placeholders restored).
func (a *api) generate(ctx context.Context, pd *pending, onToken func(string) error) (Message, error) {
	now := a.d.Now().UTC().Truncate(time.Microsecond)
	ans := Message{ID: pd.answerID, Role: RoleCoach, CreatedAt: now}
	if pd.esc != nil {
		ans.Text, ans.Escalation = escalation(pd.esc, pd.lang, pd.region)
		ans.Type = TypeEscalation
		if onToken != nil {
			if err := onToken(ans.Text); err != nil {
				return ans, err
			}
		}
		return ans, nil
	}
	var (
		res *ai.GenerateResult
		err error
	)
	if onToken == nil {
		res, err = a.d.Model.Generate(ctx, pd.gen)
	} else {
		pd.streamed = true
		js := &answerStream{}
		rs := pd.red.NewRestorer()
		res, err = a.d.Model.GenerateStream(ctx, pd.gen, func(chunk string) error {
			if s := rs.Write(js.Write(chunk)); s != "" {
				return onToken(s)
			}
			return nil
		})
		if err == nil {
			if s := rs.Write(js.Flush()) + rs.Flush(); s != "" {
				err = onToken(s)
			}
		}
	}
	if err != nil {
		return ans, err
	}
	m := parseAnswer(res.Text)
	ans.Text = strings.TrimSpace(pd.red.Restore(m.Answer))
	if r := []rune(ans.Text); len(r) > DefaultMaxAnswerChars {
		ans.Text = string(r[:DefaultMaxAnswerChars])
	}
	ans.Type = m.Type
	if !slices.Contains(answerTypes, ans.Type) {
		ans.Type = TypeQuestion
	}
	ans.Sources = pd.ret.cited(append(m.Sources, res.Sources...))
	ans.SuggestedCards = suggestedCards(pd.ret, m.SuggestedCards, pd.lang, 3)
	ans.Upgrade = pd.ret.upgrade
	return ans, nil
}

// cited are the sources the answer used: those it cites, or, when it
// cites none, every source it was given (each gets its attribution).
func (r *retrieved) cited(ids []string) []Source {
	var out []Source
	seen := map[string]bool{}
	for _, id := range ids {
		if s, ok := r.sources[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		for _, id := range r.order {
			out = append(out, r.sources[id])
		}
	}
	return out
}

// commit stores the question and the answer, charges a credit and counts
// the content used, in one transaction with the event. A lost race for
// the last credit is a 402 and nothing is stored.
func (a *api) commit(ctx context.Context, pd *pending, ans Message) (AskResponse, error) {
	p := pd.p
	now := a.d.Now().UTC().Truncate(time.Microsecond)
	q := pd.question
	q.UID, ans.UID = p.UID, p.UID
	q.ExpireAt, ans.ExpireAt = now.Add(a.d.Retention), now.Add(a.d.Retention)
	q.Escalated = pd.esc != nil
	var official []string
	var textItems []*library.Item
	if pd.ret != nil {
		textItems = pd.ret.text
		for _, it := range textItems {
			if it.Official() {
				official = append(official, it.ID)
			}
		}
	}
	var out AskResponse
	err := a.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction, ob *outbox.Tx) error {
		var credits Credits
		var err error
		if pd.esc == nil {
			if credits, err = a.readCredits(ctx, tx, p.UID, p.Tier, now); err != nil {
				return err
			}
		}
		conv, err := readConv(ctx, tx, pd.ref)
		if err != nil {
			return err
		}
		var usage *library.Usage
		if len(textItems) > 0 {
			if usage, err = library.ReadUsage(tx, a.d.Firestore, p.UID, p.Org, now, official); err != nil {
				return err
			}
		}
		if pd.esc == nil && credits.Remaining <= 0 {
			return &exhausted{credits}
		}
		q.Seq, ans.Seq = conv.MessageCount, conv.MessageCount+1
		msgs := pd.ref.Collection(collMessages)
		if err := tx.Create(msgs.Doc(q.ID), q); err != nil {
			return err
		}
		if err := tx.Create(msgs.Doc(ans.ID), ans); err != nil {
			return err
		}
		upd := []firestore.Update{
			{Path: "message_count", Value: conv.MessageCount + 2},
			{Path: "updated_at", Value: now},
			{Path: "expire_at", Value: now.Add(a.d.Retention)},
		}
		// A crisis message never becomes the title a list shows (a
		// shared screen, a glance over a shoulder); the next question does.
		if conv.Title == "" && pd.esc == nil {
			upd = append(upd, firestore.Update{Path: "title", Value: title(pd.redacted)})
			conv.Title = title(pd.redacted)
		}
		if err := tx.Update(pd.ref, upd); err != nil {
			return err
		}
		if pd.esc == nil {
			if credits, err = a.charge(tx, p.UID, credits, now); err != nil {
				return err
			}
			for _, it := range textItems {
				usage.Add(library.Use{Item: it, Purpose: "coach", SessionID: conv.SessionID, CallerTier: entitlements.Claim(p.Tier)})
			}
			if usage != nil {
				if err := usage.Write(tx); err != nil {
					return err
				}
			}
		} else {
			credits = creditsOf(0, p.Tier, now)
			if c, err := a.readCredits(ctx, nil, p.UID, p.Tier, now); err == nil {
				credits = c
			}
			if conv.SessionID != "" && authz.ValidOrgID(conv.SessionOrg) {
				alert := a.d.Firestore.Collection("orgs").Doc(conv.SessionOrg).Collection("sessions").Doc(conv.SessionID).
					Collection(collAlerts).Doc(a.d.NewID())
				if err := tx.Create(alert, alertDoc{UID: p.UID, Category: string(pd.esc.Category), CreatedAt: now}); err != nil {
					return err
				}
			}
		}
		out = AskResponse{Question: q, Answer: ans, Credits: credits}
		return a.recordAsked(ob, pd, conv, ans)
	})
	return out, err
}

// runTx runs f in the outbox's transaction. Contention that outlasts the
// client's own retries (many asks of one person at once) is retried a
// few more times: every attempt reads afresh, so a retry never charges
// twice.
func (a *api) runTx(ctx context.Context, f outbox.Func) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		err = a.d.Outbox.Run(ctx, f)
		if status.Code(err) != codes.Aborted || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(10+rand.IntN(40*(attempt+1))) * time.Millisecond)
	}
	var ex *exhausted
	if errors.As(err, &ex) {
		return ex
	}
	return txn.Problem(err)
}

// recordAsked records coach.asked: ids, counts and buckets, never text.
func (a *api) recordAsked(ob *outbox.Tx, pd *pending, conv *Conversation, ans Message) error {
	if !authz.ValidOrgID(pd.p.Org) {
		return nil // events belong to an organisation
	}
	ev := events.CoachAsked{Escalated: pd.esc != nil, Language: events.Enum(pd.lang),
		ConversationID: events.ID(conv.ID), MessageID: events.ID(ans.ID), AnswerType: events.Enum(ans.Type),
		Tier: events.Enum(entitlements.Claim(pd.p.Tier)), Cards: len(ans.SuggestedCards), Upgrade: ans.Upgrade != nil,
		Memory: pd.memory, Streamed: pd.streamed, Sources: len(ans.Sources),
		PrepLatency: prepBucket(pd.prep), TotalLatency: totalBucket(time.Since(pd.start))}
	if pd.esc == nil {
		ev.CreditsUsed = 1
	}
	if pd.ret != nil {
		ev.Passages = len(pd.ret.text)
		ev.Themes = len(pd.ret.passages) - len(pd.ret.text)
	}
	return ob.Event(events.Event{Type: events.TypeCoachAsked, Payload: ev, OrgID: pd.p.Org, UID: pd.p.UID, SessionID: conv.SessionID})
}

func prepBucket(d time.Duration) events.Enum {
	switch {
	case d < 50*time.Millisecond:
		return "lt50ms"
	case d < 200*time.Millisecond:
		return "lt200ms"
	case d < time.Second:
		return "lt1s"
	}
	return "ge1s"
}

func totalBucket(d time.Duration) events.Enum {
	switch {
	case d < time.Second:
		return "lt1s"
	case d < 3*time.Second:
		return "lt3s"
	case d < 10*time.Second:
		return "lt10s"
	}
	return "ge10s"
}

// modelProblem is the problem of a model that could not answer.
func modelProblem(err error) error {
	var he *httpapi.Error
	if errors.As(err, &he) {
		return he
	}
	var ex *exhausted
	if errors.As(err, &ex) {
		return ex
	}
	return httpapi.Unavailable(fmt.Errorf("the model did not answer: %w", err))
}

func (a *api) ask(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req AskRequest
	if err := httpapi.DecodeJSON(w, r, &req, 16<<10); err != nil {
		return err
	}
	ctx := r.Context()
	pd, err := a.prepare(ctx, p, r.PathValue("conversationId"), req)
	if err != nil {
		return err
	}
	ans, err := a.generate(ctx, pd, nil)
	if err != nil {
		slog.WarnContext(ctx, "coach: the model did not answer", "err", err)
		return modelProblem(err)
	}
	out, err := a.commit(ctx, pd, ans)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

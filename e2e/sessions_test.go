package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	ics "github.com/arran4/golang-ical"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/mail"
)

// The facilitator's whole workflow through Hosting, as the PWA and the
// console drive it: compose a journey from the demo deck, publish it,
// schedule a session, invite two participants (their calendar files parsed
// by an independent RFC 5545 parser), both join, a face-down draw gives
// each a distinct card, reveal, breakouts, the end — and the session's
// events land in BigQuery.

const (
	demoDeck      = "tidewater-deck"
	noaEmail      = "noa.participant@studio.test"
	samEmail      = "sam.participant@studio.test"
	participantPW = "demo-participant-pass"
)

// joinToken finds the join link of session sid in the invitations sent to
// email.
var joinLink = regexp.MustCompile(`/join/([A-Za-z0-9_-]+)\?token=([A-Za-z0-9_-]+)`)

// firestoreClient reaches the suite through FIRESTORE_EMULATOR_HOST.
func firestoreClient(t *testing.T) *firestore.Client {
	t.Helper()
	c, err := firestore.NewClient(context.Background(), env.Project())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// deckCards lists published photo cards of the demo deck the caller may use.
func deckCards(t *testing.T, tok string) []string {
	t.Helper()
	var ids []string
	page := ""
	for {
		var out struct {
			Items []struct {
				ID     string `json:"id"`
				DeckID string `json:"deck_id"`
				Locked bool   `json:"locked"`
			} `json:"items"`
			NextPageToken string `json:"next_page_token"`
		}
		path := "/api/content/v1/items?type=photo_card&page_token=" + page
		if r := call(t, "GET", path, tok, nil, &out); r.StatusCode != 200 {
			t.Fatalf("list cards: %d", r.StatusCode)
		}
		for _, it := range out.Items {
			if it.DeckID == demoDeck && !it.Locked {
				ids = append(ids, it.ID)
			}
		}
		if out.NextPageToken == "" {
			return ids
		}
		page = out.NextPageToken
	}
}

// demoJourney is a 90-minute journey through the four phases built from
// library cards and inline building blocks.
func demoJourney(name string, cards []string) map[string]any {
	el := func(id, kind, item, typ, title string, min int) map[string]any {
		m := map[string]any{"id": id, "kind": kind, "type": typ, "title": title, "duration_minutes": min,
			"instructions": "Take your time."}
		if item != "" {
			m["item_id"] = item
		}
		return m
	}
	return map[string]any{
		"name": name, "description": "An evening journey about change.", "goals": []string{"Notice where we are", "Choose one step"},
		"timeframe": "single", "session_minutes": 90, "locale": "en",
		"phases": []map[string]any{
			{"phase": "pause", "energy_mode": "cocoon", "duration_minutes": 15, "objectives": []string{"Arrive"},
				"facilitator_notes": "Dim the lights.", "elements": []map[string]any{
					el("welcome", "inline", "", "welcome", "Welcome circle", 5), el("pause-card", "content", cards[0], "card", "A card to pause with", 10)}},
			{"phase": "expand", "energy_mode": "lift", "duration_minutes": 30, "objectives": []string{"Widen the view"},
				"elements": []map[string]any{el("draw", "inline", "", "points_of_view", "Face-down draw and sharing", 20),
					el("expand-card", "content", cards[1], "card", "Another point of view", 10)}},
			{"phase": "focus", "energy_mode": "grounding", "duration_minutes": 25, "objectives": []string{"One insight"},
				"elements": []map[string]any{el("breakout", "inline", "", "focus_action", "Pairs: what matters now", 25)}},
			{"phase": "doing", "energy_mode": "in_the_rhythm", "duration_minutes": 15, "objectives": []string{"One step"},
				"elements": []map[string]any{el("closure", "inline", "", "closure", "Closing round", 15)}},
		},
	}
}

// liveWorld is a session of org A run through the API.
type liveWorld struct {
	maya, noa, sam string
	journeyID      string
	sessionID      string
	drawID         string
	breakoutID     string
	homeworkID     string
	inviteID       string
	cards          []string
}

func newLiveWorld(t *testing.T, name string) *liveWorld {
	t.Helper()
	w := &liveWorld{
		maya: signIn(t, "maya.facilitator@studio.test", "demo-facilitator-pass"),
		noa:  signIn(t, noaEmail, participantPW),
		sam:  signIn(t, samEmail, participantPW),
	}
	w.cards = deckCards(t, w.maya)
	if len(w.cards) < 4 {
		t.Fatalf("only %d usable cards in the demo deck", len(w.cards))
	}
	// Compose and publish.
	var j struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", "/api/journeys/v1/journeys", w.maya, map[string]any{"journey": demoJourney(name, w.cards)}, &j); r.StatusCode != 201 {
		t.Fatalf("create journey: %d %s", r.StatusCode, body(r))
	}
	w.journeyID = j.ID
	var v struct {
		Version int `json:"version"`
	}
	if r := call(t, "POST", "/api/journeys/v1/journeys/"+j.ID+"/publish", w.maya, map[string]any{}, &v); r.StatusCode != 201 || v.Version != 1 {
		t.Fatalf("publish: %d %s", r.StatusCode, body(r))
	}
	return w
}

// schedule plans a session of the published journey, tomorrow 18:30 in Berlin.
func (w *liveWorld) schedule(t *testing.T, title string) time.Time {
	t.Helper()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := time.Now().In(berlin).AddDate(0, 0, 2)
	start := time.Date(day.Year(), day.Month(), day.Day(), 18, 30, 0, 0, berlin)
	var s struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", "/api/sessions/v1/sessions", w.maya, map[string]any{
		"journey_id": w.journeyID, "journey_version": 1, "title": title,
		"start_at": start.Format("2006-01-02T15:04"), "time_zone": "Europe/Berlin", "duration_minutes": 90,
		"meeting": map[string]any{"provider": "zoom", "url": "https://zoom.us/j/5551234567", "meeting_id": "555 123 4567"},
	}, &s); r.StatusCode != 201 {
		t.Fatalf("schedule: %d %s", r.StatusCode, body(r))
	}
	w.sessionID = s.ID
	return start
}

// invite sends the invitations and returns each invitee's join token.
func (w *liveWorld) invite(t *testing.T, fs *firestore.Client, emails ...string) map[string]mail.Stored {
	t.Helper()
	var inv struct {
		Invitations []struct {
			ID string `json:"id"`
		} `json:"invitations"`
	}
	if r := call(t, "POST", "/api/sessions/v1/sessions/"+w.sessionID+"/invitations", w.maya, map[string]any{"emails": emails}, &inv); r.StatusCode/100 != 2 {
		t.Fatalf("invite: %d %s", r.StatusCode, body(r))
	}
	if len(inv.Invitations) > 0 {
		w.inviteID = inv.Invitations[0].ID
	}
	out := map[string]mail.Stored{}
	for _, e := range emails {
		msgs, err := mail.List(context.Background(), fs, e)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if mm := joinLink.FindStringSubmatch(m.Text); mm != nil && mm[1] == w.sessionID && m.Kind == "session_invitation" {
				out[e] = m // the newest one wins
			}
		}
		if _, ok := out[e]; !ok {
			t.Fatalf("no invitation mail for %s", e)
		}
	}
	return out
}

func (w *liveWorld) join(t *testing.T, tok string, m mail.Stored) {
	t.Helper()
	token := joinLink.FindStringSubmatch(m.Text)[2]
	if r := call(t, "POST", "/api/sessions/v1/sessions/"+w.sessionID+"/join", tok, map[string]any{"token": token}, nil); r.StatusCode != 200 {
		t.Fatalf("join: %d %s", r.StatusCode, body(r))
	}
}

func (w *liveWorld) path(rest string) string {
	return "/api/sessions/v1/sessions/" + w.sessionID + rest
}

func body(r *http.Response) string {
	var b strings.Builder
	buf := make([]byte, 2048)
	n, _ := r.Body.Read(buf)
	b.Write(buf[:n])
	return b.String()
}

// checkICS parses an invitation's calendar file with an independent
// RFC 5545 parser.
func checkICS(t *testing.T, m mail.Stored, sessionID, attendee string, start time.Time, seq int) {
	t.Helper()
	var att *mail.Attachment
	for i := range m.Attachments {
		if strings.HasPrefix(m.Attachments[i].ContentType, "text/calendar") {
			att = &m.Attachments[i]
		}
	}
	if att == nil {
		t.Fatalf("no calendar attachment in %q", m.Subject)
	}
	if !strings.Contains(att.Content, "\r\n") || strings.Contains(strings.ReplaceAll(att.Content, "\r\n", ""), "\n") {
		t.Error("calendar lines must end in CRLF")
	}
	for _, line := range strings.Split(att.Content, "\r\n") {
		if len(line) > 75 {
			t.Errorf("unfolded line of %d octets: %q", len(line), line)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(att.Content))
	if err != nil {
		t.Fatalf("parse calendar: %v", err)
	}
	method := ""
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == string(ics.PropertyMethod) {
			method = p.Value
		}
	}
	if method != "REQUEST" {
		t.Errorf("METHOD %q", method)
	}
	tz := false
	for _, c := range cal.Components {
		if vt, ok := c.(*ics.VTimezone); ok {
			if p := vt.GetProperty(ics.ComponentPropertyTzid); p != nil && p.Value == "Europe/Berlin" {
				tz = true
			}
		}
	}
	if !tz {
		t.Error("no VTIMEZONE for Europe/Berlin")
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	if !strings.Contains(ev.Id(), sessionID) {
		t.Errorf("UID %q does not name the session", ev.Id())
	}
	if p := ev.GetProperty(ics.ComponentPropertyDtStart); p == nil || p.ICalParameters["TZID"][0] != "Europe/Berlin" ||
		p.Value != start.Format("20060102T150405") {
		t.Errorf("DTSTART %+v, want %s in Europe/Berlin", p, start.Format("20060102T150405"))
	}
	if got, err := ev.GetStartAt(); err != nil || !got.Equal(start) {
		t.Errorf("start %v (%v), want %v", got, err, start)
	}
	if p := ev.GetProperty(ics.ComponentPropertySequence); p == nil || p.Value != strconv.Itoa(seq) {
		t.Errorf("SEQUENCE %+v, want %d", p, seq)
	}
	found := false
	for _, a := range ev.Attendees() {
		found = found || strings.EqualFold(a.Email(), attendee)
	}
	if !found {
		t.Errorf("%s is not an attendee", attendee)
	}
}

func TestFacilitatorScenario(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fs := firestoreClient(t)
	since := time.Now().Add(-time.Second)

	w := newLiveWorld(t, "Change, gently (scenario)")
	start := w.schedule(t, "Thursday circle")

	// A published version cannot change; the session keeps its version
	// after later edits of the journey.
	var v1 struct {
		Journey map[string]any `json:"journey"`
	}
	call(t, "GET", "/api/journeys/v1/journeys/"+w.journeyID+"/versions/1", w.maya, nil, &v1)
	edited := demoJourney("Change, renamed after scheduling", w.cards)
	var draft struct {
		Revision int `json:"revision"`
	}
	call(t, "GET", "/api/journeys/v1/journeys/"+w.journeyID, w.maya, nil, &draft)
	if r := call(t, "PUT", "/api/journeys/v1/journeys/"+w.journeyID, w.maya, map[string]any{"revision": draft.Revision, "journey": edited}, nil); r.StatusCode != 200 {
		t.Fatalf("autosave: %d %s", r.StatusCode, body(r))
	}
	if r := call(t, "POST", "/api/journeys/v1/journeys/"+w.journeyID+"/publish", w.maya, map[string]any{}, nil); r.StatusCode != 201 {
		t.Fatalf("publish v2: %d %s", r.StatusCode, body(r))
	}
	var v1again struct {
		Journey map[string]any `json:"journey"`
	}
	call(t, "GET", "/api/journeys/v1/journeys/"+w.journeyID+"/versions/1", w.maya, nil, &v1again)
	if v1.Journey["name"] != "Change, gently (scenario)" || fmt.Sprint(v1again.Journey) != fmt.Sprint(v1.Journey) {
		t.Errorf("version 1 changed: %v → %v", v1.Journey["name"], v1again.Journey["name"])
	}

	// Invitations with calendar files; both join.
	invites := w.invite(t, fs, noaEmail, samEmail)
	checkICS(t, invites[noaEmail], w.sessionID, noaEmail, start, 0)
	checkICS(t, invites[samEmail], w.sessionID, samEmail, start, 0)
	w.join(t, w.noa, invites[noaEmail])
	w.join(t, w.sam, invites[samEmail])
	var sess struct {
		JourneyVersion int    `json:"journey_version"`
		Status         string `json:"status"`
		Plan           []struct {
			Title string `json:"title"`
		} `json:"plan"`
	}
	if call(t, "GET", w.path(""), w.maya, nil, &sess); sess.JourneyVersion != 1 || len(sess.Plan) != 6 || sess.Status != "scheduled" {
		t.Fatalf("session after the journey changed: %+v", sess)
	}

	// Live: start, advance to the draw.
	if r := call(t, "POST", w.path("/start"), w.maya, map[string]any{}, nil); r.StatusCode != 200 {
		t.Fatalf("start: %d %s", r.StatusCode, body(r))
	}
	for step := 0; step < 2; step++ {
		if r := call(t, "POST", w.path("/advance"), w.maya, map[string]any{"direction": "next", "from_step": step}, nil); r.StatusCode != 200 {
			t.Fatalf("advance from %d: %d %s", step, r.StatusCode, body(r))
		}
	}
	// A participant cannot advance.
	if r := call(t, "POST", w.path("/advance"), w.noa, map[string]any{"direction": "next", "from_step": 2}, nil); r.StatusCode != 403 {
		t.Errorf("participant advanced: %d", r.StatusCode)
	}

	// Face-down draw: both pick at once, distinct cards.
	var draw struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", w.path("/draws"), w.maya, map[string]any{"mode": "face_down", "deck_id": demoDeck}, &draw); r.StatusCode != 201 {
		t.Fatalf("open draw: %d %s", r.StatusCode, body(r))
	}
	w.drawID = draw.ID
	picks := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, tok := range map[string]string{"noa": w.noa, "sam": w.sam} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p struct {
				CardID string `json:"card_id"`
			}
			if r := call(t, "POST", w.path("/draws/"+draw.ID+"/picks"), tok, map[string]any{}, &p); r.StatusCode != 201 {
				t.Errorf("%s pick: %d", name, r.StatusCode)
			}
			mu.Lock()
			picks[name] = p.CardID
			mu.Unlock()
		}()
	}
	wg.Wait()
	if picks["noa"] == "" || picks["noa"] == picks["sam"] {
		t.Fatalf("face-down picks %v: want two distinct cards", picks)
	}
	// Private until revealed: Noa does not see Sam's card.
	var view struct {
		Picks []struct {
			UID    string `json:"uid"`
			CardID string `json:"card_id"`
		} `json:"picks"`
	}
	call(t, "GET", w.path("/draws/"+draw.ID), w.noa, nil, &view)
	for _, p := range view.Picks {
		if p.CardID == picks["sam"] {
			t.Fatalf("Noa sees Sam's card before the reveal: %+v", view)
		}
	}
	if r := call(t, "POST", w.path("/draws/"+draw.ID+"/reveal"), w.maya, map[string]any{"all": true}, nil); r.StatusCode != 200 {
		t.Fatalf("reveal: %d %s", r.StatusCode, body(r))
	}
	view.Picks = nil
	call(t, "GET", w.path("/draws/"+draw.ID), w.noa, nil, &view)
	seen := []string{}
	for _, p := range view.Picks {
		seen = append(seen, p.CardID)
	}
	if !slices.Contains(seen, picks["sam"]) || !slices.Contains(seen, picks["noa"]) {
		t.Fatalf("after the reveal Noa sees %v, want both %v", seen, picks)
	}

	// Breakouts: the two are paired, then brought back.
	var round struct {
		ID    string `json:"id"`
		Rooms []struct {
			Members []struct {
				UID string `json:"uid"`
			} `json:"members"`
		} `json:"rooms"`
	}
	if r := call(t, "POST", w.path("/breakouts"), w.maya, map[string]any{"strategy": "different_cards", "room_size": 2,
		"minutes": 10, "draw_id": draw.ID}, &round); r.StatusCode != 201 {
		t.Fatalf("breakouts: %d %s", r.StatusCode, body(r))
	}
	if len(round.Rooms) != 1 || len(round.Rooms[0].Members) != 2 {
		t.Fatalf("rooms %+v, want one room of two", round.Rooms)
	}
	if r := call(t, "POST", w.path("/breakouts/"+round.ID+"/close"), w.maya, map[string]any{}, nil); r.StatusCode != 200 {
		t.Fatalf("bring back: %d %s", r.StatusCode, body(r))
	}
	// Homework for Noa, then the end.
	if r := call(t, "POST", w.path("/homework"), w.maya, map[string]any{"uid": "demo-participant-1", "title": "One small step",
		"due": start.AddDate(0, 0, 7).Format("2006-01-02")}, nil); r.StatusCode != 201 {
		t.Fatalf("homework: %d %s", r.StatusCode, body(r))
	}
	var cur struct {
		Current struct {
			Step int `json:"step"`
		} `json:"current"`
	}
	call(t, "GET", w.path(""), w.maya, nil, &cur)
	if r := call(t, "POST", w.path("/end"), w.maya, map[string]any{}, nil); r.StatusCode != 200 {
		t.Fatalf("end: %d %s", r.StatusCode, body(r))
	}
	if call(t, "GET", w.path(""), w.noa, nil, &sess); sess.Status != "ended" {
		t.Fatalf("status %q after the end", sess.Status)
	}

	// The scenario's events in BigQuery (lifecycle events keep the fact
	// without anyone's analytics consent).
	want := []string{"session.scheduled", "session.participants_invited", "session.participant_changed", "session.started",
		"session.step_changed", "session.draw_opened", "session.cards_revealed", "session.breakouts_opened",
		"session.breakouts_closed", "session.homework_changed", "session.ended"}
	c := bigQueryClient(t)
	var got []string
	for {
		got = sessionEventTypes(t, ctx, c, w.sessionID)
		missing := false
		for _, typ := range want {
			missing = missing || !slices.Contains(got, typ)
		}
		if !missing {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("events of the session in BigQuery: %v, want all of %v", got, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	pub := journeyPublishedRows(t, ctx, c, w.journeyID, since)
	if pub != 2 {
		t.Errorf("journey.published rows for the journey: %d, want 2", pub)
	}
}

// sessionEventTypes lists the distinct event types of a session in BigQuery.
func sessionEventTypes(t *testing.T, ctx context.Context, c *bq.Client, sessionID string) []string {
	t.Helper()
	q := c.Query(`SELECT DISTINCT type FROM analytics.events WHERE session_id = @sid ORDER BY type`)
	q.Parameters = []bq.QueryParameter{{Name: "sid", Value: sessionID}}
	it, err := q.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		var row struct {
			Type string `bigquery:"type"`
		}
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, row.Type)
	}
}

func journeyPublishedRows(t *testing.T, ctx context.Context, c *bq.Client, journeyID string, since time.Time) int {
	t.Helper()
	for {
		q := c.Query(`SELECT COUNT(DISTINCT event_id) AS n FROM analytics.events
			WHERE type = 'journey.published' AND JSON_VALUE(payload, '$.journey_id') = @jid AND occurred_at >= @since`)
		q.Parameters = []bq.QueryParameter{{Name: "jid", Value: journeyID}, {Name: "since", Value: since}}
		it, err := q.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var row struct {
			N int64 `bigquery:"n"`
		}
		if err := it.Next(&row); err != nil {
			t.Fatal(err)
		}
		if row.N >= 2 || ctx.Err() != nil {
			return int(row.N)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// calendarOf parses the calendar attachment of m.
func calendarOf(t *testing.T, m mail.Stored) (method string, ev *ics.VEvent) {
	t.Helper()
	for _, a := range m.Attachments {
		if !strings.HasPrefix(a.ContentType, "text/calendar") {
			continue
		}
		cal, err := ics.ParseCalendar(strings.NewReader(a.Content))
		if err != nil {
			t.Fatalf("parse calendar of %q: %v", m.Subject, err)
		}
		for _, p := range cal.CalendarProperties {
			if p.IANAToken == string(ics.PropertyMethod) {
				method = p.Value
			}
		}
		if evs := cal.Events(); len(evs) == 1 {
			return method, evs[0]
		}
		t.Fatalf("%d events in the calendar of %q", len(cal.Events()), m.Subject)
	}
	t.Fatalf("no calendar attached to %q", m.Subject)
	return "", nil
}

// mailsOf lists the mails of one kind about session sid sent to email.
func mailsOf(t *testing.T, fs *firestore.Client, email, kind, sid string) []mail.Stored {
	t.Helper()
	msgs, err := mail.List(context.Background(), fs, email)
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.Stored
	for _, m := range msgs {
		if m.Kind != kind {
			continue
		}
		for _, a := range m.Attachments {
			if strings.Contains(a.Content, sid) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Reminders, reschedules and cancellations reach invitees as calendar
// updates of the same event (same UID, higher SEQUENCE), and the reminder
// job runs as Cloud Scheduler runs it.
func TestSessionCalendarUpdates(t *testing.T) {
	t.Parallel()
	fs := firestoreClient(t)
	w := newLiveWorld(t, "Calendar journey")
	jer, _ := time.LoadLocation("Asia/Jerusalem")
	start := time.Now().In(jer).Add(3 * time.Hour).Truncate(time.Minute)
	var s struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", "/api/sessions/v1/sessions", w.maya, map[string]any{"journey_id": w.journeyID,
		"start_at": start.Format(time.RFC3339), "time_zone": "Asia/Jerusalem", "duration_minutes": 90}, &s); r.StatusCode != 201 {
		t.Fatalf("schedule: %d %s", r.StatusCode, body(r))
	}
	w.sessionID = s.ID
	w.invite(t, fs, noaEmail)
	inv := mailsOf(t, fs, noaEmail, "session_invitation", s.ID)
	if len(inv) != 1 {
		t.Fatalf("%d invitations", len(inv))
	}
	_, first := calendarOf(t, inv[0])
	uid := first.Id()

	// The scheduled job, twice: one reminder.
	for range 2 {
		req, _ := http.NewRequest("POST", env.Functions.URL("sessions-reminders"), strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("sessions-reminders: %d", resp.StatusCode)
		}
	}
	if rem := mailsOf(t, fs, noaEmail, "session_reminder", s.ID); len(rem) != 1 {
		t.Fatalf("%d reminders after two runs, want 1", len(rem))
	}

	// Reschedule: an update with the same UID and SEQUENCE 1.
	later := start.Add(2 * time.Hour)
	if r := call(t, "POST", w.path("/reschedule"), w.maya, map[string]any{"start_at": later.Format(time.RFC3339)}, nil); r.StatusCode != 200 {
		t.Fatalf("reschedule: %d %s", r.StatusCode, body(r))
	}
	// Cancel: METHOD:CANCEL, SEQUENCE 2.
	if r := call(t, "POST", w.path("/cancel"), w.maya, map[string]any{}, nil); r.StatusCode != 200 {
		t.Fatalf("cancel: %d %s", r.StatusCode, body(r))
	}
	checks := []struct {
		kind, method string
		seq          string
		start        time.Time
	}{
		{"session_update", "REQUEST", "1", later},
		{"session_cancellation", "CANCEL", "2", later},
	}
	for _, c := range checks {
		ms := mailsOf(t, fs, noaEmail, c.kind, s.ID)
		if len(ms) != 1 {
			t.Fatalf("%d %s mails", len(ms), c.kind)
		}
		method, ev := calendarOf(t, ms[0])
		seq := ev.GetProperty(ics.ComponentPropertySequence)
		got, err := ev.GetStartAt()
		if method != c.method || ev.Id() != uid || seq == nil || seq.Value != c.seq || err != nil || !got.Equal(c.start) {
			t.Errorf("%s: METHOD %s UID %s SEQUENCE %v start %v (%v); want %s %s %s %v", c.kind, method, ev.Id(), seq, got, err,
				c.method, uid, c.seq, c.start)
		}
	}
	// The downloadable calendar follows the session.
	resp := call(t, "GET", w.path("/calendar.ics"), w.maya, nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("calendar.ics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

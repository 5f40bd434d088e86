package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	pubsub "cloud.google.com/go/pubsub/v2"
	"github.com/google/uuid"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"pointsofyou.ai/studio/shared/events"
)

// EventsTopic is the topic every domain event is published to; its
// BigQuery subscription (infra/topology.yaml) writes them into
// analytics.events.
const EventsTopic = "events"

// demoLearners are pseudonymous people of the demo organisation besides
// its accounts: they exist only as actors in events, so the organisation's
// reports have groups of five and more. The first demoConsenting of them
// gave analytics consent; the others' events are recorded as the consent
// gate leaves them (aggregate-only events without an actor, the rest
// dropped).
const (
	demoLearners   = 12
	demoConsenting = 9
)

// demoActive is how many consenting people are active in each of the
// twelve months, oldest first: some months under five, to show
// suppression, most above it.
var demoActive = [12]int{3, 4, 6, 7, 8, 9, 4, 8, 10, 11, 12, 7}

// DemoEvents builds a year of events of org, ending with the month of now:
// card picks, canvas operations, journal syncs and coach questions in two
// sessions a month, as the platform's producers stamp them (actors are the
// people's pseudonyms under ps), none after now. It is deterministic: an
// event's id derives from the org, its month and its place in the month,
// so seeding again publishes the same events (plus those of the current
// month that have happened since), which the reports count once.
func DemoEvents(org string, people []string, cards []string, ps *events.Pseudonymizer, now time.Time) []*events.Envelope {
	var out []*events.Envelope
	end := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := range 12 {
		month := end.AddDate(0, m-11, 0)
		r := rng(uint64(month.Year())*100 + uint64(month.Month()) + 7)
		n := 0
		emit := func(typ, uid, session, canvasID string, at time.Time, payload any) {
			n++ // counted even when skipped, so the ids stay the same
			if at.After(now) {
				return // later this month: a later seeding adds it, with the same id
			}
			env := &events.Envelope{
				EventID:    uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "poy-demo-events/%s/%s/%d", org, month.Format("2006-01"), n)).String(),
				Type:       typ,
				OccurredAt: at.UTC().Truncate(time.Microsecond),
				OrgID:      org, SessionID: session, CanvasID: canvasID, SchemaVersion: 1,
			}
			if uid != "" {
				env.Actor = ps.Actor(org, uid)
			}
			env.Payload, _ = json.Marshal(payload)
			out = append(out, env)
		}
		// Everybody's month: the active consenting people first, then the
		// learners without consent, whose counts arrive without an actor.
		active := min(demoActive[m], len(people))
		for s, suffix := range []string{"a", "b"} {
			session := fmt.Sprintf("demo-report-%s-%s", month.Format("200601"), suffix)
			canvasID := session + "-canvas"
			start := month.AddDate(0, 0, 7+14*s).Add(9 * time.Hour)
			for i := range active {
				uid := people[i]
				at := start.Add(time.Duration(i) * time.Minute)
				if len(cards) > 0 {
					card := cards[int(r.next()%uint64(min(len(cards), 8)))]
					emit(events.TypeSessionCardSelected, uid, session, "", at, events.SessionCardSelected{
						CardID: events.ID(card), CardKind: "photo", Phase: "pause"})
				}
				// The canvas is the session's, but its operations carry no
				// session id: these sessions exist only in the events, and the
				// live-insights trigger (canvas.op, session.*) has nothing to
				// do with a year-old canvas.
				for k := range 3 + int(r.next()%10) {
					emit(events.TypeCanvasOp, uid, "", canvasID, at.Add(time.Duration(10+k)*time.Minute), events.CanvasOp{
						Op: "create", ElementID: events.ID(fmt.Sprintf("e%d-%d", i, k)), ElementKind: "note"})
				}
			}
		}
		for i := range active {
			for k := range int(r.next() % 4) {
				emit(events.TypeJournalSynced, people[i], "", "", month.AddDate(0, 0, 2+k*5).Add(20*time.Hour),
					events.JournalSynced{Mutations: 1 + k, Mode: "standalone"})
			}
			for k := range int(r.next() % 3) {
				emit(events.TypeCoachAsked, people[i], "", "", month.AddDate(0, 0, 3+k*7).Add(19*time.Hour),
					events.CoachAsked{Sources: 2, CreditsUsed: 1, Language: "en"})
			}
		}
		for range 2 + int(r.next()%3) { // without consent: the fact, no actor
			emit(events.TypeJournalSynced, "", "", "", month.AddDate(0, 0, 12).Add(21*time.Hour),
				events.JournalSynced{Mutations: 1, Mode: "standalone"})
		}
	}
	return out
}

// demoPeople are the demo organisation's consenting people: its accounts,
// then the consenting learners.
func demoPeople(d *DemoData, org string) []string {
	var out []string
	for _, u := range d.Users {
		if u.Org == org {
			out = append(out, u.UID)
		}
	}
	for i := range demoConsenting {
		out = append(out, fmt.Sprintf("demo-learner-%02d", i+1))
	}
	return out
}

// demoCards are official photo cards of the demo library.
var demoCards = []string{"tw-photo-01", "tw-photo-02", "tw-photo-03", "tw-photo-04", "tw-photo-05", "tw-photo-06", "tw-photo-07", "tw-photo-08"}

// seedDemoEvents publishes a year of the demo organisation's events to the
// events topic, the path every event takes: the BigQuery subscription
// writes them into analytics.events.
func (s *Suite) seedDemoEvents(ctx context.Context, d *DemoData, now time.Time) error {
	if len(d.Orgs) == 0 {
		return nil
	}
	org := d.Orgs[0].ID
	ps, err := events.PseudonymizerFromEnv(s.opts.Project, func(string) string { return "" })
	if err != nil {
		return err
	}
	envs := DemoEvents(org, demoPeople(d, org), demoCards, ps, now)
	client, err := pubsub.NewClient(ctx, s.opts.Project, option.WithEndpoint(s.PubSub.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		return err
	}
	defer client.Close()
	sender, err := events.NewSender(client, EventsTopic, nil)
	if err != nil {
		return err
	}
	defer sender.Close()
	start := time.Now()
	errs := make(chan error, len(envs))
	sem := make(chan struct{}, 64)
	for _, env := range envs {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errs <- sender.Send(ctx, env)
		}()
	}
	for range envs {
		if err := <-errs; err != nil {
			return fmt.Errorf("demo events: %w", err)
		}
	}
	slog.Info("demo events published", "events", len(envs), "org", org, "took_ms", time.Since(start).Milliseconds())
	return nil
}

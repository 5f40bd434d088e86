package journal

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/internal/journalsim"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/events"
)

// The product's acceptance asks for 10,000 histories
// (JOURNAL_HISTORIES=10000); the default keeps `go test -race` of the
// package within a minute on two loaded cores.
const defaultHistories = 40

// historiesPerEnv bounds how many histories share one set of emulators,
// so memory stays flat over a long run.
const historiesPerEnv = 250

// TestConvergence replays seeded histories of one person typing on three
// devices against the real handler over a faulty network (dropped
// requests and answers, duplicates, reordering, devices offline, server
// restarts), then brings every device online and syncs until quiet. Every
// device must then hold exactly what Firestore holds, no entry may be
// lost or doubled, and no word lost: a typed word must be in some body or
// kept conflict version unless a person removed it from a text holding it.
func TestConvergence(t *testing.T) {
	t.Parallel()
	n := defaultHistories
	if s := os.Getenv("JOURNAL_HISTORIES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("JOURNAL_HISTORIES=%q: want a positive number", s)
		}
		n = v
	}
	first := int64(0)
	if s := os.Getenv("JOURNAL_SEED"); s != "" { // one history, to trace it
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			t.Fatalf("JOURNAL_SEED=%q: want a history's number", s)
		}
		first, n = v, 1
	}
	var tally convergenceTally
	var next atomic.Int64
	workers := min(runtime.GOMAXPROCS(0)*2, n)
	start := time.Now()
	t.Run("histories", func(t *testing.T) {
		for w := range workers {
			t.Run(fmt.Sprint("worker-", w), func(t *testing.T) {
				t.Parallel()
				for {
					from := next.Add(historiesPerEnv) - historiesPerEnv
					if from >= int64(n) {
						return
					}
					to := min(from+historiesPerEnv, int64(n))
					t.Run(fmt.Sprintf("%d-%d", first+from, first+to-1), func(t *testing.T) {
						runHistories(t, uint64(first+from), uint64(first+to), &tally)
					})
				}
			})
		}
	})
	secs := time.Since(start).Seconds()
	t.Logf("histories: %d, histories/s: %.1f, mutations: %d, conflicts kept: %d, clean merges: %d (failed histories %d; pushes %d, pulls %d, lost on the network %d, gaps %d, server restarts %d)",
		tally.histories.Load(), float64(tally.histories.Load())/secs, tally.mutations.Load(), tally.conflicts.Load(), tally.merged.Load(), tally.failed.Load(),
		tally.pushes.Load(), tally.pulls.Load(), tally.failures.Load(), tally.gaps.Load(), tally.restarts.Load())
	// A run where nothing went wrong would prove nothing.
	if tally.histories.Load() >= defaultHistories && (tally.failures.Load() == 0 || tally.gaps.Load() == 0 || tally.restarts.Load() == 0 || tally.merged.Load() == 0 || tally.conflicts.Load() == 0) {
		t.Errorf("the histories met no lost requests, gaps, restarts, merges or conflicts: the faults are not exercised")
	}
}

type convergenceTally struct {
	histories, failed, mutations, conflicts, merged, pushes, pulls, failures, gaps, restarts atomic.Int64
}

// simPeople are the people of the histories: token sim-<seed> is a
// professional participant of org A with uid u-sim-<seed>.
func simPeople(fallback auth.Verifier) auth.Verifier {
	return auth.VerifierFunc(func(ctx context.Context, tok string) (*auth.Principal, error) {
		if seed, ok := strings.CutPrefix(tok, "sim-"); ok {
			return &auth.Principal{UID: "u-sim-" + seed, Email: "sim" + seed + "@a.test", EmailVerified: true,
				Org: orgA, Role: auth.RoleParticipant, Tier: auth.TierProfessional, SignInProvider: "password"}, nil
		}
		return fallback.Verify(ctx, tok)
	})
}

// runHistories runs histories [from, to) on one set of emulators.
func runHistories(t *testing.T, from, to uint64, tally *convergenceTally) {
	e := newEnv(t, func(d *Deps) { d.Verifier = simPeople(d.Verifier) })
	for seed := from; seed < to; seed++ {
		if err := runHistory(t, e, seed, tally); err != nil {
			// Go on, so a long run counts every failing history.
			if tally.failed.Add(1) <= 10 {
				t.Errorf("history %d (JOURNAL_SEED=%d JOURNAL_TRACE=%d replays it): %v", seed, seed, seed, err)
			}
		}
	}
	for _, env := range e.events.Of(events.TypeJournalSynced) {
		p := apitest.Payload[events.JournalSynced](t, env)
		tally.conflicts.Add(int64(p.Conflicts))
		tally.merged.Add(int64(p.Merged))
	}
}

// runHistory plays one seeded history and checks where it ends.
// JOURNAL_TRACE=<seed> logs that history's mutations and answers.
func runHistory(t *testing.T, e *env, seed uint64, tally *convergenceTally) error {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 0x6a6f75726e616c))
	words := journalsim.NewWords(seed)
	token := fmt.Sprint("sim-", seed)
	net := journalsim.NewNetwork(rand.New(rand.NewPCG(seed, 1)), e.h, journalsim.DefaultFaults)
	devices := make([]*journalsim.Device, 3)
	for i := range devices {
		devices[i] = journalsim.NewDevice(rand.New(rand.NewPCG(seed, uint64(10+i))), words, net.For(token))
		if os.Getenv("JOURNAL_TRACE") == fmt.Sprint(seed) {
			devices[i].Trace = t.Logf
		}
	}
	restarts := 0
	for range 30 + r.IntN(50) {
		d := devices[r.IntN(len(devices))]
		var err error
		switch p := r.IntN(100); {
		case p < 50:
			d.Act(e.now)
		case p < 70:
			_, err = d.Push(ctx)
		case p < 88:
			_, err = d.Pull(ctx)
		case p < 96:
			d.SetOffline(!d.Offline())
		default:
			h, herr := New(e.d) // a new instance: nothing in memory carries over
			if herr != nil {
				return herr
			}
			net.Restart(h)
			restarts++
		}
		if err != nil {
			return err
		}
	}
	// Everyone online on a perfect network: sync until every queue is
	// applied, then pull once more everywhere.
	net.SetFaults(journalsim.Faults{})
	net.Flush(ctx)
	for _, d := range devices {
		d.SetOffline(false)
	}
	for round := 0; ; round++ {
		pending := 0
		for _, d := range devices {
			if _, err := d.Sync(ctx); err != nil {
				return err
			}
			pending += d.Pending()
		}
		if pending == 0 {
			break
		}
		if round == 20 {
			return fmt.Errorf("%d mutations still queued after %d rounds", pending, round)
		}
	}
	for _, d := range devices {
		if ok, err := d.Pull(ctx); err != nil || !ok {
			return fmt.Errorf("final pull: %v", err)
		}
	}
	tally.histories.Add(1)
	if err := checkConverged(e, "u-"+token, devices, words); err != nil {
		return err
	}
	tally.restarts.Add(int64(restarts))
	for _, d := range devices {
		tally.mutations.Add(int64(d.Stats.Mutations))
		tally.pushes.Add(int64(d.Stats.Pushes))
		tally.pulls.Add(int64(d.Stats.Pulls))
		tally.failures.Add(int64(d.Stats.Failures))
		tally.gaps.Add(int64(d.Stats.Gaps))
	}
	return nil
}

// checkConverged compares every device with Firestore, read directly.
func checkConverged(e *env, uid string, devices []*journalsim.Device, words *journalsim.Words) error {
	ctx := context.Background()
	snaps, err := e.fs.Collection(collUsers).Doc(uid).Collection(collEntries).Documents(ctx).GetAll()
	if err != nil {
		return err
	}
	stored := map[string]*Entry{}
	var texts []string
	for _, s := range snaps {
		var x Entry
		if err := s.DataTo(&x); err != nil {
			return err
		}
		x.normalizeLists()
		if stored[x.ID] != nil || x.ID != s.Ref.ID {
			return fmt.Errorf("entry %s stored twice or under another id", x.ID)
		}
		stored[x.ID] = &x
		texts = append(texts, x.Body)
		for _, c := range x.Conflicts {
			texts = append(texts, c.Body)
		}
	}
	var errs []error
	created := map[string]bool{}
	for _, d := range devices {
		for _, id := range d.Created {
			if created[id] {
				errs = append(errs, fmt.Errorf("entry id %s made twice", id))
			}
			created[id] = true
			if stored[id] == nil {
				errs = append(errs, fmt.Errorf("entry %s lost", id))
			}
		}
	}
	if len(stored) != len(created) {
		errs = append(errs, fmt.Errorf("%d entries stored, %d created", len(stored), len(created)))
	}
	for i, d := range devices {
		got := d.Pulled()
		if len(got) != len(stored) {
			errs = append(errs, fmt.Errorf("device %d holds %d entries, Firestore %d", i, len(got), len(stored)))
		}
		for id, want := range stored {
			if diff := entryDiff(got[id], want); diff != "" {
				errs = append(errs, fmt.Errorf("device %d, entry %s: %s", i, id, diff))
			}
		}
	}
	if lost := words.Lost(texts); len(lost) > 0 {
		errs = append(errs, fmt.Errorf("%d of %d typed words lost: %v", len(lost), words.Typed(), lost))
	}
	return errors.Join(errs...)
}

// entryDiff describes how a device's entry differs from the stored one.
func entryDiff(got *journalsim.Entry, want *Entry) string {
	if got == nil {
		return "missing on the device"
	}
	var d []string
	check := func(name string, same bool, g, w any) {
		if !same {
			d = append(d, fmt.Sprintf("%s %v, stored %v", name, g, w))
		}
	}
	check("title", got.Title == want.Title, got.Title, want.Title)
	check("body", got.Body == want.Body, got.Body, want.Body)
	check("deleted", got.Deleted == want.Deleted, got.Deleted, want.Deleted)
	check("rev", got.Rev == want.Rev, got.Rev, want.Rev)
	check("version", got.Version == want.Version, got.Version, want.Version)
	check("tags", slices.Equal(got.Tags, want.Tags), got.Tags, want.Tags)
	check("mood", got.Mood == want.Mood, got.Mood, want.Mood)
	check("visibility", got.Visibility == want.Visibility, got.Visibility, want.Visibility)
	gc := make([]string, 0, len(got.Conflicts))
	for _, c := range got.Conflicts {
		gc = append(gc, c.ID+":"+c.Body)
	}
	wc := make([]string, 0, len(want.Conflicts))
	for _, c := range want.Conflicts {
		wc = append(wc, c.ID+":"+c.Body)
	}
	check("conflicts", slices.Equal(gc, wc), gc, wc)
	return strings.Join(d, "; ")
}

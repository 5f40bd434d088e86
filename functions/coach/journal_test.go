package coach

import (
	"strings"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/consentvault"
)

// TestJournalReachesTheCoachOnlyWithMemory: with coach_memory the latest
// journal entries (never a deleted one) are context, redacted like every
// other text; without it, or after a withdrawal, the journal is not read
// into any prompt.
func TestJournalReachesTheCoachOnlyWithMemory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers, func(d *Deps) { d.Journal = firestoreJournal{d.Firestore} })
	now := time.Now().UTC()
	base := "users/" + uid(partA) + "/journal_entries/"
	e.set(base+"a", map[string]any{"title": "Tide", "body": "The tidepool card and a call from dana@example.org", "deleted": false, "updated_at": now})
	e.set(base+"b", map[string]any{"title": "Gone", "body": "driftwood thoughts", "deleted": true, "updated_at": now.Add(time.Second)})
	c := e.conversation(partA, nil)
	prompt := func() string {
		mark := e.rec.mark()
		e.ask(partA, c.ID, "What could help me focus this week?")
		var b strings.Builder
		for _, q := range e.rec.since(mark) {
			b.WriteString(q.text)
		}
		return b.String()
	}
	if p := prompt(); strings.Contains(p, "tidepool") {
		t.Error("without coach_memory the journal reached the model")
	}
	e.consent.Set(uid(partA), string(consentvault.CoachMemory), true)
	p := prompt()
	if !strings.Contains(p, "tidepool") || strings.Contains(p, "driftwood") || strings.Contains(p, "dana@example.org") {
		t.Errorf("with coach_memory the prompt has the wrong journal context: tidepool %v, deleted %v, address %v",
			strings.Contains(p, "tidepool"), strings.Contains(p, "driftwood"), strings.Contains(p, "dana@example.org"))
	}
	e.consent.Set(uid(partA), string(consentvault.CoachMemory), false)
	if strings.Contains(prompt(), "tidepool") {
		t.Error("after withdrawing coach_memory the journal still reached the model")
	}
}

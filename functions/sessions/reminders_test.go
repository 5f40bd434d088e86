package sessions

import (
	"context"
	"sync"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/events"
)

func TestRemindersOnce(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	soon := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	s := schedCreate(t, e, map[string]any{"start_at": soon.Format(time.RFC3339)})
	later := schedCreate(t, e, map[string]any{"start_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339)})
	gone := schedCreate(t, e, map[string]any{"start_at": soon.Format(time.RFC3339)})
	e.do(t, "POST", "/v1/sessions/"+gone.ID+"/cancel", tokFac, map[string]any{})
	for _, id := range []string{s.ID, later.ID, gone.ID} {
		e.do(t, "POST", "/v1/sessions/"+id+"/invitations", tokFac, map[string]any{"emails": []string{"p1@a.test", "p2@a.test"}})
		if id == s.ID {
			if r := e.do(t, "POST", "/v1/sessions/"+s.ID+"/join", tokPart1, map[string]any{"token": inviteToken(t, e, "p1@a.test")}); r.Code != 200 {
				t.Fatalf("join %d", r.Code)
			}
		}
	}
	ctx := context.Background()

	// Two runs at once still remind once.
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := SendReminders(ctx, e.deps)
			if err != nil {
				t.Errorf("run %d: %v", i, err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 {
		t.Fatalf("reminded %v sessions, want 1 in all", counts)
	}
	for _, addr := range []string{"p1@a.test", "p2@a.test"} {
		m := inviteMails(t, e, addr, "session_reminder")
		if len(m) != 1 {
			t.Fatalf("%s: %d reminders", addr, len(m))
		}
		cal, method := inviteCalendar(t, m[0])
		if method != "REQUEST" || inviteProp(cal.Events()[0], "UID").Value != s.ID+"@pointsofyou.ai" {
			t.Fatalf("reminder calendar %s", method)
		}
	}
	if evs := e.events.Of(events.TypeSessionReminded); len(evs) != 1 || evs[0].Actor != "" ||
		apitest.Payload[events.SessionReminded](t, evs[0]).Recipients != 2 || evs[0].SessionID != s.ID {
		t.Fatalf("reminded events %s", apitest.Describe(evs))
	}
	if n, err := SendReminders(ctx, e.deps); n != 0 || err != nil {
		t.Fatalf("second run: %d %v", n, err)
	}
	if n := len(inviteMails(t, e, "p1@a.test", "session_reminder")); n != 1 {
		t.Fatalf("%d reminders after a second run", n)
	}

	// A reschedule makes the reminder due again, at the new time.
	e.do(t, "POST", "/v1/sessions/"+s.ID+"/reschedule", tokFac, map[string]any{"start_at": soon.Add(3 * time.Hour).Format(time.RFC3339)})
	if n, err := SendReminders(ctx, e.deps); n != 1 || err != nil {
		t.Fatalf("after reschedule: %d %v", n, err)
	}
	// Later, the other session comes within reach (clock injection).
	d := e.deps
	d.Now = func() time.Time { return time.Now().Add(50 * time.Hour) }
	if n, err := SendReminders(ctx, d); n != 1 || err != nil {
		t.Fatalf("two days on: %d %v", n, err)
	}
}

func TestRemindersNeedDeps(t *testing.T) {
	t.Parallel()
	if _, err := SendReminders(context.Background(), Deps{}); err == nil {
		t.Fatal("no error without dependencies")
	}
}

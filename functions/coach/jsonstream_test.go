package coach

import (
	"strings"
	"testing"
)

func TestAnswerStream(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"first member", `{"answer":"Hello there","type":"question"}`, "Hello there"},
		{"later member", `{"type":"insight","sources":["answer"],"answer":"Late"}`, "Late"},
		{"escapes", `{"answer":"a\"b\\c\nd \u00e9 \ud83d\ude00"}`, "a\"b\\c\nd é 😀"},
		{"nested answer ignored", `{"x":{"answer":"no"},"answer":"yes"}`, "yes"},
		{"hebrew", `{"answer":"שלום עולם"}`, "שלום עולם"},
		{"no answer", `{"type":"question"}`, ""},
		{"not json", `Hello`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for step := 1; step <= len(c.in); step++ {
				s := &answerStream{}
				var b strings.Builder
				for i := 0; i < len(c.in); i += step {
					b.WriteString(s.Write(c.in[i:min(len(c.in), i+step)]))
				}
				b.WriteString(s.Flush())
				if b.String() != c.want {
					t.Fatalf("step %d: %q, want %q", step, b.String(), c.want)
				}
			}
		})
	}
}

func TestHistoryTurns(t *testing.T) {
	t.Parallel()
	msgs := []Message{
		{Role: RoleCoach, Text: "orphan"},
		{Role: RoleUser, Text: "q1"}, {Role: RoleCoach, Text: "a1"},
		{Role: RoleUser, Text: "crisis", Escalated: true}, {Role: RoleCoach, Text: "help", Type: TypeEscalation},
		{Role: RoleUser, Text: "q2"}, {Role: RoleCoach, Text: "a2"},
	}
	got := historyTurns(msgs, 10)
	var texts []string
	for _, t := range got {
		texts = append(texts, t.Role+":"+t.Text)
	}
	if want := "user:q1 model:a1 user:q2 model:a2"; strings.Join(texts, " ") != want {
		t.Errorf("turns %v, want %s", texts, want)
	}
}

func TestCreditsOf(t *testing.T) {
	t.Parallel()
	now := mustTime("2026-12-31T23:59:59Z")
	for _, c := range []struct {
		tier       string
		used, left int
		warn       bool
	}{{"free", 39, 11, false}, {"free", 40, 10, true}, {"", 60, 0, true}, {"professional", 10, 490, false}, {"official", 0, 5000, false}, {"enterprise", 1600, 400, true}} {
		got := creditsOf(c.used, c.tier, now)
		if got.Remaining != c.left || got.Warning != c.warn || got.Month != "2026-12" || got.ResetsAt != mustTime("2027-01-01T00:00:00Z") {
			t.Errorf("%+v: %+v", c, got)
		}
	}
}

package consent

import (
	"fmt"
	"strings"
	"testing"

	"cloud.google.com/go/firestore"
)

func TestOrgOf(t *testing.T) {
	t.Parallel()
	c := &firestore.Client{}
	for path, want := range map[string]string{
		"orgs/o1/members/u":                  "o1",
		"orgs/o2/sessions/s/members/u":       "o2",
		"users/u/orgs/o3":                    "",
		"outbox/m":                           "",
		"orgs/o4/sessions/s/draws/d/picks/p": "o4",
	} {
		if got := orgOf(c.Doc(path)); got != want {
			t.Errorf("orgOf(%s) = %q, want %q", path, got, want)
		}
	}
}

func TestScrubAndMask(t *testing.T) {
	t.Parallel()
	doc := map[string]any{
		"member_uids": []any{"u1", "u2", "u3"},
		"rooms": []any{
			map[string]any{"id": "r1", "members": []any{"u1", "u2"}},
			map[string]any{"id": "r2", "members": []any{"u3"}},
		},
		"opened_by": "u2", "main": []any{}, "minutes": int64(10),
	}
	got := fmt.Sprint(scrub(doc, "u2"))
	want := fmt.Sprint(map[string]any{
		"member_uids": []any{"u1", "u3"},
		"rooms": []any{
			map[string]any{"id": "r1", "members": []any{"u1"}},
			map[string]any{"id": "r2", "members": []any{"u3"}},
		},
		"opened_by": "", "main": []any{}, "minutes": int64(10),
	})
	if got != want {
		t.Errorf("scrub:\n got %s\nwant %s", got, want)
	}
	masked := fmt.Sprint(maskOthers(doc, "member_uids", "u1"))
	if strings.Contains(masked, "u2") || strings.Contains(masked, "u3") || !strings.Contains(masked, "u1") {
		t.Errorf("mask: %s", masked)
	}
	if fmt.Sprint(doc["member_uids"]) != "[u1 u2 u3]" {
		t.Error("mask changed its input")
	}
}

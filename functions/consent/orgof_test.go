package consent

import (
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

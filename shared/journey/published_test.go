package journey

import (
	"context"
	"errors"
	"testing"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
)

func TestReadPublished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := fstest.NewClient(t, "demo-journey", fsemu.Options{})
	set := func(path string, v any) {
		t.Helper()
		if _, err := fs.Doc(path).Set(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	set(JourneysPath("org-a")+"/j-draft", Draft{Journey: Journey{Name: "Draft only"}, Status: StatusDraft})
	set(JourneysPath("org-a")+"/j-pub", Draft{Journey: Journey{Name: "Draft"}, LatestVersion: 2, Status: StatusPublished})
	set(VersionDocPath("org-a", "j-pub", 1), Version{JourneyID: "j-pub", Version: 1, Journey: Journey{Name: "First"}})
	set(VersionDocPath("org-a", "j-pub", 2), Version{JourneyID: "j-pub", Version: 2, Journey: Journey{Name: "Second"}})
	for _, c := range []struct {
		org, id string
		n       int
		want    string
		err     error
	}{
		{"org-a", "j-pub", 0, "Second", nil},
		{"org-a", "j-pub", 1, "First", nil},
		{"org-a", "j-pub", 3, "", ErrNoVersion},
		{"org-a", "j-draft", 0, "", ErrNotPublished},
		{"org-a", "j-draft", 1, "", ErrNoVersion},
		{"org-a", "nope", 0, "", ErrNoJourney},
		{"org-b", "j-pub", 0, "", ErrNoJourney},
		{"org-a", "a/b", 0, "", ErrNoJourney},
		{"", "j-pub", 0, "", ErrNoJourney},
	} {
		v, err := ReadPublished(ctx, fs, c.org, c.id, c.n)
		switch {
		case c.err != nil && !errors.Is(err, c.err):
			t.Errorf("%s/%s@%d: %v, want %v", c.org, c.id, c.n, err, c.err)
		case c.err == nil && (err != nil || v.Journey.Name != c.want || v.Version == 0):
			t.Errorf("%s/%s@%d: %+v, %v; want %q", c.org, c.id, c.n, v, err, c.want)
		}
	}
}

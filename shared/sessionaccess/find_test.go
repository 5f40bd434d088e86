package sessionaccess_test

import (
	"context"
	"testing"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/shared/sessionaccess"
)

// TestFind: a session is found in the caller's organisation first, else
// where session_index says; nothing else is found.
func TestFind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := fstest.NewClient(t, "demo-sessionaccess", fsemu.Options{})
	for path, doc := range map[string]map[string]any{
		"orgs/org-a/sessions/s-a":   {"title": "A"},
		"session_index/s-a":         {"org": "org-a"},
		"orgs/org-b/sessions/s-b":   {"title": "B"},
		"session_index/s-b":         {"org": "org-b"},
		"session_index/s-lost":      {"org": "org-a"}, // index without its session
		"session_index/s-bad-index": {"org": "../x"},
	} {
		if _, err := fs.Doc(path).Set(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, org, id, want string
	}{
		{"in the caller's organisation", "org-a", "s-a", "orgs/org-a/sessions/s-a"},
		{"through the index", "org-a", "s-b", "orgs/org-b/sessions/s-b"},
		{"caller without an organisation", "", "s-b", "orgs/org-b/sessions/s-b"},
		{"index naming the caller's own organisation", "org-a", "s-lost", ""},
		{"index naming no valid organisation", "org-a", "s-bad-index", ""},
		{"no such session", "org-a", "s-none", ""},
		{"not an id", "org-a", "a/b", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			snap, err := sessionaccess.Find(ctx, fs, tc.org, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if snap != nil {
				got = "orgs/" + snap.Ref.Parent.Parent.ID + "/sessions/" + snap.Ref.ID
			}
			if got != tc.want {
				t.Errorf("found %q, want %q", got, tc.want)
			}
		})
	}
}

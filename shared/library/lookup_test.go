package library

import (
	"context"
	"testing"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
)

func TestLookupItemsOrgFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := fstest.NewClient(t, "demo-lookup", fsemu.Options{})
	put := func(org, id, title string) {
		it := Item{Type: TypePhotoCard, Tier: "free", Status: StatusPublished, Text: map[string]Text{"en": {Title: title}}}
		if _, err := fs.Collection(ItemsPath(org)).Doc(id).Set(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	put("", "shared-card", "official")
	put("org-a", "shared-card", "own")
	put("", "only-official", "official")
	put("org-b", "other-org", "theirs")
	got, err := LookupItems(ctx, fs, "org-a", []string{"shared-card", "only-official", "other-org", "missing", "Not/Valid"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["shared-card"].Text["en"].Title != "own" || got["shared-card"].Org != "org-a" ||
		got["only-official"].Org != "" || got["only-official"].ID != "only-official" {
		t.Fatalf("LookupItems = %+v", got)
	}
}

package suite

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"
	"time"

	gcfirestore "cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/topology"
)

const demoContentFile = "../../testdata/content/items.json"

func TestDemoContentFile(t *testing.T) {
	t.Parallel()
	if got := DemoContentPath("../../testdata/demo/users.json"); got != "../../testdata/content/items.json" {
		t.Errorf("DemoContentPath = %q", got)
	}
	items, err := LoadDemoContent(demoContentFile)
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]int{}
	byTier := map[string]int{}
	locales := map[string]int{}
	ids := map[string]bool{}
	for _, it := range items {
		byType[it.Type]++
		byTier[it.Tier]++
		ids[it.ID] = true
		for _, l := range it.Locales {
			locales[l]++
		}
		if it.Status != library.StatusPublished || len(it.Themes) == 0 || it.Phase == "" {
			t.Errorf("%s: status %q, themes %v, phase %q", it.ID, it.Status, it.Themes, it.Phase)
		}
	}
	for _, want := range []struct {
		typ string
		min int
	}{
		{library.TypePhotoCard, 40}, {library.TypeWordCard, 40}, {library.TypeQuestionCard, 30},
		{library.TypeExercise, 12}, {library.TypeCanvasTemplate, 6}, {library.TypeSessionProtocol, 4}, {library.TypeDeck, 1},
	} {
		if byType[want.typ] < want.min {
			t.Errorf("%d items of type %s, want at least %d", byType[want.typ], want.typ, want.min)
		}
	}
	for _, tier := range []string{"free", "professional", "enterprise"} {
		if byTier[tier] == 0 {
			t.Errorf("no %s items", tier)
		}
	}
	if locales["es"] < 12 || locales["he"] < 12 {
		t.Errorf("translations: %d es, %d he; want at least 12 each", locales["es"], locales["he"])
	}
	for _, it := range items {
		if it.DeckID != "" && !ids[it.DeckID] {
			t.Errorf("%s: deck %q is not in the file", it.ID, it.DeckID)
		}
		if it.Type == library.TypePhotoCard {
			if len(it.Images) != 1 || !strings.HasPrefix(it.Images[0].Object, DemoContentObjectPrefix) {
				t.Errorf("%s: images %+v", it.ID, it.Images)
			}
		}
	}
}

func TestDemoImage(t *testing.T) {
	t.Parallel()
	items, err := LoadDemoContent(demoContentFile)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	seen := map[string]string{}
	for _, it := range items {
		for _, im := range it.Images {
			b, err := DemoImage(im.Object)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := DemoImage(im.Object)
			if !bytes.Equal(b, again) {
				t.Errorf("%s: not deterministic", im.Object)
			}
			if prev, ok := seen[string(b)]; ok {
				t.Errorf("%s draws the same image as %s", im.Object, prev)
			}
			seen[string(b)] = im.Object
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil || cfg.Width != DemoImageSize || cfg.Height != DemoImageSize {
				t.Errorf("%s: %v %+v", im.Object, err, cfg)
			}
			if len(b) > 16<<10 {
				t.Errorf("%s: %d bytes; the demo images should be a few KB", im.Object, len(b))
			}
			total += len(b)
		}
	}
	t.Logf("%d images, %d bytes in all", len(seen), total)
}

// TestSeedContent seeds the demo library into a suite without functions
// and checks items, chunks and images, and that seeding again is harmless.
func TestSeedContent(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	topo, err := infra.Topology()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, Options{RandomPorts: true, Fast: true, LocatorDir: "-", Topology: topo})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	items, err := LoadDemoContent(demoContentFile)
	if err != nil {
		t.Fatal(err)
	}
	wantChunks := 0
	for _, it := range items {
		wantChunks += len(it.Locales)
	}
	for round := range 2 {
		start := time.Now()
		st, err := s.SeedContent(ctx, demoContentFile)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %+v in %s", round, st, time.Since(start))
		if st.Items != len(items) || st.Images != 40 {
			t.Errorf("round %d: %+v", round, st)
		}
		if want := map[int]int{0: wantChunks, 1: 0}[round]; st.Embedded != want {
			t.Errorf("round %d: embedded %d locales, want %d", round, st.Embedded, want)
		}
	}
	fs, err := gcfirestore.NewClient(ctx, s.Project(), s.firestoreOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.Close() })
	docs, err := fs.Collection(library.OfficialCollection).Documents(ctx).GetAll()
	if err != nil || len(docs) != len(items) {
		t.Fatalf("%d official items (%v), want %d", len(docs), err, len(items))
	}
	var it library.Item
	if err := docs[0].DataTo(&it); err != nil || it.Version != 2 || it.Org != "" {
		t.Errorf("stored item %+v: %v", it, err)
	}
	chunks, err := fs.Collection(library.ChunkCollection).Documents(ctx).GetAll()
	if err != nil || len(chunks) != wantChunks {
		t.Errorf("%d chunks (%v), want %d", len(chunks), err, wantChunks)
	}
	obj, err := s.Storage.Fake().GetObject(topology.BucketName(s.Project(), DemoMediaBucket), DemoContentObjectPrefix+"tw-photo-01.png")
	if err != nil || obj.ContentType != "image/png" || len(obj.Content) == 0 {
		t.Errorf("image object: %v", err)
	}
}

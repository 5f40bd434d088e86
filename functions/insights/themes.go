package insights

import (
	"context"
	"sync"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/library"
)

// themeCache keeps library items' themes (the official library first,
// then the organisation's), which change rarely.
type themeCache struct {
	fs  *firestore.Client
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]themeEntry // org + "/" + card id
}

type themeEntry struct {
	themes []string
	at     time.Time
}

func newThemeCache(fs *firestore.Client, ttl time.Duration) *themeCache {
	return &themeCache{fs: fs, ttl: ttl, m: map[string]themeEntry{}}
}

// load makes sure the themes of ids are cached and returns a lookup.
func (c *themeCache) load(ctx context.Context, org string, ids []string) (func(string) []string, error) {
	now := time.Now()
	var missing []string
	want := map[string]bool{}
	c.mu.Lock()
	for _, id := range ids {
		if want[id] {
			continue
		}
		want[id] = true
		if e, ok := c.m[org+"/"+id]; !ok || now.Sub(e.at) > c.ttl {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) > 0 {
		found := map[string][]string{}
		for _, lib := range []string{"", org} {
			var refs []*firestore.DocumentRef
			for _, id := range missing {
				if _, ok := found[id]; !ok && authz.ValidDocID(id) {
					refs = append(refs, c.fs.Collection(library.ItemsPath(lib)).Doc(id))
				}
			}
			if len(refs) == 0 {
				break
			}
			snaps, err := c.fs.GetAll(ctx, refs)
			if err != nil {
				return nil, err
			}
			for _, s := range snaps {
				if !s.Exists() {
					continue
				}
				var it struct {
					Themes []string `firestore:"themes"`
				}
				if s.DataTo(&it) == nil {
					found[s.Ref.ID] = it.Themes
				}
			}
		}
		c.mu.Lock()
		if len(c.m) > 50_000 {
			c.m = map[string]themeEntry{}
		}
		for _, id := range missing {
			c.m[org+"/"+id] = themeEntry{themes: found[id], at: now}
		}
		c.mu.Unlock()
	}
	return func(id string) []string {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.m[org+"/"+id].themes
	}, nil
}

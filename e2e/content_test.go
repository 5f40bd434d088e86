package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"pointsofyou.ai/studio/emulators/suite"
	"pointsofyou.ai/studio/shared/library"
)

// The demo library the suite seeds (see testdata/content/README.md).
const (
	demoContentFile = "../testdata/content/items.json"
	demoQueriesFile = "../testdata/content/queries.json"
)

// contentView is the part of functions/content's ItemView the tests read.
type contentView struct {
	ID      string            `json:"id"`
	Library string            `json:"library"`
	Type    string            `json:"type"`
	Tier    string            `json:"tier"`
	Locked  bool              `json:"locked"`
	Locale  string            `json:"locale"`
	Title   string            `json:"title"`
	Body    string            `json:"body"`
	Prompts []string          `json:"prompts"`
	Images  []json.RawMessage `json:"images"`
	License json.RawMessage   `json:"license"`
	Score   float64           `json:"score"`
}

type contentList struct {
	Items         []contentView `json:"items"`
	NextPageToken string        `json:"next_page_token"`
}

// getContent calls a content route and returns the decoded page and the
// raw body (for leak checks).
func getContent(t *testing.T, path, token string) (contentList, string) {
	t.Helper()
	var out contentList
	resp := call(t, http.MethodGet, path, token, nil, &out)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return out, string(b)
}

// TestContentDemoSemanticSearch: the hand-written queries (English,
// Spanish, Hebrew) find their demo item first for at least 8 of 10,
// for a professional demo user through Hosting.
func TestContentDemoSemanticSearch(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(demoQueriesFile)
	if err != nil {
		t.Fatal(err)
	}
	var queries []struct {
		Lang   string `json:"lang"`
		Query  string `json:"query"`
		Expect string `json:"expect"`
	}
	if err := json.Unmarshal(b, &queries); err != nil {
		t.Fatal(err)
	}
	if len(queries) != 10 {
		t.Fatalf("%d queries, want 10", len(queries))
	}
	langs := map[string]int{}
	for _, q := range queries {
		langs[q.Lang]++
	}
	if langs["es"] < 2 || langs["he"] < 1 {
		t.Fatalf("queries per language %v: want at least 2 Spanish and 1 Hebrew", langs)
	}
	tok := signIn(t, "maya.facilitator@studio.test", "demo-facilitator-pass") // professional
	first := 0
	for _, q := range queries {
		res, _ := getContent(t, "/api/content/v1/search?limit=10&q="+url.QueryEscape(q.Query), tok)
		rank := 0
		var top []string
		for i, it := range res.Items {
			if it.ID == q.Expect && rank == 0 {
				rank = i + 1
			}
			if i < 3 {
				top = append(top, it.ID)
			}
		}
		if rank == 1 {
			first++
		}
		t.Logf("[%s] rank %d for %s (top %v): %q", q.Lang, rank, q.Expect, top, q.Query)
	}
	t.Logf("%d of %d queries rank their item first", first, len(queries))
	if first < 8 {
		t.Errorf("%d of %d queries rank their item first; want at least 8", first, len(queries))
	}
}

// TestContentDemoFreeTier: a free demo user never receives professional
// (or higher) content, not in search results, not in snippets, and
// browsing shows locked stubs only when asked with include_locked.
func TestContentDemoFreeTier(t *testing.T) {
	t.Parallel()
	items, err := suite.LoadDemoContent(demoContentFile)
	if err != nil {
		t.Fatal(err)
	}
	// Sentences of items above free: none may appear in any answer. Short
	// titles ("Trust") are left out, as free items may use the same words.
	var secrets []string
	tierOf := map[string]string{}
	for _, it := range items {
		tierOf[it.ID] = it.Tier
		if it.Tier == "free" {
			continue
		}
		for _, tx := range it.Text {
			for _, s := range append([]string{tx.Title, tx.Body}, tx.Prompts...) {
				if len(s) >= 30 {
					secrets = append(secrets, s)
				}
			}
		}
	}
	if len(secrets) < 50 {
		t.Fatalf("only %d protected sentences in the demo library", len(secrets))
	}
	leaks := func(t *testing.T, what, body string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s leaks protected text %q", what, s)
			}
		}
	}
	tok := signIn(t, "noa.participant@studio.test", "demo-participant-pass") // free

	t.Run("search", func(t *testing.T) {
		// Queries aimed at professional items, in three languages.
		for _, q := range []string{
			"a lighthouse beam in thick fog; I only see the light that reaches me",
			"sorting all my worries into the ones to keep and the ones to release",
			"a session to help a team repair after a conflict",
			"the harbor master signalling to a ship entering the narrow harbor mouth",
			"un faro cuya luz atraviesa la niebla espesa",
			"מגדלור בערפל",
		} {
			res, raw := getContent(t, "/api/content/v1/search?limit=50&q="+url.QueryEscape(q), tok)
			if len(res.Items) == 0 {
				t.Errorf("%q: no results at all", q)
			}
			for _, it := range res.Items {
				// Other tests' private items of the demo org may show up too.
				if stored, demo := tierOf[it.ID]; it.Tier != "free" || it.Locked || (demo && stored != "free") {
					t.Errorf("%q: result %s of tier %s (stored %s, locked %v)", q, it.ID, it.Tier, tierOf[it.ID], it.Locked)
				}
			}
			leaks(t, "search "+q, raw)
		}
	})

	// browse pages through the official library.
	browse := func(t *testing.T, query string) []contentView {
		var all []contentView
		token := ""
		for page := 0; page < 50; page++ {
			path := "/api/content/v1/items?library=official&limit=100" + query
			if token != "" {
				path += "&page_token=" + url.QueryEscape(token)
			}
			res, raw := getContent(t, path, tok)
			leaks(t, "browse "+query, raw)
			all = append(all, res.Items...)
			if token = res.NextPageToken; token == "" {
				return all
			}
		}
		t.Fatal("browse does not end")
		return nil
	}

	t.Run("browse", func(t *testing.T) {
		free := 0
		for _, it := range items {
			if it.Tier == "free" {
				free++
			}
		}
		got := browse(t, "")
		if len(got) != free {
			t.Errorf("browse returned %d items, want the %d free ones", len(got), free)
		}
		for _, it := range got {
			if it.Locked || it.Tier != "free" {
				t.Errorf("browse without include_locked: %s tier %s locked %v", it.ID, it.Tier, it.Locked)
			}
		}
	})

	t.Run("browse include_locked", func(t *testing.T) {
		got := browse(t, "&include_locked=true")
		if len(got) != len(items) {
			t.Errorf("browse with include_locked returned %d items, want %d", len(got), len(items))
		}
		locked := 0
		for _, it := range got {
			if tierOf[it.ID] == "free" {
				if it.Locked || it.Title == "" {
					t.Errorf("free item %s: locked %v, title %q", it.ID, it.Locked, it.Title)
				}
				continue
			}
			locked++
			if !it.Locked || it.Tier != tierOf[it.ID] || it.Title != "" || it.Body != "" || len(it.Prompts) > 0 ||
				len(it.Images) > 0 || len(it.License) > 0 {
				t.Errorf("item %s above the tier is not a bare locked stub: %+v", it.ID, it)
			}
		}
		if locked == 0 {
			t.Error("no locked stubs")
		}
	})

	t.Run("get locked item", func(t *testing.T) {
		var v contentView
		resp := call(t, http.MethodGet, "/api/content/v1/items/tw-photo-24", tok, nil, &v)
		if resp.StatusCode != http.StatusOK || !v.Locked || v.Title != "" || v.Body != "" {
			t.Errorf("professional item for a free user: %d %+v", resp.StatusCode, v)
		}
	})

	t.Run("localized free item", func(t *testing.T) {
		var v contentView
		resp := call(t, http.MethodGet, "/api/content/v1/items/tw-photo-02?lang=he", tok, nil, &v)
		if resp.StatusCode != http.StatusOK || v.Locked || v.Locale != "he" || v.Title != "סירה תקועה" {
			t.Errorf("Hebrew demo card: %d %+v", resp.StatusCode, v)
		}
		resp = call(t, http.MethodGet, "/api/content/v1/items/tw-photo-01?lang=he", tok, nil, &v)
		if resp.StatusCode != http.StatusOK || v.Locale != library.DefaultLocale || v.Title != "Low tide morning" {
			t.Errorf("fallback to English: %d %+v", resp.StatusCode, v)
		}
	})
}

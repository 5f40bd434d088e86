package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := NewCursor("things")
	for _, keys := range [][]string{{"a"}, {"id-1", "official"}, {""}, {"ünï~cödé", "x\x00y"}} {
		tok := c.Encode(keys...)
		got := make([]string, len(keys))
		ptrs := make([]*string, len(keys))
		for i := range got {
			ptrs[i] = &got[i]
		}
		ok, err := c.Decode(tok, ptrs...)
		if err != nil || !ok || strings.Join(got, "|") != strings.Join(keys, "|") {
			t.Errorf("Decode(Encode(%q)) = %q, %v, %v", keys, got, ok, err)
		}
	}
}

// Anything the list did not make is one 400 naming page_token; an empty
// token is the first page.
func TestCursorRefusesForeignTokens(t *testing.T) {
	t.Parallel()
	c := NewCursor("things")
	good := c.Encode("id-1")
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	edited := append([]byte(nil), raw...)
	edited[2] ^= 1
	for name, tok := range map[string]string{
		"not base64":      "!!!",
		"raw id":          "id-1",
		"other list":      NewCursor("others").Encode("id-1"),
		"edited":          base64.RawURLEncoding.EncodeToString(edited),
		"truncated":       good[:len(good)-2],
		"padded":          base64.URLEncoding.EncodeToString(raw),
		"two keys":        c.Encode("id-1", "x"),
		"too long":        strings.Repeat("A", MaxCursor+1),
		"version only":    base64.RawURLEncoding.EncodeToString([]byte{9}),
		"bad length":      base64.RawURLEncoding.EncodeToString(append([]byte{1, 200}, c.check([]byte{1, 200})...)),
		"invalid utf8 id": c.Encode("\xff"),
	} {
		var id string
		ok, err := c.Decode(tok, &id)
		var e *Error
		if ok || !errors.As(err, &e) || e.Status != http.StatusBadRequest || len(e.Fields) != 1 || e.Fields[0].Field != PageParam {
			t.Errorf("%s: Decode(%q) = %v, %v", name, tok, ok, err)
		}
	}
	var id string
	if ok, err := c.Decode("", &id); ok || err != nil {
		t.Errorf("empty token: %v, %v", ok, err)
	}
	r := httptest.NewRequest(http.MethodGet, "/x?page_token="+good, nil)
	if ok, err := c.Param(r, &id); !ok || err != nil || id != "id-1" {
		t.Errorf("Param = %q, %v, %v", id, ok, err)
	}
}

// FuzzCursor: whatever the token, Decode never panics and answers either
// keys or the one page_token problem; whatever the keys, they round-trip.
func FuzzCursor(f *testing.F) {
	c := NewCursor("fuzz")
	f.Add(c.Encode("id-1"), "id-1")
	f.Add("!!!", "")
	f.Add(c.Encode(""), "\xff")
	f.Add("AQ", "a~b")
	f.Fuzz(func(t *testing.T, token, key string) {
		var got string
		ok, err := c.Decode(token, &got)
		if err != nil {
			var e *Error
			if ok || !errors.As(err, &e) || e.Status != http.StatusBadRequest {
				t.Fatalf("Decode(%q) = %v, %v", token, ok, err)
			}
		}
		tok := c.Encode(key)
		ok, err = c.Decode(tok, &got)
		if valid := utf8.ValidString(key) && len(tok) <= MaxCursor; valid != (err == nil) || valid && (!ok || got != key) {
			t.Fatalf("round trip of %q: %q, %v, %v", key, got, ok, err)
		}
	})
}

func TestDecodeOptionalJSON(t *testing.T) {
	t.Parallel()
	type req struct {
		Name string `json:"name"`
	}
	// A request built in-process may have no body at all.
	if err := DecodeOptionalJSON(httptest.NewRecorder(), &http.Request{Method: http.MethodPost, Header: http.Header{}}, &req{}, 0); err != nil {
		t.Errorf("no body: %v", err)
	}
	for _, c := range []struct {
		name, body, ct string
		chunked        bool
		status         int
		want           string
	}{
		{"empty", "", "", false, 0, "keep"},
		{"empty with a content type", "", "text/plain", false, 0, "keep"},
		{"empty, chunked", "", "application/json", true, 0, "keep"},
		{"object", `{"name":"n"}`, "application/json", false, 0, "n"},
		{"chunked object", `{"name":"n"}`, "", true, 0, "n"},
		{"unknown field", `{"nom":"n"}`, "application/json", false, 400, ""},
		{"not JSON", `name=n`, "application/x-www-form-urlencoded", false, 415, ""},
		{"too large", `{"name":"` + strings.Repeat("x", 100) + `"}`, "", false, 413, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(c.body))
			if c.chunked {
				r.ContentLength = -1
			}
			if c.ct != "" {
				r.Header.Set("Content-Type", c.ct)
			}
			v := req{Name: "keep"}
			err := DecodeOptionalJSON(httptest.NewRecorder(), r, &v, 64)
			var e *Error
			switch {
			case c.status == 0 && (err != nil || v.Name != c.want):
				t.Fatalf("= %+v, %v", v, err)
			case c.status != 0 && (!errors.As(err, &e) || e.Status != c.status):
				t.Fatalf("= %v, want %d", err, c.status)
			}
		})
	}
}

func TestCheckAccess(t *testing.T) {
	t.Parallel()
	ok := http.NotFoundHandler()
	for _, c := range []struct {
		route Route
		valid bool
	}{
		{HealthRoute(), true},
		{Handle("GET", "/v1/me", Self(), ok), true},
		{Handle("GET", "/v1/items", InOrg(), ok), true},
		{Handle("POST", "/v1/items", InOrg("org_admin"), ok), true},
		{Handle("GET", "/v1/orgs/{orgId}", InPathOrg(), ok), true},
		{Handle("PUT", "/v1/entitlements/orgs/{orgId}", Operators(), ok), true},
		{Handle("GET", "/v1/x", Access{}, ok), false},                                                // no scope
		{Handle("GET", "/v1/x", Access{Public: true, Scope: ScopeSelf}, ok), false},                  // public with scope
		{Handle("GET", "/v1/me", Access{Scope: ScopeSelf, Roles: []string{"org_admin"}}, ok), false}, // roles without an org
		{Handle("GET", "/v1/orgs/{orgId}", InOrg(), ok), false},                                      // {orgId} not checked
		{Handle("GET", "/v1/orgs", InPathOrg(), ok), false},                                          // no {orgId}
		{Handle("GET", "/v1/x", InOrg(OperatorRole), ok), false},
		{Handle("GET", "/v1/x", Access{Scope: ScopePlatform}, ok), false},
	} {
		if err := c.route.CheckAccess(); (err == nil) != c.valid {
			t.Errorf("%s %+v: %v", c.route.Pattern(), c.route.RouteSpec, err)
		}
	}
}

// A scheduled job's handler runs inside Standard: it gets a request id,
// and a panic is a 500 problem.
func TestStandard(t *testing.T) {
	t.Parallel()
	h := Standard(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", nil))
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != 500 || p.RequestID == "" || w.Header().Get("X-Request-Id") == "" {
		t.Fatalf("%d %s %v", w.Code, w.Body, err)
	}
}

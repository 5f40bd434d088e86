package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pointsofyou.ai/studio/shared/validate"
)

type createReq struct {
	Name  string   `json:"name"`
	Size  int      `json:"size"`
	Tags  []string `json:"tags"`
	Inner struct {
		Lang string `json:"lang"`
	} `json:"inner"`
}

func (c *createReq) Validate() []FieldError {
	var fs []FieldError
	Required(&fs, "name", c.Name)
	MaxLen(&fs, "name", c.Name, 10)
	if c.Inner.Lang != "" {
		OneOf(&fs, "inner.lang", c.Inner.Lang, "en", "he")
	}
	return fs
}

func serve(t *testing.T, body, contentType string, max int64) (*httptest.ResponseRecorder, Problem) {
	t.Helper()
	h := Chain("test", func() *http.ServeMux {
		mux := http.NewServeMux()
		mux.Handle("POST /v1/things", HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			var req createReq
			if err := DecodeJSON(w, r, &req, max); err != nil {
				return err
			}
			WriteJSON(w, http.StatusCreated, req)
			return nil
		}))
		mux.Handle("GET /v1/panic", HandlerFunc(func(http.ResponseWriter, *http.Request) error { panic("boom") }))
		mux.Handle("GET /v1/fail", HandlerFunc(func(http.ResponseWriter, *http.Request) error { return errors.New("secret cause") }))
		return mux
	}())
	req := httptest.NewRequest(http.MethodPost, "/api/test/v1/things", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var p Problem
	if rec.Code >= 400 {
		if ct := rec.Header().Get("Content-Type"); ct != ContentTypeProblem {
			t.Fatalf("content type %q for status %d", ct, rec.Code)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("problem body: %v", err)
		}
	}
	return rec, p
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, ct string
		max            int64
		status         int
		slug, field    string
	}{
		{"ok", `{"name":"a","size":3}`, "application/json", 0, 201, "", ""},
		{"ok charset", `{"name":"a"}`, "application/json; charset=utf-8", 0, 201, "", ""},
		{"malformed", `{"name":`, "application/json", 0, 400, "bad-request", ""},
		{"syntax", `{"name" "a"}`, "application/json", 0, 400, "bad-request", ""},
		{"empty", ``, "application/json", 0, 400, "bad-request", ""},
		{"unknown field", `{"name":"a","colour":"red"}`, "application/json", 0, 400, "validation", "colour"},
		{"wrong type", `{"name":"a","size":"big"}`, "application/json", 0, 400, "validation", "size"},
		{"wrong nested type", `{"name":"a","inner":{"lang":5}}`, "application/json", 0, 400, "validation", "inner.lang"},
		{"wrong array type", `{"name":"a","tags":"x"}`, "application/json", 0, 400, "validation", "tags"},
		{"validate required", `{"size":1}`, "application/json", 0, 400, "validation", "name"},
		{"validate maxlen", `{"name":"abcdefghijklmnop"}`, "application/json", 0, 400, "validation", "name"},
		{"validate oneof", `{"name":"a","inner":{"lang":"xx"}}`, "application/json", 0, 400, "validation", "inner.lang"},
		{"two values", `{"name":"a"}{"name":"b"}`, "application/json", 0, 400, "bad-request", ""},
		{"trailing garbage", `{"name":"a"} x`, "application/json", 0, 400, "bad-request", ""},
		{"too large", `{"name":"` + strings.Repeat("a", 200) + `"}`, "application/json", 64, 413, "too-large", ""},
		{"wrong content type", `name=a`, "application/x-www-form-urlencoded", 0, 415, "unsupported-media-type", ""},
		{"not an object", `[1,2]`, "application/json", 0, 400, "validation", "(body)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec, p := serve(t, c.body, c.ct, c.max)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if c.slug == "" {
				return
			}
			if p.Type != ProblemBase+c.slug || p.Status != c.status || p.Detail == "" || p.RequestID == "" {
				t.Errorf("problem %+v", p)
			}
			if c.field != "" {
				if len(p.Errors) == 0 || p.Errors[0].Field != c.field {
					t.Errorf("errors %+v, want field %s", p.Errors, c.field)
				}
			}
		})
	}
}

func TestChainProblems(t *testing.T) {
	t.Parallel()
	h := Chain("test", func() *http.ServeMux {
		mux := http.NewServeMux()
		mux.Handle("GET /v1/panic", HandlerFunc(func(http.ResponseWriter, *http.Request) error { panic("boom") }))
		mux.Handle("GET /v1/fail", HandlerFunc(func(http.ResponseWriter, *http.Request) error { return errors.New("secret cause") }))
		mux.Handle("GET /v1/limit", HandlerFunc(func(http.ResponseWriter, *http.Request) error {
			return TooManyRequests(7, "slow down")
		}))
		return mux
	}())
	cases := []struct {
		method, path string
		status       int
		slug         string
	}{
		{"GET", "/v1/panic", 500, "internal"},
		{"GET", "/api/test/v1/fail", 500, "internal"},
		{"GET", "/v1/nothing", 404, "not-found"},
		{"POST", "/v1/fail", 405, "method-not-allowed"},
		{"GET", "/v1/limit", 429, "rate-limited"},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.path, nil)
		req.Header.Set("X-Request-Id", "req-123")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var p Problem
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != c.status || p.Type != ProblemBase+c.slug {
			t.Errorf("%s %s: %d %+v", c.method, c.path, rec.Code, p)
		}
		if strings.Contains(rec.Body.String(), "secret cause") || strings.Contains(rec.Body.String(), "boom") {
			t.Errorf("%s leaks the internal cause: %s", c.path, rec.Body)
		}
		if rec.Header().Get("X-Request-Id") != "req-123" || p.RequestID != "req-123" {
			t.Errorf("%s: request id not kept", c.path)
		}
		if c.status == 429 && rec.Header().Get("Retry-After") != "7" {
			t.Errorf("Retry-After = %q", rec.Header().Get("Retry-After"))
		}
	}
}

func TestRequestIDRejectsJunk(t *testing.T) {
	t.Parallel()
	h := WithRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-Id", "bad id\nwith newline")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if id := rec.Header().Get("X-Request-Id"); id == "" || strings.ContainsAny(id, " \n") {
		t.Fatalf("id %q", id)
	}
}

func FuzzDecodeBytes(f *testing.F) {
	for _, s := range []string{`{"name":"a","size":1}`, `{"name":`, `[]`, `null`, `{"inner":{"lang":"he"}}`, `{"tags":[1]}`, "\ufeff{}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req createReq
		err := DecodeBytes(data, &req)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("non-problem error %T: %v", err, err)
		}
		if e.Status < 400 || e.Status >= 500 {
			t.Fatalf("status %d for bad input", e.Status)
		}
	})
}

func BenchmarkChainOverhead(b *testing.B) {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/things", HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var req createReq
		if err := DecodeJSON(w, r, &req, 0); err != nil {
			return err
		}
		WriteJSON(w, http.StatusCreated, req)
		return nil
	}))
	h := Chain("test", mux)
	body := `{"name":"abc","size":3,"tags":["x","y"],"inner":{"lang":"en"}}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/test/v1/things", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatal(rec.Code)
		}
	}
}

func TestMountAndSpecs(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	})
	routes := []Route{
		{RouteSpec{Method: http.MethodGet, Path: "/healthz", Public: true}, ok},
		{RouteSpec{Method: http.MethodGet, Path: "/v1/things/{id}"}, ok},
	}
	mux := http.NewServeMux()
	Mount(mux, routes)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/things/t1", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"t1"`) {
		t.Fatalf("mounted route: %d %s", w.Code, w.Body)
	}
	specs := Specs(routes)
	if len(specs) != 2 || specs[1].Pattern() != "GET /v1/things/{id}" || !specs[0].Public {
		t.Fatalf("specs = %+v", specs)
	}
	for path, want := range map[string]string{"/v1/a/{x}/b/{y}": "x,y", "/healthz": "", "/f/{rest...}": "rest"} {
		if got := strings.Join(PathParams(path), ","); got != want {
			t.Errorf("PathParams(%q) = %q, want %q", path, got, want)
		}
	}
}

// Domain packages return *validate.Error; the answer is the problem a
// handler would have built itself, and every field-naming refusal has the
// one validation problem type whether its status is 400 or 422.
func TestInputErrorsAsProblems(t *testing.T) {
	t.Parallel()
	f := Field("phases[1].title", "is required")
	for _, c := range []struct {
		name   string
		err    error
		status int
		slug   string
		detail string
		fields int
	}{
		{"invalid", validate.Invalid(f), 400, "validation", "phases[1].title: is required", 1},
		{"wrapped", fmt.Errorf("import: %w", validate.Invalid(f, f)), 400, "validation", "2 fields are invalid (first: phases[1].title: is required)", 2},
		{"malformed", validate.Malformed("not JSON"), 400, "bad-request", "not JSON", 0},
		{"too large", validate.TooLarge("too big"), 413, "too-large", "too big", 0},
		{"unprocessable", Unprocessable(f), 422, "validation", "phases[1].title: is required", 1},
		{"other", errors.New("disk on fire"), 500, "internal", "the server could not complete the request", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			WriteError(rec, httptest.NewRequest(http.MethodGet, "/x", nil), c.err)
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if rec.Code != c.status || p.Status != c.status || p.Type != ProblemBase+c.slug || p.Detail != c.detail || len(p.Errors) != c.fields {
				t.Fatalf("got %d %+v", rec.Code, p)
			}
			if c.fields > 0 && p.Errors[0] != f {
				t.Fatalf("field %+v, want %+v", p.Errors[0], f)
			}
		})
	}
}

// A field error keeps its wire form: field, pointer (omitted when empty),
// detail — clients and the OpenAPI schema read these names.
func TestFieldErrorJSON(t *testing.T) {
	t.Parallel()
	for fe, want := range map[FieldError]string{
		Field("a.b[0]", "is %s", "bad"):      `{"field":"a.b[0]","pointer":"#/a/b/0","detail":"is bad"}`,
		Field("(body)", "must be an object"): `{"field":"(body)","detail":"must be an object"}`,
	} {
		b, err := json.Marshal(fe)
		if err != nil || string(b) != want {
			t.Errorf("%+v = %s (%v), want %s", fe, b, err, want)
		}
	}
}

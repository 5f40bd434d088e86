package journal

import (
	"encoding/json"
	"errors"
	"testing"

	"pointsofyou.ai/studio/shared/httpapi"
)

// decodeIsProblem fails unless DecodeBytes gave nil or a 4xx problem.
func decodeIsProblem(t *testing.T, body []byte, dst any) {
	err := httpapi.DecodeBytes(body, dst)
	if err == nil {
		return
	}
	he, ok := httpapi.FromInput(err)
	var e *httpapi.Error
	if !ok && !errors.As(err, &e) {
		t.Fatalf("%q: %v", body, err)
	}
	if ok {
		e = he
	}
	if e.Status < 400 || e.Status >= 500 {
		t.Fatalf("%q: %v", body, err)
	}
}

func FuzzPushRequest(f *testing.F) {
	for _, s := range []string{
		`{"client_id":"6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d","mutations":[{"id":1,"name":"createEntry","args":{"id":"6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d"}}]}`,
		`{"client_id":"x","mutations":null}`, `{"mutations":[{"id":0}]}`, `[]`, `{"client_id":"6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d","mutations":[{"id":2},{"id":4}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var q PushRequest
		decodeIsProblem(t, b, &q)
	})
}

func FuzzPullRequest(f *testing.F) {
	for _, s := range []string{`{"client_id":"6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d","cookie":3}`, `{"cookie":-1}`, `{"limit":5000}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var q PullRequest
		decodeIsProblem(t, b, &q)
	})
}

// FuzzMutationArgs: any args of any mutation, applied to a journal with
// an entry, never panic, are a no-op with an error or a change, and keep
// the counters within the limits and consistent with the entries.
func FuzzMutationArgs(f *testing.F) {
	for _, s := range []struct{ name, args string }{
		{MutCreate, `{"id":"7a2d3c1f-4e5b-4c9f-8d2e-3f4a5b6c7d8e","title":"t","body":"b","tags":["x"],"mood":3}`},
		{MutUpdate, `{"id":"6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d","base_rev":0,"base_body":"a","body":"c"}`},
		{MutUpdate, `{"id":"6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d","base_rev":1,"visibility":"public"}`},
		{MutDelete, `{"id":"6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d","base_rev":1}`},
		{MutRestore, `{"id":"6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d"}`},
		{MutResolve, `{"id":"6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d","base_rev":1,"body":"x","resolved":["a"]}`},
		{"x", `null`},
	} {
		f.Add(s.name, []byte(s.args))
	}
	f.Fuzz(func(t *testing.T, name string, args []byte) {
		b := newBook(limits{entries: 3, bytes: 300})
		if _, err := b.apply(mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"})); err != nil {
			t.Fatal(err)
		}
		m := Mutation{ID: 2, Name: name, Args: json.RawMessage(args)}
		o, err := b.apply(m)
		if _, over := isOverLimit(err); err != nil && !over {
			t.Fatal(err)
		}
		if o.invalid != nil && o.changed {
			t.Fatal("invalid and changed")
		}
		if o.invalid != nil {
			if p := mutationProblem(o.invalid); p.Status != 400 {
				t.Fatalf("problem %+v", p)
			}
		}
		n, size := 0, int64(0)
		for _, e := range b.entries {
			if !e.Deleted {
				n++
				size += int64(e.size())
			}
		}
		if n != b.count || size != b.bytes || n > 3 || size > 300 {
			t.Fatalf("counters %d/%d, entries %d/%d", b.count, b.bytes, n, size)
		}
	})
}

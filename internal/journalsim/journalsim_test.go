package journalsim

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a server that records what reached it and answers with
// answer (200 {} when nil).
type recorder struct {
	mu     sync.Mutex
	got    []string // path and body of each request
	answer func(path string, body []byte) (int, string)
}

func (s *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	s.mu.Lock()
	s.got = append(s.got, r.URL.Path+" "+b.String())
	s.mu.Unlock()
	code, body := http.StatusOK, "{}"
	if s.answer != nil {
		code, body = s.answer(r.URL.Path, []byte(b.String()))
	}
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

func TestNetworkFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		faults    Faults
		delivered int
		lost      bool
	}{
		{"perfect", Faults{}, 1, false},
		{"request dropped", Faults{DropRequest: 1}, 0, true},
		{"answer dropped", Faults{DropResponse: 1}, 1, true},
		{"duplicated", Faults{Duplicate: 1}, 2, false},
		{"held until flushed", Faults{Hold: 1}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := &recorder{}
			n := NewNetwork(rand.New(rand.NewPCG(1, 2)), srv, tt.faults)
			_, _, err := n.For("tok").Post(context.Background(), "/v1/pull", []byte(`{}`))
			if (err != nil) != tt.lost || len(srv.got) != tt.delivered {
				t.Fatalf("err %v, delivered %d; want lost %v, delivered %d", err, len(srv.got), tt.lost, tt.delivered)
			}
			n.SetFaults(Faults{})
			n.Flush(context.Background())
			if tt.faults.Hold == 1 && len(srv.got) != 1 {
				t.Fatalf("held request delivered %d times after Flush", len(srv.got))
			}
		})
	}
}

// TestPushResendsAfterGap: a push whose earlier part was lost meets a
// 409 gap; the device resends from the server's last_mutation_id+1.
func TestPushResendsAfterGap(t *testing.T) {
	t.Parallel()
	applied := int64(0)
	srv := &recorder{answer: func(path string, body []byte) (int, string) {
		var q pushRequest
		_ = json.Unmarshal(body, &q)
		if q.Mutations[0].ID > applied+1 {
			return http.StatusConflict, `{"type":"x/mutation-gap","status":409,"last_mutation_id":` + itoa(applied) + `}`
		}
		applied = q.Mutations[len(q.Mutations)-1].ID
		return http.StatusOK, `{"last_mutation_id":` + itoa(applied) + `,"errors":[]}`
	}}
	d := NewDevice(rand.New(rand.NewPCG(3, 4)), NewWords(1), NewNetwork(rand.New(rand.NewPCG(1, 1)), srv, Faults{}).For("tok"))
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d.create(now)
	d.create(now)
	// Until the device pipelines (sends only what it never sent) while
	// mutation 1 is lost: that push meets the gap.
	for try := 0; d.Stats.Gaps == 0; try++ {
		if try == 50 {
			t.Fatal("the device never pipelined a push")
		}
		applied, d.acked, d.sent = 0, 0, 1
		if _, err := d.Push(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if d.acked != 0 || d.sent != 0 {
		t.Fatalf("after the gap: acked %d, sent %d; want 0, 0", d.acked, d.sent)
	}
	if _, err := d.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.acked != 2 || applied != 2 {
		t.Fatalf("acked %d, server applied %d; want 2", d.acked, applied)
	}
}

// TestViewAndWords: the view shows queued edits on top of the pulled
// entry; a pull that shows them applied drops them; typed and removed
// words are recorded; a resolve keeps every word of both versions.
func TestViewAndWords(t *testing.T) {
	t.Parallel()
	w := NewWords(7)
	var pulls []string
	srv := &recorder{answer: func(path string, body []byte) (int, string) {
		if path == "/v1/pull" && len(pulls) > 0 {
			p := pulls[0]
			pulls = pulls[1:]
			return http.StatusOK, p
		}
		return http.StatusOK, `{"cookie":0,"last_mutation_id":0,"entries":[]}`
	}}
	d := NewDevice(rand.New(rand.NewPCG(5, 6)), w, NewNetwork(rand.New(rand.NewPCG(1, 1)), srv, Faults{}).For("tok"))
	d.create(time.Now())
	id := d.Created[0]
	created := d.View(id).Body
	for range 5 {
		d.editBody(id)
	}
	body := d.View(id).Body
	if body == created || d.Pending() < 2 {
		t.Fatalf("edits not in view: %q (pending %d)", body, d.Pending())
	}
	if lost := w.Lost([]string{body}); len(lost) > 0 {
		t.Fatalf("view lost %v", lost)
	}
	// The server applied the create only and someone else's conflict.
	e := Entry{ID: id, Title: "x", Body: created, Rev: 2, Version: 2, Tags: []string{}, CardRefs: []CardRef{},
		Conflicts: []Conflict{{ID: "c1", Body: created + " other_word"}}}
	b, _ := json.Marshal(pullResponse{Cookie: 2, LastMutationID: 1, Entries: []Entry{e}})
	pulls = append(pulls, string(b))
	if ok, err := d.Pull(context.Background()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if got := d.View(id).Body; got != body || d.Pending() == 0 {
		t.Fatalf("queued edits lost from the view after a pull: %q, want %q", got, body)
	}
	d.resolve(id)
	v := d.View(id)
	if len(v.Conflicts) != 0 || !slices.Contains(strings.Fields(v.Body), "other_word") {
		t.Fatalf("resolve: %+v", v)
	}
	if lost := w.Lost([]string{v.Body}); len(lost) > 0 {
		t.Fatalf("resolve lost %v", lost)
	}
}

func TestWordsLost(t *testing.T) {
	t.Parallel()
	w := NewWords(1)
	a, b, c := w.New(), w.New(), w.New()
	w.edited(a+" "+b+" "+c, a+" "+c, nil) // b removed by hand
	if lost := w.Lost([]string{a}); !slices.Equal(lost, []string{c}) {
		t.Fatalf("lost %v, want [%s]", lost, c)
	}
	d := w.New()
	w.edited(a, a, []string{d}) // typed and gone within one edit: never seen
	if lost := w.Lost([]string{a, c}); len(lost) != 0 {
		t.Fatalf("lost %v", lost)
	}
	if w.Title(); w.Typed() != 3 {
		t.Fatalf("a title counted as typed")
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

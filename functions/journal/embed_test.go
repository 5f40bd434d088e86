package journal

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/emulators/vertex"
	"pointsofyou.ai/studio/shared/ai"
)

// TestEmbedRedactsAndFollowsTheEntry: the text that leaves for the model
// is redacted, an unchanged entry is not embedded again, and a deleted
// entry loses its vector.
func TestEmbedRedactsAndFollowsTheEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var mu sync.Mutex
	var sent []string
	vs, err := vertex.NewServer(vertex.Options{OnRequest: func(method string, req any) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, fmt.Sprint(req))
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vs.Close() })
	model, err := ai.New(context.Background(), ai.Config{Project: project, EmulatorHost: vs.Addr, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = model.Close() })
	d := e.d
	d.Model = model
	a := &api{d: d}

	dev := e.device(partA)
	id := newEntryID()
	dev.pushOK(dev.mut(MutCreate, create(id, "Call", "Write to noa.levi@example.com or call +972 54 123 4567 about the sea.")))
	ctx := context.Background()
	for want := range []bool{true, false} { // the second sync finds the same text
		done, err := a.syncVector(ctx, uid(partA), id)
		if err != nil || done != (want == 0) {
			t.Fatalf("sync %d: embedded %v, %v", want, done, err)
		}
	}
	mu.Lock()
	all := strings.Join(sent, "\n")
	n := len(sent)
	mu.Unlock()
	if n != 1 || strings.Contains(all, "noa.levi@example.com") || strings.Contains(all, "123 4567") || !strings.Contains(all, "sea") {
		t.Fatalf("%d requests, sent: %s", n, all)
	}
	dev.pushOK(dev.mut(MutDelete, DeleteArgs{ID: id, BaseRev: 1}))
	if _, err := a.syncVector(ctx, uid(partA), id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fs.Doc("users/" + uid(partA) + "/journal_vectors/" + id).Get(ctx); status.Code(err) != codes.NotFound {
		t.Fatalf("vector of a deleted entry: %v", err)
	}
}

// TestSuggestUsesEntryTextOnlyWithConsent: AI prompt suggestions carry
// the entry's (redacted) text only with coach_memory consent, and are
// limited per person.
func TestSuggestUsesEntryTextOnlyWithConsent(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var sent []string
	vs, err := vertex.NewServer(vertex.Options{OnRequest: func(method string, req any) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, fmt.Sprint(req))
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vs.Close() })
	model, err := ai.New(context.Background(), ai.Config{Project: project, EmulatorHost: vs.Addr, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = model.Close() })
	e := newEnv(t, func(d *Deps) { d.Model, d.SuggestPerHour = model, 3 })
	dev := e.device(partA)
	id := newEntryID()
	dev.pushOK(dev.mut(MutCreate, create(id, "Lighthouse", "ENTRYMARK the lighthouse keeper, mail me at noa.levi@example.com",
		func(a *CreateArgs) { a.CardRefs = []CardRef{{Title: "Door"}} })))
	ask := func() string {
		mu.Lock()
		before := len(sent)
		mu.Unlock()
		e.do("POST", "/v1/prompts/suggest", partA, map[string]any{"entry_id": id, "phase": "expand", "lang": "en"}).Want(t, 200)
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(sent[before:], "\n")
	}
	if got := ask(); strings.Contains(got, "ENTRYMARK") || !strings.Contains(got, "Door") {
		t.Fatalf("without consent the model got: %s", got)
	}
	e.consent.Set(uid(partA), "coach_memory", true)
	if got := ask(); !strings.Contains(got, "ENTRYMARK") || strings.Contains(got, "noa.levi@example.com") {
		t.Fatalf("with consent the model got: %s", got)
	}
	ask()
	e.do("POST", "/v1/prompts/suggest", partA, map[string]any{"lang": "en"}).Want(t, 429)
}

package journal

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/textmerge"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const (
	idA = "6f1c2b0e-3d4a-4b8e-9c1d-2e3f4a5b6c7d"
	idB = "7a2d3c1f-4e5b-4c9f-8d2e-3f4a5b6c7d8e"
)

func newBook(l limits) *book {
	return &book{entries: map[string]*Entry{}, limits: l, now: t0, client: "c1", dirty: map[string]bool{}}
}

func mu(id int64, name string, args any) Mutation {
	b, _ := json.Marshal(args)
	return Mutation{ID: id, Name: name, Args: b}
}

// step is one mutation and what it must do.
type step struct {
	m        Mutation
	changed  bool
	invalid  bool
	conflict bool
	refused  string
}

func run(t *testing.T, b *book, steps []step) {
	t.Helper()
	for i, s := range steps {
		o, err := b.apply(s.m)
		ol, over := isOverLimit(err)
		switch {
		case s.refused != "":
			if !over || ol.what != s.refused {
				t.Fatalf("step %d: err %v, want refusal %q", i, err, s.refused)
			}
			continue
		case err != nil:
			t.Fatalf("step %d: %v", i, err)
		}
		if o.changed != s.changed || (o.invalid != nil) != s.invalid || o.conflict != s.conflict {
			t.Fatalf("step %d (%s): changed %v invalid %v conflict %v, want %v %v %v", i, s.m.Name, o.changed, o.invalid, o.conflict, s.changed, s.invalid, s.conflict)
		}
	}
}

var big = limits{entries: 100, bytes: 10 << 20}

func TestMutations(t *testing.T) {
	t.Parallel()
	future := t0.Add(time.Hour)
	cases := []struct {
		name  string
		steps []step
		check func(t *testing.T, b *book)
	}{
		{"create: private standalone by default, clock clamped", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Title: "Morning", Body: "calm", CreatedAt: future}), changed: true},
		}, func(t *testing.T, b *book) {
			e := b.entries[idA]
			if e.Visibility != VisibilityPrivate || e.Mode != ModeStandalone || !e.CreatedAt.Equal(t0) || e.Rev != 1 || e.Version != 1 {
				t.Fatalf("%+v", e)
			}
		}},
		{"create in a session stays private unless shared", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Mode: ModeInSession, SessionID: "s1"}), changed: true},
		}, func(t *testing.T, b *book) {
			if b.entries[idA].Visibility != VisibilityPrivate {
				t.Fatal(b.entries[idA].Visibility)
			}
		}},
		{"create replayed is a no-op", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "one"}), changed: true},
			{m: mu(2, MutCreate, CreateArgs{ID: idA, Body: "two"})},
		}, func(t *testing.T, b *book) {
			if b.entries[idA].Body != "one" {
				t.Fatal(b.entries[idA].Body)
			}
		}},
		{"invalid args are no-ops with an error", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: "not-a-uuid"}), invalid: true},
			{m: mu(2, MutCreate, CreateArgs{ID: idA, Title: strings.Repeat("x", 201)}), invalid: true},
			{m: mu(3, MutCreate, CreateArgs{ID: idA, Mood: 6}), invalid: true},
			{m: mu(4, MutCreate, map[string]any{"id": idA, "colour": "red"}), invalid: true},
			{m: mu(5, "renameEntry", map[string]any{"id": idA}), invalid: true},
			{m: mu(6, MutUpdate, UpdateArgs{ID: idA, Body: ptr("x")}), invalid: true}, // no such entry
			{m: mu(7, MutCreate, CreateArgs{ID: idA, Tags: slices.Repeat([]string{"t"}, 21)}), invalid: true},
		}, func(t *testing.T, b *book) {
			if len(b.entries) != 0 || b.version != 0 {
				t.Fatal(b.entries)
			}
		}},
		{"update at the current rev replaces the body; other fields last writer wins", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Title: "t", Body: "a"}), changed: true},
			{m: mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("b"), Mood: ptr(3), Tags: &[]string{"x"}}), changed: true},
			{m: mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Title: ptr("late"), Visibility: ptr(VisibilityFacilitator)}), changed: true},
			{m: mu(4, MutUpdate, UpdateArgs{ID: idA, BaseRev: 3, Title: ptr("late")})}, // same value: no change
		}, func(t *testing.T, b *book) {
			e := b.entries[idA]
			if e.Body != "b" || e.Title != "late" || e.Mood != 3 || e.Visibility != VisibilityFacilitator || e.Rev != 3 || e.Version != 3 {
				t.Fatalf("%+v", e)
			}
		}},
		{"concurrent edit after a title-only change merges cleanly", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Title: "t", Body: "base"}), changed: true},
			{m: mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Title: ptr("t2")}), changed: true},
			{m: mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, BaseBody: ptr("base"), Body: ptr("base and more")}), changed: true},
		}, func(t *testing.T, b *book) {
			if e := b.entries[idA]; e.Body != "base and more" || len(e.Conflicts) != 0 {
				t.Fatalf("%+v", e)
			}
		}},
		{"overlapping concurrent edits keep a conflict version: no lost word", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "one line"}), changed: true},
			{m: mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, BaseBody: ptr("one line"), Body: ptr("first device")}), changed: true},
			{m: mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, BaseBody: ptr("one line"), Body: ptr("second device")}), changed: true, conflict: true},
		}, func(t *testing.T, b *book) {
			e := b.entries[idA]
			if e.Body != "first device" || len(e.Conflicts) != 1 || e.Conflicts[0].Body != "second device" || e.Conflicts[0].ClientID != "c1" {
				t.Fatalf("%+v", e)
			}
		}},
		{"a stale body without base_body is kept as a conflict", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"}), changed: true},
			{m: mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("b")}), changed: true},
			{m: mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("c")}), changed: true, conflict: true},
		}, nil},
		{"resolveConflict sets the body and drops only the listed versions", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"}), changed: true},
			{m: mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("b")}), changed: true},
			{m: mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("c")}), changed: true, conflict: true},
			{m: mu(4, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("d")}), changed: true, conflict: true},
		}, func(t *testing.T, b *book) {
			e := b.entries[idA]
			first := e.Conflicts[0].ID
			run(t, b, []step{{m: mu(5, MutResolve, ResolveArgs{ID: idA, BaseRev: e.Rev, Body: "b c", Resolved: []string{first}}), changed: true}})
			e = b.entries[idA]
			if e.Body != "b c" || len(e.Conflicts) != 1 || e.Conflicts[0].Body != "d" {
				t.Fatalf("%+v", e)
			}
		}},
		{"delete, then a concurrent edit brings the entry back", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"}), changed: true},
			{m: mu(2, MutDelete, DeleteArgs{ID: idA, BaseRev: 1}), changed: true},
			{m: mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, BaseBody: ptr("a"), Body: ptr("a and words")}), changed: true},
		}, func(t *testing.T, b *book) {
			if e := b.entries[idA]; e.Deleted || e.Body != "a and words" || e.ExpireAt != nil || b.count != 1 {
				t.Fatalf("%+v count %d", e, b.count)
			}
		}},
		{"a concurrent edit, then the delete that never saw it: the words win", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"}), changed: true},
			{m: mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("a and words")}), changed: true},
			{m: mu(3, MutDelete, DeleteArgs{ID: idA, BaseRev: 1})},
		}, func(t *testing.T, b *book) {
			if e := b.entries[idA]; e.Deleted || e.Body != "a and words" {
				t.Fatalf("%+v", e)
			}
		}},
		{"an update made after seeing the delete is a no-op; restore undoes it", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"}), changed: true},
			{m: mu(2, MutDelete, DeleteArgs{ID: idA, BaseRev: 1}), changed: true},
			{m: mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 2, Body: ptr("late")})},
			{m: mu(4, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Title: ptr("title only")})},
			{m: mu(5, MutDelete, DeleteArgs{ID: idA, BaseRev: 2})},
		}, func(t *testing.T, b *book) {
			e := b.entries[idA]
			if !e.Deleted || e.ExpireAt == nil || !e.ExpireAt.Equal(t0.Add(TombstoneTTL)) || b.count != 0 || b.bytes != 0 {
				t.Fatalf("%+v", e)
			}
			run(t, b, []step{{m: mu(6, MutRestore, RestoreArgs{ID: idA}), changed: true}, {m: mu(7, MutRestore, RestoreArgs{ID: idA})}})
			if e := b.entries[idA]; e.Deleted || e.Body != "a" || b.count != 1 {
				t.Fatalf("%+v", e)
			}
		}},
		{"restore after 30 days is refused as invalid", []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"}), changed: true},
			{m: mu(2, MutDelete, DeleteArgs{ID: idA, BaseRev: 1}), changed: true},
		}, func(t *testing.T, b *book) {
			b.now = t0.Add(TombstoneTTL + time.Second)
			run(t, b, []step{{m: mu(3, MutRestore, RestoreArgs{ID: idA}), invalid: true}})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := newBook(big)
			run(t, b, c.steps)
			if c.check != nil {
				c.check(t, b)
			}
		})
	}
}

// TestMergeFollowsTextmerge: a stale body edit takes exactly what
// shared/textmerge decides, and a conflict keeps both texts.
func TestMergeFollowsTextmerge(t *testing.T) {
	t.Parallel()
	cases := []struct{ base, server, incoming string }{
		{"one\ntwo\nthree\n", "one!\ntwo\nthree\n", "one\ntwo\nthree!\n"},
		{"alpha beta", "alpha beta gamma", "alpha beta gamma"},
		{"x", "y", "z"},
		{"", "server words", "client words"},
	}
	for _, c := range cases {
		b := newBook(big)
		run(t, b, []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: c.base}), changed: true},
			{m: mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: &c.server}), changed: c.server != c.base},
		})
		rev := b.entries[idA].Rev
		_, _ = b.apply(mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, BaseBody: &c.base, Body: &c.incoming}))
		e := b.entries[idA]
		merged, clean := textmerge.Merge(c.base, c.server, c.incoming)
		switch {
		case c.incoming == c.server:
			if e.Rev != rev || e.Body != c.server {
				t.Errorf("%q: identical edit changed the entry: %+v", c, e)
			}
		case clean:
			if e.Body != merged || len(e.Conflicts) != 0 {
				t.Errorf("%q: body %q conflicts %d, want clean %q", c, e.Body, len(e.Conflicts), merged)
			}
		default:
			if e.Body != c.server || len(e.Conflicts) != 1 || e.Conflicts[0].Body != c.incoming {
				t.Errorf("%q: body %q conflicts %+v, want server body and a conflict", c, e.Body, e.Conflicts)
			}
		}
	}
}

func TestLimitsRefuseBeforeApplying(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		lim   limits
		steps []step
	}{
		{"entries", limits{entries: 1, bytes: 1 << 20}, []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"}), changed: true},
			{m: mu(2, MutCreate, CreateArgs{ID: idB, Body: "b"}), refused: "entries"},
		}},
		{"bytes by a create", limits{entries: 10, bytes: 10}, []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "12345"}), changed: true},
			{m: mu(2, MutCreate, CreateArgs{ID: idB, Body: "123456"}), refused: "bytes"},
		}},
		{"bytes by a growing update; shrinking passes", limits{entries: 10, bytes: 10}, []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "12345"}), changed: true},
			{m: mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("12345678901")}), refused: "bytes"},
			{m: mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("1")}), changed: true},
		}},
		{"a delete frees room; a restore over the limit is refused", limits{entries: 1, bytes: 100}, []step{
			{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"}), changed: true},
			{m: mu(2, MutDelete, DeleteArgs{ID: idA, BaseRev: 1}), changed: true},
			{m: mu(3, MutCreate, CreateArgs{ID: idB, Body: "b"}), changed: true},
			{m: mu(4, MutRestore, RestoreArgs{ID: idA}), refused: "entries"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := newBook(c.lim)
			run(t, b, c.steps)
			if b.count > c.lim.entries || b.bytes > c.lim.bytes {
				t.Fatalf("over the limit: %d entries, %d bytes", b.count, b.bytes)
			}
		})
	}
}

func TestTerms(t *testing.T) {
	t.Parallel()
	cases := []struct{ a, b string }{
		{"Été", "ete"},
		{"Walking", "walked"},
		{"Übungen", "ubung"},
		{"caminando", "caminar"},
		{"השלום", "שלום"},
		{"שלומות", "שלום"},
		{"ספרים", "ספר"},
		{"Straße", "strasse"},
	}
	for _, c := range cases {
		if x, y := terms(c.a), terms(c.b); !slices.Equal(x, y) {
			t.Errorf("terms(%q) = %q, terms(%q) = %q; want equal", c.a, x, c.b, y)
		}
	}
}

// TestResolveNeverOverwritesUnseenWords: a resolution made before words
// were typed elsewhere keeps those words and the chosen body.
func TestResolveNeverOverwritesUnseenWords(t *testing.T) {
	t.Parallel()
	b := newBook(big)
	run(t, b, []step{
		{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: "a"}), changed: true},
		{m: mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("b")}), changed: true},
		{m: mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: ptr("c")}), changed: true, conflict: true},
		{m: mu(4, MutUpdate, UpdateArgs{ID: idA, BaseRev: 3, Body: ptr("b typed later")}), changed: true},
	})
	cid := b.entries[idA].Conflicts[0].ID
	run(t, b, []step{{m: mu(5, MutResolve, ResolveArgs{ID: idA, BaseRev: 3, Body: "b c", Resolved: []string{cid}}), changed: true, conflict: true}})
	e := b.entries[idA]
	if e.Body != "b typed later" || len(e.Conflicts) != 1 || e.Conflicts[0].Body != "b c" {
		t.Fatalf("%+v", e)
	}
}

func TestEntrySizeIsBounded(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("word ", MaxBody/5-1)
	b := newBook(limits{entries: 10, bytes: 1 << 30})
	steps := []step{{m: mu(1, MutCreate, CreateArgs{ID: idA, Body: body}), changed: true}}
	// Each stale edit keeps a 100,000-character conflict version, until
	// one more would take the entry over MaxEntryBytes.
	for i := range 7 {
		s := step{m: mu(int64(i+2), MutUpdate, UpdateArgs{ID: idA, BaseRev: 0, Body: ptr(body + strconv.Itoa(i))}), changed: true, conflict: true}
		if (i+2)*len(body) > MaxEntryBytes {
			s = step{m: s.m, refused: "bytes"}
		}
		steps = append(steps, s)
	}
	run(t, b, steps)
	if e := b.entries[idA]; e.Bytes > MaxEntryBytes {
		t.Fatalf("entry of %d bytes", e.Bytes)
	}
}

package journal

import (
	"strings"
	"testing"
)

// BenchmarkApplyMutations: one push's worth of work in memory, per
// mutation: a stale edit of a 10 KB body merged three ways (the most
// expensive kind), with the derived fields (words, terms) recomputed.
func BenchmarkApplyMutations(b *testing.B) {
	base := strings.Repeat("a calm morning by the sea, and then tea.\n", 250)
	server := "Title line\n" + base
	b.ReportAllocs()
	for b.Loop() {
		bk := newBook(big)
		if _, err := bk.apply(mu(1, MutCreate, CreateArgs{ID: idA, Body: base})); err != nil {
			b.Fatal(err)
		}
		if _, err := bk.apply(mu(2, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, Body: &server})); err != nil {
			b.Fatal(err)
		}
		mine := base + "one more line\n"
		if _, err := bk.apply(mu(3, MutUpdate, UpdateArgs{ID: idA, BaseRev: 1, BaseBody: &base, Body: &mine})); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEntryTerms: the search terms of a 10 KB entry in three scripts.
func BenchmarkEntryTerms(b *testing.B) {
	e := &Entry{Title: "Été au bord de la mer", Body: strings.Repeat("Walking by the sea, ich übe Geduld, הלכתי אל הים והשלום, caminando. ", 150)}
	b.SetBytes(int64(len(e.Body)))
	b.ReportAllocs()
	for b.Loop() {
		_ = entryTerms(e)
	}
}

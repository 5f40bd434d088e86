package textmerge

import (
	"sort"
	"time"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// exactLimit is the size (in tokens, both sides together) up to which a
// diff runs without a deadline and so is minimal and the same on every
// server. Larger diffs get diffDeadline and may be less than minimal; they
// are still correct diffs, so the merge stays sound.
const (
	exactLimit   = 20000
	diffDeadline = 200 * time.Millisecond
)

// align matches side's tokens to base's: match[i] is the index in side of
// base token i, or -1 when side deleted or replaced it. Matches increase
// with i. word tells which base tokens are words.
//
// It is a patience diff: the tokens that occur exactly once in each text
// and keep their order (the longest such run) are matched first, and
// go-diff's Myers diff matches the tokens between two such anchors. A
// minimal diff alone, or a line diff first, is free to trade a word the
// user kept for a few spaces or a blank line elsewhere, and then diff3
// sees that word deleted on one side and typed anew on the other: a word
// the other device deleted would come back. Unique words rarely move, so
// anchoring them keeps the alignment where the writer meant it.
func align(base, side []rune, word []bool, once map[rune]int) []int {
	match := make([]int, len(base))
	for i := range match {
		match[i] = -1
	}
	i0, j0 := 0, 0
	for _, a := range anchors(base, side, word, once) {
		myers(base[i0:a[0]], side[j0:a[1]], match[i0:a[0]], j0)
		match[a[0]] = a[1]
		i0, j0 = a[0]+1, a[1]+1
	}
	myers(base[i0:], side[j0:], match[i0:], j0)
	return match
}

// anchors returns the pairs (i, j), increasing in both, of tokens unique
// in base and in side with base[i] == side[j]: the longest increasing
// subsequence, by patience sorting, of all such pairs.
// Only words anchor: spaces and newlines are the glue between them, and a
// unique run of spaces that moved would otherwise outvote the words.
// once counts base's tokens (see counts).
func anchors(base, side []rune, word []bool, once map[rune]int) [][2]int {
	type seen struct{ n, at int }
	inSide := make(map[rune]seen, len(once))
	for j, id := range side {
		if once[id] == 1 {
			t := inSide[id]
			inSide[id] = seen{t.n + 1, j}
		}
	}
	var pairs [][2]int // by i, since we walk base in order
	for i, id := range base {
		if word[i] && once[id] == 1 {
			if t := inSide[id]; t.n == 1 {
				pairs = append(pairs, [2]int{i, t.at})
			}
		}
	}
	// tops[k] is the pair index ending the best run of length k+1 so far.
	var tops []int
	prev := make([]int, len(pairs))
	for p, pr := range pairs {
		k := sort.Search(len(tops), func(k int) bool { return pairs[tops[k]][1] >= pr[1] })
		prev[p] = -1
		if k > 0 {
			prev[p] = tops[k-1]
		}
		if k == len(tops) {
			tops = append(tops, p)
		} else {
			tops[k] = p
		}
	}
	out := make([][2]int, len(tops))
	p := -1
	if len(tops) > 0 {
		p = tops[len(tops)-1]
	}
	for k := len(out) - 1; k >= 0; k-- {
		out[k] = pairs[p]
		p = prev[p]
	}
	return out
}

// myers fills match (for the base tokens a) with offset plus the index in
// b of each base token a minimal diff of a and b keeps.
func myers(a, b []rune, match []int, offset int) {
	// Most gaps between anchors are one unchanged space: skip the library.
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		match[n] = offset + n
		n++
	}
	a, b, match, offset = a[n:], b[n:], match[n:], offset+n
	if len(a) == 0 || len(b) == 0 {
		return
	}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	if len(a)+len(b) > exactLimit {
		dmp.DiffTimeout = diffDeadline
	}
	i, j := 0, 0
	for _, d := range dmp.DiffMainRunes(a, b, false) {
		n := utf8.RuneCountInString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			i += n
		case diffmatchpatch.DiffInsert:
			j += n
		case diffmatchpatch.DiffEqual:
			for k := range n {
				match[i+k] = offset + j + k
			}
			i += n
			j += n
		}
	}
}

// counts tells how often each word occurs in base, for anchors.
func counts(base []rune, word []bool) map[rune]int {
	n := make(map[rune]int, len(base)/2)
	for i, id := range base {
		if word[i] {
			n[id]++
		}
	}
	return n
}

// Package textmerge merges two edits of one text made from a common base:
// the journal's body when two devices changed it concurrently (DESIGN §5).
//
// The merge is diff3 over word tokens. Each side is aligned with the base
// by a patience diff: words that occur once in both texts anchor the
// alignment, and github.com/sergi/go-diff (diff-match-patch's Myers diff,
// minimal on our token alphabet) aligns what lies between two anchors.
// diff3 on top of the two alignments is ours.
//
// A token is a run of non-space characters (a word with its punctuation),
// a run of spaces other than a newline, or one newline. Tokens are exactly
// the words strings.Fields sees, so "a clean merge keeps every word
// either side typed and none that either side removed" is a statement
// about strings.Fields of the texts, and the tests check it that way.
// Bytes pass through untouched: invalid UTF-8 is one more word character,
// CRLF is a space token followed by a newline token.
package textmerge

// Merge combines the changes mine (the stored text) and theirs (an
// incoming edit) made to base. When no region of base was changed
// differently by both, it returns the combination and true. When some
// region was (both replaced the same words, or both inserted different
// words at the same place, which has no order to follow), it returns
// mine unchanged and false: the caller keeps theirs as a conflict version,
// because a merge that guessed would lose or misplace someone's words.
func Merge(base, mine, theirs string) (merged string, clean bool) {
	switch {
	case theirs == base || theirs == mine:
		return mine, true
	case mine == base:
		return theirs, true
	}
	m, ok := newMerger(base, mine, theirs)
	if !ok {
		return mine, false
	}
	out, ok := m.diff3()
	if !ok {
		return mine, false
	}
	return out, true
}

package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Flags of a folded word in the known-name map.
const (
	knownPart   uint8 = 1 << iota // a name or one of its parts
	knownCommon                   // also an everyday word: matched only when capitalised
)

// buildKnown folds every known name and each of its parts of two letters
// or more. Particles ("de", "van", "bin") are left out: alone they are
// not a name, and around two name parts the merge step covers them.
// Parts that are everyday words ("Will", "Rosa") must be capitalised in
// Latin script to count.
func buildKnown(names []string) map[string]uint8 {
	m := make(map[string]uint8, 2*len(names))
	for _, n := range names {
		for _, part := range strings.FieldsFunc(n, func(r rune) bool {
			return !(unicode.IsLetter(r) || unicode.Is(unicode.Mn, r))
		}) {
			if utf8.RuneCountInString(part) < 2 {
				continue
			}
			f := fold(part)
			if particles[f] {
				continue
			}
			flag := knownPart
			if stopwords[f] || freeNames[f] == freeAmbiguous {
				flag |= knownCommon
			}
			m[f] |= flag
		}
	}
	return m
}

// hebrewPrefixes are the one-letter words written joined to the next
// word: and, the, to, in, from, that, as.
const hebrewPrefixes = "והלבמשכ"

// lookupHebrew finds w in m, also after stripping up to two joined
// prefix letters ("ולדני" → "דני"); it returns how many bytes of prefix
// were stripped.
func lookupHebrew[V any](m map[string]V, w string) (V, int, bool) {
	if v, ok := m[w]; ok {
		return v, 0, true
	}
	var zero V
	off := 0
	for range 2 {
		r, n := utf8.DecodeRuneInString(w[off:])
		if !strings.ContainsRune(hebrewPrefixes, r) {
			break
		}
		off += n
		rest := w[off:]
		if utf8.RuneCountInString(rest) < 2 {
			break
		}
		if v, ok := m[rest]; ok {
			return v, off, true
		}
	}
	return zero, 0, false
}

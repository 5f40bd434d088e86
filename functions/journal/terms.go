package journal

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxTerms bounds the distinct search terms stored on one entry; longer
// "words" than maxTermBytes (pasted links, hashes) are not searchable.
const (
	MaxTerms     = 2000
	maxTermBytes = 64
)

// words splits s into words: runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) })
}

func countWords(s string) int { return len(words(s)) }

// fold lower-cases w and drops its diacritics (accents, niqqud), and maps
// Hebrew final letters to their plain forms, so "Été", "ete" and "été"
// are one word.
func fold(w string) string {
	if isASCII(w) {
		return strings.ToLower(w)
	}
	var sb strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(w)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ß':
			sb.WriteString("ss")
			continue
		case 'ך':
			r = 'כ'
		case 'ם':
			r = 'מ'
		case 'ן':
			r = 'נ'
		case 'ף':
			r = 'פ'
		case 'ץ':
			r = 'צ'
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// suffixes are inflections of English, Spanish, French and German,
// longest first; stripping is light and the same for every language, so
// the query and the entry meet whatever language either is in.
var suffixes = []string{
	"ements", "ations", "ungen", "ement", "ation", "mente", "ments", "ingen",
	"iendo", "ness", "ment", "ings", "ions", "ando", "ing", "ion", "ies", "ied", "ers", "ern", "ung", "est", "ens",
	"ed", "es", "er", "en", "ar", "ir", "ly", "os", "as", "s", "e",
}

// hebrewPrefixes are the commonest one-letter prefixes (and, the, in,
// to), at most two stripped from words of five letters or more.
const hebrewPrefixes = "והבל"

// stem reduces a folded word to a light stem. Hebrew loses common
// prefix letters and a plural ending; other words one inflection suffix.
func stem(w string) string {
	if first, _ := utf8.DecodeRuneInString(w); first >= 0x05D0 && first <= 0x05EA { // Hebrew
		r := []rune(w)
		for i := 0; i < 2 && len(r) > 4 && strings.ContainsRune(hebrewPrefixes, r[0]); i++ {
			r = r[1:] // "and the peace" → "peace"
		}
		if n := len(r); n > 3 {
			switch string(r[n-2:]) {
			case "ימ", "ות": // plural endings (final mem already folded)
				r = r[:n-2]
			}
		}
		return string(r)
	}
	n := utf8.RuneCountInString(w)
	for _, s := range suffixes {
		if strings.HasSuffix(w, s) && n-len(s) >= 3 { // suffixes are ASCII
			return strings.TrimSuffix(w, s)
		}
	}
	return w
}

// terms are the distinct search terms of s, in first-seen order.
func terms(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words(s) {
		t := stem(fold(w))
		if t == "" || len(t) > maxTermBytes || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

func entryTerms(e *Entry) []string {
	t := terms(e.Title + " " + e.Body + " " + strings.Join(e.Tags, " "))
	if len(t) > MaxTerms {
		t = t[:MaxTerms]
	}
	slices.Sort(t)
	return t
}

package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold lowercases s and drops its diacritics (é→e, ß→ss, Hebrew points),
// so "José", "JOSE" and "jose" compare equal. ASCII words, the common
// case, take a path without allocation beyond the result.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ł' || r == 'Ł':
			b.WriteByte('l')
		case r == 'ø' || r == 'Ø':
			b.WriteByte('o')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// isWordRune reports whether r belongs to a word (letters, digits, marks).
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// wordBounded reports whether text[start:end] is not glued to a letter
// or digit on either side.
func wordBounded(text string, start, end int) bool {
	return leftBounded(text, start) && rightBounded(text, end)
}

// leftBounded reports whether no letter or digit ends right before pos.
func leftBounded(text string, pos int) bool {
	if pos == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:pos])
	return !isWordRune(r)
}

// rightBounded reports whether no letter or digit starts at pos.
func rightBounded(text string, pos int) bool {
	if pos >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[pos:])
	return !isWordRune(r)
}

// token is a run of letters (and combining marks) in the text.
type token struct {
	start, end int
	text       string
	folded     string
	upper      bool // starts with an upper-case letter
	hebrew     bool
	sentStart  bool // first word of a sentence (or of the text)
	sepBefore  string
}

// tokenize splits text into letter runs. Digits end a word; an
// apostrophe or hyphen is a separator, so "O'Brien" and "Jean-Pierre"
// give their parts, which the name rules join again.
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/5)
	sentStart := true
	prevEnd := 0
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !(unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)) {
			switch r {
			case '.', '!', '?', '¿', '¡', ':', ';', '\n', '"', '“', '«', '(', '–', '—', '*', '•':
				// A full stop after a single letter or an
				// abbreviation like "Dr." does not end a sentence;
				// the checks below are rough but cheap.
				if r == '.' && len(toks) > 0 && toks[len(toks)-1].end == i && isAbbrev(toks[len(toks)-1].folded) {
					break
				}
				sentStart = true
			default:
				if unicode.IsDigit(r) {
					sentStart = false
				}
			}
			i += n
			continue
		}
		start := i
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if !(unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)) {
				break
			}
			i += n
		}
		w := text[start:i]
		first, _ := utf8.DecodeRuneInString(w)
		toks = append(toks, token{
			start:     start,
			end:       i,
			text:      w,
			folded:    fold(w),
			upper:     unicode.IsUpper(first),
			hebrew:    unicode.Is(unicode.Hebrew, first),
			sentStart: sentStart,
			sepBefore: text[prevEnd:start],
		})
		prevEnd = i
		sentStart = false
	}
	return toks
}

var abbrevs = map[string]bool{
	"dr": true, "mr": true, "mrs": true, "ms": true, "sr": true, "sra": true, "srta": true,
	"st": true, "av": true, "avda": true, "str": true, "bd": true, "m": true, "mme": true,
	"mlle": true, "prof": true, "hr": true, "fr": true, "dra": true, "no": true, "nr": true,
}

func isAbbrev(folded string) bool { return abbrevs[folded] || utf8.RuneCountInString(folded) == 1 }

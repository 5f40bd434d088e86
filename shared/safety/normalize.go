package safety

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one normalised word of a message.
type token struct {
	s string
	// vs[:nv] are the forms the word may match (variants).
	vs [3]string
	nv int
	// brk: a clause boundary (punctuation, a line break) comes right
	// before the token. Negation never reaches across one.
	brk bool
	// hard: the boundary is the end of a sentence. A pattern's gap never
	// spans one.
	hard bool
}

// tokenize normalises text and splits it into words. Patterns go through
// the same function, so a pattern and a message that differ only in
// case, accents, Hebrew points, final letter forms, repeated letters,
// leetspeak digits or in-word punctuation ("k.i.l.l", "self-harm",
// "don't") produce the same tokens:
//
//   - NFKD, then every combining mark is dropped: Latin diacritics and
//     Hebrew points go, full-width and other compatibility forms become
//     their plain letters;
//   - invisible format characters (zero-width spaces, direction marks,
//     soft hyphens) are dropped, so they cannot split a word;
//   - lower case, ß → ss, Hebrew final forms → their medial letter, the
//     Cyrillic and Greek letters that look Latin → Latin;
//   - in a word that has a letter, 0 1 3 4 5 7 @ $ read as o i e a s t a s;
//   - apostrophes, hyphens, underscores and asterisks between two word
//     characters are dropped (the word is joined), and so are dots
//     between single letters;
//   - runs of one repeated character collapse to one ("sooo" → "so",
//     "kill" → "kil"); that costs nothing since patterns collapse too;
//   - a lone "2" reads as "to" ("want 2 die").
func tokenize(text string) []token {
	rs := []rune(norm.NFKD.String(text))
	toks := make([]token, 0, len(rs)/5+1)
	// Every word's bytes go to one arena that becomes one string at the
	// end; tokens first hold their offsets in it.
	arena := make([]byte, 0, len(rs)+8)
	var spans [][2]int
	word := make([]rune, 0, 32)
	seg := 0 // runes since the word's start or its last joiner
	var brk, hard bool
	flush := func() {
		if len(word) == 0 {
			return
		}
		start := len(arena)
		arena = appendWord(arena, word)
		if len(arena) > start {
			toks = append(toks, token{brk: brk, hard: hard})
			spans = append(spans, [2]int{start, len(arena)})
			brk, hard = false, false
		}
		word = word[:0]
		seg = 0
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r >= utf8.RuneSelf && unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
			continue
		}
		r = fold(r)
		if r == 'ß' {
			word = append(word, 's', 's')
			seg += 2
			continue
		}
		if isWordRune(r) {
			word = append(word, r)
			seg++
			continue
		}
		// A dot joins spelled-out letters ("k.i.l.l") but ends a
		// sentence typed without a space ("die.I").
		if isJoiner(r) && len(word) > 0 && isWordRune(fold(nextVisible(rs, i+1))) && (r != '.' || seg == 1 && singleAfter(rs, i+1)) {
			seg = 0
			continue
		}
		flush()
		switch {
		case isHardStop(r):
			brk, hard = true, true
		case isSoftStop(r):
			brk = true
		}
	}
	flush()
	all := string(arena)
	for i := range toks {
		toks[i].s = all[spans[i][0]:spans[i][1]]
		toks[i].nv = variants(toks[i].s, &toks[i].vs)
	}
	return toks
}

// nextVisible is the first rune from i on that is not a dropped mark or
// format character (0 when there is none).
func nextVisible(rs []rune, i int) rune {
	for ; i < len(rs); i++ {
		if !unicode.In(rs[i], unicode.Mn, unicode.Me, unicode.Cf) {
			return rs[i]
		}
	}
	return 0
}

// singleAfter reports whether the word character at i stands alone (is
// not followed by another word character).
func singleAfter(rs []rune, i int) bool {
	for i++; i < len(rs) && unicode.In(rs[i], unicode.Mn, unicode.Me, unicode.Cf); i++ {
	}
	return i >= len(rs) || !isWordRune(fold(rs[i]))
}

// appendWord appends one raw word to dst after the leetspeak reading and
// the collapse of repeated characters; a word without letters stays a
// number, or is dropped when it is not one.
func appendWord(dst []byte, w []rune) []byte {
	hasLetter := false
	for _, r := range w {
		if unicode.IsLetter(r) {
			hasLetter = true
			break
		}
	}
	if !hasLetter {
		if len(w) == 1 && w[0] == '2' {
			return append(dst, "to"...)
		}
		for _, r := range w {
			if !unicode.IsDigit(r) {
				return dst
			}
		}
		for _, r := range w {
			dst = utf8.AppendRune(dst, r)
		}
		return dst
	}
	var last rune = -1
	for _, r := range w {
		r = unleet(r)
		if r == last {
			continue
		}
		last = r
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// unleet reads digits and symbols used in place of letters.
func unleet(r rune) rune {
	switch r {
	case '0':
		return 'o'
	case '1':
		return 'i'
	case '3':
		return 'e'
	case '4', '@':
		return 'a'
	case '5', '$':
		return 's'
	case '7':
		return 't'
	}
	return r
}

// lookalike maps Cyrillic and Greek letters that are drawn like Latin
// ones, a common way to slip a word past a filter.
var lookalike = map[rune]rune{
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x',
	'і': 'i', 'ј': 'j', 'ѕ': 's', 'к': 'k', 'м': 'm', 'т': 't', 'н': 'h',
	'α': 'a', 'ε': 'e', 'ο': 'o', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ρ': 'p', 'τ': 't',
}

// hebrewFinal maps final letter forms to the medial letter.
var hebrewFinal = map[rune]rune{'ך': 'כ', 'ם': 'מ', 'ן': 'נ', 'ף': 'פ', 'ץ': 'צ'}

func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	r = unicode.ToLower(r)
	if l, ok := lookalike[r]; ok {
		return l
	}
	if l, ok := hebrewFinal[r]; ok {
		return l
	}
	return r
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '@' || r == '$'
}

// isJoiner: characters that join a word when they stand between two word
// characters (and separate words otherwise).
func isJoiner(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʼ', '`', '´', '-', '‐', '‑', '.', '_', '*', '·', '־', '׳', '״', '"':
		return true
	}
	return false
}

func isHardStop(r rune) bool {
	switch r {
	case '.', '!', '?', ';', '\n', '\r', '׃', '¿', '¡', '…':
		return true
	}
	return false
}

func isSoftStop(r rune) bool {
	switch r {
	case ',', ':', '(', ')', '[', ']', '{', '}', '"', '«', '»', '“', '”', '„', '–', '—', '/', '\\', '|', '\t', '-':
		return true
	}
	return false
}

// hebrewProclitics are the one-letter words Hebrew writes joined to the
// next word (and, the, that, in, as, to, from).
const hebrewProclitics = "ושהבכלמ"

// variants lists the forms a token may match: itself and, for a Hebrew
// word, the word without one or two leading proclitic letters
// ("ולהתאבד" → "להתאבד" → "התאבד"). It returns how many it wrote.
func variants(s string, out *[3]string) int {
	out[0] = s
	n := 1
	for n < 3 {
		r, size := utf8.DecodeRuneInString(out[n-1])
		if r < 0x05D0 || r > 0x05EA || !containsRune(hebrewProclitics, r) {
			break
		}
		rest := out[n-1][size:]
		if utf8.RuneCountInString(rest) < 2 {
			break
		}
		out[n] = rest
		n++
	}
	return n
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

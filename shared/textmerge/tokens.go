package textmerge

import (
	"unicode"
	"unicode/utf8"
)

// doc is one of the three texts cut into tokens (see the package doc),
// each with its interned id.
type doc struct {
	toks []string
	ids  []rune
	word []bool // the token is a word, not white space
}

// tokenize cuts s into tokens; false when there are more distinct tokens
// than ids.
func tokenize(s string, in *interner) (doc, bool) {
	d := doc{toks: make([]string, 0, len(s)/3+1)}
	for i := 0; i < len(s); {
		j := i
		switch c := s[i]; {
		case c == '\n':
			j++
		case isSpaceAt(s, i):
			for j < len(s) && s[j] != '\n' && isSpaceAt(s, j) {
				j += runeLen(s, j)
			}
		default:
			for j < len(s) && !isSpaceAt(s, j) {
				j += runeLen(s, j)
			}
		}
		d.toks = append(d.toks, s[i:j])
		i = j
	}
	d.ids = make([]rune, len(d.toks))
	d.word = make([]bool, len(d.toks))
	for k, t := range d.toks {
		d.word[k] = !isSpaceAt(t, 0)
		id, ok := in.id(t)
		if !ok {
			return d, false
		}
		d.ids[k] = id
	}
	return d, true
}

// isSpaceAt reports whether the character at s[i] is white space, as
// strings.Fields decides it (invalid UTF-8 is not).
func isSpaceAt(s string, i int) bool {
	if c := s[i]; c < utf8.RuneSelf {
		return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

func runeLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

// interner gives each distinct token a rune, so that a sequence of tokens
// becomes a []rune the diff library can compare. Ids skip the
// surrogate range: the library turns its runes into strings and back, and
// a surrogate would come back as U+FFFD.
type interner struct {
	ids map[string]rune
}

func newInterner(hint int) *interner {
	return &interner{ids: make(map[string]rune, hint)}
}

const (
	surrogateFrom = 0xD800
	surrogateGap  = 0xE000 - 0xD800
)

func (in *interner) id(s string) (rune, bool) {
	if id, ok := in.ids[s]; ok {
		return id, true
	}
	n := rune(len(in.ids))
	if n >= surrogateFrom {
		n += surrogateGap
	}
	if n > unicode.MaxRune {
		return 0, false // more distinct tokens than runes: no merge
	}
	in.ids[s] = n
	return n, true
}

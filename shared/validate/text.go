package validate

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Human text fields (titles, names, descriptions, notes) are shown to
// other people and copied into mail subjects, calendar files and PDFs:
// control characters in them hide or fake content (ESC sequences, BEL,
// backspace, NUL truncation) or split headers. One check refuses them
// everywhere, at validation; nothing is silently stripped from what a
// person wrote.

// TextKind says which line structure a text field may have.
type TextKind int

const (
	// SingleLine fields (titles, names, labels) hold no line break or tab.
	SingleLine TextKind = iota
	// MultiLine fields (descriptions, notes, instructions) may hold line
	// breaks (LF, CR) and tabs.
	MultiLine
)

// DisallowedRune reports a rune that has no place in a human text field of
// kind: every C0 and C1 control character and DEL, and the Unicode line
// and paragraph separators, except LF, CR and TAB in multi-line fields.
func DisallowedRune(r rune, kind TextKind) bool {
	switch {
	case r == '\n' || r == '\r' || r == '\t':
		return kind != MultiLine
	case r == '\u2028' || r == '\u2029':
		// Line breaks by another name: refused where LF is.
		return kind != MultiLine
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	}
	return false
}

// TextProblem is what is wrong with s as a text field of kind ("" when
// nothing is): invalid UTF-8, or the first disallowed character.
func TextProblem(s string, kind TextKind) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return DisallowedRune(r, kind) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		if kind == SingleLine && (r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029') {
			return "must be a single line (no line breaks or tabs)"
		}
		return fmt.Sprintf("must not contain control characters (found U+%04X)", r)
	}
	return ""
}

// Text reports a human text field holding invalid UTF-8 or a character
// kind does not allow. Length and presence are checked apart (MaxLen,
// Required).
func Text(fields *[]FieldError, name, value string, kind TextKind) {
	if p := TextProblem(value, kind); p != "" {
		*fields = append(*fields, Field(name, "%s", p))
	}
}

// Texts is Text on every entry of a list, named name[i].
func Texts(fields *[]FieldError, name string, values []string, kind TextKind) {
	for i, v := range values {
		if p := TextProblem(v, kind); p != "" {
			*fields = append(*fields, Field(name+"["+strconv.Itoa(i)+"]", "%s", p))
		}
	}
}

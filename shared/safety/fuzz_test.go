package safety

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// Messages come straight from people: whatever the bytes, Check never
// panics, gives the same verdict twice, and a message that escalates
// still escalates when ordinary text comes before and after it (no
// padding can hide a crisis phrase).
func FuzzCheck(f *testing.F) {
	ordinary := []string{"How do I talk to my manager about a raise?"}
	if _, err := os.Stat(ordinaryFile); err == nil {
		ordinary = ordinary[:0]
		for _, q := range loadCorpus[ordinaryQuestion](f, ordinaryFile, "questions") {
			ordinary = append(ordinary, q.Text)
		}
		for _, p := range loadCorpus[crisisPhrase](f, crisisFile, "phrases") {
			f.Add(p.Text, p.Lang, uint8(len(p.Text)), uint8(len(p.Lang)))
		}
	}
	// Padding that ends in a negation or starts with an exception must
	// not reach across the line break.
	ordinary = append(ordinary, "I would never", "nunca", "jamais", "nicht", "לא", "of laughter lol", "de risa", "warten", "I ran 5")
	for _, s := range []string{"", "kms", "k.i.l.l myself", "ich kann nicht mehr", "I want to die of", "-kill myself-", "\u0301kill myself", "a.b.c.", "ולהתאבד", "\xff\xfe", strings.Repeat("want to ", 200) + "die"} {
		f.Add(s, "en", uint8(0), uint8(1))
	}
	f.Fuzz(func(t *testing.T, text, lang string, pre, post uint8) {
		r := Check(text, lang)
		if r != Check(text, lang) {
			t.Fatalf("Check(%q) is not deterministic", text)
		}
		if r.Escalate != (r.Category != None) || r.Escalate != (r.Lang != "") {
			t.Fatalf("Check(%q) = %+v is inconsistent", text, r)
		}
		if !r.Escalate {
			return
		}
		p := ordinary[int(pre)%len(ordinary)]
		s := ordinary[int(post)%len(ordinary)]
		for _, padded := range []string{p + "\n" + text, text + "\n" + s, p + "\n" + text + "\n" + s} {
			if !Check(padded, lang).Escalate {
				t.Fatalf("Check(%q) escalates but Check(%q) does not", text, padded)
			}
		}
		for _, tok := range tokenize(text) {
			if tok.s == "" || !utf8.ValidString(tok.s) {
				t.Fatalf("tokenize(%q): bad token %q", text, tok.s)
			}
		}
	})
}

package pii

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzRedact: whatever a user types, Redact does not panic, its spans are
// in order, inside the text and on character boundaries, no value it
// found is left standing as a word, and Restore gives the text back.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		benchMessage,
		"Dana Levi <dana@example.com> +972 52-123-4567 IL62 0108 0000 0009 9999 999",
		"4111 1111 1111 1111 2027 0044 20 7946 0958",
		"my colleague Zoltan; Zoltan!",
		"לדני ולנועה ברחוב הרצל 12",
		"ana at example dot com 12 rue de la Paix Hauptstraße 12",
		"[NAME_1] [ [EMAIL_",
		"\xff\xfe Ma\u0301ria",
	} {
		f.Add(s)
	}
	r := New(Options{Names: []string{"Dana Levi", "María de la Cruz", "נועה ברק", "Will Turner"}})
	f.Fuzz(func(t *testing.T, text string) {
		red := r.Redact(text)
		bounds := map[int]bool{len(text): true}
		for i := range text { // an invalid byte counts as one character
			bounds[i] = true
		}
		prev := 0
		for _, s := range red.Spans {
			if s.Start < prev || s.End <= s.Start || s.End > len(text) {
				t.Fatalf("bad span %+v after %d in %q", s, prev, text)
			}
			if !bounds[s.Start] || !bounds[s.End] {
				t.Fatalf("span %+v splits a character in %q", s, text)
			}
			prev = s.End
		}
		for _, s := range red.Spans {
			v := text[s.Start:s.End]
			for off := 0; ; {
				i := strings.Index(red.Text[off:], v)
				if i < 0 {
					break
				}
				if wordBounded(red.Text, off+i, off+i+len(v)) && !insidePlaceholder(red.Text, off+i) {
					t.Fatalf("%s %q still in %q (from %q)", s.Kind, v, red.Text, text)
				}
				off += i + 1
			}
		}
		if !strings.Contains(text, "[") {
			if got := red.Restore(red.Text); got != text {
				t.Fatalf("Restore(%q) = %q, want %q", red.Text, got, text)
			}
		}
	})
}

// insidePlaceholder reports whether position i of a redacted text is
// within a placeholder (a value such as "NAME" or "1" may match there).
func insidePlaceholder(s string, i int) bool {
	open := strings.LastIndexByte(s[:i+1], '[')
	if open < 0 {
		return false
	}
	closeRel := strings.IndexByte(s[open:], ']')
	return closeRel >= 0 && open+closeRel >= i && isPlaceholderPrefix(s[open:open+closeRel])
}

// benchMessage is a 1,000-character coaching message with some of every
// kind.
var benchMessage = func() string {
	s := "Hi coach, I had a rough week. My manager Dana Levi asked me to lead the Points of View workshop on 12/03/2025 at 10:30 " +
		"for 15 people, and I said yes although I was exhausted. My colleague Rebecca thinks I should push back, and my friend " +
		"Zoltan keeps telling me to take a break. You can reach me at jo.smith+coach@example.com or +44 20 7946 0958 if the " +
		"session moves. I paid the 1.200 € deposit with my card 4111 1111 1111 1111 and the venue wants the rest sent to " +
		"DE89 3704 0044 0532 0130 00 before Friday. The venue is at 12 rue de la Paix, which is 2 hours from home (221B Baker " +
		"Street). I drew the cards Balance, Choice and Pause this morning. Balance made me think about how I never say no. " +
		"How can I tell Dana that I need support without sounding weak? And how do I stop feeling guilty when I rest? "
	for len(s) < 1000 {
		s += "I keep thinking about it. "
	}
	return s[:1000]
}()

// orgNames builds n distinct "First Last" names.
func orgNames(n int) []string {
	firsts := []string{"Ana", "Ben", "Chen", "Dolores", "Eitan", "Fatima", "Gustav", "Hila", "Ines", "Jonas", "Keren", "Liam", "Mathilde", "Nadav", "Olga", "Pablo"}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s Member%04d", firsts[i%len(firsts)], i)
	}
	return out
}

// BenchmarkRedact: one 1,000-character message with 2,000 known names
// (the Redactor is built once per ask, outside the loop).
func BenchmarkRedact(b *testing.B) {
	r := New(Options{Names: orgNames(2000)})
	b.SetBytes(int64(len(benchMessage)))
	b.ReportAllocs()
	for b.Loop() {
		r.Redact(benchMessage)
	}
}

// BenchmarkNew: building a Redactor for an organisation of 2,000.
func BenchmarkNew(b *testing.B) {
	names := orgNames(2000)
	b.ReportAllocs()
	for b.Loop() {
		New(Options{Names: names})
	}
}

// BenchmarkRestorer: streaming a 1,000-character answer in 20-byte chunks.
func BenchmarkRestorer(b *testing.B) {
	red := New(Options{Names: orgNames(2000)}).Redact(benchMessage)
	answer := red.Text
	b.ReportAllocs()
	for b.Loop() {
		rs := red.NewRestorer()
		for i := 0; i < len(answer); i += 20 {
			rs.Write(answer[i:min(i+20, len(answer))])
		}
		rs.Flush()
	}
}

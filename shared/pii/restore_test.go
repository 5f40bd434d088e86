package pii

import (
	"strings"
	"testing"
)

func TestRestore(t *testing.T) {
	t.Parallel()
	r := New(Options{Names: []string{"Dana Levi"}})
	red := r.Redact("Dana wrote from dana@example.com and +44 20 7946 0958; Dana again.")
	if want := "[NAME_1] wrote from [EMAIL_1] and [PHONE_1]; [NAME_1] again."; red.Text != want {
		t.Fatalf("redacted %q, want %q", red.Text, want)
	}
	tests := []struct{ name, answer, want string }{
		{"placeholders", "Tell [NAME_1] to write to [EMAIL_1].", "Tell Dana to write to dana@example.com."},
		{"repeated", "[NAME_1], [NAME_1]!", "Dana, Dana!"},
		{"made up", "Ask [NAME_9] and [CARD_1] and [NAME_1].", "Ask [NAME_9] and [CARD_1] and Dana."},
		{"brackets", "[[NAME_1]] [NAME_1 [name_1] [NAME_", "[Dana] [NAME_1 [name_1] [NAME_"},
		{"none", "No placeholders here.", "No placeholders here."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := red.Restore(tt.answer); got != tt.want {
				t.Errorf("Restore(%q) = %q, want %q", tt.answer, got, tt.want)
			}
		})
	}
}

// TestRestorerSplits feeds an answer to a Restorer cut at every pair of
// positions and checks the output equals Restore of the whole.
func TestRestorerSplits(t *testing.T) {
	t.Parallel()
	r := New(Options{Names: []string{"Lucía Gómez", "נועה ברק"}})
	red := r.Redact("Lucía Gómez (lucia@example.es, +34 612 34 56 78) vive en Calle Mayor 5; נועה ברק לא.")
	answers := []string{
		"Hola [NAME_1], escribe a [EMAIL_1] o llama al [PHONE_1]. [ADDRESS_1] [NAME_2]",
		"[NAME_1][NAME_2][EMAIL_1]",
		"x [NAME_9] [NAME_ [NAM [PHONE_1] [[ADDRESS_1] ] [",
		"ש[NAME_2] אמרה ל[NAME_1]",
	}
	for _, a := range answers {
		want := red.Restore(a)
		if strings.Contains(want, "[NAME_1]") {
			t.Fatalf("placeholder not restored in %q", want)
		}
		for i := 0; i <= len(a); i++ {
			for j := i; j <= len(a); j++ {
				rs := red.NewRestorer()
				got := rs.Write(a[:i]) + rs.Write(a[i:j]) + rs.Write(a[j:]) + rs.Flush()
				if got != want {
					t.Fatalf("split %d,%d of %q: got %q, want %q", i, j, a, got, want)
				}
			}
		}
		rs := red.NewRestorer()
		var b strings.Builder
		for i := 0; i < len(a); i++ {
			b.WriteString(rs.Write(a[i : i+1]))
		}
		b.WriteString(rs.Flush())
		if b.String() != want {
			t.Fatalf("byte by byte: got %q, want %q", b.String(), want)
		}
	}
}

// TestRestorerHoldsOnlyPlaceholders checks the Restorer shows text as
// soon as it cannot be a placeholder.
func TestRestorerHoldsOnlyPlaceholders(t *testing.T) {
	t.Parallel()
	red := New(Options{Names: []string{"Dana"}}).Redact("Dana")
	tests := []struct{ chunk, shown string }{
		{"Hello [", "Hello "},
		{"NA", ""},
		{"ME_1] and [x", "Dana and [x"},
		{"] [EMAIL_1234567", "] [EMAIL_1234567"},
		{" [ADDRESS_", " "},
	}
	rs := red.NewRestorer()
	for _, tt := range tests {
		if got := rs.Write(tt.chunk); got != tt.shown {
			t.Errorf("Write(%q) = %q, want %q", tt.chunk, got, tt.shown)
		}
	}
	if got := rs.Flush(); got != "[ADDRESS_" {
		t.Errorf("Flush() = %q", got)
	}
}

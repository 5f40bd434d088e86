package functions

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrefixWriter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"lines", []string{"a\nb\n"}, "[f] a\n[f] b\n"},
		{"split line", []string{"he", "llo\nwor", "ld\n"}, "[f] hello\n[f] world\n"},
		{"blank flush lines dropped", []string{"\n\na\n\r\n"}, "[f] a\n"},
		{"unterminated line held", []string{"partial"}, ""},
		{"very long line flushed", []string{strings.Repeat("x", tailBytes+1)}, "[f] " + strings.Repeat("x", tailBytes+1) + "\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		tl := &tail{}
		w := &prefixWriter{prefix: []byte("[f] "), w: &out, tail: tl}
		for _, s := range tt.writes {
			if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
				t.Fatalf("%s: Write = %d, %v", tt.name, n, err)
			}
		}
		if out.String() != tt.want {
			t.Errorf("%s: wrote %q, want %q", tt.name, out.String(), tt.want)
		}
		if got := tl.String(); len(got) > tailBytes || !strings.HasSuffix(strings.Join(tt.writes, ""), got) {
			t.Errorf("%s: tail %q is not the end of the output", tt.name, got)
		}
	}
}

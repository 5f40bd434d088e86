package authz

import (
	"strings"
	"testing"
)

func TestValidDocID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"org-lumen": true, "ZpAaXFWS9SBoiq37": true, "ünïcode": true, strings.Repeat("a", 128): true,
		"": false, ".": false, "..": false, "__name__": false, "a/b": false, "a b": false, "a\x00": false,
		"a\x7f": false, "\x9e\x8a": false, strings.Repeat("a", 129): false,
	} {
		if got := ValidDocID(id); got != want {
			t.Errorf("ValidDocID(%q) = %v, want %v", id, got, want)
		}
	}
}

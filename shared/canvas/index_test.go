package canvas

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestBetweenExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ a, b, want string }{
		{"", "", "a0"},
		{"", "a0", "Zz"},
		{"", "Zz", "Zy"},
		{"a0", "", "a1"},
		{"a1", "", "a2"},
		{"a0", "a1", "a0V"},
		{"a1", "a2", "a1V"},
		{"a0V", "a1", "a0l"},
		{"Zz", "a0", "ZzV"},
		{"Zz", "a1", "a0"},
		{"", "Y00", "Xzzz"},
		{"bzz", "", "c000"},
		{"a0", "a0V", "a0G"},
		{"a0", "a0G", "a08"},
		{"b125", "b129", "b127"},
		{"a0", "a1V", "a1"},
		{"Zz", "a01", "a0"},
		{"", "a0V", "a0"},
		{"", "b999", "b99"},
		{"zzzzzzzzzzzzzzzzzzzzzzzzzzy", "", "zzzzzzzzzzzzzzzzzzzzzzzzzzz"},
		{"zzzzzzzzzzzzzzzzzzzzzzzzzzz", "", "zzzzzzzzzzzzzzzzzzzzzzzzzzzV"},
		{"a00", "", "a1"}, // not valid: a fraction ending in 0
	} {
		got, err := Between(tc.a, tc.b)
		if tc.a == "a00" {
			if err == nil {
				t.Errorf("Between(%q, %q) accepted a malformed index", tc.a, tc.b)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Between(%q, %q) = %q, %v; want %q", tc.a, tc.b, got, err, tc.want)
		}
	}
	for _, bad := range [][2]string{{"a1", "a0"}, {"a0", "a0"}, {"x", ""}, {"", "a"}, {"A00000000000000000000000000", ""}, {"a0!", ""}} {
		if _, err := Between(bad[0], bad[1]); err == nil {
			t.Errorf("Between(%q, %q) did not fail", bad[0], bad[1])
		}
	}
}

func TestValidIndex(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"a0": true, "a0V": true, "Zz": true, "b12": true, "zzzzzzzzzzzzzzzzzzzzzzzzzzz": true,
		"": false, "a": false, "a00": false, "b1": false, "a0 ": false, "A00000000000000000000000000": false, "é0": false,
	} {
		if ValidIndex(s) != want {
			t.Errorf("ValidIndex(%q) = %v", s, !want)
		}
	}
}

// TestBetweenProperty: for random ordered pairs of valid indexes,
// Between sorts strictly between them and is itself valid.
func TestBetweenProperty(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(16, 2026))
	keys := []string{"a0"}
	// Grow a pool by inserting at random places, ends included.
	for range 3000 {
		slices.Sort(keys)
		i := rng.IntN(len(keys) + 1)
		a, b := "", ""
		if i > 0 {
			a = keys[i-1]
		}
		if i < len(keys) {
			b = keys[i]
		}
		k, err := Between(a, b)
		if err != nil {
			t.Fatalf("Between(%q, %q): %v", a, b, err)
		}
		if !ValidIndex(k) || (a != "" && k <= a) || (b != "" && k >= b) {
			t.Fatalf("Between(%q, %q) = %q", a, b, k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for range 20000 {
		i, j := rng.IntN(len(keys)), rng.IntN(len(keys))
		if i == j {
			continue
		}
		a, b := keys[min(i, j)], keys[max(i, j)]
		k, err := Between(a, b)
		if err != nil || k <= a || k >= b || !ValidIndex(k) {
			t.Fatalf("Between(%q, %q) = %q, %v", a, b, k, err)
		}
	}
	// Repeated insertion in one gap grows slowly; at the end, not at all.
	a, b := "a0", "a1"
	for range 1000 {
		k, _ := Between(a, b)
		b = k
	}
	if len(b) > 200 {
		t.Errorf("1000 insertions in one gap made a %d-byte index", len(b))
	}
	end := "a0"
	for range 10000 {
		end, _ = Between(end, "")
	}
	if len(end) > 4 || strings.ContainsAny(end[:1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t.Errorf("10000 appends made %q", end)
	}
}

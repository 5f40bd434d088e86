package random

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
	"testing"
)

// le is a byte stream of the given 64-bit values, as Intn reads them.
func le(vs ...uint64) io.Reader {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return bytes.NewReader(b)
}

func TestIntn(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		src  io.Reader
		n    int
		want int
		err  bool
	}{
		{le(7), 5, 2, false},
		{le(math.MaxUint64, 9), 10, 9, false}, // the top value would favour 0…5: rejected, next read
		{le(0), 1, 0, false},
		{le(1), 0, 0, true},
		{bytes.NewReader([]byte{1, 2}), 3, 0, true}, // the source runs dry
	} {
		got, err := Intn(c.src, c.n)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("Intn(n=%d) = %d, %v; want %d (error %v)", c.n, got, err, c.want, c.err)
		}
	}
	if _, err := Intn(bytes.NewReader(nil), 3); !errors.Is(err, io.EOF) {
		t.Errorf("dry source: %v, want io.EOF wrapped", err)
	}
}

func TestShuffleAndSample(t *testing.T) {
	t.Parallel()
	in := []int{0, 1, 2, 3, 4, 5, 6, 7}
	for range 50 {
		s := slices.Clone(in)
		if err := Shuffle(rand.Reader, len(s), func(i, j int) { s[i], s[j] = s[j], s[i] }); err != nil {
			t.Fatal(err)
		}
		if slices.Sort(s); !slices.Equal(s, in) {
			t.Fatalf("shuffle lost elements: %v", s)
		}
		got, err := Sample(rand.Reader, in, 3)
		if err != nil || len(got) != 3 {
			t.Fatalf("Sample = %v, %v", got, err)
		}
		slices.Sort(got)
		if got = slices.Compact(got); len(got) != 3 {
			t.Fatalf("Sample repeated an element: %v", got)
		}
	}
	if got, _ := Sample(rand.Reader, in, 99); len(got) != len(in) {
		t.Fatalf("Sample over the length = %d items", len(got))
	}
	if !slices.Equal(in, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("Sample changed its input: %v", in)
	}
	// A fixed stream gives a fixed result: the same bytes, the same draw.
	a, _ := Sample(le(3, 1, 4), in, 3)
	b, _ := Sample(le(3, 1, 4), in, 3)
	if !slices.Equal(a, b) || !slices.Equal(a, []int{3, 2, 6}) {
		t.Fatalf("fixed stream: %v and %v", a, b)
	}
}

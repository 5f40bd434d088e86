// Package random draws uniformly from a caller-supplied byte source:
// crypto/rand.Reader where the outcome must not be predictable (face-down
// card draws, breakout rooms), a fixed reader where a test needs one
// outcome. Every draw reads 8 bytes at a time and rejects values that
// would favour some results (no modulo bias), so a given byte stream
// always gives the same result.
package random

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
)

// Intn is a uniform integer in [0, n) read from r. n must be positive.
func Intn(r io.Reader, n int) (int, error) {
	if n <= 0 {
		return 0, fmt.Errorf("random: bound %d is not positive", n)
	}
	un := uint64(n)
	bound := math.MaxUint64 - math.MaxUint64%un // a multiple of n
	var b [8]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("random: reading the source: %w", err)
		}
		if v := binary.LittleEndian.Uint64(b[:]); v < bound {
			return int(v % un), nil
		}
	}
}

// Shuffle puts n elements in random order (Fisher–Yates), swapping through
// swap.
func Shuffle(r io.Reader, n int, swap func(i, j int)) error {
	for i := n - 1; i > 0; i-- {
		j, err := Intn(r, i+1)
		if err != nil {
			return err
		}
		swap(i, j)
	}
	return nil
}

// Sample returns k of items (all of them when k exceeds their number) in
// random order, by a partial Fisher–Yates shuffle of a copy; items is not
// changed.
func Sample[T any](r io.Reader, items []T, k int) ([]T, error) {
	c := slices.Clone(items)
	k = max(min(k, len(c)), 0)
	for i := range k {
		j, err := Intn(r, len(c)-i)
		if err != nil {
			return nil, err
		}
		c[i], c[i+j] = c[i+j], c[i]
	}
	return c[:k], nil
}

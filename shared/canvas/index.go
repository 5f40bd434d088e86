package canvas

import (
	"errors"
	"fmt"
	"strings"
)

// Fractional indexes (the z property). An index is an integer part — a
// head letter giving its length (a…z: 2…27 characters, positive; A…Z:
// 2…27 characters, negative) followed by base-62 digits — and an optional
// fraction of base-62 digits that does not end in "0". Indexes compare
// as plain strings (digits 0-9 < A-Z < a-z in byte order), so Firestore
// and JavaScript order them the same way. Between follows the widely used
// "fractional-indexing" scheme (Evan Wallace, rocicorp): appending at
// either end grows the integer part and keeps keys short; inserting
// between two neighbours grows the fraction by about one digit per six
// insertions in the same gap.

const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// smallestInteger is the least integer part; nothing can be put before
// it, so it is not a valid index.
var smallestInteger = "A" + strings.Repeat("0", 26)

var errIndexEnd = errors.New("canvas: no index beyond the end of the order")

func digitOf(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

func integerLength(head byte) int {
	switch {
	case 'a' <= head && head <= 'z':
		return int(head-'a') + 2
	case 'A' <= head && head <= 'Z':
		return int('Z'-head) + 2
	}
	return 0
}

// integerPart is the integer part of a well-formed index ("" if none).
func integerPart(key string) string {
	if key == "" {
		return ""
	}
	n := integerLength(key[0])
	if n == 0 || n > len(key) {
		return ""
	}
	return key[:n]
}

func validIndex(s string) bool {
	if s == "" || s == smallestInteger || len(s) > 4096 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if digitOf(s[i]) < 0 {
			return false
		}
	}
	i := integerPart(s)
	if i == "" {
		return false
	}
	f := s[len(i):]
	return !strings.HasSuffix(f, "0")
}

func between(a, b string) (string, error) {
	if a != "" && !validIndex(a) {
		return "", fmt.Errorf("canvas: %q is not a fractional index", a)
	}
	if b != "" && !validIndex(b) {
		return "", fmt.Errorf("canvas: %q is not a fractional index", b)
	}
	if a != "" && b != "" && a >= b {
		return "", fmt.Errorf("canvas: index %q is not before %q", a, b)
	}
	switch {
	case a == "" && b == "":
		return "a0", nil
	case a == "":
		ib := integerPart(b)
		fb := b[len(ib):]
		if ib == smallestInteger {
			return ib + midpoint("", fb), nil
		}
		if ib < b {
			return ib, nil
		}
		res, ok := decrementInteger(ib)
		if !ok {
			return "", errIndexEnd
		}
		return res, nil
	case b == "":
		ia := integerPart(a)
		fa := a[len(ia):]
		i, ok := incrementInteger(ia)
		if !ok {
			return ia + midpoint(fa, ""), nil
		}
		return i, nil
	}
	ia, ib := integerPart(a), integerPart(b)
	fa, fb := a[len(ia):], b[len(ib):]
	if ia == ib {
		return ia + midpoint(fa, fb), nil
	}
	i, ok := incrementInteger(ia)
	if !ok {
		return "", errIndexEnd
	}
	if i < b {
		return i, nil
	}
	return ia + midpoint(fa, ""), nil
}

// midpoint is a fraction strictly between fractions a and b (b "" = 1),
// given a < b and neither ending in "0".
func midpoint(a, b string) string {
	if b != "" {
		// The common prefix, with a padded by zeros.
		n := 0
		for n < len(b) {
			ca := byte('0')
			if n < len(a) {
				ca = a[n]
			}
			if ca != b[n] {
				break
			}
			n++
		}
		if n > 0 {
			rest := ""
			if n < len(a) {
				rest = a[n:]
			}
			return b[:n] + midpoint(rest, b[n:])
		}
	}
	da := 0
	if a != "" {
		da = digitOf(a[0])
	}
	db := len(digits)
	if b != "" {
		db = digitOf(b[0])
	}
	if db-da > 1 {
		return string(digits[(da+db+1)/2])
	}
	if len(b) > 1 {
		return b[:1]
	}
	rest := ""
	if a != "" {
		rest = a[1:]
	}
	return string(digits[da]) + midpoint(rest, "")
}

func incrementInteger(x string) (string, bool) {
	head, ds := x[0], []byte(x[1:])
	carry := true
	for i := len(ds) - 1; carry && i >= 0; i-- {
		if d := digitOf(ds[i]) + 1; d == len(digits) {
			ds[i] = '0'
		} else {
			ds[i], carry = digits[d], false
		}
	}
	if !carry {
		return string(head) + string(ds), true
	}
	switch head {
	case 'Z':
		return "a0", true
	case 'z':
		return "", false
	}
	h := head + 1
	if h > 'a' {
		ds = append(ds, '0')
	} else {
		ds = ds[:len(ds)-1]
	}
	return string(h) + string(ds), true
}

func decrementInteger(x string) (string, bool) {
	head, ds := x[0], []byte(x[1:])
	borrow := true
	for i := len(ds) - 1; borrow && i >= 0; i-- {
		if d := digitOf(ds[i]) - 1; d == -1 {
			ds[i] = digits[len(digits)-1]
		} else {
			ds[i], borrow = digits[d], false
		}
	}
	if !borrow {
		return string(head) + string(ds), true
	}
	switch head {
	case 'a':
		return "Z" + string(digits[len(digits)-1]), true
	case 'A':
		return "", false
	}
	h := head - 1
	if h < 'Z' {
		ds = append(ds, digits[len(digits)-1])
	} else {
		ds = ds[:len(ds)-1]
	}
	return string(h) + string(ds), true
}

package pii

// digitGroup is a run of digits in the text.
type digitGroup struct{ start, end int }

// digitRuns splits text into runs of digit groups joined by one space,
// dash or dot ("4111 1111-1111 1111"), which is how people write cards
// and phone numbers.
func digitRuns(text string, joiners string) [][]digitGroup {
	var runs [][]digitGroup
	var cur []digitGroup
	i := 0
	for i < len(text) {
		if !isDigit(text[i]) {
			i++
			continue
		}
		s := i
		for i < len(text) && isDigit(text[i]) {
			i++
		}
		g := digitGroup{s, i}
		if len(cur) > 0 {
			last := cur[len(cur)-1]
			gap := text[last.end:s]
			if !(len(gap) == 1 && containsByte(joiners, gap[0])) {
				runs = append(runs, cur)
				cur = nil
			}
		}
		cur = append(cur, g)
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// findCards finds 13–19 digit numbers passing the Luhn check. Within a
// run of groups every window of whole groups is tried, longest first, so
// "4111 1111 1111 1111 2027" still yields the card.
func findCards(text string, out []Span) []Span {
	var digits []byte
	for _, run := range digitRuns(text, " -") {
		for i := 0; i < len(run); i++ {
			if text[run[i].start] == '0' {
				continue // no card number starts with 0; "0044 …" is a phone
			}
			if run[i].end-run[i].start < 3 {
				continue // cards are written in groups of 4 to 6 digits, the last maybe fewer
			}
			// The windows starting at group i with at most 19 digits.
			last, n := i-1, 0
			for last+1 < len(run) && n+run[last+1].end-run[last+1].start <= 19 {
				g := run[last+1].end - run[last+1].start
				if g < 2 {
					break
				}
				last++
				n += g
				if g == 2 {
					break // only the last group may be short ("3056 9309 0259 04")
				}
			}
			for j := last; j >= i; j-- {
				digits = digits[:0]
				for _, g := range run[i : j+1] {
					digits = append(digits, text[g.start:g.end]...)
				}
				if n := len(digits); n < 13 || !luhn(digits) {
					continue
				}
				s, e := run[i].start, run[j].end
				if !wordBounded(text, s, e) || (s > 0 && text[s-1] == '+') {
					continue
				}
				out = append(out, Span{Kind: Card, Start: s, End: e})
				i = j
				break
			}
		}
	}
	return out
}

// luhn reports whether the digits pass the Luhn checksum.
func luhn(digits []byte) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

package pii

import (
	"regexp"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// defaultRegions are where the five languages are spoken, plus close
// neighbours, tried for numbers written without a country code.
var defaultRegions = []string{"US", "GB", "ES", "MX", "AR", "FR", "DE", "AT", "CH", "IL", "CA", "BE", "IT", "PT", "NL", "CO", "CL"}

// trunk0 are regions where a national number is always written with a
// leading 0 (or the international form).
var trunk0 = map[string]bool{"GB": true, "FR": true, "DE": true, "AT": true, "CH": true, "IL": true, "BE": true, "NL": true, "AR": true}

func phoneRegions(first string) []string {
	first = strings.ToUpper(strings.TrimSpace(first))
	out := make([]string, 0, len(defaultRegions)+1)
	if first != "" {
		out = append(out, first)
	}
	for _, r := range defaultRegions {
		if r != first {
			out = append(out, r)
		}
	}
	return out
}

// phoneCandidates yields deliberately permissive candidates: a run of
// digits with the usual separators (spaces, dots, dashes, slashes,
// parentheses), an optional leading + or "(". Validation by
// libphonenumber, not this scan, decides.
func phoneCandidates(text string, yield func(s, e int)) {
	const maxLen = 32
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !(isDigit(c) || c == '+' || c == '(') {
			continue
		}
		if i > 0 && (isDigit(text[i-1]) || isASCIILetter(text[i-1])) {
			continue
		}
		j := i + 1
		for j < len(text) && j-i < maxLen {
			c := text[j]
			if isDigit(c) || c == ' ' || c == '.' || c == '-' || c == '/' || c == '(' || c == ')' || c == '\t' {
				j++
				continue
			}
			if strings.HasPrefix(text[j:], "\u00a0") {
				j += len("\u00a0")
				continue
			}
			break
		}
		e := j
		for e > i && !isDigit(text[e-1]) {
			e--
		}
		if e-i >= 7 {
			yield(i, e)
		}
		i = max(i, j-1)
	}
}

var (
	dateRe      = regexp.MustCompile(`^\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}$`)
	yearRangeRe = regexp.MustCompile(`^(?:19|20)\d\d\s*[\-/]\s*(?:19|20)?\d\d$`)
	thousandsRe = regexp.MustCompile(`^\d{1,3}(?:[.,]\d{3})+$`)
)

// findPhones finds phone numbers: candidates that libphonenumber finds
// valid for their own country code or for one of the Redactor's regions.
// Dates, year ranges, amounts and short counts are never candidates.
func (r *Redactor) findPhones(text string, out []Span) []Span {
	phoneCandidates(text, func(s, e int) {
		// Trim a parenthesis that only closes or opens the sentence.
		c := text[s:e]
		if strings.Count(c, "(") != strings.Count(c, ")") {
			if c[0] == '(' && !strings.Contains(c, ")") {
				s++
			}
		}
		for e > s && !isDigit(text[e-1]) {
			e--
		}
		c = text[s:e]
		if overlapsAny(out, s, e) {
			return // part of an email, IBAN or card already found
		}
		if !r.isPhone(text, s, e, c) {
			// A candidate may glue a phone to a neighbouring number
			// ("3 0612345678"); retry without its first group.
			if sp := strings.IndexAny(c, " \t"); sp > 0 && sp < len(c)-8 {
				s2 := s + sp + 1
				if r.isPhone(text, s2, e, text[s2:e]) {
					out = append(out, Span{Kind: Phone, Start: s2, End: e})
				}
			}
			return
		}
		out = append(out, Span{Kind: Phone, Start: s, End: e})
	})
	return out
}

func (r *Redactor) isPhone(text string, s, e int, c string) bool {
	if s > 0 {
		p := text[s-1]
		if isDigit(p) || isASCIILetter(p) || strings.ContainsRune("$€£¥#", rune(p)) {
			return false
		}
		if strings.HasSuffix(text[:s], "€") || strings.HasSuffix(text[:s], "₪") || strings.HasSuffix(text[:s], "£") {
			return false
		}
	}
	if e < len(text) && (isASCIILetter(text[e]) || text[e] == '%' || strings.HasPrefix(text[e:], "€")) {
		return false
	}
	digits := 0
	for i := 0; i < len(c); i++ {
		if isDigit(c[i]) {
			digits++
		}
	}
	intl := c[0] == '+' || strings.HasPrefix(c, "(+") || strings.HasPrefix(c, "00")
	switch {
	case intl && (digits < 8 || digits > 17):
		return false
	case !intl && (digits < 9 || digits > 13):
		return false
	}
	if !intl && (dateRe.MatchString(c) || yearRangeRe.MatchString(c) || thousandsRe.MatchString(c)) {
		return false
	}
	if intl {
		num, err := phonenumbers.Parse(c, "DE") // any region whose exit code is 00
		return err == nil && (phonenumbers.IsValidNumber(num) || (c[0] == '+' && phonenumbers.IsPossibleNumber(num)))
	}
	national0 := c[0] == '0' || strings.HasPrefix(c, "(0")
	for _, reg := range r.regions {
		if !national0 && trunk0[reg] {
			// There a number written without its leading 0 is a
			// local one, indistinguishable from an order number.
			continue
		}
		num, err := phonenumbers.Parse(c, reg)
		if err == nil && phonenumbers.IsValidNumberForRegion(num, reg) {
			return true
		}
	}
	return false
}

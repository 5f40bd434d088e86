package pii

// ibanLengths is the IBAN length of each country in the SWIFT registry.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
	"LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
	"MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
	"PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
	"YE": 30,
}

// findIBANs finds IBANs written compact or in groups ("DE89 3704 0044
// 0532 0130 00", also lower case or with dashes): two letters, two check
// digits, then exactly as many characters as the country's IBAN has,
// ending at a word boundary, with a valid mod-97 check.
func findIBANs(text string, out []Span) []Span {
	var buf [40]byte
	for i := 0; i+4 <= len(text); i++ {
		if !isASCIILetter(text[i]) || !isASCIILetter(text[i+1]) || !isDigit(text[i+2]) || !isDigit(text[i+3]) {
			continue
		}
		if i > 0 && (isASCIILetter(text[i-1]) || isDigit(text[i-1])) {
			continue // must start a word
		}
		cc := string([]byte{upper(text[i]), upper(text[i+1])})
		n, ok := ibanLengths[cc]
		if !ok {
			continue
		}
		b := buf[:0]
		j := i
		for j < len(text) && len(b) < n {
			c := text[j]
			switch {
			case isDigit(c) || isASCIILetter(c):
				b = append(b, upper(c))
				j++
			case (c == ' ' || c == '-') && j+1 < len(text) && len(b) >= 4 && (isDigit(text[j+1]) || isASCIILetter(text[j+1])):
				j++
			default:
				goto done
			}
		}
	done:
		if len(b) != n || (j < len(text) && (isDigit(text[j]) || isASCIILetter(text[j]))) {
			continue
		}
		if !ibanChecksum(b) {
			continue
		}
		out = append(out, Span{Kind: IBAN, Start: i, End: j})
		i = j - 1
	}
	return out
}

// ibanChecksum applies ISO 7064 mod 97-10 to the rearranged IBAN.
func ibanChecksum(b []byte) bool {
	rem := 0
	add := func(c byte) bool {
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
		return true
	}
	for _, c := range b[4:] {
		if !add(c) {
			return false
		}
	}
	for _, c := range b[:4] {
		if !add(c) {
			return false
		}
	}
	return rem == 1
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

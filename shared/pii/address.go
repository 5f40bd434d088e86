package pii

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Street addresses are found by their shape in each language: a house
// number next to a street word. A postcode with its city is taken along
// when it follows. Cities alone, countries and bare street names ("on
// Baker Street") are not personal enough to redact.
var (
	// en: "221B Baker Street", "1600 Pennsylvania Ave NW, Washington, DC 20500", "10 Downing St."
	addressEn = regexp.MustCompile(`^\d{1,5}[A-Za-z]?(?:[-–]\d{1,5})?,?\s+(?:(?:[NSEW]\.?|North|South|East|West|[A-Z][\p{L}'\-]*\.?)\s+){1,4}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Pl|Way|Terrace|Close|Crescent|Square|Sq|Highway|Hwy|Parkway|Pkwy|Row|Mews|Gardens|Grove)\b\.?(?:\s+(?:NW|NE|SW|SE)\b)?(?:,?\s*(?:Apt|Apartment|Suite|Ste|Flat|Unit)\.?\s*#?[A-Za-z0-9]+)?(?:,\s*[A-Z][\p{L}\-]+(?:\s[A-Z][\p{L}\-]+)?,?\s*(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}))?`)
	// fr: "12 rue de la Paix", "8 bis, boulevard Saint-Michel, 75005 Paris"
	addressFr = regexp.MustCompile(`^\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|bd|boulevard|place|allée|allee|impasse|chemin|quai|route|cours|square|passage|chaussée|villa|cité)\s+(?:(?:de\s+la|de\s+l'|du|des|de|d'|la|le|les|l')\s*)?[\p{L}][\p{L}'\-]*(?:\s+(?:(?:de\s+la|de\s+l'|du|des|de|d'|la|le|les|l'|et|sur|sous)\s*)?[\p{Lu}][\p{L}'\-]*){0,4}(?:,?\s*\d{4,5}\s+[\p{Lu}][\p{L}\-]+(?:[\s\-][\p{Lu}][\p{L}\-]+)*)?`)
	// es: "Calle Mayor 5", "Avenida de la Constitución, 12, 3º B", "Av. Insurgentes Sur 1602", "C/ Alcalá 48, 28014 Madrid"
	addressEs = regexp.MustCompile(`(?:\b(?i:calle|avenida|avda|av|paseo|plaza|pza|camino|carrera|ronda|traves[ií]a|glorieta|calzada|callej[oó]n|carretera|bulevar|pasaje)\b\.?|\b[Cc]/)\s*(?:(?:de|del|la|las|los|el|y|[\p{Lu}\d][\p{L}'.\-]*)\s+){1,6}?,?\s*(?:n[º°o]\.?\s*|núm\.?\s*|#\s*)?\d{1,5}[A-Za-z]?\b(?:,?\s*\d{1,2}\s?[º°ª]\s?[A-Za-z]?\b)?(?:,\s*(?:C\.?P\.?\s*)?\d{5},?\s+[\p{Lu}][\p{L}]+(?:\s(?:de\s)?[\p{Lu}][\p{L}]+)?)?`)
	// de: "Hauptstraße 12", "Berliner Str. 5a", "Am Rosenweg 3, 80331 München", "Bahnhofplatz 1"
	addressDe  = regexp.MustCompile(`[\p{Lu}][\p{L}\-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|graben)\s*\d{1,4}\s?[a-zA-Z]?\b(?:,?\s*(?:[DAdach]{1,2}-)?\d{4,5}\s+[\p{Lu}][\p{L}\-]+(?:\s(?:am|an|im)\s[\p{Lu}][\p{L}]+)?)?`)
	addressDe2 = regexp.MustCompile(`(?:[\p{Lu}][\p{L}\-]*\s+){1,3}(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer|Chaussee)\s*\d{1,4}\s?[a-zA-Z]?\b(?:,?\s*(?:[DAdach]{1,2}-)?\d{4,5}\s+[\p{Lu}][\p{L}\-]+)?`)
	// he: "רחוב הרצל 12", "שדרות רוטשילד 22", "רח' אבן גבירול 30" (a prefix letter such as ב stays outside)
	addressHe = regexp.MustCompile(`(?:רחוב|רח['׳]|שדרות|שד['׳]|שדרת|סמטת|סמטה|כיכר|ככר|שביל)\s+[\p{Hebrew}"'׳״\-]+(?:\s+[\p{Hebrew}"'׳״\-]+){0,2}\s+\d{1,4}`)

	esWords = []string{"calle", "avenida", "avda", "av.", "av ", "paseo", "plaza", "pza", "camino", "carrera", "ronda",
		"traves", "glorieta", "calzada", "callej", "carretera", "bulevar", "pasaje", "c/"}
	deWords = []string{"straße", "strasse", "str.", "weg", "platz", "allee", "gasse", "ring", "damm", "ufer",
		"chaussee", "steig", "pfad", "markt", "graben"}
	heWords = []string{"רחוב", "רח'", "רח׳", "שדרות", "שד'", "שד׳", "שדרת", "סמטת", "סמטה", "כיכר", "ככר", "שביל"}
)

// findAddresses finds street addresses. The patterns that start with the
// house number (en, fr) are tried only where a number starts a word; the
// others only when one of their street words is in the text and, for
// German, is followed by a number. Regular expressions over the whole
// text would cost more than all other detectors together.
func findAddresses(text string, out []Span) []Span {
	if !hasDigit(text) {
		return out
	}
	add := func(s, e int) {
		e = s + len(strings.TrimRight(text[s:e], " ,.'"))
		out = append(out, Span{Kind: Address, Start: s, End: e})
	}
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) || (i > 0 && (isDigit(text[i-1]) || isASCIILetter(text[i-1]))) {
			continue
		}
		end := min(len(text), i+200)
		for _, re := range []*regexp.Regexp{addressEn, addressFr} {
			if m := re.FindStringIndex(text[i:end]); m != nil {
				add(i, i+m[1])
				break
			}
		}
	}
	lower := asciiLower(text)
	if containsAny(lower, esWords) {
		for _, m := range addressEs.FindAllStringIndex(text, -1) {
			add(m[0], m[1])
		}
	}
	if keywordBeforeDigit(lower, deWords) {
		for _, re := range []*regexp.Regexp{addressDe, addressDe2} {
			for _, m := range re.FindAllStringIndex(text, -1) {
				add(m[0], m[1])
			}
		}
	}
	if containsAny(text, heWords) {
		for _, m := range addressHe.FindAllStringIndex(text, -1) {
			if hebrewWordStart(text, m[0]) {
				add(m[0], m[1])
			}
		}
	}
	return out
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// keywordBeforeDigit reports whether a word of words is followed, after
// at most a space, by a digit ("Hauptstraße 12", "Str.5").
func keywordBeforeDigit(lower string, words []string) bool {
	for _, w := range words {
		for off := 0; ; {
			i := strings.Index(lower[off:], w)
			if i < 0 {
				break
			}
			j := off + i + len(w)
			off = j
			if j < len(lower) && lower[j] == ' ' {
				j++
			}
			if j < len(lower) && isDigit(lower[j]) {
				return true
			}
		}
	}
	return false
}

func hasDigit(s string) bool { return strings.IndexAny(s, "0123456789") >= 0 }

// hebrewWordStart reports whether pos starts a word, possibly after one
// or two joined prefix letters ("ברחוב", "וברחוב" but not "דנירחוב").
func hebrewWordStart(text string, pos int) bool {
	for range 3 {
		if leftBounded(text, pos) {
			return true
		}
		r, n := utf8.DecodeLastRuneInString(text[:pos])
		if !strings.ContainsRune(hebrewPrefixes, r) {
			return false
		}
		pos -= n
	}
	return false
}

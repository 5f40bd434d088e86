package vertex

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// normalize prepares text for feature extraction: NFKC (full-width forms,
// ligatures), case folding, Latin diacritics and Hebrew points (niqqud,
// cantillation) removed. Letters of every script are kept as they are.
func normalize(s string) string {
	s = cases.Fold().String(norm.NFKC.String(s))
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	latinBase := false
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			if latinBase || (r >= 0x0591 && r <= 0x05C7) {
				continue
			}
			b.WriteRune(r)
			continue
		}
		latinBase = unicode.Is(unicode.Latin, r)
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// isWordRune: letters, digits and combining marks (needed by scripts such
// as Devanagari whose vowels are marks) make words.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// isIdeo reports scripts written without spaces, where each character is
// taken as its own word.
func isIdeo(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai)
}

// words splits normalised text into words.
func words(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		switch {
		case isIdeo(r):
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, string(r))
		case isWordRune(r):
			if start < 0 {
				start = i
			}
		default:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// countTokens is the deterministic tokenizer behind CountTokens and
// usageMetadata: a word costs one token per four characters (rounded up),
// an ideograph one token, and every other non-space symbol one token.
func countTokens(s string) int {
	n, run := 0, 0
	for _, r := range s {
		switch {
		case isIdeo(r):
			n += (run + 3) / 4
			run = 0
			n++
		case isWordRune(r):
			run++
		default:
			n += (run + 3) / 4
			run = 0
			if !unicode.IsSpace(r) {
				n++
			}
		}
	}
	return n + (run+3)/4
}

// billableChars counts characters other than white space, as Vertex bills.
func billableChars(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// truncateTokens cuts s after at most max tokens of countTokens.
func truncateTokens(s string, max int) (string, bool) {
	if countTokens(s) <= max {
		return s, false
	}
	// Binary search over rune boundaries keeps this linear-logarithmic.
	idx := make([]int, 0, len(s))
	for i := range s {
		idx = append(idx, i)
	}
	idx = append(idx, len(s))
	lo, hi := 0, len(idx)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if countTokens(s[:idx[mid]]) <= max {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return s[:idx[lo]], true
}

// stopwords are function words of the languages the platform serves
// (English, Spanish, Portuguese, French, German, Italian, Hebrew). They are
// down-weighted, not dropped, so a text made only of them still embeds.
var stopwords = func() map[string]bool {
	lists := []string{
		// en
		"a an and are as at be been but by can could did do does for from had has have he her his how i if in into is it its me my no not of on or our she so than that the their them then there these they this to up us was we were what when where which who why will with would you your yours about just more most some such before after again also only very still even much many each every over under through because while really someone something anything anyone want would could should might must help helps",
		// es
		"el la los las un una unos unas y o de del al en que es son por para con sin se su sus lo le les mi mis tu tus me te nos como mas pero si no ya muy cuando donde quien cual este esta estos estas ese esa eso hay ser estar fue era yo tu usted ella ellos algo alguien hacer puedo puede quiero antes despues tambien solo siempre nunca",
		// pt
		"os as um uma e do da dos das em no na nos nas por para com sem se seu sua como mais mas nao sim ja muito quando onde quem qual isso esta este ser estar foi era eu voce ela eles",
		// fr
		"le la les un une des et ou de du au aux en que qui est sont par pour avec sans se sa son ses ce cet cette ces je tu il elle nous vous ils elles ne pas plus mais si",
		// de
		"der die das ein eine und oder von zu im in ist sind mit fur auf den dem des nicht ich du er sie es wir ihr was wie wenn",
		// it
		"il lo gli i un uno una e di da in che per con su non si mi ti ci vi al del della",
		// he
		"את של על עם אני אתה את הוא היא הם הן אנחנו זה זאת זו אלה לא כן גם או אם כי מה מי איך למה כל יש אין רק עוד כבר היה היתה להיות אשר לי לך לו לה לנו שלי שלך",
	}
	m := map[string]bool{}
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			m[w] = true
		}
	}
	return m
}()

// latinSuffixes are stripped (longest first, once) by the light stemmer.
// They cover inflection shared by the Latin-script languages we serve;
// stripping more than needed is harmless because queries and documents
// are stemmed alike and character n-grams carry the rest.
var latinSuffixes = []string{
	"amientos", "imientos", "amiento", "imiento", "aciones", "iciones",
	"ations", "mente", "ments", "ation", "acion", "icion", "cion", "ness",
	"ings", "ando", "iendo", "ment", "ing", "ies", "ado", "ada", "ido", "ida",
	"ed", "ly", "es", "ar", "er", "ir", "s", "a", "o", "e",
}

var hebrewFinals = strings.NewReplacer("ך", "כ", "ם", "מ", "ן", "נ", "ף", "פ", "ץ", "צ")

// stem reduces a normalised word to a crude multilingual stem.
func stem(w string) string {
	r, _ := utf8.DecodeRuneInString(w)
	switch {
	case unicode.Is(unicode.Hebrew, r):
		return stemHebrew(w)
	case unicode.Is(unicode.Latin, r):
		n := utf8.RuneCountInString(w)
		if n <= 3 {
			return w
		}
		for _, suf := range latinSuffixes {
			if strings.HasSuffix(w, suf) && n-utf8.RuneCountInString(suf) >= 3 {
				w = strings.TrimSuffix(w, suf)
				break
			}
		}
		// "hopping"/"hoping" and "pausa"/"pause" meet at one stem.
		if k := len(w); k >= 4 && w[k-1] == w[k-2] && w[k-1] < utf8.RuneSelf {
			w = w[:k-1]
		}
		return w
	default:
		return w
	}
}

// stemHebrew folds final letter forms, strips up to two one-letter
// prefixes (ו ש then ה ב ל מ כ) and the plural endings ים / ות, keeping at
// least three letters.
func stemHebrew(w string) string {
	w = hebrewFinals.Replace(w)
	rs := []rune(w)
	if len(rs) >= 4 && (rs[0] == 'ו' || rs[0] == 'ש') {
		rs = rs[1:]
	}
	if len(rs) >= 4 && strings.ContainsRune("הבלמכ", rs[0]) {
		rs = rs[1:]
	}
	if n := len(rs); n >= 5 {
		if (rs[n-2] == 'י' && rs[n-1] == 'מ') || (rs[n-2] == 'ו' && rs[n-1] == 'ת') {
			rs = rs[:n-2]
		}
	}
	return string(rs)
}

// splitSentences cuts text into sentences at . ! ? (and their CJK and
// Arabic forms) followed by a space, and at line ends; list bullets are
// removed so each list item is its own sentence.
func splitSentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimLeft(line, "-*•·–— \t")
		if i := strings.IndexAny(line, ".)"); i > 0 && i <= 3 && isDigits(line[:i]) {
			line = strings.TrimSpace(line[i+1:])
		}
		start := 0
		rs := []rune(line)
		for i, r := range rs {
			if !strings.ContainsRune(".!?。！？؟", r) {
				continue
			}
			if i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
				continue
			}
			if s := strings.TrimSpace(string(rs[start : i+1])); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
		if s := strings.TrimSpace(string(rs[start:])); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

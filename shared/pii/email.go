package pii

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// emailRe matches an address with a Unicode local part and domain
// (plus-addressing, sub-domains, IDN domains such as "müller.de"). It is
// run anchored where a local part starts, found from each "@".
var emailRe = regexp.MustCompile(`^[\p{L}\p{N}._%+\-']+@[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?)*\.\p{L}{2,}`)

// spelledEmailRe matches addresses written out to dodge filters: "ana at
// example dot com", "ana [at] example [dot] com", "ana arroba example
// punto es", "ana arobase example point fr", "ana (at) example punkt de",
// "ana שטרודל example נקודה com". The top-level domain must be a known
// one, so "meet at noon dot" does not match.
var spelledEmailRe = regexp.MustCompile(`^(?i)[\p{L}\p{N}._%+\-]+\s*(?:[\[(<{]\s*(?:at|@|arroba|arobase|ät)\s*[\])>}]|\s(?:at|arroba|arobase|ät|שטרודל)\s)\s*[\p{L}\p{N}\-]+(?:\s*(?:[\[(<{]\s*(?:dot|punto|point|punkt|נקודה|\.)\s*[\])>}]|\s(?:dot|punto|point|punkt|נקודה)\s|\.)\s*[\p{L}\p{N}\-]+)*\s*(?:[\[(<{]\s*(?:dot|punto|point|punkt|נקודה|\.)\s*[\])>}]|\s(?:dot|punto|point|punkt|נקודה)\s|\.)\s*(?:com|org|net|edu|gov|info|io|co|es|mx|ar|fr|de|at|ch|il|uk|us|eu|be|it|nl|pt|ca|me|app|dev)\b`)

// spelledAt are the ways "@" is spelled out, lower case.
var spelledAt = []string{" at ", "[at]", "(at)", "{at}", "<at>", "[@]", "(@)", " arroba ", " arobase ", "(ät)", "[ät]", " ät ", " שטרודל "}

func findEmails(text string, out []Span) []Span {
	for off := 0; ; {
		i := strings.IndexByte(text[off:], '@')
		if i < 0 {
			break
		}
		at := off + i
		off = at + 1
		s := localPartStart(text, at)
		for s < at && (text[s] == '.' || text[s] == '\'') {
			s++
		}
		m := emailRe.FindStringIndex(text[s:])
		if m == nil {
			continue
		}
		e := s + m[1]
		// A trailing full stop ends the sentence, not the address.
		for e > s && (text[e-1] == '.' || text[e-1] == '-') {
			e--
		}
		out = append(out, Span{Kind: Email, Start: s, End: e})
		off = e
	}
	lower := asciiLower(text)
	for _, at := range spelledAt {
		for off := 0; ; {
			i := strings.Index(lower[off:], at)
			if i < 0 {
				break
			}
			p := off + i
			off = p + 1
			// Back over the spaces or bracket before the word, then
			// over the local part.
			s := p
			for s > 0 && strings.IndexByte(" [({<", text[s-1]) >= 0 {
				s--
			}
			s = localPartStart(text, s)
			if s == p {
				continue
			}
			end := min(len(text), p+160)
			if m := spelledEmailRe.FindStringIndex(text[s:end]); m != nil {
				out = append(out, Span{Kind: Email, Start: s, End: s + m[1]})
			}
		}
	}
	return out
}

// localPartStart walks left from i over the characters an address's
// local part may have.
func localPartStart(text string, i int) int {
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:i])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || strings.ContainsRune("._%+-'", r)) {
			break
		}
		i -= n
	}
	return i
}

// asciiLower lowercases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

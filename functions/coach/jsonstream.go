package coach

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// answerStream pulls the top-level "answer" string out of a JSON object
// that arrives in pieces, decoded, as soon as each piece is in: the
// streamed answer shows its words before the model has finished the rest
// of the object. Other members are skipped. It never fails: what is not
// well-formed JSON simply yields nothing.
type answerStream struct {
	depth     int
	inStr     bool
	esc       bool
	hex       []byte // \uXXXX digits so far
	inHex     bool
	high      rune // a high surrogate waiting for its pair
	isKey     bool
	expectKey bool
	key       strings.Builder
	lastKey   string
	capture   bool
	done      bool
	out       []byte // decoded but not yet returned (may end mid-rune)
}

// Write takes the next piece and returns the answer text it completes.
func (s *answerStream) Write(piece string) string {
	for i := 0; i < len(piece); i++ {
		s.step(piece[i])
	}
	return s.take()
}

// Flush returns whatever is held back.
func (s *answerStream) Flush() string {
	out := string(s.out)
	s.out = s.out[:0]
	return out
}

// take returns the complete runes decoded so far, holding back an
// incomplete one at the end.
func (s *answerStream) take() string {
	n := len(s.out)
	for cut := n; cut > 0 && cut > n-utf8.UTFMax; cut-- {
		if utf8.RuneStart(s.out[cut-1]) {
			if !utf8.FullRune(s.out[cut-1:]) {
				n = cut - 1
			}
			break
		}
	}
	out := string(s.out[:n])
	s.out = append(s.out[:0], s.out[n:]...)
	return out
}

func (s *answerStream) emitByte(b byte) {
	switch {
	case s.capture:
		s.out = append(s.out, b)
	case s.isKey:
		s.key.WriteByte(b)
	}
}

func (s *answerStream) emitRune(r rune) {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, b := range buf[:n] {
		s.emitByte(b)
	}
}

func (s *answerStream) step(c byte) {
	if !s.inStr {
		switch c {
		case '{':
			s.depth++
			if s.depth == 1 {
				s.expectKey = true
			}
		case '[':
			s.depth++
		case '}', ']':
			s.depth--
		case ',':
			if s.depth == 1 {
				s.expectKey = true
			}
		case ':':
			if s.depth == 1 {
				s.expectKey = false
			}
		case '"':
			s.inStr = true
			switch {
			case s.depth == 1 && s.expectKey:
				s.isKey = true
				s.key.Reset()
			case s.depth == 1 && s.lastKey == "answer" && !s.done:
				s.capture = true
			}
		}
		return
	}
	switch {
	case s.inHex:
		s.hex = append(s.hex, c)
		if len(s.hex) < 4 {
			return
		}
		s.inHex = false
		v, err := strconv.ParseUint(string(s.hex), 16, 32)
		s.hex = s.hex[:0]
		if err != nil {
			return
		}
		r := rune(v)
		switch {
		case utf16.IsSurrogate(r) && r < 0xDC00:
			s.high = r
		case utf16.IsSurrogate(r) && s.high != 0:
			s.emitRune(utf16.DecodeRune(s.high, r))
			s.high = 0
		default:
			s.high = 0
			s.emitRune(r)
		}
	case s.esc:
		s.esc = false
		switch c {
		case 'n':
			s.emitByte('\n')
		case 't':
			s.emitByte('\t')
		case 'r':
			s.emitByte('\r')
		case 'b':
			s.emitByte('\b')
		case 'f':
			s.emitByte('\f')
		case 'u':
			s.inHex = true
		default:
			s.emitByte(c)
		}
	case c == '\\':
		s.esc = true
	case c == '"':
		s.inStr = false
		if s.isKey {
			s.lastKey = s.key.String()
			s.isKey = false
		}
		if s.capture {
			s.capture = false
			s.done = true
		}
	default:
		s.emitByte(c)
	}
}

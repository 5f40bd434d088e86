package pii

import "strings"

// maxPlaceholderDigits bounds the number in a placeholder, so a stray
// "[NAME_" followed by endless digits is not held back forever.
const maxPlaceholderDigits = 6

// Restore puts the originals back in place of the placeholders in s.
// Placeholders this Redaction never issued ("[NAME_9]" made up by the
// model) are left as they are.
func (d *Redaction) Restore(s string) string {
	if len(d.vals) == 0 || strings.IndexByte(s, '[') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16*len(d.vals))
	for {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, ']')
		if j > 0 {
			if v, ok := d.vals[s[:j+1]]; ok {
				b.WriteString(v)
				s = s[j+1:]
				continue
			}
		}
		b.WriteByte('[')
		s = s[1:]
	}
	return b.String()
}

// Restorer restores placeholders in a text that arrives in chunks, where
// a placeholder may be split between chunks. Its output, concatenated,
// equals Restore of the whole text.
type Restorer struct {
	d    *Redaction
	held string
}

// NewRestorer returns a Restorer for d.
func (d *Redaction) NewRestorer() *Restorer { return &Restorer{d: d} }

// Write takes the next chunk and returns the text that can be shown now
// (a possible placeholder's beginning is held back).
func (r *Restorer) Write(chunk string) string {
	s := r.held + chunk
	cut := len(s)
	if i := strings.LastIndexByte(s, '['); i >= 0 && isPlaceholderPrefix(s[i:]) {
		cut = i
	}
	r.held = s[cut:]
	return r.d.Restore(s[:cut])
}

// Flush returns what was held back, restored.
func (r *Restorer) Flush() string {
	s := r.held
	r.held = ""
	return r.d.Restore(s)
}

// isPlaceholderPrefix reports whether s, starting with "[", could still
// grow into a placeholder such as "[ADDRESS_12]" but is not closed yet.
func isPlaceholderPrefix(s string) bool {
	rest := s[1:]
	for _, k := range kinds {
		name := strings.ToUpper(string(k)) + "_"
		if len(rest) <= len(name) {
			if strings.HasPrefix(name, rest) {
				return true
			}
			continue
		}
		if !strings.HasPrefix(rest, name) {
			continue
		}
		digits := rest[len(name):]
		if len(digits) > maxPlaceholderDigits {
			return false
		}
		for i := 0; i < len(digits); i++ {
			if !isDigit(digits[i]) {
				return false
			}
		}
		return true
	}
	return false
}

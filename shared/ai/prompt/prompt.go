// Package prompt defines how retrieved passages travel inside a prompt, the
// one convention that shared/ai writes and the local Vertex emulator reads.
//
// A passage block starts on a line of its own with a marker, followed by the
// passage text, and runs until a blank line, the next marker or the end:
//
//	Sources:
//
//	[source: card-pause-01] A pause is not empty time. It is the
//	moment in which we notice what we feel before we answer.
//
//	[source: card-courage-02] Courage grows in small steps …
//
// The model is told (SystemRule) to cite every source it uses inline with
// the same marker, "[source: ID]", so citations can be read back from the
// answer (Citations) whatever model wrote it.
//
// An ID is 1–128 characters of letters, digits and . _ : / - (no spaces,
// no brackets), so it can never be confused with passage text.
package prompt

import (
	"fmt"
	"regexp"
	"strings"
)

// Passage is one retrieved piece of content with its stable id.
type Passage struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Header introduces the passage block in a user turn.
const Header = "Sources:"

// SystemRule is appended to the system instruction whenever passages are
// sent, so any model (Gemini or the local one) grounds and cites alike.
const SystemRule = "Answer only from the sources in the user's message; each starts with [source: ID]. " +
	"After each statement that uses a source, cite it as [source: ID]. " +
	"If the sources do not cover the question, say so and ask one reflective question instead. " +
	"Never copy a source word for word."

const maxIDLen = 128

var (
	idRe     = regexp.MustCompile(`^[\p{L}\p{N}._:/-]{1,128}$`)
	markerRe = regexp.MustCompile(`^\s*(?:[-*•]\s*)?\[source:\s*([^\]\s]{1,128})\s*\]\s?`)
	citeRe   = regexp.MustCompile(`\[source:\s*([^\]]{1,600})\]`)
	blankRe  = regexp.MustCompile(`\n\s*\n`)
)

// ValidID reports whether id may be used as a passage id.
func ValidID(id string) bool { return len(id) <= maxIDLen && idRe.MatchString(id) }

// Format renders passages as a block ready to be sent as one text part,
// starting with Header. Blank lines inside a passage are folded so they
// cannot end it early. It fails on an invalid or duplicate id.
func Format(passages []Passage) (string, error) {
	var b strings.Builder
	b.WriteString(Header)
	seen := make(map[string]bool, len(passages))
	for _, p := range passages {
		if !ValidID(p.ID) {
			return "", fmt.Errorf("prompt: invalid passage id %q", p.ID)
		}
		if seen[p.ID] {
			return "", fmt.Errorf("prompt: duplicate passage id %q", p.ID)
		}
		seen[p.ID] = true
		text := strings.TrimSpace(strings.ReplaceAll(p.Text, "\r", ""))
		text = blankRe.ReplaceAllString(text, "\n")
		// A passage line that looks like a marker would start a new
		// passage: break the pattern without changing the reading.
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			if markerRe.MatchString(l) {
				lines[i] = "(" + strings.TrimSpace(l) + ")"
			}
		}
		b.WriteString("\n\n[source: ")
		b.WriteString(p.ID)
		b.WriteString("] ")
		b.WriteString(strings.Join(lines, "\n"))
	}
	return b.String(), nil
}

// Parse finds the passage blocks in text and returns them in order, with
// the rest of the text (everything outside the blocks, Header lines
// dropped) trimmed. Passages with an empty text are skipped; a repeated id
// keeps its first text.
func Parse(text string) (passages []Passage, rest string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var (
		restLines []string
		cur       *Passage
		seen      = map[string]bool{}
	)
	flush := func() {
		if cur == nil {
			return
		}
		cur.Text = strings.TrimSpace(cur.Text)
		if cur.Text != "" && !seen[cur.ID] {
			seen[cur.ID] = true
			passages = append(passages, *cur)
		}
		cur = nil
	}
	for _, line := range strings.Split(text, "\n") {
		if m := markerRe.FindStringSubmatchIndex(line); m != nil {
			id := line[m[2]:m[3]]
			if ValidID(id) {
				flush()
				cur = &Passage{ID: id, Text: line[m[1]:]}
				continue
			}
		}
		if strings.TrimSpace(line) == "" {
			flush()
			restLines = append(restLines, line)
			continue
		}
		if cur != nil {
			cur.Text += "\n" + line
			continue
		}
		if strings.TrimSpace(line) == Header {
			continue
		}
		restLines = append(restLines, line)
	}
	flush()
	rest = strings.TrimSpace(blankRe.ReplaceAllString(strings.Join(restLines, "\n"), "\n\n"))
	return passages, rest
}

// Citations returns the ids cited in an answer as [source: ID] (or
// [source: A, B]), unique, in order of first appearance.
func Citations(answer string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range citeRe.FindAllStringSubmatch(answer, -1) {
		for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			if ValidID(id) && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// Cite renders the inline citation marker for id.
func Cite(id string) string { return "[source: " + id + "]" }

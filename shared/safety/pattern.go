package safety

import (
	"fmt"
	"strings"
)

// The pattern language, one phrase per string, words separated by
// spaces. Words are normalised like messages (tokenize), so they are
// written as people write them ("don't", "müde", "לחיות").
//
//	word      the word itself
//	word*     a word that starts with "word" ("suicid*")
//	*word     a word that ends with "word"
//	(a|b c)   one of the alternatives, each one or more words
//	[a|b c]   the same, or nothing
//	~         a gap of 0–3 words: never a negation, never across the end
//	          of a sentence
//	$         the clause ends here (punctuation or the end of the text)
//	#         at the start only: not right after a number ("#kms")
//	!pattern  at the end only, repeatable: the phrase does not count when
//	          this follows in the same clause ("want to die !(of laughter)
//	          !laughing")
//
// Groups do not nest. Hebrew words also match after one or two leading
// proclitic letters (variants), so "לחיות" matches "ולחיות".

type stepKind uint8

const (
	stepExact stepKind = iota
	stepPrefix
	stepSuffix
	stepGap
	stepEnd
)

type step struct {
	kind stepKind
	s    string
}

// phrase is one compiled pattern: a sequence of slots, each a choice of
// step sequences (an optional group holds an empty one). Only a leading
// optional group is expanded (into a phrase with it and one without), so
// every phrase starts with a word the index can find.
type phrase struct {
	slots  [][][]step
	unless []*phrase
	// notAfterNumber: the phrase does not count right after a number in
	// the same clause ("5 kms" is a distance).
	notAfterNumber bool
	cat            Category
	lang           string
	src            string // the pattern it came from, for test failures
}

// maxGap is how many words a ~ may skip.
const maxGap = 3

// compilePattern compiles a pattern into its phrases.
func compilePattern(src string, cat Category, lang string) ([]*phrase, error) {
	body, rest, _ := strings.Cut(src, "!")
	var unless []*phrase
	for rest != "" {
		var exc string
		exc, rest, _ = strings.Cut(rest, "!")
		ps, err := compileSlots(src, exc)
		if err != nil {
			return nil, fmt.Errorf("exception: %w", err)
		}
		for _, p := range ps {
			unless = append(unless, &phrase{slots: p, src: exc})
		}
	}
	body, notAfterNumber := strings.CutPrefix(strings.TrimSpace(body), "#")
	seqs, err := compileSlots(src, body)
	if err != nil {
		return nil, err
	}
	out := make([]*phrase, 0, len(seqs))
	for _, slots := range seqs {
		out = append(out, &phrase{slots: slots, unless: unless, notAfterNumber: notAfterNumber, cat: cat, lang: lang, src: src})
	}
	return out, nil
}

// compileSlots compiles the words and groups of body into slot lists,
// one per way of leaving out its leading optional groups.
func compileSlots(src, body string) ([][][][]step, error) {
	var slots [][][]step
	rest := strings.TrimSpace(body)
	for rest != "" {
		var alts [][]step
		switch rest[0] {
		case '(', '[':
			closer := ")"
			if rest[0] == '[' {
				closer = "]"
			}
			end := strings.Index(rest, closer)
			if end < 0 {
				return nil, fmt.Errorf("pattern %q: unclosed group", src)
			}
			for _, alt := range strings.Split(rest[1:end], "|") {
				steps, err := wordSteps(alt)
				if err != nil {
					return nil, fmt.Errorf("pattern %q: %w", src, err)
				}
				if len(steps) == 0 {
					return nil, fmt.Errorf("pattern %q: empty alternative", src)
				}
				alts = append(alts, steps)
			}
			if closer == "]" {
				alts = append(alts, nil)
			}
			rest = rest[end+1:]
		default:
			end := strings.IndexAny(rest, " ([")
			if end < 0 {
				end = len(rest)
			}
			steps, err := wordSteps(rest[:end])
			if err != nil {
				return nil, fmt.Errorf("pattern %q: %w", src, err)
			}
			alts = [][]step{steps}
			rest = rest[end:]
		}
		slots = append(slots, alts)
		rest = strings.TrimSpace(rest)
	}
	return leading(src, slots)
}

// leading expands leading optional groups so that every alternative of
// the first slot starts with a word.
func leading(src string, slots [][][]step) ([][][][]step, error) {
	if len(slots) == 0 {
		return nil, fmt.Errorf("pattern %q: a phrase must start with a word", src)
	}
	var required [][]step
	optional := false
	for _, alt := range slots[0] {
		if len(alt) == 0 {
			optional = true
			continue
		}
		if k := alt[0].kind; k == stepGap || k == stepEnd {
			return nil, fmt.Errorf("pattern %q: a phrase must start with a word", src)
		}
		required = append(required, alt)
	}
	out := [][][][]step{append([][][]step{required}, slots[1:]...)}
	if optional {
		more, err := leading(src, slots[1:])
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// wordSteps compiles a run of plain words (no groups).
func wordSteps(s string) ([]step, error) {
	var out []step
	for _, w := range strings.Fields(s) {
		switch {
		case w == "~":
			out = append(out, step{kind: stepGap})
			continue
		case w == "$":
			out = append(out, step{kind: stepEnd})
			continue
		}
		end := len(w) > 1 && strings.HasSuffix(w, "$")
		w = strings.TrimSuffix(w, "$")
		kind := stepExact
		switch {
		case strings.HasSuffix(w, "*"):
			kind, w = stepPrefix, strings.TrimSuffix(w, "*")
		case strings.HasPrefix(w, "*"):
			kind, w = stepSuffix, strings.TrimPrefix(w, "*")
		}
		toks := tokenize(w)
		if len(toks) == 0 {
			return nil, fmt.Errorf("word %q normalises to nothing", w)
		}
		for i, t := range toks {
			k := stepExact
			if (kind == stepPrefix && i == len(toks)-1) || (kind == stepSuffix && i == 0) {
				k = kind
			}
			out = append(out, step{kind: k, s: t.s})
		}
		if end {
			out = append(out, step{kind: stepEnd})
		}
	}
	return out, nil
}

// matches reports whether word step st matches token t (or one of its
// variants).
func (st step) matches(t *token) bool {
	for _, v := range t.vs[:t.nv] {
		switch st.kind {
		case stepExact:
			if v == st.s {
				return true
			}
		case stepPrefix:
			if strings.HasPrefix(v, st.s) {
				return true
			}
		case stepSuffix:
			if strings.HasSuffix(v, st.s) {
				return true
			}
		}
	}
	return false
}

func (m *matcher) matchSlot(p *phrase, si int, toks []token, i int) bool {
	if si == len(p.slots) {
		return !m.excepted(p, toks, i)
	}
	for _, alt := range p.slots[si] {
		if m.matchSteps(p, si, alt, toks, i) {
			return true
		}
	}
	return false
}

// matchSteps matches the rest of one alternative of slot si, then the
// slots after it.
func (m *matcher) matchSteps(p *phrase, si int, steps []step, toks []token, i int) bool {
	if len(steps) == 0 {
		return m.matchSlot(p, si+1, toks, i)
	}
	st := steps[0]
	switch st.kind {
	case stepEnd:
		if i == len(toks) || toks[i].brk {
			return m.matchSteps(p, si, steps[1:], toks, i)
		}
		return false
	case stepGap:
		for k := 0; k <= maxGap; k++ {
			if k > 0 {
				j := i + k - 1 // the word skipped last
				if j >= len(toks) || toks[j].hard || m.negator[toks[j].s] {
					return false
				}
				if j+1 < len(toks) && toks[j+1].hard {
					return false
				}
			}
			if m.matchSteps(p, si, steps[1:], toks, i+k) {
				return true
			}
		}
		return false
	default:
		if i < len(toks) && st.matches(&toks[i]) {
			return m.matchSteps(p, si, steps[1:], toks, i+1)
		}
		return false
	}
}

// excepted reports whether one of p's exceptions follows at i in the same
// clause.
func (m *matcher) excepted(p *phrase, toks []token, i int) bool {
	if i >= len(toks) || toks[i].brk {
		return false
	}
	for _, u := range p.unless {
		if m.matchSlot(u, 0, toks, i) {
			return true
		}
	}
	return false
}

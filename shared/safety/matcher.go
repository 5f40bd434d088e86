package safety

import (
	"fmt"
	"slices"
)

// matcher holds every language's phrases, indexed by their first word.
// It is built once at init and never changed, so Check needs no lock.
type matcher struct {
	exact  map[string][]entry
	prefix map[string][]entry
	suffix map[string][]entry
	// prefixLens, suffixLens: the byte lengths of the prefix and suffix
	// keys, so a token's look-up tries only those.
	prefixLens, suffixLens []int
	// negator: words that, just before a phrase, turn it around ("I would
	// never hurt myself"). breaker: words that end a negation's scope
	// ("but", "and").
	negator, breaker map[string]bool
}

// entry is a phrase filed under the first word of one alternative of its
// first slot; matching starts with that alternative only.
type entry struct {
	p   *phrase
	alt int
}

// negationWindow is how many words before a phrase a negation reaches.
const negationWindow = 3

func newMatcher(langs []language) (*matcher, error) {
	m := &matcher{
		exact:   map[string][]entry{},
		prefix:  map[string][]entry{},
		suffix:  map[string][]entry{},
		negator: map[string]bool{},
		breaker: map[string]bool{},
	}
	for _, l := range langs {
		for _, w := range l.negators {
			for _, t := range tokenize(w) {
				m.negator[t.s] = true
			}
		}
		for _, w := range l.breakers {
			for _, t := range tokenize(w) {
				m.breaker[t.s] = true
			}
		}
		for _, r := range l.rules {
			for _, src := range r.patterns {
				ps, err := compilePattern(src, r.cat, l.code)
				if err != nil {
					return nil, err
				}
				for _, p := range ps {
					if err := m.index(p); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return m, nil
}

// index files p under the first word of each alternative of its first
// slot.
func (m *matcher) index(p *phrase) error {
	for i, alt := range p.slots[0] {
		first, e := alt[0], entry{p, i}
		switch first.kind {
		case stepExact:
			m.exact[first.s] = append(m.exact[first.s], e)
		case stepPrefix:
			m.prefix[first.s] = append(m.prefix[first.s], e)
			m.prefixLens = addLen(m.prefixLens, len(first.s))
		case stepSuffix:
			m.suffix[first.s] = append(m.suffix[first.s], e)
			m.suffixLens = addLen(m.suffixLens, len(first.s))
		default:
			return fmt.Errorf("pattern %q: bad first step", p.src)
		}
	}
	return nil
}

func addLen(lens []int, n int) []int {
	if slices.Contains(lens, n) {
		return lens
	}
	lens = append(lens, n)
	slices.Sort(lens)
	return lens
}

// better reports whether a is a better verdict than b for a message in
// lang: the more severe category first, then a phrase of the person's
// language.
func better(a, b *phrase, lang string) bool {
	if b == nil {
		return true
	}
	if sa, sb := severity(a.cat), severity(b.cat); sa != sb {
		return sa > sb
	}
	return a.lang == lang && b.lang != lang
}

// find returns the best unnegated phrase in toks, or nil.
func (m *matcher) find(toks []token, lang string) *phrase {
	var best *phrase
	try := func(es []entry, i int) {
		for _, e := range es {
			if (best == nil || better(e.p, best, lang)) && m.matchSteps(e.p, 0, e.p.slots[0][e.alt], toks, i) && !m.negated(toks, i) && !(e.p.notAfterNumber && afterNumber(toks, i)) {
				best = e.p
			}
		}
	}
	for i := range toks {
		t := &toks[i]
		for _, v := range t.vs[:t.nv] {
			try(m.exact[v], i)
			for _, l := range m.prefixLens {
				if l > len(v) {
					break
				}
				if es, ok := m.prefix[v[:l]]; ok {
					try(es, i)
				}
			}
			for _, l := range m.suffixLens {
				if l > len(v) {
					break
				}
				if es, ok := m.suffix[v[len(v)-l:]]; ok {
					try(es, i)
				}
			}
		}
	}
	return best
}

// negated reports whether a negation in the same clause, at most
// negationWindow words before position i, turns the phrase there around.
func (m *matcher) negated(toks []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-negationWindow; j-- {
		if toks[j+1].brk || m.breaker[toks[j].s] {
			return false
		}
		if m.negator[toks[j].s] {
			return true
		}
	}
	return false
}

// afterNumber reports whether the word before position i, in the same
// clause, is a number.
func afterNumber(toks []token, i int) bool {
	if i == 0 || toks[i].brk {
		return false
	}
	s := toks[i-1].s
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

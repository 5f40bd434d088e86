package textmerge

import (
	"slices"
	"strings"
)

// merger holds the three texts as tokens and both sides' alignments with
// the base.
type merger struct {
	base, mine, theirs doc
	inMine, inTheirs   []int // align(base, mine), align(base, theirs)
	size               int   // bytes of the longer side, for the output
}

func newMerger(base, mine, theirs string) (*merger, bool) {
	hint := (len(base) + len(mine) + len(theirs)) / 6
	in := newInterner(hint)
	m := &merger{size: max(len(mine), len(theirs))}
	var ok bool
	if m.base, ok = tokenize(base, in); !ok {
		return nil, false
	}
	if m.mine, ok = tokenize(mine, in); !ok {
		return nil, false
	}
	if m.theirs, ok = tokenize(theirs, in); !ok {
		return nil, false
	}
	once := counts(m.base.ids, m.base.word)
	m.inMine = align(m.base.ids, m.mine.ids, m.base.word, once)
	m.inTheirs = align(m.base.ids, m.theirs.ids, m.base.word, once)
	return m, true
}

// diff3 walks the base: a token both sides kept where the other expects it
// is stable and is copied; between two stable tokens lies a chunk, which
// takes the side that changed it, or either when both made the same
// change. A chunk both changed differently is a conflict.
func (m *merger) diff3() (string, bool) {
	var out strings.Builder
	out.Grow(m.size + m.size/8)
	nb := len(m.base.ids)
	i, a, t := 0, 0, 0
	for {
		if i < nb && m.inMine[i] == a && m.inTheirs[i] == t {
			out.WriteString(m.base.toks[i])
			i, a, t = i+1, a+1, t+1
			continue
		}
		k := i
		for k < nb && (m.inMine[k] < 0 || m.inTheirs[k] < 0) {
			k++
		}
		ea, et := len(m.mine.ids), len(m.theirs.ids)
		if k < nb {
			ea, et = m.inMine[k], m.inTheirs[k]
		}
		if k == i && ea == a && et == t {
			return out.String(), true // k == nb: every text is used up
		}
		b, mi, th := m.base.ids[i:k], m.mine.ids[a:ea], m.theirs.ids[t:et]
		switch {
		case slices.Equal(mi, b):
			writeAll(&out, m.theirs.toks[t:et])
		case slices.Equal(th, b), slices.Equal(mi, th):
			writeAll(&out, m.mine.toks[a:ea])
		default:
			return "", false
		}
		i, a, t = k, ea, et
	}
}

func writeAll(out *strings.Builder, toks []string) {
	for _, s := range toks {
		out.WriteString(s)
	}
}

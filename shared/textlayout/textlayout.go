// Package textlayout prepares user text for drawing with embedded fonts
// that have no shaping engine behind them (fpdf's UTF-8 fonts, the PNG
// rasterizer): it cleans text to what the font can draw and puts a line
// of mixed Hebrew and Latin text in display order. The canvas export and
// the journey agenda both need exactly this, and one implementation keeps
// their bidi behaviour from drifting apart.
package textlayout

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/bidi"
)

// Coverage is the set of Basic Multilingual Plane runes a font, or every
// one of several faces, has a glyph for. fpdf's UTF-8 fonts handle nothing
// beyond U+FFFF, so runes above it are never covered.
type Coverage struct {
	set []uint64
}

// NewCoverage returns the runes every one of the TrueType fonts ttfs
// draws: a document mixing regular and bold text can show only those.
func NewCoverage(ttfs ...[]byte) (*Coverage, error) {
	set := make([]uint64, 0x10000/64)
	for i := range set {
		set[i] = ^uint64(0)
	}
	for i, ttf := range ttfs {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("textlayout: font %d: %w", i, err)
		}
		var buf sfnt.Buffer
		for r := rune(0); r < 0x10000; r++ {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				set[r/64] &^= 1 << (r % 64)
			}
		}
	}
	return &Coverage{set: set}, nil
}

// Has reports whether r can be drawn.
func (c *Coverage) Has(r rune) bool {
	return r >= 0 && r < 0x10000 && c.set[r/64]&(1<<(r%64)) != 0
}

// Clean makes s safe to draw: invalid UTF-8 and runes the font has no
// glyph for become U+FFFD; tabs become spaces; CR, LF, CRLF and the
// Unicode line and paragraph separators become "\n"; control and
// formatting characters (bidi overrides, zero-width joiners, variation
// selectors) are dropped, since VisualOrder resolves direction itself and
// nothing draws ligatures.
func (c *Coverage) Clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\n' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError && n == 1:
			b.WriteRune(unicode.ReplacementChar)
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Variation_Selector, r):
		case c.Has(r):
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
			// An undrawable mark would add a second replacement for one
			// character; its base already shows.
		default:
			b.WriteRune(unicode.ReplacementChar)
		}
	}
	return b.String()
}

// Bidirectional text. VisualOrder implements the parts of the Unicode
// Bidirectional Algorithm (UAX #9) that plain paragraphs without explicit
// embeddings need (Clean drops the embedding controls): weak types (W1,
// W4, W5, W7), bracket pairs (N0), neutrals (N1, N2), implicit levels (I1,
// I2), reordering (L1, L2) and mirroring (L4). Marks stay after their base
// character so they are drawn over it.

type bidiClass uint8

const (
	clsL bidiClass = iota
	clsR
	clsEN // European and Arabic numbers
	clsSep
	clsTerm
	clsWS
	clsON
	clsNSM
)

func classOf(r rune) bidiClass {
	p, _ := bidi.LookupRune(r)
	switch p.Class() {
	case bidi.L:
		return clsL
	case bidi.R, bidi.AL:
		return clsR
	case bidi.EN, bidi.AN:
		return clsEN
	case bidi.ES, bidi.CS:
		return clsSep
	case bidi.ET:
		return clsTerm
	case bidi.WS, bidi.S, bidi.B:
		return clsWS
	case bidi.NSM:
		return clsNSM
	default:
		return clsON
	}
}

// FirstStrongRTL reports whether the first strongly directional character
// of s is right to left (UAX #9 P2, P3): the base direction of a paragraph
// that says nothing else about it.
func FirstStrongRTL(s string) bool {
	for _, r := range s {
		switch classOf(r) {
		case clsL:
			return false
		case clsR:
			return true
		}
	}
	return false
}

// mirrored maps each bracket and quote to its mirror image, which a
// right-to-left run shows instead (L4): the fonts are drawn without a
// shaper that would pick mirrored glyphs.
var mirrored = map[rune]rune{'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<',
	'«': '»', '»': '«', '‹': '›', '›': '‹'}

var closing = map[rune]rune{'(': ')', '[': ']', '{': '}'}

// bracketPairs lists the positions of matching bracket pairs (BD16) in
// order of their opening bracket.
func bracketPairs(runes []rune) [][2]int {
	type open struct {
		pos   int
		close rune
	}
	var stack []open
	var pairs [][2]int
	for i, r := range runes {
		if c, ok := closing[r]; ok {
			if len(stack) == 63 {
				break // BD16 stops at this depth
			}
			stack = append(stack, open{i, c})
			continue
		}
		for k := len(stack) - 1; k >= 0; k-- {
			if stack[k].close == r {
				pairs = append(pairs, [2]int{stack[k].pos, i})
				stack = stack[:k]
				break
			}
		}
	}
	slices.SortFunc(pairs, func(x, y [2]int) int { return x[0] - y[0] })
	return pairs
}

// VisualOrder returns one line of cleaned text in display order for a
// paragraph whose base direction is right to left when rtl is set. Lines
// are ordered after wrapping, so wrapping works in logical order.
func VisualOrder(line string, rtl bool) string {
	runes := []rune(line)
	n := len(runes)
	if n == 0 {
		return line
	}
	base := 0
	embedding := clsL
	if rtl {
		base, embedding = 1, clsR
	}
	cls := make([]bidiClass, n)
	onlyL := !rtl
	for i, r := range runes {
		cls[i] = classOf(r)
		if cls[i] == clsR {
			onlyL = false
		}
	}
	if onlyL {
		return line // nothing to reorder
	}
	// W1: a mark takes the type of what it follows.
	for i := range cls {
		if cls[i] == clsNSM {
			if i == 0 {
				cls[i] = embedding
			} else {
				cls[i] = cls[i-1]
			}
		}
	}
	// W4: one separator between two numbers joins them.
	for i := 1; i+1 < n; i++ {
		if cls[i] == clsSep && cls[i-1] == clsEN && cls[i+1] == clsEN {
			cls[i] = clsEN
		}
	}
	// W5: terminators (%, currency signs) next to numbers are numbers.
	for i := 0; i < n; i++ {
		if cls[i] != clsTerm {
			continue
		}
		j := i
		for j < n && cls[j] == clsTerm {
			j++
		}
		if (i > 0 && cls[i-1] == clsEN) || (j < n && cls[j] == clsEN) {
			for k := i; k < j; k++ {
				cls[k] = clsEN
			}
		}
		i = j - 1
	}
	// W7: numbers in a left-to-right context are left-to-right text.
	prevStrong := embedding
	for i := range cls {
		switch cls[i] {
		case clsL, clsR:
			prevStrong = cls[i]
		case clsEN:
			if prevStrong == clsL {
				cls[i] = clsL
			}
		}
	}
	dir := func(c bidiClass) bidiClass {
		if c == clsEN {
			return clsR
		}
		return c
	}
	// N0: a bracket pair takes the embedding direction if it encloses
	// text of that direction, else the opposite one when it encloses
	// that and follows it, so "(Latin)" in Hebrew keeps its brackets.
	for _, pr := range bracketPairs(runes) {
		inside := map[bidiClass]bool{}
		for k := pr[0] + 1; k < pr[1]; k++ {
			if c := dir(cls[k]); c == clsL || c == clsR {
				inside[c] = true
			}
		}
		opposite := clsL
		if embedding == clsL {
			opposite = clsR
		}
		var set bidiClass
		switch {
		case inside[embedding]:
			set = embedding
		case inside[opposite]:
			set = embedding
			for k := pr[0] - 1; k >= 0; k-- {
				if c := dir(cls[k]); c == clsL || c == clsR {
					set = c
					break
				}
			}
		default:
			continue
		}
		cls[pr[0]], cls[pr[1]] = set, set
	}
	// N1, N2: a run of neutrals between two strong types of one direction
	// takes that direction (numbers count as right-to-left), otherwise the
	// paragraph's.
	for i := 0; i < n; i++ {
		if cls[i] == clsL || cls[i] == clsR || cls[i] == clsEN {
			continue
		}
		j := i
		for j < n && cls[j] != clsL && cls[j] != clsR && cls[j] != clsEN {
			j++
		}
		before, after := embedding, embedding
		if i > 0 {
			before = dir(cls[i-1])
		}
		if j < n {
			after = dir(cls[j])
		}
		resolved := embedding
		if before == after {
			resolved = before
		}
		for k := i; k < j; k++ {
			cls[k] = resolved
		}
		i = j - 1
	}
	// I1, I2: implicit levels.
	levels := make([]int, n)
	maxLevel := base
	for i, c := range cls {
		l := base
		switch {
		case base == 0 && c == clsR:
			l = 1
		case base == 0 && c == clsEN:
			l = 2
		case base == 1 && (c == clsL || c == clsEN):
			l = 2
		}
		levels[i] = l
		maxLevel = max(maxLevel, l)
	}
	// L1: trailing whitespace takes the paragraph level.
	for i := n - 1; i >= 0 && unicode.IsSpace(runes[i]); i-- {
		levels[i] = base
	}
	// Clusters: a base character and the marks that follow it move as one.
	type cluster struct {
		runes []rune
		level int
	}
	var cs []cluster
	for i, r := range runes {
		if len(cs) > 0 && unicode.Is(unicode.Mn, r) {
			cs[len(cs)-1].runes = append(cs[len(cs)-1].runes, r)
			continue
		}
		rr := r
		if levels[i]%2 == 1 {
			if m, ok := mirrored[r]; ok {
				rr = m // L4
			}
		}
		cs = append(cs, cluster{runes: []rune{rr}, level: levels[i]})
	}
	// L2: from the highest level down to the lowest odd one, reverse every
	// run at that level or above.
	lowestOdd := base | 1
	for lvl := maxLevel; lvl >= lowestOdd; lvl-- {
		for i := 0; i < len(cs); i++ {
			if cs[i].level < lvl {
				continue
			}
			j := i
			for j < len(cs) && cs[j].level >= lvl {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				cs[a], cs[b] = cs[b], cs[a]
			}
			i = j
		}
	}
	var b strings.Builder
	b.Grow(len(line))
	for _, c := range cs {
		for _, r := range c.runes {
			b.WriteRune(r)
		}
	}
	return b.String()
}

package vertex

import (
	"math"
	"slices"
	"unicode/utf8"
)

// Feature weights: word unigrams carry the meaning, bigrams the phrasing,
// character n-grams (3–5, with word boundaries) tolerate inflection and
// typos the light stemmer misses. A word's n-grams together weigh about as
// much as the word itself.
const (
	wUnigram  = 1.0
	wBigram   = 0.6
	wCharGram = 0.22
	wStopword = 0.15 // factor for features made of function words

	minGram, maxGram = 3, 5
)

// Feature kinds keep the hash spaces of unigrams, bigrams and n-grams
// apart.
const (
	kindWord byte = 'w'
	kindBi   byte = 'b'
	kindChar byte = 'c'
	kindRaw  byte = 'r'
)

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

func fnvKind(kind byte) uint64 {
	return (fnvOffset64 ^ uint64(kind)) * fnvPrime64
}

// features accumulates weighted feature counts of one text.
type features map[uint64]float64

func (f features) add(h uint64, w float64) { f[h] += w }

// extract computes the features of text.
func extract(text string) features {
	f := features{}
	norm := normalize(text)
	ws := words(norm)
	stems := make([]string, len(ws))
	stop := make([]bool, len(ws))
	for i, w := range ws {
		stop[i] = stopwords[w]
		stems[i] = stem(w)
	}
	for i, w := range ws {
		wt := 1.0
		if stop[i] {
			wt = wStopword
		}
		f.add(fnvAdd(fnvKind(kindWord), stems[i]), wUnigram*wt)
		if i > 0 && !(stop[i] && stop[i-1]) {
			bw := wBigram
			if stop[i] || stop[i-1] {
				bw *= 0.5
			}
			h := fnvAdd(fnvKind(kindBi), stems[i-1])
			h = fnvAdd(h, "\x00")
			f.add(fnvAdd(h, stems[i]), bw)
		}
		addCharGrams(f, w, wCharGram*wt)
	}
	if len(f) == 0 && norm != "" {
		// Only symbols: still give the text a direction of its own.
		f.add(fnvAdd(fnvKind(kindRaw), norm), 1)
	}
	return f
}

// addCharGrams adds the 3–5 rune n-grams of "<w>"; words shorter than
// the smallest n-gram contribute the whole bounded word once.
func addCharGrams(f features, w string, weight float64) {
	b := make([]byte, 0, len(w)+2)
	b = append(b, '<')
	b = append(b, w...)
	b = append(b, '>')
	s := string(b)
	offs := make([]int, 0, len(s)+1)
	for i := range s {
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	runes := len(offs) - 1
	if runes < minGram {
		f.add(fnvAdd(fnvKind(kindChar), s), weight)
		return
	}
	for n := minGram; n <= maxGram; n++ {
		for i := 0; i+n <= runes; i++ {
			f.add(fnvAdd(fnvKind(kindChar), s[offs[i]:offs[i+n]]), weight)
		}
	}
}

// embed hashes the features of text into an L2-normalised vector of dim
// components. Each feature lands on one component with a sign taken from
// an independent bit of its hash (signed hashing keeps the expected dot
// product of unrelated features at zero); its value is the sublinear
// weight 1+ln(count) of its weighted count.
func embed(text string, dim int) []float32 {
	v := make([]float64, dim)
	f := extract(text)
	// Map order is random and float addition is not associative: add the
	// features in a fixed order so equal texts give equal bits.
	keys := make([]uint64, 0, len(f))
	for h := range f {
		keys = append(keys, h)
	}
	slices.Sort(keys)
	for _, h := range keys {
		c := f[h]
		w := c
		if c > 1 {
			w = 1 + math.Log(c)
		}
		idx := int(h % uint64(dim))
		if h>>63 == 1 {
			w = -w
		}
		v[idx] += w
	}
	var sum float64
	for _, x := range v {
		sum += x * x
	}
	out := make([]float32, dim)
	if sum == 0 {
		return out
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range v {
		out[i] = float32(x * inv)
	}
	return out
}

// cosine of two vectors of equal length (both already normalised gives
// their dot product).
func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// runeLen is utf8.RuneCountInString, named for readability at call sites.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

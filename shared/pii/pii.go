// Package pii finds personal data in free text and replaces it with
// placeholders before the text reaches a model, and puts the originals
// back in the model's answer.
//
// Detection is rule based and runs in a few hundred microseconds per
// message, so it fits the coach's budget before the model call:
//
//   - emails (also "name at domain dot com" in the five languages),
//   - phone numbers, validated with libphonenumber's metadata,
//   - payment card numbers (Luhn) and IBANs (mod 97 and length),
//   - street addresses (number and street word in en/es/fr/de/he),
//   - the names the caller knows (the user and their organisation),
//   - other given names, from an embedded list and cue words
//     ("my colleague …", "se llama …", "החבר שלי …").
//
// Every value found is replaced everywhere it occurs as a whole word, so
// a name caught once in a telling position does not leak elsewhere.
package pii

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Kind is a kind of personal data.
type Kind string

// Kinds.
const (
	Email   Kind = "email"
	Phone   Kind = "phone"
	Card    Kind = "card"
	IBAN    Kind = "iban"
	Address Kind = "address"
	Name    Kind = "name"
)

// kinds in priority order: where two findings overlap, the earlier kind
// wins (an email contains a name; an address contains digits).
var kinds = []Kind{Email, IBAN, Card, Phone, Address, Name}

// Options configure a Redactor.
type Options struct {
	// Names are people's names known to be personal here (the user's own
	// and the people of their organisation): each is always redacted,
	// as a whole and by its parts (first name, last name).
	Names []string
	// Region is the ISO 3166 region used for phone numbers written
	// without a country code ("" tries the regions of the five
	// languages).
	Region string
}

// Redactor redacts text; safe for concurrent use. It holds data computed
// once by New and the placeholders it has issued, so one Redactor serves
// one conversation: build a new one for the next.
type Redactor struct {
	opts    Options
	known   map[string]uint8 // folded name or name part → knownPart/knownCommon
	regions []string         // phone regions to try, most likely first

	mu      sync.Mutex
	byValue map[string]string // original → placeholder
	vals    map[string]string // placeholder → original
	next    map[Kind]int      // last number issued per kind
}

// New returns a Redactor. It folds the known names once (a map lookup per
// word later), so it is meant to be built once per conversation.
func New(opts Options) *Redactor {
	r := &Redactor{
		opts:    opts,
		regions: phoneRegions(opts.Region),
		byValue: map[string]string{},
		vals:    map[string]string{},
		next:    map[Kind]int{},
	}
	r.known = buildKnown(opts.Names)
	return r
}

// Span is one piece of personal data found, by byte offsets in the
// original text.
type Span struct {
	Kind       Kind
	Start, End int
}

// Redaction is a text with its personal data replaced by placeholders
// such as [EMAIL_1] or [NAME_2]; equal values share a placeholder.
type Redaction struct {
	Text  string
	Spans []Span
	vals  map[string]string // placeholder → original
}

// Redact finds personal data in text.
func (r *Redactor) Redact(text string) *Redaction {
	var found []Span
	found = findEmails(text, found)
	found = findIBANs(text, found)
	found = findCards(text, found)
	found = r.findPhones(text, found)
	found = findAddresses(text, found)
	found = r.findNames(text, found)
	spans := resolve(found)
	spans = propagate(text, spans)
	return r.replace(text, spans)
}

// resolve keeps, kind by kind in priority order, the spans that do not
// overlap one already kept, and returns them sorted by offset.
func resolve(found []Span) []Span {
	var kept []Span
	for _, k := range kinds {
		var batch []Span
		for _, s := range found {
			if s.Kind == k && s.Start < s.End {
				batch = append(batch, s)
			}
		}
		kept = addDisjoint(kept, batch)
	}
	return kept
}

// addDisjoint adds to kept (sorted, disjoint) the spans of batch that
// overlap neither kept nor an earlier span of batch; the result is
// sorted. It runs in O((n+m) log n), as a text may hold thousands.
func addDisjoint(kept, batch []Span) []Span {
	if len(batch) == 0 {
		return kept
	}
	slices.SortStableFunc(batch, func(a, b Span) int { return a.Start - b.Start })
	var accepted []Span
	for _, s := range batch {
		if len(accepted) > 0 && s.Start < accepted[len(accepted)-1].End {
			continue
		}
		if overlapsSorted(kept, s.Start, s.End) {
			continue
		}
		accepted = append(accepted, s)
	}
	if len(accepted) == 0 {
		return kept
	}
	merged := make([]Span, 0, len(kept)+len(accepted))
	i, j := 0, 0
	for i < len(kept) || j < len(accepted) {
		if j == len(accepted) || (i < len(kept) && kept[i].Start < accepted[j].Start) {
			merged = append(merged, kept[i])
			i++
		} else {
			merged = append(merged, accepted[j])
			j++
		}
	}
	return merged
}

// overlapsSorted reports whether [start, end) overlaps one of spans,
// which are sorted and disjoint.
func overlapsSorted(spans []Span, start, end int) bool {
	i, _ := slices.BinarySearchFunc(spans, start, func(s Span, t int) int {
		if s.End <= t {
			return -1
		}
		return 1
	})
	return i < len(spans) && spans[i].Start < end
}

// overlapsAny reports whether [start, end) overlaps one of spans, in any
// order; for the few spans of one detector.
func overlapsAny(spans []Span, start, end int) bool {
	for _, s := range spans {
		if start < s.End && s.Start < end {
			return true
		}
	}
	return false
}

// propagate adds every further whole-word occurrence of a value already
// found: a name recognised after "my friend" is as personal where it
// stands alone, and a number written twice must not leak the second time.
func propagate(text string, spans []Span) []Span {
	if len(spans) == 0 {
		return spans
	}
	seen := map[string]Kind{}
	for _, s := range spans {
		seen[text[s.Start:s.End]] = s.Kind
	}
	var more []Span
	for v, k := range seen {
		for off := 0; ; {
			i := strings.Index(text[off:], v)
			if i < 0 {
				break
			}
			start := off + i
			end := start + len(v)
			off = start + 1
			if !overlapsSorted(spans, start, end) && boundedBy(text, spans, start, end) {
				more = append(more, Span{Kind: k, Start: start, End: end})
			}
		}
	}
	return addDisjoint(spans, more)
}

// boundedBy reports whether text[start:end] is a whole word once the
// spans are replaced: each side is a non-word character, the text's end
// or a span's edge ("ל[NAME_1]", "[ADDRESS_1]Dana").
func boundedBy(text string, spans []Span, start, end int) bool {
	return (leftBounded(text, start) || spanEdge(spans, start, true)) &&
		(rightBounded(text, end) || spanEdge(spans, end, false))
}

// spanEdge reports whether a span ends (end true) or starts at pos.
func spanEdge(spans []Span, pos int, end bool) bool {
	i, _ := slices.BinarySearchFunc(spans, pos, func(s Span, t int) int {
		if s.End < t {
			return -1
		}
		if s.End > t {
			return 1
		}
		return 0
	})
	if end {
		return i < len(spans) && spans[i].End == pos
	}
	j, _ := slices.BinarySearchFunc(spans, pos, func(s Span, t int) int { return s.Start - t })
	return j < len(spans) && spans[j].Start == pos
}

// replace builds the redacted text. Placeholders come from the
// Redactor's registry, so a value keeps its placeholder across the turns
// of a conversation redacted with the same Redactor ("[NAME_1]" is Dana
// in the history and in the question), and each kind is numbered from 1
// in order of first appearance. The Redaction gets a copy of the whole
// registry: an answer may mention anyone from earlier turns.
func (r *Redactor) replace(text string, spans []Span) *Redaction {
	d := &Redaction{Spans: spans}
	var b strings.Builder
	if len(spans) > 0 {
		b.Grow(len(text) + 8*len(spans))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := 0
	for _, s := range spans {
		v := text[s.Start:s.End]
		ph, ok := r.byValue[v]
		if !ok {
			r.next[s.Kind]++
			ph = "[" + strings.ToUpper(string(s.Kind)) + "_" + strconv.Itoa(r.next[s.Kind]) + "]"
			r.byValue[v] = ph
			r.vals[ph] = v
		}
		b.WriteString(text[prev:s.Start])
		b.WriteString(ph)
		prev = s.End
	}
	if len(spans) == 0 {
		d.Text = text
	} else {
		b.WriteString(text[prev:])
		d.Text = b.String()
	}
	d.vals = maps.Clone(r.vals)
	return d
}

// Counts returns how many values of each kind were replaced.
func (d *Redaction) Counts() map[Kind]int {
	c := map[Kind]int{}
	for _, s := range d.Spans {
		c[s.Kind]++
	}
	return c
}

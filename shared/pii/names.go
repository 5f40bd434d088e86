package pii

import "strings"

// mark is a word (or the part of a Hebrew word after its prefix letters)
// taken as a name.
type mark struct {
	start, end int
	tok        int
}

// findNames marks known names everywhere and other given names where the
// context says they are names, then joins neighbouring marks ("Ana María
// de la Cruz") into one span.
func (r *Redactor) findNames(text string, out []Span) []Span {
	toks := tokenize(text)
	var marks []mark
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if m, ok := r.nameAt(toks, i); ok {
			// "Jean-Baptiste": a capitalised word hyphened to a name
			// belongs to it.
			if p := i - 1; !t.hebrew && p >= 0 && t.sepBefore == "-" && toks[p].upper &&
				(len(marks) == 0 || marks[len(marks)-1].tok != p) {
				marks = append(marks, mark{toks[p].start, toks[p].end, p})
			}
			marks = append(marks, m)
			// A capitalised word right after a given name is likely
			// its surname: "Grace Hopper", "Lucía Fernández".
			if !t.hebrew && i+1 < len(toks) && surnameAt(toks, i+1) {
				i++
				marks = append(marks, mark{toks[i].start, toks[i].end, i})
			}
		}
	}
	return joinMarks(toks, marks, out)
}

// nameAt decides whether toks[i] is a name.
func (r *Redactor) nameAt(toks []token, i int) (mark, bool) {
	t := toks[i]
	whole := mark{t.start, t.end, i}
	if t.hebrew {
		if _, off, ok := lookupHebrew(r.known, t.folded); ok {
			return mark{t.start + off, t.end, i}, true
		}
		kind, _ := cueBefore(toks, i)
		if stopwords[t.folded] {
			return mark{}, false
		}
		if kind == cueNaming {
			return whole, true
		}
		v, off, ok := lookupHebrew(freeNames, t.folded)
		if !ok {
			return mark{}, false
		}
		m := mark{t.start + off, t.end, i}
		if v == freeName || kind != cueNone {
			return m, true
		}
		if i > 0 && hebrewBefore[toks[i-1].folded] && off == 0 {
			return m, true
		}
		if i+1 < len(toks) && verbAfter[toks[i+1].folded] && off == 0 {
			return m, true
		}
		return mark{}, false
	}
	if f, ok := r.known[t.folded]; ok && (f&knownCommon == 0 || t.upper && !questionStart(toks, i)) {
		return whole, true
	}
	if !t.upper || len(t.folded) < 2 {
		return mark{}, false
	}
	objectCtx := false
	for k := max(0, i-3); k < i; k++ {
		if objectWords[toks[k].folded] {
			objectCtx = true
		}
	}
	kind, lang := cueBefore(toks, i)
	v := freeNames[t.folded]
	var next token
	if i+1 < len(toks) {
		next = toks[i+1]
	}
	switch {
	case v == freeName && i > 0 && !objectWords[toks[i-1].folded]:
		// A common given name counts unless it is a title: "the card
		// Rafael" is a card, "the exercise with Rafael" a person.
		return whole, true
	case kind == cueTitle:
		return whole, !stopwords[t.folded]
	case kind == cueNaming:
		return whole, !stopwords[t.folded] && !objectCtx
	case kind == cueRelation:
		if stopwords[t.folded] || objectCtx {
			return mark{}, false
		}
		if v != 0 || lang != "de" || !looksLikeGermanNoun(t.folded) {
			return whole, true
		}
		return mark{}, false
	case objectCtx:
		return mark{}, false
	case v == freeName:
		return whole, true
	case v == freeAmbiguous && t.sentStart:
		// "Grace Hopper is…", "Pierre m'a dit…", "Soledad, mi
		// compañera, …" — not "Hope is…" or "Ella dice…".
		if i+1 < len(toks) && next.sepBefore == " " && surnameAt(toks, i+1) {
			return whole, true
		}
		if speechAfter[next.folded] && !wordNames[t.folded] && !strings.ContainsAny(next.sepBefore, ".,;:!?") {
			return whole, true
		}
		if strings.TrimSpace(next.sepBefore) == "," && possessives[next.folded] {
			return whole, true
		}
	case v == freeAmbiguous:
		// "Paz dijo", "with Grace", "Hope Williams".
		if verbAfter[next.folded] && !strings.ContainsAny(next.sepBefore, ".,;:!?") {
			return whole, true
		}
		if i > 0 && latinBefore[toks[i-1].folded] {
			return whole, true
		}
		if i+1 < len(toks) && surnameAt(toks, i+1) {
			return whole, true
		}
	}
	return mark{}, false
}

// surnameAt reports whether toks[i], right after a given name, reads as
// its surname.
func surnameAt(toks []token, i int) bool {
	t := toks[i]
	if !t.upper || t.hebrew || t.sentStart || len(t.folded) < 2 {
		return false
	}
	if t.sepBefore != " " && t.sepBefore != "-" {
		return false
	}
	return !stopwords[t.folded] && !objectWords[t.folded] && !particles[t.folded]
}

// joinMarks turns marks into spans, joining marks separated only by a
// space, hyphen or apostrophe, or by name particles ("de la", "van").
func joinMarks(toks []token, marks []mark, out []Span) []Span {
	for k := 0; k < len(marks); {
		cur := Span{Kind: Name, Start: marks[k].start, End: marks[k].end}
		last := marks[k].tok
		k++
		for k < len(marks) {
			n := marks[k]
			if n.start != toks[n.tok].start {
				break // a Hebrew prefix letter separates them
			}
			ok := true
			for j := last + 1; j <= n.tok; j++ {
				sep := toks[j].sepBefore
				if !(sep == " " || sep == "-" || sep == "'" || sep == "’") || (j < n.tok && !particles[toks[j].folded]) {
					ok = false
					break
				}
			}
			if !ok {
				break
			}
			cur.End = n.end
			last = n.tok
			k++
		}
		out = append(out, cur)
	}
	return out
}

// looksLikeGermanNoun reports whether a capitalised German word after a
// cue is more likely a noun ("mein Chef Probleme macht") than a name.
func looksLikeGermanNoun(f string) bool {
	for _, suf := range []string{"ung", "heit", "keit", "schaft", "ion", "tat", "nis", "chen", "ismus", "en", "e", "er", "ern", "el", "ik", "ur"} {
		if strings.HasSuffix(f, suf) {
			return true
		}
	}
	return false
}

// verbAfter are words that, right after a capitalised given name that is
// also an everyday word, show it is a person: "Will said", "Paz dijo".
var verbAfter = set(
	"said", "says", "told", "tells", "asked", "asks", "thinks", "thought", "wants", "wanted", "was",
	"has", "had", "keeps", "kept", "never", "always", "doesn", "didn", "won", "wrote", "feels", "felt",
	"seems", "got", "gave", "sent", "made", "would", "just", "also", "called", "texted", "emailed",
	"needs", "came", "left", "went", "gets", "tried", "tries", "knows", "believes",
	"dijo", "dice", "está", "estaba", "quiere", "quería", "piensa", "pensaba", "cree", "creía", "tiene",
	"tenía", "hizo", "hace", "siempre", "nunca", "me", "habló", "llamó", "escribió", "pidió", "preguntó",
	"dit", "disait", "pense", "pensait", "veut", "voulait", "croit", "trouve", "était", "ne", "fait",
	"demande", "écrit", "sait", "hat", "sagt", "sagte", "meint", "meinte", "wollte", "hatte", "findet",
	"möchte", "kann", "konnte", "denkt", "fragt", "fragte", "schreibt", "schrieb", "ruft",
	"אמר", "אמרה", "אמרו", "חושב", "חושבת", "רוצה", "ביקש", "ביקשה", "שאל", "שאלה", "כתב", "כתבה",
	"סיפר", "סיפרה", "אומר", "אומרת", "התקשר", "התקשרה", "שלח", "שלחה", "ביטל", "ביטלה", "צעק", "צעקה",
)

// speechAfter are verbs that, right after a sentence's first word, make
// an everyday-word name a person: "Pierre m'a dit", "Ernst hat mir".
var speechAfter = set("said", "told", "asked", "says", "thinks", "wants", "wrote", "called", "texted", "keeps",
	"dijo", "me", "pidió", "preguntó", "llamó", "escribió", "m", "dit", "pense", "veut", "hat", "sagt", "sagte",
	"meint", "meinte", "fragte", "schrieb", "אמר", "אמרה", "ביקש", "ביקשה", "שאל", "שאלה", "כתב", "כתבה", "סיפר", "סיפרה")

// wordNames are given names that are function words elsewhere ("Ella
// dice" is "she says"); at a sentence start only a cue makes them names.
var wordNames = set("ella", "leo", "mira", "lea", "will", "may", "don", "art", "bill", "sue", "pat", "rob", "guy", "mark")

// possessives open an apposition after a name: "Soledad, mi compañera".
var possessives = set("my", "our", "mi", "nuestra", "nuestro", "ma", "mon", "notre", "mein", "meine", "unser", "unsere")

// latinBefore are words after which a capitalised everyday-word name is
// a person: "with Grace", "a Pilar", "mit Ernst".
var latinBefore = set("with", "told", "asked", "met", "texted", "called", "emailed", "tell", "ask",
	"con", "avec", "mit", "a", "à", "para", "pour", "für")

// hebrewBefore are words after which a Hebrew given name that is also a
// noun is a person: "את", "עם" ("פגשתי את גל").
var hebrewBefore = set("את", "עם", "ואת", "ועם", "אצל")

// questionStart reports whether toks[i] opens a question or request with
// a pronoun after it ("Will I…", "May we…", "Rob it…"): then a known
// name that is also a word is read as the word.
func questionStart(toks []token, i int) bool {
	return toks[i].sentStart && i+1 < len(toks) && pronouns[toks[i+1].folded]
}

var pronouns = set("i", "you", "we", "they", "it", "he", "she", "this", "that", "there", "me", "us", "them")

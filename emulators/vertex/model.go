package vertex

import (
	"sort"
	"strings"
	"unicode"

	"pointsofyou.ai/studio/shared/ai/prompt"
)

// turn is one text turn of a conversation.
type turn struct {
	role string // "user", "model" or "" (user)
	text string
}

// composed is what the local model makes of a prompt.
type composed struct {
	text     string       // the answer, citing sources inline as [source: ID]
	question string       // its reflective question
	lang     string       // "en", "es" or "he"
	items    []answerItem // passages used, best first
	topic    []string     // keywords of the user's question
	score    float64      // similarity of the best passage
	enumVec  []float32
	sources  []string
}

// minScore is the similarity under which a passage is not used at all.
const minScore = 0.04

// candidate is a passage (or, without passages, a sentence of the prompt)
// that may answer the question.
type candidate struct {
	id        string
	text      string
	sentences []string
	order     int
	score     float64
	best      string // the sentence closest to the question
}

// compose answers the last user turn from what the prompt contains. It is
// a pure function of its input.
func compose(system string, turns []turn, dim int) composed {
	var (
		passages []prompt.Passage
		others   []string // text outside passage blocks, for the fallback
		question string
	)
	sysPassages, sysRest := prompt.Parse(system)
	passages = append(passages, sysPassages...)
	if sysRest != "" {
		others = append(others, strings.ReplaceAll(sysRest, prompt.SystemRule, ""))
	}
	lastUser := -1
	for i, t := range turns {
		if t.role == "" || t.role == "user" {
			lastUser = i
		}
	}
	for i, t := range turns {
		ps, rest := prompt.Parse(t.text)
		passages = append(passages, ps...)
		switch {
		case i == lastUser:
			question = rest
		case rest != "":
			others = append(others, rest)
		}
	}
	if question == "" && len(others) > 0 {
		question = others[len(others)-1]
	}

	c := composed{lang: detectLang(question)}
	c.topic = keywords(question, nil, 2)
	qv := embed(question, dim)

	var cands []candidate
	if len(passages) > 0 {
		for i, p := range passages {
			cands = append(cands, candidate{id: p.ID, text: p.Text, sentences: splitSentences(p.Text), order: i})
		}
	} else {
		// No passages: the sentences of the rest of the prompt are the
		// material; the question itself only if there is nothing else.
		var sents []string
		for _, o := range others {
			sents = append(sents, splitSentences(o)...)
		}
		if len(sents) == 0 {
			sents = splitSentences(question)
		}
		for i, s := range sents {
			cands = append(cands, candidate{text: s, sentences: []string{s}, order: i})
		}
	}
	for i := range cands {
		cd := &cands[i]
		bestS := -1.0
		for _, s := range cd.sentences {
			if sc := cosine(qv, embed(s, dim)); sc > bestS {
				bestS, cd.best = sc, s
			}
		}
		if cd.best == "" {
			cd.best = cd.text
		}
		cd.score = 0.5*cosine(qv, embed(cd.text, dim)) + 0.5*max(bestS, 0)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })

	var used []candidate
	for _, cd := range cands {
		if len(used) == 2 || cd.score < minScore || (len(used) > 0 && cd.score < 0.6*used[0].score) {
			break
		}
		used = append(used, cd)
	}
	tpl := templates[c.lang]
	pick := int(fnvAdd(fnvOffset64, normalize(question)) % 3)

	var b strings.Builder
	topic := joinList(c.topic, tpl.and)
	if topic == "" {
		topic = tpl.this
	}
	if len(used) == 0 {
		c.question = sprintf(tpl.questions[pick], firstOr(c.topic, tpl.this))
		b.WriteString(tpl.noMatch)
		b.WriteString(" ")
		b.WriteString(c.question)
		c.text = b.String()
		c.enumVec = qv
		return c
	}
	c.score = used[0].score
	for _, u := range used {
		kw := keywords(u.best+" "+u.text, c.topic, 3)
		summary := sprintf(tpl.links, joinList(kw, tpl.and))
		c.items = append(c.items, answerItem{id: u.id, keywords: kw, summary: summary, score: u.score})
		if u.id != "" {
			c.sources = append(c.sources, u.id)
		}
	}
	first := c.items[0]
	c.question = sprintf(tpl.questions[pick], firstOr(first.keywords, firstOr(c.topic, tpl.this)))
	b.WriteString(sprintf(tpl.intros[pick], topic))
	b.WriteString(" ")
	if first.id != "" {
		b.WriteString(sprintf(tpl.pointer, prompt.Cite(first.id), joinList(first.keywords, tpl.and)))
	} else {
		b.WriteString(sprintf(tpl.ownWords, joinList(first.keywords, tpl.and)))
	}
	if len(c.items) > 1 && c.items[1].id != "" {
		b.WriteString(" ")
		b.WriteString(sprintf(tpl.second, prompt.Cite(c.items[1].id), firstOr(c.items[1].keywords, topic)))
	}
	b.WriteString(" ")
	b.WriteString(c.question)
	c.text = b.String()
	c.enumVec = embed(question+"\n"+used[0].text, dim)
	return c
}

// sprintf substitutes %s placeholders in order; it never interprets other
// verbs, so text from prompts cannot break the templates.
func sprintf(format string, args ...string) string {
	var b strings.Builder
	for _, a := range args {
		i := strings.Index(format, "%s")
		if i < 0 {
			break
		}
		b.WriteString(format[:i])
		b.WriteString(a)
		format = format[i+2:]
	}
	b.WriteString(format)
	return b.String()
}

func joinList(l []string, and string) string {
	switch len(l) {
	case 0:
		return ""
	case 1:
		return l[0]
	}
	return strings.Join(l[:len(l)-1], ", ") + and + l[len(l)-1]
}

// keywords picks up to n content words of text: words shared (by stem)
// with prefer first, then longer words; ties keep text order. Words are
// returned lower-cased as written, one per stem.
func keywords(text string, prefer []string, n int) []string {
	preferred := map[string]bool{}
	for _, p := range prefer {
		for _, w := range words(normalize(p)) {
			preferred[stem(w)] = true
		}
	}
	type kw struct {
		surface, stem string
		pos, length   int
		shared        bool
	}
	var list []kw
	seen := map[string]bool{}
	pos := 0
	for _, raw := range strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) && r != '\'' && r != '’' }) {
		raw = strings.Trim(raw, "'’")
		nw := words(normalize(raw))
		if len(nw) != 1 {
			continue
		}
		w := nw[0]
		r := []rune(w)
		minLen := 4
		if !unicode.Is(unicode.Latin, r[0]) {
			minLen = 3
		}
		if stopwords[w] || len(r) < minLen || isDigits(w) {
			continue
		}
		st := stem(w)
		if seen[st] {
			continue
		}
		seen[st] = true
		list = append(list, kw{strings.ToLower(raw), st, pos, len(r), preferred[st]})
		pos++
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].shared != list[j].shared {
			return list[i].shared
		}
		return list[i].length > list[j].length
	})
	if len(list) > n {
		list = list[:n]
	}
	// Keep the chosen words in text order so the phrase reads naturally.
	sort.SliceStable(list, func(i, j int) bool { return list[i].pos < list[j].pos })
	out := make([]string, len(list))
	for i, k := range list {
		out[i] = k.surface
	}
	return out
}

// detectLang tells Hebrew, Spanish and English apart (the languages the
// answer templates exist in); anything else is answered in English.
func detectLang(s string) string {
	var heb, letters int
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(unicode.Hebrew, r) {
				heb++
			}
		}
	}
	if letters > 0 && heb*10 >= letters*3 {
		return "he"
	}
	es, en := 0, 0
	if strings.ContainsAny(s, "¿¡ñÑ") {
		es += 2
	}
	for _, w := range words(strings.ToLower(s)) {
		if esMarkers[w] {
			es++
		}
		if enMarkers[w] {
			en++
		}
	}
	if es > en {
		return "es"
	}
	return "en"
}

var esMarkers = setOf("que qué de el la los las por para como cómo es mi me yo estoy siento puedo cuando cuándo dónde donde porque una un con sin mis algo hacer")
var enMarkers = setOf("the is are what how i my to do can when where why with without something feel am")

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// answerTemplates phrase the answer in one language. Every %s is filled
// by sprintf.
type answerTemplates struct {
	intros    [3]string // %s: the question's topic
	pointer   string    // %s citation, %s keywords
	ownWords  string    // %s keywords (no passages: the prompt's own sentences)
	second    string    // %s citation, %s keyword
	links     string    // %s keywords: a passage in paraphrase
	questions [3]string // %s keyword
	noMatch   string
	this      string
	and       string
}

var templates = map[string]answerTemplates{
	"en": {
		intros:    [3]string{"Your question touches on %s.", "There is something here about %s.", "Let's stay with %s for a moment."},
		pointer:   "%s offers a way in, around %s.",
		ownWords:  "Your own words point to %s.",
		second:    "%s adds another angle around %s.",
		links:     "It centres on %s.",
		questions: [3]string{"What would change if you gave “%s” a little more room this week?", "Where in your life is “%s” already asking for your attention?", "What is one small step toward “%s” that feels possible today?"},
		noMatch:   "I could not find this in the material I have.",
		this:      "this",
		and:       " and ",
	},
	"es": {
		intros:    [3]string{"Tu pregunta toca %s.", "Aquí hay algo sobre %s.", "Quedémonos un momento con %s."},
		pointer:   "%s ofrece una entrada, en torno a %s.",
		ownWords:  "Tus propias palabras apuntan a %s.",
		second:    "%s suma otra mirada sobre %s.",
		links:     "Gira en torno a %s.",
		questions: [3]string{"¿Qué cambiaría si le dieras a «%s» un poco más de espacio esta semana?", "¿Dónde te está pidiendo atención «%s» en tu vida?", "¿Cuál es un pequeño paso hacia «%s» que hoy te parece posible?"},
		noMatch:   "No encontré esto en el material que tengo.",
		this:      "esto",
		and:       " y ",
	},
	"he": {
		intros:    [3]string{"השאלה שלך נוגעת בנושא: %s.", "יש כאן משהו על %s.", "בואו נישאר רגע עם %s."},
		pointer:   "%s מציע כיוון, סביב %s.",
		ownWords:  "המילים שלך מצביעות על %s.",
		second:    "%s מוסיף זווית נוספת סביב %s.",
		links:     "עוסק ב: %s.",
		questions: [3]string{"מה ישתנה אם ״%s״ יקבל קצת יותר מקום השבוע?", "איפה בחיים שלך ״%s״ כבר מבקש תשומת לב?", "מהו צעד קטן אחד לכיוון ״%s״ שנראה אפשרי היום?"},
		noMatch:   "לא מצאתי את זה בחומר שיש לי.",
		this:      "זה",
		and:       " ו-",
	},
}

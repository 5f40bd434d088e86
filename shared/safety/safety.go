package safety

import "strings"

// Category of a message that needs escalation.
type Category string

// Categories.
const (
	None         Category = ""
	Suicide      Category = "suicide"
	SelfHarm     Category = "self_harm"
	HarmToOthers Category = "harm_to_others"
	Abuse        Category = "abuse"
	Distress     Category = "severe_distress"
	HumanRequest Category = "human_requested"
)

// severity orders categories: when a message matches several, the most
// severe one decides the answer (someone who is abused and wants to die
// gets the suicide answer first).
func severity(c Category) int {
	switch c {
	case Suicide:
		return 6
	case SelfHarm:
		return 5
	case HarmToOthers:
		return 4
	case Abuse:
		return 3
	case Distress:
		return 2
	case HumanRequest:
		return 1
	}
	return 0
}

// Result is the verdict on one message. It never carries the message's
// text, so it may be logged.
type Result struct {
	Escalate bool
	Category Category
	// Lang is the language the match was made in (en, es, fr, de, he).
	Lang string
}

// Check classifies text; lang is the language the person uses ("" when
// unknown: every language is tried). Every language is tried anyway, so
// a message in another language than the interface's is still caught;
// lang only breaks a tie between two languages' phrases of the same
// category. Check is safe for concurrent use and allocates only the
// message's tokens.
func Check(text, lang string) Result {
	p := phrases.find(tokenize(text), baseLang(lang))
	if p == nil {
		return Result{}
	}
	return Result{Escalate: true, Category: p.cat, Lang: p.lang}
}

// baseLang reduces a language tag to its language ("es-MX" → "es").
func baseLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if tag == "iw" { // the old code for Hebrew
		return "he"
	}
	return tag
}

// language is one language's phrase table.
type language struct {
	code string
	// negators turn a phrase that follows closely around ("never");
	// breakers end their scope ("but").
	negators, breakers []string
	rules              []rule
}

type rule struct {
	cat      Category
	patterns []string
}

// phrases is every language's table, compiled once. A pattern that does
// not compile is a programming error caught by any test run.
var phrases = mustMatcher(english, spanish, french, german, hebrew)

func mustMatcher(langs ...language) *matcher {
	m, err := newMatcher(langs)
	if err != nil {
		panic("safety: " + err.Error())
	}
	return m
}

// Package safety recognises messages that must never be answered by a
// model: suicide, self-harm, harm to others, abuse, severe distress, or a
// request for a human. Such messages get a fixed escalation answer with
// resources for the person's region instead (Answer), and in a live
// session the facilitator is told the category, never the text.
//
// # What is matched
//
// Curated phrases per language (en, es, fr, de, he) and category, direct
// ones ("I want to kill myself", "ich will sterben") and indirect ones
// ("everyone would be better off without me", "I've been giving away my
// things", "quiero desaparecer", "je ne vois plus l'intérêt de vivre",
// "אין לי בשביל מה לחיות"), slang and obfuscations ("kms", "unalive",
// "sewerslide", "k1ll mys3lf", "k.i.l.l"). Concern for someone else
// escalates too ("my friend said she wants to kill herself" → suicide):
// the person asking still needs the resources.
//
// # How
//
// A message is normalised once (tokenize: NFKD, combining marks and
// Hebrew points dropped, case folded, look-alike letters and leetspeak
// read as letters, in-word punctuation joined, repeated letters
// collapsed) and split into words. Every language's phrases are tried
// whatever the interface language, since people mix languages; the
// phrases are compiled once at init into a table indexed by first word,
// so a check costs a few map look-ups per word (see BenchmarkCheck).
// When several phrases match, the most severe category wins (suicide,
// self-harm, harm to others, abuse, severe distress, human request).
//
// Negation is handled narrowly: a negator ("never", "don't", "nunca",
// "jamais", "nicht", "לא") at most three words before a phrase, in the
// same clause and not behind "but"/"and", turns it off ("I would never
// hurt myself"); a gap inside a phrase never skips a negator ("ich will
// ihn nicht verletzen"). Everything else errs on escalating: quotes,
// stories and song lyrics are not told apart from the person's own
// words when they use first-person crisis phrases.
//
// Idioms are not matched: "this deadline is killing me", "I'm dying to
// try", "kill two birds", "cutting costs", "me muero de ganas", "je suis
// mort de rire", "הפקק הורג אותי", and "das bringt mich um" (third
// person, "this is killing me"; the first-person reflexive "ich bringe
// mich um" is matched). A few phrases carry exceptions for the idiom that
// shares their words ("me quiero morir de la vergüenza", "בא לי למות
// מבושה"), and ambiguous ones only count at the end of a clause ("ich
// kann nicht mehr", but not "ich kann nicht mehr warten").
//
// # Known limits
//
// Pattern matching is a floor, not a clinical classifier: on two rounds
// of fresh phrases written after the tables, it caught about 70 % before
// those phrases were added to the corpus. It misses
// paraphrases nobody wrote down, crisis language in other languages,
// misspellings beyond the normalisation above, and letters spelled out
// with spaces ("k i l l"); it escalates some hyperbole ("I'll kill him
// if he's late again") and some third-person text. That trade-off is
// deliberate: a false escalation costs a kind answer with helplines, a
// miss costs far more. A message this package flags never reaches a
// model: the answer is the fixed text of Answer, so nothing is
// improvised on these messages. The corpora in
// testdata/safety hold the phrases that must escalate and the ordinary
// coaching questions that must not; add to both when a miss or a false
// alarm is found.
package safety

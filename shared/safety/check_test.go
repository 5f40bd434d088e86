package safety

import "testing"

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, lang string
		want             Category
	}{
		// Negation and self-reports that are not crises.
		{"never hurt myself", "I would never hurt myself", "en", None},
		{"not going to", "I'm not going to kill myself, I just need a plan for Monday", "en", None},
		{"de negation inside", "Ich will ihn nicht verletzen", "de", None},
		{"he never", "לעולם לא אפגע בעצמי", "he", None},
		{"es nunca", "Yo nunca me quitaría la vida", "es", None},
		{"fr jamais", "Je ne veux pas mourir, je veux changer de poste", "fr", None},
		// Negation does not reach across a clause or a "but".
		{"negation then but", "I would never say it out loud but I want to die", "en", Suicide},
		{"negation then full stop", "I don't know. I want to die", "en", Suicide},
		{"es y", "No aguanto y quiero morir", "es", Suicide},
		// Third person: concern for someone else still escalates.
		{"friend suicide", "my friend said she wants to kill herself", "en", Suicide},
		{"story", "my character in the story dies", "en", None},
		// Obfuscation.
		{"leet", "k1ll mys3lf", "en", Suicide},
		{"dots", "k.i.l.l myself", "en", Suicide},
		{"zero width", "kill\u200b myself", "en", Suicide},
		{"zero width in word", "ki\u200bll myself", "en", Suicide},
		{"full width", "ｋｉｌｌ ｍｙｓｅｌｆ", "en", Suicide},
		{"cyrillic", "kіll mysеlf", "en", Suicide},
		{"shouting", "I WANT TO DIEEEE", "en", Suicide},
		{"want 2", "i want 2 die", "en", Suicide},
		{"unalive", "thinking of unaliving", "en", Suicide},
		{"sewer slide", "sewer slide", "en", Suicide},
		{"kms", "kms", "en", Suicide},
		{"spelled sentences", "I. Want. To. Die.", "en", Suicide},
		{"no space after stop", "I want to die.Really", "en", Suicide},
		{"hebrew points", "אֲנִי רוֹצֶה לָמוּת", "he", Suicide},
		{"hebrew proclitic", "ואני רוצה להתאבד", "he", Suicide},
		{"german oe", "ich moechte sterben", "de", Suicide},
		{"spanish no accents", "ya no quiero estar aqui", "es", Suicide},
		// Languages mixed: every language is tried.
		{"mixed", "honestly, quiero morir", "en", Suicide},
		{"wrong lang hint", "je veux mourir", "de", Suicide},
		// Idioms.
		{"deadline killing", "this deadline is killing me", "en", None},
		{"dying to", "I'm dying to try this", "en", None},
		{"two birds", "kill two birds with one stone", "en", None},
		{"cutting costs", "cutting costs", "en", None},
		{"stressed", "I'm so stressed about the presentation", "en", None},
		{"me muero de ganas", "me muero de ganas", "es", None},
		{"mort de rire", "je suis mort de rire", "fr", None},
		{"bringt mich um", "das bringt mich um", "de", None},
		{"bringe mich um", "ich bringe mich um", "de", Suicide},
		{"traffic killing", "הורג אותי הפקק", "he", None},
		{"die of embarrassment", "I want to die of embarrassment", "en", None},
		{"can't wait", "ich kann nicht mehr warten", "de", None},
		{"cant anymore", "ich kann nicht mehr.", "de", Distress},
		// Categories.
		{"self harm", "I have the urge to cut myself", "en", SelfHarm},
		{"harm to others", "I'm going to hurt someone", "en", HarmToOthers},
		{"abuse", "my partner hits me", "en", Abuse},
		{"distress", "everything is falling apart and I can't breathe", "en", Distress},
		{"distress cope", "I can't cope anymore", "en", Distress},
		{"human", "I want to talk to a real person", "en", HumanRequest},
		{"human therapist", "can I talk to a therapist?", "en", HumanRequest},
		{"most severe wins", "my husband beats me and I want to die", "en", Suicide},
		// Exceptions and the not-after-a-number rule.
		{"kms alone", "ugh kms", "en", Suicide},
		{"kms distance", "I ran 5 kms", "en", None},
		{"kms distance end", "I ran 5 kms.", "en", None},
		{"kms after a break", "I ran 5. kms", "en", Suicide},
		{"hit me with a belt", "my dad hit me with a belt", "en", Abuse},
		{"hit me with a deadline", "my boss hit me with a surprise deadline", "en", None},
		{"exception needs the same clause", "I want to die. Of laughter? no", "en", Suicide},
		{"killing myself idiom", "I'm killing myself to finish this report", "en", None},
		{"thinking about killing myself", "I keep thinking about killing myself to end it", "en", Suicide},
		{"empty", "", "en", None},
		{"punctuation only", "?!…", "", None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Check(tt.text, tt.lang)
			if r.Category != tt.want || r.Escalate != (tt.want != None) {
				t.Errorf("Check(%q) = %+v, want %q", tt.text, r, tt.want)
			}
			if r.Escalate && r.Lang == "" {
				t.Errorf("Check(%q): no language", tt.text)
			}
		})
	}
}

// The language hint breaks ties between languages; it never hides a
// match in another language.
func TestCheckLanguageHint(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"", "en", "es-MX", "he", "xx"} {
		if r := Check("quiero morir", lang); !r.Escalate || r.Lang != "es" {
			t.Errorf("Check(%q): %+v", lang, r)
		}
	}
}

// Every pattern of every language compiles, and each category of each
// language has phrases.
func TestTables(t *testing.T) {
	t.Parallel()
	for _, l := range []language{english, spanish, french, german, hebrew} {
		cats := map[Category]bool{}
		for _, r := range l.rules {
			cats[r.cat] = true
			for _, src := range r.patterns {
				if _, err := compilePattern(src, r.cat, l.code); err != nil {
					t.Error(err)
				}
			}
		}
		for _, c := range []Category{Suicide, SelfHarm, HarmToOthers, Abuse, Distress, HumanRequest} {
			if !cats[c] {
				t.Errorf("%s has no %s phrases", l.code, c)
			}
		}
	}
}

func TestCompilePatternErrors(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"(a|b", "[a", "~ a", "$ a", "[a] ~ b", "a !(b", "(a||b)", "a !()", "[ ]"} {
		if _, err := compilePattern(src, Suicide, "en"); err == nil {
			t.Errorf("compilePattern(%q) accepted", src)
		}
	}
}

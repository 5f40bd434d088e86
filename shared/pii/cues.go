package pii

import "strings"

// cueKind says what a cue tells about the word after it.
type cueKind uint8

const (
	cueNone     cueKind = iota
	cueRelation         // "my colleague", "mi jefa", "החבר שלי": a name follows if it looks like one
	cueNaming           // "named", "se llama", "heißt", "קוראים לו": the next word is a name
	cueTitle            // "Mr.", "Sra.", "Mme", "Herr": the next capitalised word is a name
)

type cue struct {
	words []string // folded, in order
	kind  cueKind
	lang  string
}

// cuesByLast indexes the cues by their last word.
var cuesByLast = buildCues()

func buildCues() map[string][]cue {
	var all []cue
	add := func(kind cueKind, lang string, phrases ...string) {
		for _, p := range phrases {
			all = append(all, cue{words: strings.Fields(fold(p)), kind: kind, lang: lang})
		}
	}
	add(cueRelation, "en", "friend", "boss", "wife", "husband", "colleague", "coworker", "co-worker",
		"manager", "partner", "girlfriend", "boyfriend", "sister", "brother", "mother", "father", "mom",
		"mum", "dad", "son", "daughter", "client", "coach", "mentor", "neighbour", "neighbor", "cousin",
		"teammate", "employee", "assistant", "supervisor", "director", "therapist", "uncle", "aunt",
		"grandmother", "grandfather", "grandma", "grandpa", "fiancé", "fiancée", "fiance", "roommate",
		"flatmate", "student", "teacher", "lead", "report", "niece", "nephew", "stepson", "stepdaughter",
		"spouse", "peer", "intern", "founder", "cofounder", "co-founder", "ceo", "cto", "cfo", "hr", "coachee",
		"participant", "facilitator", "trainer", "sponsor", "buddy", "bestie", "ex")
	add(cueRelation, "es", "amigo", "amiga", "jefe", "jefa", "compañero", "compañera", "colega", "esposa",
		"esposo", "marido", "mujer", "novio", "novia", "hermano", "hermana", "madre", "padre", "mamá", "papá",
		"hijo", "hija", "gerente", "socio", "socia", "cliente", "primo", "prima", "vecino", "vecina",
		"pareja", "directora", "director", "tío", "tía", "abuela", "abuelo", "mentora", "supervisora",
		"coordinadora", "coordinador", "responsable", "suegra", "suegro", "sobrino", "sobrina", "cuñado",
		"cuñada", "empleado", "empleada", "asistente", "alumno", "alumna", "profesor", "profesora")
	add(cueRelation, "fr", "ami", "amie", "collègue", "patron", "patronne", "chef", "femme", "mari",
		"copain", "copine", "frère", "sœur", "soeur", "mère", "père", "fils", "fille", "directeur",
		"directrice", "voisin", "voisine", "cousine", "compagnon", "compagne", "associé", "associée",
		"cliente", "belle-mère", "beau-père", "neveu", "nièce", "oncle", "tante", "employé", "employée",
		"assistante", "stagiaire", "élève", "professeur", "prof", "cheffe", "supérieur", "supérieure", "n+1")
	add(cueRelation, "de", "freund", "freundin", "kollege", "kollegin", "chef", "chefin", "ehemann",
		"ehefrau", "mann", "bruder", "schwester", "mutter", "vater", "sohn", "tochter", "partnerin",
		"vorgesetzter", "vorgesetzte", "nachbar", "nachbarin", "cousine", "kunde", "kundin", "teamleiter",
		"teamleiterin", "mitarbeiter", "mitarbeiterin", "managerin", "lebensgefährte", "lebensgefährtin",
		"mentorin", "onkel", "tante", "oma", "opa", "schwiegermutter", "schwiegervater", "azubi",
		"praktikantin", "praktikant", "geschäftsführer", "geschäftsführerin", "abteilungsleiter",
		"abteilungsleiterin", "trainerin", "coachin")
	add(cueRelation, "he", "החבר שלי", "החברה שלי", "חבר שלי", "חברה שלי", "הבוס שלי", "המנהל שלי",
		"המנהלת שלי", "הקולגה שלי", "העמית שלי", "העמיתה שלי", "אשתי", "בעלי", "אחי", "אחותי", "הבן שלי",
		"הבת שלי", "אמא שלי", "אבא שלי", "השותף שלי", "השותפה שלי", "הלקוח שלי", "הלקוחה שלי",
		"המתאמן שלי", "המתאמנת שלי", "ראש הצוות", "ראש הצוות שלי", "ראשת הצוות", "החבר", "החברה",
		"המנהל", "המנהלת", "הבוס", "הקולגה", "העובד שלי", "העובדת שלי", "בן הזוג שלי", "בת הזוג שלי",
		"בן זוגי", "בת זוגי", "השכן שלי", "השכנה שלי", "המנטור שלי", "המנטורית שלי", "המאמן שלי", "המאמנת שלי")
	// Verbs aimed at a person: a capitalised word after them is one.
	add(cueRelation, "en", "talked to", "spoke to", "spoke with", "talking to", "speaking with", "met with",
		"texted", "emailed", "messaged", "thanked", "hugged", "told", "asked", "called")
	add(cueRelation, "es", "hablé con", "hablar con", "le dije a", "le pregunté a", "le escribí a")
	add(cueRelation, "fr", "parlé à", "parler à", "dit à", "demandé à", "écrit à")
	add(cueNaming, "en", "named", "called", "name is", "name's", "goes by", "known as", "nicknamed")
	add(cueNaming, "es", "se llama", "llamado", "llamada", "de nombre", "nombre es", "apodado", "apodada")
	add(cueNaming, "fr", "s'appelle", "nommé", "nommée", "appelé", "appelée", "prénommé", "prénommée",
		"prénom est", "nom est", "surnommé", "surnommée")
	add(cueNaming, "de", "heißt", "namens", "genannt", "name ist", "vorname ist")
	add(cueNaming, "he", "קוראים לו", "קוראים לה", "שמו", "שמה", "בשם", "השם שלו", "השם שלה")
	add(cueTitle, "en", "mr", "mrs", "ms", "miss", "dr", "prof", "sir")
	add(cueTitle, "es", "sr", "sra", "srta", "señor", "señora", "señorita", "don", "doña", "dra")
	add(cueTitle, "fr", "m", "mme", "mlle", "monsieur", "madame", "mademoiselle", "maître")
	add(cueTitle, "de", "herr", "herrn", "frau")
	add(cueTitle, "he", "מר", "גברת", "ד\"ר")
	m := map[string][]cue{}
	for _, c := range all {
		// "s'appelle" and "name's" are split at the apostrophe by the
		// tokenizer; keep their parts as separate words.
		var words []string
		for _, w := range c.words {
			words = append(words, strings.FieldsFunc(w, func(r rune) bool { return r == '\'' || r == '-' || r == '+' })...)
		}
		if len(words) == 0 {
			continue
		}
		c.words = words
		last := words[len(words)-1]
		m[last] = append(m[last], c)
	}
	return m
}

// cueBefore returns the cue that ends right before toks[i], if any.
func cueBefore(toks []token, i int) (cueKind, string) {
	if i == 0 {
		return cueNone, ""
	}
	sep := strings.TrimSpace(toks[i].sepBefore)
	switch sep {
	case "", ",", ":", ".", "'", "’", "\"", "“", "«":
	default:
		return cueNone, ""
	}
	prev := toks[i-1]
	cs := cuesByLast[prev.folded]
	if cs == nil && prev.hebrew {
		// A joined prefix letter: "שהחבר", "ובעלי".
		if _, off, ok := lookupHebrew(cuesByLast, prev.folded); ok {
			cs = cuesByLast[prev.folded[off:]]
		}
	}
	best := cueNone
	lang := ""
	for _, c := range cs {
		n := len(c.words)
		if i < n {
			continue
		}
		ok := true
		for k := 0; k < n-1; k++ {
			if toks[i-n+k].folded != c.words[k] {
				ok = false
				break
			}
		}
		if ok && (c.kind == cueNaming || best == cueNone) {
			best, lang = c.kind, c.lang
		}
		if ok && c.kind == best && c.lang == "de" {
			lang = "de" // "Chef" is French and German: be German-careful
		}
	}
	if best == cueTitle && sep != "" && sep != "." {
		return cueNone, ""
	}
	return best, lang
}

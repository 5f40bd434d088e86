package pii

import (
	"embed"
	"strings"
)

// names/*.txt hold common given names of each language, one a line. A
// trailing "*" marks a name that is also an everyday word or a card
// title ("Hope", "Paz", "Pierre", "Ernst", "אור"); such a name counts
// only with a telling context.
//
//go:embed names/*.txt
var namesFS embed.FS

const (
	freeName      uint8 = 1
	freeAmbiguous uint8 = 2
)

// freeNames maps a folded given name to freeName or freeAmbiguous.
var freeNames = loadNames()

func loadNames() map[string]uint8 {
	m := map[string]uint8{}
	entries, err := namesFS.ReadDir("names")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := namesFS.ReadFile("names/" + e.Name())
		if err != nil {
			panic(err)
		}
		for line := range strings.Lines(string(b)) {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			flag := freeName
			if n, ok := strings.CutSuffix(line, "*"); ok {
				line, flag = n, freeAmbiguous
			}
			f := fold(line)
			// Ambiguous in one language is ambiguous everywhere.
			if m[f] != freeAmbiguous {
				m[f] = flag
			}
		}
	}
	return m
}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[fold(w)] = true
	}
	return m
}

// particles join the parts of a name but are no name alone.
var particles = set("de", "del", "la", "las", "los", "le", "les", "du", "des", "da", "das", "do", "dos",
	"di", "van", "von", "der", "den", "ten", "ter", "zu", "y", "e", "el", "al", "bin", "ben", "bat", "ibn",
	"st", "san", "santa", "mac", "mc", "bar", "abu")

// stopwords are everyday words of the five languages that a name part
// may also be; they are never taken as a name after a cue either.
var stopwords = set(
	// en
	"the", "a", "an", "and", "or", "but", "i", "you", "he", "she", "it", "we", "they", "me", "him", "her",
	"us", "them", "my", "your", "his", "its", "our", "their", "this", "that", "these", "those", "is", "are",
	"was", "were", "be", "been", "am", "will", "would", "can", "could", "may", "might", "must", "shall",
	"should", "do", "does", "did", "have", "has", "had", "not", "no", "yes", "so", "if", "then", "when",
	"what", "who", "how", "why", "where", "which", "in", "on", "at", "to", "for", "of", "with", "by", "from",
	"about", "as", "into", "after", "before", "today", "tomorrow", "yesterday", "monday", "tuesday",
	"wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april",
	"june", "july", "august", "september", "october", "november", "december", "also", "just", "always",
	"never", "again", "too", "very", "really", "maybe", "please", "thanks", "hi", "hello", "dear", "ok",
	"okay", "well", "now", "here", "there", "all", "some", "any", "every", "each", "one", "two", "three",
	"said", "told", "asked", "says", "thinks", "wants", "feels", "keeps", "who's", "whose", "because",
	"since", "while", "though", "although", "still", "even", "only", "same", "other", "another", "new",
	"good", "bad", "great", "big", "little", "mark", "bill", "rose", "grace", "hope", "faith", "joy",
	"ever", "much", "many", "more", "most", "less", "let", "lets", "like", "love", "sure", "sorry",
	// es
	"el", "la", "los", "las", "un", "una", "unos", "unas", "y", "o", "pero", "yo", "tú", "tu", "él", "ella",
	"nosotros", "ellos", "ellas", "mi", "mis", "su", "sus", "este", "esta", "ese", "esa", "es", "son", "está",
	"están", "era", "fue", "ser", "estar", "que", "qué", "quien", "quién", "como", "cómo", "cuando", "donde",
	"en", "con", "por", "para", "sin", "sobre", "entre", "hoy", "mañana", "ayer", "lunes", "martes",
	"miércoles", "jueves", "viernes", "sábado", "domingo", "enero", "febrero", "marzo", "abril", "mayo",
	"junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre", "también", "siempre",
	"nunca", "muy", "hola", "gracias", "no", "sí", "porque", "pues", "luego", "después", "antes", "ahora",
	"aquí", "allí", "todo", "todos", "nada", "algo", "alguien", "nadie", "me", "te", "se", "le", "lo", "nos",
	"dijo", "dice", "quiere", "cree", "piensa", "tiene", "hace", "va", "ya", "aún", "más", "menos",
	// fr
	"le", "les", "une", "et", "ou", "mais", "je", "il", "elle", "nous", "vous", "ils", "elles", "mon", "ma",
	"mes", "ton", "ta", "sa", "ses", "notre", "votre", "leur", "ce", "cette", "ces", "est", "sont", "était",
	"être", "avoir", "qui", "quoi", "comment", "quand", "où", "dans", "avec", "pour", "par", "sans", "sur",
	"sous", "aujourd", "hui", "demain", "hier", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
	"dimanche", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
	"octobre", "novembre", "décembre", "aussi", "toujours", "jamais", "très", "bonjour", "merci", "oui",
	"non", "parce", "alors", "puis", "après", "avant", "maintenant", "ici", "là", "tout", "tous", "rien",
	"quelqu", "personne", "dit", "pense", "veut", "croit", "fait", "va", "déjà", "encore", "plus", "moins",
	"chez", "pas", "si", "ne", "on", "lui", "leur", "moi", "toi",
	// de
	"der", "die", "das", "ein", "eine", "einen", "einem", "einer", "und", "oder", "aber", "ich", "du", "er",
	"sie", "es", "wir", "ihr", "mein", "meine", "meinen", "meinem", "meiner", "dein", "sein", "seine",
	"unser", "unsere", "dieser", "diese", "dieses", "ist", "sind", "war", "waren", "hat", "haben", "wird",
	"wer", "was", "wie", "wann", "wo", "warum", "in", "im", "mit", "für", "von", "zu", "zum", "zur", "bei",
	"nach", "vor", "über", "unter", "heute", "morgen", "gestern", "montag", "dienstag", "mittwoch",
	"donnerstag", "freitag", "samstag", "sonntag", "januar", "februar", "märz", "juni", "juli", "oktober",
	"dezember", "auch", "immer", "nie", "sehr", "hallo", "danke", "nein", "ja", "weil", "dann", "jetzt",
	"hier", "dort", "alles", "nichts", "jemand", "niemand", "sagt", "sagte", "meint", "will", "denkt",
	"findet", "macht", "schon", "noch", "mehr", "weniger", "nicht", "kein", "keine", "man", "mich", "mir",
	"dich", "dir", "ihn", "ihm", "uns", "euch", "wenn", "dass", "ob", "als", "frau", "herr", "liebe",
	"lieber", "hoffnung", "ernst",
	// he
	"שלי", "שלו", "שלה", "שלנו", "שלהם", "אני", "הוא", "היא", "אתה", "את", "אנחנו", "הם", "עם", "לא", "כן",
	"גם", "זה", "זאת", "של", "על", "אל", "מה", "מי", "איך", "למה", "כי", "אם", "אבל", "או", "רק", "כבר",
	"עוד", "היום", "מחר", "אתמול", "אמר", "אמרה", "תמיד", "פעם", "כל", "יש", "אין", "היה", "הייתה",
)

// Card titles and coaching words that are often capitalised; never a
// name after a cue ("the card called Balance").
var objectWords = set(
	"card", "cards", "carta", "cartas", "carte", "cartes", "karte", "karten", "exercise", "ejercicio",
	"exercice", "übung", "game", "juego", "jeu", "spiel", "book", "libro", "livre", "buch", "method",
	"método", "méthode", "methode", "technique", "técnica", "technik", "app", "tool", "herramienta",
	"outil", "werkzeug", "company", "empresa", "entreprise", "firma", "team", "equipo", "équipe",
	"project", "proyecto", "projet", "projekt", "program", "programa", "programme", "course", "curso",
	"cours", "kurs", "workshop", "taller", "atelier", "session", "sesión", "séance", "sitzung", "deck",
	"baraja", "tool", "model", "modelo", "modèle", "modell", "word", "palabra", "mot", "wort", "theme",
	"tema", "thème", "thema", "product", "producto", "produit", "produkt", "קלף", "הקלף", "תרגיל",
	"התרגיל", "משחק", "המשחק", "ספר", "הספר", "שיטה", "השיטה", "פרויקט", "הפרויקט",
	"ejercicios", "dinámica", "carte", "concept", "concepto", "konzept", "film", "película", "song",
	"canción", "chanson", "lied", "podcast", "newsletter", "slide", "phase", "fase", "étape", "schritt",
)

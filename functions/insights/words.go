package insights

import (
	"fmt"
	"strings"
)

// words are the fixed texts of the fallback summary and the PDF, by
// language.
type words struct {
	Summary                                                     string // minutes, phases, balance, shared, themes
	NoThemes                                                    string
	Retro, Phases, Phase, Started, Minutes, Ops, Elements       string
	Cards, Connections, People, Themes, Participation, Homework string
	Balance, Shared, NotShared, Quiet, Dominant, SummaryTitle   string
	Due, Assigned, Breakthroughs, Definitions                   string
	PhaseNames                                                  map[string]string
}

var vocab = map[string]words{
	"en": {Summary: "The session ran %d minutes over %d phases. Participation balance was %.0f of 100 among %d people who shared their activity. Recurring themes: %s.",
		NoThemes: "none", Retro: "Session retrospective", Phases: "Phases", Phase: "Phase", Started: "Started", Minutes: "Minutes", Ops: "Actions",
		Elements: "Elements", Cards: "Cards", Connections: "Connections", People: "People", Themes: "Themes", Participation: "Participation",
		Homework: "Homework", Balance: "Balance", Shared: "Sharing their activity", NotShared: "Not sharing", Quiet: "Quiet", Dominant: "Dominant",
		SummaryTitle: "Summary", Due: "Due", Assigned: "Assigned to", Breakthroughs: "Breakthroughs", Definitions: "Figures count canvas activity of participants who consented to canvas insights.",
		PhaseNames: map[string]string{"pause": "Pause", "expand": "Expand", "focus": "Focus", "doing": "Doing"}},
	"es": {Summary: "La sesión duró %d minutos en %d fases. El equilibrio de participación fue %.0f de 100 entre %d personas que compartieron su actividad. Temas recurrentes: %s.",
		NoThemes: "ninguno", Retro: "Retrospectiva de la sesión", Phases: "Fases", Phase: "Fase", Started: "Inicio", Minutes: "Minutos", Ops: "Acciones",
		Elements: "Elementos", Cards: "Cartas", Connections: "Conexiones", People: "Personas", Themes: "Temas", Participation: "Participación",
		Homework: "Tareas", Balance: "Equilibrio", Shared: "Comparten su actividad", NotShared: "No comparten", Quiet: "Callados", Dominant: "Dominantes",
		SummaryTitle: "Resumen", Due: "Fecha", Assigned: "Asignada a", Breakthroughs: "Avances", Definitions: "Las cifras cuentan la actividad en el lienzo de quienes consintieron.",
		PhaseNames: map[string]string{"pause": "Pausa", "expand": "Expandir", "focus": "Enfocar", "doing": "Hacer"}},
	"fr": {Summary: "La séance a duré %d minutes en %d phases. L'équilibre de participation était de %.0f sur 100 parmi %d personnes partageant leur activité. Thèmes récurrents : %s.",
		NoThemes: "aucun", Retro: "Rétrospective de la séance", Phases: "Phases", Phase: "Phase", Started: "Début", Minutes: "Minutes", Ops: "Actions",
		Elements: "Éléments", Cards: "Cartes", Connections: "Liens", People: "Personnes", Themes: "Thèmes", Participation: "Participation",
		Homework: "Devoirs", Balance: "Équilibre", Shared: "Partagent leur activité", NotShared: "Ne partagent pas", Quiet: "Discrets", Dominant: "Dominants",
		SummaryTitle: "Résumé", Due: "Échéance", Assigned: "Assigné à", Breakthroughs: "Percées", Definitions: "Les chiffres comptent l'activité sur le canevas des personnes consentantes.",
		PhaseNames: map[string]string{"pause": "Pause", "expand": "Élargir", "focus": "Focaliser", "doing": "Agir"}},
	"de": {Summary: "Die Sitzung dauerte %d Minuten in %d Phasen. Die Beteiligungsbalance lag bei %.0f von 100 unter %d Personen, die ihre Aktivität teilen. Wiederkehrende Themen: %s.",
		NoThemes: "keine", Retro: "Rückblick auf die Sitzung", Phases: "Phasen", Phase: "Phase", Started: "Beginn", Minutes: "Minuten", Ops: "Aktionen",
		Elements: "Elemente", Cards: "Karten", Connections: "Verbindungen", People: "Personen", Themes: "Themen", Participation: "Beteiligung",
		Homework: "Hausaufgaben", Balance: "Balance", Shared: "Teilen ihre Aktivität", NotShared: "Teilen nicht", Quiet: "Still", Dominant: "Dominant",
		SummaryTitle: "Zusammenfassung", Due: "Fällig", Assigned: "Zugewiesen an", Breakthroughs: "Durchbrüche", Definitions: "Die Zahlen zählen die Canvas-Aktivität der Personen mit Einwilligung.",
		PhaseNames: map[string]string{"pause": "Pause", "expand": "Erweitern", "focus": "Fokussieren", "doing": "Handeln"}},
	"he": {Summary: "המפגש נמשך %d דקות ב-%d שלבים. איזון ההשתתפות היה %.0f מתוך 100 בין %d אנשים ששיתפו את פעילותם. נושאים חוזרים: %s.",
		NoThemes: "אין", Retro: "סיכום המפגש", Phases: "שלבים", Phase: "שלב", Started: "התחלה", Minutes: "דקות", Ops: "פעולות",
		Elements: "רכיבים", Cards: "קלפים", Connections: "חיבורים", People: "אנשים", Themes: "נושאים", Participation: "השתתפות",
		Homework: "משימות בית", Balance: "איזון", Shared: "משתפים את פעילותם", NotShared: "לא משתפים", Quiet: "שקטים", Dominant: "דומיננטיים",
		SummaryTitle: "תקציר", Due: "מועד", Assigned: "הוקצה ל", Breakthroughs: "פריצות דרך", Definitions: "הנתונים סופרים פעילות על הקנבס של משתתפים שהסכימו.",
		PhaseNames: map[string]string{"pause": "עצירה", "expand": "הרחבה", "focus": "מיקוד", "doing": "עשייה"}},
}

func vocabOf(lang string) words {
	if w, ok := vocab[lang]; ok {
		return w
	}
	return vocab["en"]
}

// fallbackSummary is the summary without a model.
func fallbackSummary(f summaryFacts, lang string) string {
	w := vocabOf(lang)
	themes := w.NoThemes
	if len(f.Themes) > 0 {
		themes = strings.Join(f.Themes, ", ")
	}
	return fmt.Sprintf(w.Summary, f.Minutes, len(f.Phases), f.Balance, f.Shared, themes)
}

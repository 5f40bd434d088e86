package journal

// builtin are the prompts that need neither the library nor a model, per
// language and phase; they also work offline (the app ships a copy).
var builtin = map[string]map[string][]string{
	"en": {
		"pause":  {"What is asking for your attention right now?", "If you stopped for one minute, what would you notice?"},
		"expand": {"What else could be true here?", "How would someone who loves you see this?"},
		"focus":  {"What matters most to you in this?", "Which one thing do you want to take from today?"},
		"doing":  {"What is one small step you will take this week?", "Who could support you, and how will you ask?"},
	},
	"he": {
		"pause":  {"מה מבקש את תשומת ליבך עכשיו?", "אם היית עוצר לדקה אחת, מה היית מבחין?"},
		"expand": {"מה עוד יכול להיות נכון כאן?", "איך מישהו שאוהב אותך היה רואה את זה?"},
		"focus":  {"מה הכי חשוב לך בזה?", "מה הדבר האחד שתרצה לקחת מהיום?"},
		"doing":  {"מהו צעד קטן אחד שתעשה השבוע?", "מי יכול לתמוך בך, ואיך תבקש?"},
	},
	"es": {
		"pause":  {"¿Qué pide tu atención ahora mismo?", "Si te detuvieras un minuto, ¿qué notarías?"},
		"expand": {"¿Qué más podría ser cierto aquí?", "¿Cómo lo vería alguien que te quiere?"},
		"focus":  {"¿Qué es lo que más te importa en esto?", "¿Qué cosa quieres llevarte de hoy?"},
		"doing":  {"¿Qué pequeño paso darás esta semana?", "¿Quién podría apoyarte y cómo se lo pedirás?"},
	},
	"fr": {
		"pause":  {"Qu’est-ce qui demande ton attention en ce moment ?", "Si tu t’arrêtais une minute, que remarquerais-tu ?"},
		"expand": {"Qu’est-ce qui pourrait aussi être vrai ici ?", "Comment quelqu’un qui t’aime verrait-il cela ?"},
		"focus":  {"Qu’est-ce qui compte le plus pour toi là-dedans ?", "Quelle chose veux-tu retenir d’aujourd’hui ?"},
		"doing":  {"Quel petit pas feras-tu cette semaine ?", "Qui pourrait te soutenir, et comment le demanderas-tu ?"},
	},
	"de": {
		"pause":  {"Was verlangt gerade deine Aufmerksamkeit?", "Wenn du eine Minute innehältst, was bemerkst du?"},
		"expand": {"Was könnte hier noch wahr sein?", "Wie würde jemand, der dich liebt, das sehen?"},
		"focus":  {"Was ist dir dabei am wichtigsten?", "Was möchtest du von heute mitnehmen?"},
		"doing":  {"Welchen kleinen Schritt gehst du diese Woche?", "Wer könnte dich unterstützen, und wie fragst du?"},
	},
}

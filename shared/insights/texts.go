package insights

// fallbacks are the recommendation texts used when no model text is
// available, by language and kind. They describe activity on the canvas,
// never a judgement of a person, and suggest one concrete step.
// Placeholders: {subject} (filled by the web app with the display name),
// {theme} and the recommendation's Numbers by key ({minutes}, {balance},
// {connections}, {people}, …).
var fallbacks = map[string]map[string]string{
	"en": {
		KindQuiet:        "{subject} has added less to the canvas in this phase so far. In the next round, you could invite {subject} by name to place a card or share a thought.",
		KindDominant:     "{subject} has added a lot to the canvas in this phase. At the next transition, you could let someone else open the round so more voices shape the canvas.",
		KindLowBalance:   "Activity in this phase rests on a few people (balance {balance} of 100). At the next transition, a round where everyone places one card could spread it.",
		KindStuck:        "No new element has appeared for {minutes} minutes. You could offer a fresh question now, or invite everyone to pick one new card.",
		KindBreakthrough: "{connections} connections appeared within a few minutes. Before the phase ends, you could invite the group to name what links them.",
		KindTheme:        "The theme “{theme}” came up with {people} people. Before the phase ends, you could invite the group to look at it together.",
	},
	"es": {
		KindQuiet:        "{subject} ha aportado menos al lienzo en esta fase hasta ahora. En la próxima ronda, podrías invitar a {subject} por su nombre a colocar una carta o compartir una idea.",
		KindDominant:     "{subject} ha aportado mucho al lienzo en esta fase. En la próxima transición, podrías dejar que otra persona abra la ronda para que más voces den forma al lienzo.",
		KindLowBalance:   "La actividad de esta fase recae en pocas personas (equilibrio {balance} de 100). En la próxima transición, una ronda en la que cada persona coloque una carta podría repartirla.",
		KindStuck:        "No ha aparecido ningún elemento nuevo en {minutes} minutos. Podrías proponer ahora una pregunta nueva o invitar a todos a elegir una carta nueva.",
		KindBreakthrough: "Aparecieron {connections} conexiones en pocos minutos. Antes de que termine la fase, podrías invitar al grupo a nombrar lo que las une.",
		KindTheme:        "El tema «{theme}» surgió con {people} personas. Antes de que termine la fase, podrías invitar al grupo a mirarlo juntos.",
	},
	"fr": {
		KindQuiet:        "{subject} a encore peu ajouté au canevas dans cette phase. Au prochain tour, vous pourriez inviter {subject} par son prénom à poser une carte ou à partager une idée.",
		KindDominant:     "{subject} a beaucoup ajouté au canevas dans cette phase. À la prochaine transition, vous pourriez laisser une autre personne ouvrir le tour pour que plus de voix façonnent le canevas.",
		KindLowBalance:   "L’activité de cette phase repose sur peu de personnes (équilibre {balance} sur 100). À la prochaine transition, un tour où chacun pose une carte pourrait la répartir.",
		KindStuck:        "Aucun nouvel élément depuis {minutes} minutes. Vous pourriez proposer maintenant une nouvelle question, ou inviter chacun à choisir une nouvelle carte.",
		KindBreakthrough: "{connections} liens sont apparus en quelques minutes. Avant la fin de la phase, vous pourriez inviter le groupe à nommer ce qui les relie.",
		KindTheme:        "Le thème « {theme} » est revenu chez {people} personnes. Avant la fin de la phase, vous pourriez inviter le groupe à le regarder ensemble.",
	},
	"de": {
		KindQuiet:        "{subject} hat in dieser Phase bisher weniger zur Leinwand beigetragen. In der nächsten Runde könnten Sie {subject} mit Namen einladen, eine Karte zu legen oder einen Gedanken zu teilen.",
		KindDominant:     "{subject} hat in dieser Phase viel zur Leinwand beigetragen. Beim nächsten Übergang könnten Sie jemand anderen die Runde eröffnen lassen, damit mehr Stimmen die Leinwand gestalten.",
		KindLowBalance:   "Die Aktivität in dieser Phase liegt bei wenigen Personen (Ausgewogenheit {balance} von 100). Beim nächsten Übergang könnte eine Runde, in der alle eine Karte legen, sie verteilen.",
		KindStuck:        "Seit {minutes} Minuten ist kein neues Element entstanden. Sie könnten jetzt eine neue Frage anbieten oder alle einladen, eine neue Karte zu wählen.",
		KindBreakthrough: "In wenigen Minuten sind {connections} Verbindungen entstanden. Vor dem Ende der Phase könnten Sie die Gruppe einladen, zu benennen, was sie verbindet.",
		KindTheme:        "Das Thema „{theme}“ kam bei {people} Personen vor. Vor dem Ende der Phase könnten Sie die Gruppe einladen, es gemeinsam anzuschauen.",
	},
	"he": {
		KindQuiet:        "{subject} הוסיף/ה עד עכשיו פחות לקנבס בשלב הזה. בסבב הבא אפשר להזמין את {subject} בשמו/ה להניח קלף או לשתף מחשבה.",
		KindDominant:     "{subject} הוסיף/ה הרבה לקנבס בשלב הזה. במעבר הבא אפשר לתת למישהו אחר לפתוח את הסבב, כדי שעוד קולות יעצבו את הקנבס.",
		KindLowBalance:   "הפעילות בשלב הזה נשענת על אנשים מעטים (איזון {balance} מתוך 100). במעבר הבא, סבב שבו כל אחד מניח קלף אחד יכול לפזר אותה.",
		KindStuck:        "כבר {minutes} דקות לא נוסף רכיב חדש. אפשר להציע עכשיו שאלה חדשה, או להזמין את כולם לבחור קלף חדש.",
		KindBreakthrough: "{connections} חיבורים נוצרו בתוך דקות ספורות. לפני סוף השלב אפשר להזמין את הקבוצה לתת שם למה שמחבר ביניהם.",
		KindTheme:        "הנושא „{theme}” עלה אצל {people} אנשים. לפני סוף השלב אפשר להזמין את הקבוצה להתבונן בו יחד.",
	},
}

package analytics

// labels are the column headings by language; a heading missing in a
// language falls back to English.
var labels = map[string]map[string]string{
	"en": {
		"ai_interactions": "AI interactions", "content_uses": "Content uses", "invoices_paid": "Invoices paid", "amount_paid": "Amount paid", "currency": "Currency", "failed_payments": "Failed payments", "seats": "Seats",
		"month": "Month", "sessions": "Sessions", "cards_selected": "Cards selected", "canvas_ops": "Canvas operations",
		"journal_syncs": "Journal syncs", "coach_asks": "Coach questions", "session_id": "Session", "title": "Title",
		"started_at": "Started", "participants": "Participants", "active_people": "Active people", "item_id": "Item",
		"selections": "Selections", "people": "People", "people_on_canvases": "People on canvases",
		"collaborative_canvases": "Collaborative canvases", "ops_per_person": "Operations per person", "uses": "Uses",
	},
	"es": {
		"ai_interactions": "Interacciones con IA", "content_uses": "Usos de contenido", "invoices_paid": "Facturas pagadas", "amount_paid": "Importe pagado", "currency": "Moneda", "failed_payments": "Pagos fallidos", "seats": "Plazas",
		"month": "Mes", "sessions": "Sesiones", "cards_selected": "Cartas elegidas", "canvas_ops": "Operaciones en el lienzo",
		"journal_syncs": "Sincronizaciones del diario", "coach_asks": "Preguntas al coach", "session_id": "Sesión", "title": "Título",
		"started_at": "Inicio", "participants": "Participantes", "active_people": "Personas activas", "item_id": "Elemento",
		"selections": "Selecciones", "people": "Personas", "people_on_canvases": "Personas en lienzos",
		"collaborative_canvases": "Lienzos colaborativos", "ops_per_person": "Operaciones por persona", "uses": "Usos",
	},
	"fr": {
		"ai_interactions": "Interactions IA", "content_uses": "Utilisations de contenu", "invoices_paid": "Factures payées", "amount_paid": "Montant payé", "currency": "Devise", "failed_payments": "Paiements échoués", "seats": "Sièges",
		"month": "Mois", "sessions": "Séances", "cards_selected": "Cartes choisies", "canvas_ops": "Opérations sur le canevas",
		"journal_syncs": "Synchronisations du journal", "coach_asks": "Questions au coach", "session_id": "Séance", "title": "Titre",
		"started_at": "Début", "participants": "Participants", "active_people": "Personnes actives", "item_id": "Élément",
		"selections": "Sélections", "people": "Personnes", "people_on_canvases": "Personnes sur les canevas",
		"collaborative_canvases": "Canevas collaboratifs", "ops_per_person": "Opérations par personne", "uses": "Utilisations",
	},
	"de": {
		"ai_interactions": "KI-Interaktionen", "content_uses": "Inhaltsnutzungen", "invoices_paid": "Bezahlte Rechnungen", "amount_paid": "Bezahlter Betrag", "currency": "Währung", "failed_payments": "Fehlgeschlagene Zahlungen", "seats": "Plätze",
		"month": "Monat", "sessions": "Sitzungen", "cards_selected": "Gewählte Karten", "canvas_ops": "Canvas-Operationen",
		"journal_syncs": "Journal-Synchronisierungen", "coach_asks": "Coach-Fragen", "session_id": "Sitzung", "title": "Titel",
		"started_at": "Beginn", "participants": "Teilnehmende", "active_people": "Aktive Personen", "item_id": "Inhalt",
		"selections": "Auswahlen", "people": "Personen", "people_on_canvases": "Personen auf Canvases",
		"collaborative_canvases": "Gemeinsame Canvases", "ops_per_person": "Operationen pro Person", "uses": "Verwendungen",
	},
	"he": {
		"ai_interactions": "אינטראקציות AI", "content_uses": "שימושים בתוכן", "invoices_paid": "חשבוניות ששולמו", "amount_paid": "סכום ששולם", "currency": "מטבע", "failed_payments": "תשלומים שנכשלו", "seats": "מושבים",
		"month": "חודש", "sessions": "מפגשים", "cards_selected": "קלפים שנבחרו", "canvas_ops": "פעולות בלוח",
		"journal_syncs": "סנכרוני יומן", "coach_asks": "שאלות למאמן", "session_id": "מפגש", "title": "כותרת",
		"started_at": "התחלה", "participants": "משתתפים", "active_people": "אנשים פעילים", "item_id": "פריט",
		"selections": "בחירות", "people": "אנשים", "people_on_canvases": "אנשים בלוחות",
		"collaborative_canvases": "לוחות משותפים", "ops_per_person": "פעולות לאדם", "uses": "שימושים",
	},
}

// texts are the PDF's words by language.
var texts = map[string]map[string]string{
	"en": {"period": "Period", "generated": "Generated", "knote": "Figures about fewer than %d people are not shown (<%d).", "norows": "No data for this period.", "suppressed": "Groups left out because they were too small: %d.",
		"me": "My activity", "facilitator": "My sessions", "adoption": "Adoption", "usage": "Usage and billing", "content": "Content popularity", "collaboration": "Collaboration", "content-owner": "My content"},
	"es": {"period": "Periodo", "generated": "Generado", "knote": "No se muestran cifras sobre menos de %d personas (<%d).", "norows": "No hay datos para este periodo.", "suppressed": "Grupos omitidos por ser demasiado pequeños: %d.",
		"me": "Mi actividad", "facilitator": "Mis sesiones", "adoption": "Adopción", "usage": "Uso y facturación", "content": "Popularidad del contenido", "collaboration": "Colaboración", "content-owner": "Mi contenido"},
	"fr": {"period": "Période", "generated": "Généré", "knote": "Les chiffres portant sur moins de %d personnes ne sont pas affichés (<%d).", "norows": "Aucune donnée pour cette période.", "suppressed": "Groupes omis car trop petits : %d.",
		"me": "Mon activité", "facilitator": "Mes séances", "adoption": "Adoption", "usage": "Utilisation et facturation", "content": "Popularité des contenus", "collaboration": "Collaboration", "content-owner": "Mes contenus"},
	"de": {"period": "Zeitraum", "generated": "Erstellt", "knote": "Zahlen über weniger als %d Personen werden nicht gezeigt (<%d).", "norows": "Keine Daten für diesen Zeitraum.", "suppressed": "Weggelassene, zu kleine Gruppen: %d.",
		"me": "Meine Aktivität", "facilitator": "Meine Sitzungen", "adoption": "Nutzung", "usage": "Verbrauch und Abrechnung", "content": "Beliebte Inhalte", "collaboration": "Zusammenarbeit", "content-owner": "Meine Inhalte"},
	"he": {"period": "תקופה", "generated": "הופק", "knote": "נתונים על פחות מ-%d אנשים אינם מוצגים (<%d).", "norows": "אין נתונים לתקופה זו.", "suppressed": "קבוצות שהושמטו כי היו קטנות מדי: %d.",
		"me": "הפעילות שלי", "facilitator": "המפגשים שלי", "adoption": "אימוץ", "usage": "שימוש וחיוב", "content": "פופולריות תוכן", "collaboration": "שיתוף פעולה", "content-owner": "התוכן שלי"},
}

func word(table map[string]map[string]string, lang, key string) string {
	if s := table[lang][key]; s != "" {
		return s
	}
	return table["en"][key]
}

// labelled copies cols with their headings in lang.
func labelled(cols []Column, lang string) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		c.Label = word(labels, lang, c.Name)
		out[i] = c
	}
	return out
}

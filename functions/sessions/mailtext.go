package sessions

import (
	"fmt"
	"time"
)

// mailText is the wording of session mail in one language. Mail goes out
// in the language the invitation was sent in (en, es, fr, de, he);
// anything else falls back to English. The session's title and the
// facilitator's texts stay as written.
type mailText struct {
	invite, update, cancel, reminder         [2]string // subject prefix, first line
	when, duration, minutes, meeting, meetID string
	passcode, join, open                     string
	weekdays                                 [7]string
	months                                   [12]string
	// date lays out weekday, day, month, year and the time of day.
	date func(wd string, d int, m string, y int, hm string) string
}

var mailTexts = map[string]mailText{
	"en": {
		invite:   [2]string{"Invitation", "You are invited to a Points of You session."},
		update:   [2]string{"Updated", "The session has a new time."},
		cancel:   [2]string{"Cancelled", "The session is cancelled."},
		reminder: [2]string{"Reminder", "Your session starts soon."},
		when:     "When", duration: "Duration", minutes: "minutes", meeting: "Meeting", meetID: "Meeting ID",
		passcode: "Passcode", join: "Join", open: "Open",
		weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
			"October", "November", "December"},
		date: func(wd string, d int, m string, y int, hm string) string {
			return fmt.Sprintf("%s %d %s %d, %s", wd, d, m, y, hm)
		},
	},
	"es": {
		invite:   [2]string{"Invitación", "Te invitamos a una sesión de Points of You."},
		update:   [2]string{"Actualizada", "La sesión tiene un nuevo horario."},
		cancel:   [2]string{"Cancelada", "La sesión se ha cancelado."},
		reminder: [2]string{"Recordatorio", "Tu sesión empieza pronto."},
		when:     "Cuándo", duration: "Duración", minutes: "minutos", meeting: "Reunión", meetID: "ID de la reunión",
		passcode: "Código de acceso", join: "Unirse", open: "Abrir",
		weekdays: [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		months: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
			"octubre", "noviembre", "diciembre"},
		date: func(wd string, d int, m string, y int, hm string) string {
			return fmt.Sprintf("%s %d de %s de %d, %s", wd, d, m, y, hm)
		},
	},
	"fr": {
		invite:   [2]string{"Invitation", "Vous êtes invité·e à une séance Points of You."},
		update:   [2]string{"Modifiée", "La séance a un nouvel horaire."},
		cancel:   [2]string{"Annulée", "La séance est annulée."},
		reminder: [2]string{"Rappel", "Votre séance commence bientôt."},
		when:     "Quand", duration: "Durée", minutes: "minutes", meeting: "Réunion", meetID: "ID de réunion",
		passcode: "Code secret", join: "Rejoindre", open: "Ouvrir",
		weekdays: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
			"octobre", "novembre", "décembre"},
		date: func(wd string, d int, m string, y int, hm string) string {
			return fmt.Sprintf("%s %d %s %d, %s", wd, d, m, y, hm)
		},
	},
	"de": {
		invite:   [2]string{"Einladung", "Du bist zu einer Points-of-You-Sitzung eingeladen."},
		update:   [2]string{"Geändert", "Die Sitzung hat einen neuen Termin."},
		cancel:   [2]string{"Abgesagt", "Die Sitzung ist abgesagt."},
		reminder: [2]string{"Erinnerung", "Deine Sitzung beginnt bald."},
		when:     "Wann", duration: "Dauer", minutes: "Minuten", meeting: "Meeting", meetID: "Meeting-ID",
		passcode: "Kenncode", join: "Teilnehmen", open: "Öffnen",
		weekdays: [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		months: [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
			"Oktober", "November", "Dezember"},
		date: func(wd string, d int, m string, y int, hm string) string {
			return fmt.Sprintf("%s, %d. %s %d, %s Uhr", wd, d, m, y, hm)
		},
	},
	"he": {
		invite:   [2]string{"הזמנה", "הוזמנת למפגש Points of You."},
		update:   [2]string{"עדכון", "למפגש נקבע מועד חדש."},
		cancel:   [2]string{"ביטול", "המפגש בוטל."},
		reminder: [2]string{"תזכורת", "המפגש שלך מתחיל בקרוב."},
		when:     "מתי", duration: "משך", minutes: "דקות", meeting: "פגישה", meetID: "מזהה פגישה",
		passcode: "קוד גישה", join: "הצטרפות", open: "פתיחה",
		weekdays: [7]string{"יום ראשון", "יום שני", "יום שלישי", "יום רביעי", "יום חמישי", "יום שישי", "שבת"},
		months: [12]string{"ינואר", "פברואר", "מרץ", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר",
			"אוקטובר", "נובמבר", "דצמבר"},
		date: func(wd string, d int, m string, y int, hm string) string {
			return fmt.Sprintf("%s, %d ב%s %d, %s", wd, d, m, y, hm)
		},
	},
}

// textsFor is the wording of locale ("" or unknown: English).
func textsFor(locale string) mailText {
	if t, ok := mailTexts[locale]; ok {
		return t
	}
	return mailTexts["en"]
}

// kind is the subject prefix and first line of a kind of mail.
func (t mailText) kind(k mailKind) [2]string {
	switch k {
	case mailUpdate:
		return t.update
	case mailCancel:
		return t.cancel
	case mailReminder:
		return t.reminder
	}
	return t.invite
}

// localTime is how a mail shows the start: in the session's zone and the
// reader's language, with the zone's abbreviation, UTC offset and name.
func (t mailText) localTime(s *Session) string {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	at := s.StartAt.In(loc)
	day := t.date(t.weekdays[at.Weekday()], at.Day(), t.months[at.Month()-1], at.Year(), at.Format("15:04"))
	return day + " " + at.Format("MST") + " (UTC" + at.Format("-07:00") + ", " + loc.String() + ")"
}

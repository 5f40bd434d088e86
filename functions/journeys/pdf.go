package journeys

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"

	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/pdfdoc"
	"pointsofyou.ai/studio/shared/textlayout"
)

// agendaMeta says which state of a journey an agenda prints.
type agendaMeta struct {
	version  int // published version, or 0 for the draft
	revision int // the draft's revision
	when     time.Time
}

const (
	// DejaVu Sans covers Latin, Hebrew and the punctuation the agenda uses;
	// the Go fonts have no Hebrew.
	fontFamily = pdfdoc.Font
	lineH      = 5.5 // mm
	colStart   = 16  // mm: start offset column
	colMinutes = 18  // mm: duration column
)

// renderAgenda writes j as an A4 facilitator agenda: the journey's facts,
// then each phase with its energy mode, objectives and notes and a timed
// table of its elements with running start offsets. Labels follow the
// journey's locale; a Hebrew agenda is laid out right to left (text
// right-aligned, table columns mirrored). Any text renders: runes the font
// cannot draw become U+FFFD. It returns the page count.
func renderAgenda(w io.Writer, j *journey.Journey, meta agendaMeta, compress bool) (int, error) {
	// Fixed dates keep an export of the same version byte-identical.
	pdf := pdfdoc.New(pdfdoc.Options{Margin: 18, At: meta.when})
	pdf.SetCompression(compress)
	pdf.AliasNbPages("{nb}")

	lb := agendaLabels(j.Locale)
	a := &agenda{pdf: pdf, rtl: lb.rtl || (j.Locale == "" && textlayout.FirstStrongRTL(j.Name))}
	name := clean(oneLine(j.Name, 200))
	if strings.TrimSpace(name) == "" {
		name = lb.untitled
	}
	pdf.SetTitle(name, true)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-13)
		pdf.SetFont(fontFamily, "", 8)
		pdf.SetTextColor(110, 110, 110)
		title, page := a.visual(clean(oneLine(name, 80))), fmt.Sprintf("%d/{nb}", pdf.PageNo())
		footer := title + " · " + page
		if a.rtl {
			footer = page + " · " + title
		}
		pdf.CellFormat(0, 5, footer, "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	a.text("B", 18, name)
	state := fmt.Sprintf(lb.draft, meta.revision)
	if meta.version > 0 {
		state = fmt.Sprintf(lb.published, meta.version, meta.when.UTC().Format("2006-01-02"))
	}
	a.text("", 9, state)
	pdf.Ln(2)
	if j.Description != "" {
		a.text("", 10, j.Description)
		pdf.Ln(1)
	}
	facts := []string{lb.timeframe + ": " + orDash(j.Timeframe), lb.session + ": " + lb.minutes(j.SessionMinutes),
		lb.planned + ": " + lb.minutes(j.TotalMinutes())}
	if j.Locale != "" {
		facts = append(facts, lb.language+": "+j.Locale)
	}
	a.segments("", 10, facts...)
	if len(j.Goals) > 0 {
		pdf.Ln(1)
		a.text("B", 11, lb.goals)
		for _, g := range j.Goals {
			a.text("", 10, "•  "+g)
		}
	}

	start := 0 // running offset in minutes from the session's start
	for i, ph := range j.Phases {
		pdf.Ln(4)
		title := fmt.Sprintf("%d. %s", i+1, lb.phase(ph.Phase))
		if ph.Skipped {
			a.text("B", 14, title+" ("+lb.skipped+")")
			a.text("", 9, lb.skippedNote)
			continue
		}
		a.text("B", 14, title)
		a.segments("", 10, lb.energy+": "+orDash(strings.ReplaceAll(ph.EnergyMode, "_", " ")),
			lb.minutes(ph.DurationMinutes), fmt.Sprintf(lb.startsAt, clock(start)))
		if len(ph.Objectives) > 0 {
			a.text("B", 10, lb.objectives)
			for _, o := range ph.Objectives {
				a.text("", 10, "•  "+o)
			}
		}
		if ph.FacilitatorNotes != "" {
			a.text("B", 10, lb.notes)
			a.text("", 10, ph.FacilitatorNotes)
		}
		pdf.Ln(1)
		a.keepLines(2)
		pdf.SetFont(fontFamily, "B", 9)
		pdf.SetFillColor(235, 235, 235)
		a.row(6, "B", true, lb.start, lb.minutesCol, lb.element)
		at := start
		for _, e := range ph.Elements {
			a.keepLines(1)
			y := pdf.GetY()
			pdf.SetFont(fontFamily, "", 10)
			a.row(lineH, "", false, clock(at), fmt.Sprint(e.DurationMinutes), "")
			pdf.SetY(y)
			body, bodyW := a.bodyColumn()
			a.pdf.SetFont(fontFamily, "B", 10)
			a.lines(clean(orDash(e.Title))+" "+sepSpace+" "+"["+strings.ReplaceAll(orDash(e.Type), "_", " ")+"]", body, bodyW)
			if e.Instructions != "" {
				a.para("", 9, e.Instructions, body, bodyW)
			}
			if c := e.Canvas; c != nil {
				a.para("", 9, lb.canvasLine(c), body, bodyW)
			}
			at += e.DurationMinutes
		}
		start += ph.DurationMinutes
	}
	pdf.Ln(4)
	a.text("B", 10, lb.end+": "+clock(start))
	if err := pdf.Output(w); err != nil {
		return 0, err
	}
	return pdf.PageCount(), nil
}

// agenda lays out text on the page in the document's direction.
type agenda struct {
	pdf *fpdf.Fpdf
	rtl bool
}

// text writes s as paragraphs across the full width.
func (a *agenda) text(style string, size float64, s string) {
	left, _, right, _ := a.pdf.GetMargins()
	pw, _ := a.pdf.GetPageSize()
	a.para(style, size, s, left, pw-left-right)
}

// segments writes parts as one paragraph across the full width, each
// part ordered on its own (as a bidi isolate) and separated by a dot, so a
// number or a Latin word in one part never joins the text of the next.
func (a *agenda) segments(style string, size float64, parts ...string) {
	for i, p := range parts {
		parts[i] = strings.Join(strings.Fields(clean(p)), " ")
	}
	a.pdf.SetFont(fontFamily, style, size)
	left, _, right, _ := a.pdf.GetMargins()
	pw, _ := a.pdf.GetPageSize()
	a.lines(strings.Join(parts, " "+sepDot+" "), left, pw-left-right)
}

// para writes s as paragraphs in the column at x of width w.
func (a *agenda) para(style string, size float64, s string, x, w float64) {
	a.pdf.SetFont(fontFamily, style, size)
	a.lines(clean(s), x, w)
}

// lines writes cleaned text in the current font: wrapped in logical order,
// each line reordered for display and aligned to the reading side.
func (a *agenda) lines(s string, x, w float64) {
	align := "L"
	if a.rtl {
		align = "R"
	}
	_, size := a.pdf.GetFontSize()
	h := max(lineH, size*1.25) // headings need more than body text
	for _, p := range strings.Split(s, "\n") {
		for _, line := range a.wrap(p, w) {
			a.pdf.SetX(x)
			a.pdf.CellFormat(w, h, a.visual(line), "", 1, align, false, 0, "")
		}
	}
}

// row writes one table row: the start and minutes columns and the element
// column, mirrored for a right-to-left agenda.
func (a *agenda) row(h float64, border string, fill bool, start, mins, element string) {
	left, _, right, _ := a.pdf.GetMargins()
	pw, _ := a.pdf.GetPageSize()
	cells := []struct {
		w float64
		s string
	}{{colStart, start}, {colMinutes, mins}, {pw - left - right - colStart - colMinutes, element}}
	align := "L"
	if a.rtl {
		align = "R"
		cells[0], cells[2] = cells[2], cells[0]
	}
	a.pdf.SetX(left)
	for i, c := range cells {
		ln := 0
		if i == len(cells)-1 {
			ln = 1
		}
		a.pdf.CellFormat(c.w, h, a.visual(clean(c.s)), border, ln, align, fill, 0, "")
	}
}

// bodyColumn is the x and width of the element column.
func (a *agenda) bodyColumn() (x, w float64) {
	left, _, right, _ := a.pdf.GetMargins()
	pw, _ := a.pdf.GetPageSize()
	w = pw - left - right - colStart - colMinutes
	if a.rtl {
		return left, w
	}
	return left + colStart + colMinutes, w
}

// keepLines starts a new page unless n lines still fit, so a table header
// or a row's time cells never stand apart from what follows them.
func (a *agenda) keepLines(n int) {
	_, ph := a.pdf.GetPageSize()
	_, bottom := a.pdf.GetAutoPageBreak()
	if a.pdf.GetY()+float64(n)*lineH > ph-bottom {
		a.pdf.AddPage()
	}
}

// wrap breaks one paragraph into lines no wider than w, at spaces where
// possible and inside over-long words otherwise. It works in logical order;
// each line is reordered for display afterwards.
func (a *agenda) wrap(p string, w float64) []string {
	words := strings.Fields(p)
	if len(words) == 0 {
		return []string{""}
	}
	space := a.pdf.GetStringWidth(" ")
	width := func(word string) float64 {
		if sep, ok := separators[word]; ok {
			return a.pdf.GetStringWidth(sep) - 2*space // the spaces around it are counted
		}
		return a.pdf.GetStringWidth(word)
	}
	var lines []string
	var cur strings.Builder
	curW := 0.0
	flush := func() {
		if cur.Len() > 0 {
			lines = append(lines, cur.String())
			cur.Reset()
			curW = 0
		}
	}
	for _, word := range words {
		ww := width(word)
		if cur.Len() > 0 && curW+space+ww <= w {
			cur.WriteByte(' ')
			cur.WriteString(word)
			curW += space + ww
			continue
		}
		flush()
		for ww > w {
			// Cut the longest prefix that fits (at least one rune).
			cut, cw := 0, 0.0
			for i, r := range word {
				rw := a.pdf.GetStringWidth(string(r))
				if cut > 0 && cw+rw > w {
					break
				}
				cut, cw = i+utf8.RuneLen(r), cw+rw
			}
			lines = append(lines, word[:cut])
			word = word[cut:]
			ww = a.pdf.GetStringWidth(word)
		}
		cur.WriteString(word)
		curW = ww
	}
	flush()
	return lines
}

// Segment separators join parts that are ordered independently. They are
// control characters, which clean removes from user text, so only the
// layout can place them; each is a word of its own when wrapping.
const (
	sepDot   = "\x1f"
	sepSpace = "\x1e"
)

// separators maps each segment separator to what it shows as.
var separators = map[string]string{sepDot: "   ·   ", sepSpace: "  "}

// visual reorders one line for display in the agenda's direction: each
// segment on its own, the segments in reading order.
func (a *agenda) visual(line string) string {
	if !strings.ContainsAny(line, sepDot+sepSpace) {
		return textlayout.VisualOrder(line, a.rtl)
	}
	var parts, seps []string // len(seps) == len(parts)-1
	for _, word := range strings.Split(line, " ") {
		if _, ok := separators[word]; ok {
			if len(parts) > 0 && len(seps) < len(parts) {
				seps = append(seps, separators[word])
			}
			continue
		}
		if len(parts) == len(seps) {
			parts = append(parts, word)
		} else {
			parts[len(parts)-1] += " " + word
		}
	}
	if len(seps) == len(parts) && len(seps) > 0 {
		seps = seps[:len(seps)-1] // a separator ending the line
	}
	var b strings.Builder
	for i := range parts {
		k := i
		if a.rtl {
			k = len(parts) - 1 - i
		}
		b.WriteString(textlayout.VisualOrder(parts[k], a.rtl))
		if i < len(seps) {
			if a.rtl {
				b.WriteString(seps[len(seps)-1-i])
			} else {
				b.WriteString(seps[i])
			}
		}
	}
	return b.String()
}

// clean makes s safe to draw in the agenda (see textlayout.Coverage.Clean).
func clean(s string) string { return pdfdoc.Coverage().Clean(s) }

// labels are the agenda's fixed words in one language.
type labels struct {
	rtl                                                  bool
	untitled, draft, published                           string
	timeframe, session, planned, language, goals         string
	skipped, skippedNote, energy, startsAt               string
	objectives, notes, start, minutesCol, element, end   string
	min                                                  string
	phases                                               map[string]string
	canvas, template, minElements, minConnections, cards string
}

var agendaText = map[string]labels{
	"en": {untitled: "Untitled journey", draft: "Draft, revision %d", published: "Version %d, published %s",
		timeframe: "Timeframe", session: "Session", planned: "Planned", language: "Language", goals: "Goals",
		skipped: "skipped", skippedNote: "This phase is skipped and takes no time.", energy: "Energy", startsAt: "starts at %s",
		objectives: "Objectives", notes: "Facilitator notes", start: "Start", minutesCol: "Minutes", element: "Element", end: "End",
		min:    "min",
		phases: map[string]string{journey.PhasePause: "Pause", journey.PhaseExpand: "Expand", journey.PhaseFocus: "Focus", journey.PhaseDoing: "Doing"},
		canvas: "Canvas", template: "template %s", minElements: "at least %d elements", minConnections: "at least %d connections", cards: "cards"},
	"es": {untitled: "Recorrido sin título", draft: "Borrador, revisión %d", published: "Versión %d, publicada el %s",
		timeframe: "Duración", session: "Sesión", planned: "Planificado", language: "Idioma", goals: "Objetivos",
		skipped: "omitida", skippedNote: "Esta fase se omite y no ocupa tiempo.", energy: "Energía", startsAt: "empieza a las %s",
		objectives: "Metas", notes: "Notas para el facilitador", start: "Inicio", minutesCol: "Minutos", element: "Elemento", end: "Fin",
		min:    "min",
		phases: map[string]string{journey.PhasePause: "Pausa", journey.PhaseExpand: "Expandir", journey.PhaseFocus: "Enfocar", journey.PhaseDoing: "Hacer"},
		canvas: "Lienzo", template: "plantilla %s", minElements: "al menos %d elementos", minConnections: "al menos %d conexiones", cards: "cartas"},
	"fr": {untitled: "Parcours sans titre", draft: "Brouillon, révision %d", published: "Version %d, publiée le %s",
		timeframe: "Durée", session: "Séance", planned: "Prévu", language: "Langue", goals: "Buts",
		skipped: "ignorée", skippedNote: "Cette phase est ignorée et ne prend pas de temps.", energy: "Énergie", startsAt: "commence à %s",
		objectives: "Objectifs", notes: "Notes d’animation", start: "Début", minutesCol: "Minutes", element: "Élément", end: "Fin",
		min:    "min",
		phases: map[string]string{journey.PhasePause: "Pause", journey.PhaseExpand: "Expansion", journey.PhaseFocus: "Focus", journey.PhaseDoing: "Action"},
		canvas: "Canevas", template: "modèle %s", minElements: "au moins %d éléments", minConnections: "au moins %d connexions", cards: "cartes"},
	"de": {untitled: "Unbenannte Reise", draft: "Entwurf, Revision %d", published: "Version %d, veröffentlicht am %s",
		timeframe: "Zeitrahmen", session: "Sitzung", planned: "Geplant", language: "Sprache", goals: "Ziele",
		skipped: "übersprungen", skippedNote: "Diese Phase wird übersprungen und braucht keine Zeit.", energy: "Energie", startsAt: "beginnt um %s",
		objectives: "Vorhaben", notes: "Notizen für die Moderation", start: "Beginn", minutesCol: "Minuten", element: "Element", end: "Ende",
		min:    "Min.",
		phases: map[string]string{journey.PhasePause: "Pause", journey.PhaseExpand: "Erweitern", journey.PhaseFocus: "Fokus", journey.PhaseDoing: "Handeln"},
		canvas: "Canvas", template: "Vorlage %s", minElements: "mindestens %d Elemente", minConnections: "mindestens %d Verbindungen", cards: "Karten"},
	"he": {rtl: true, untitled: "מסע ללא שם", draft: "טיוטה, גרסת עריכה %d", published: "גרסה %d, פורסמה ב־%s",
		timeframe: "מסגרת זמן", session: "מפגש", planned: "מתוכנן", language: "שפה", goals: "מטרות",
		skipped: "מדולג", skippedNote: "שלב זה מדולג ואינו לוקח זמן.", energy: "אנרגיה", startsAt: "מתחיל ב־%s",
		objectives: "יעדים", notes: "הערות למנחה", start: "התחלה", minutesCol: "דקות", element: "רכיב", end: "סיום",
		min:    "דק׳",
		phases: map[string]string{journey.PhasePause: "עצירה", journey.PhaseExpand: "הרחבה", journey.PhaseFocus: "מיקוד", journey.PhaseDoing: "עשייה"},
		canvas: "קנבס", template: "תבנית %s", minElements: "לפחות %d רכיבים", minConnections: "לפחות %d חיבורים", cards: "קלפים"},
}

// agendaLabels picks the labels of a locale, English by default.
func agendaLabels(locale string) labels {
	if l, ok := agendaText[locale]; ok {
		return l
	}
	return agendaText["en"]
}

func (l labels) phase(p string) string {
	if s, ok := l.phases[p]; ok {
		return s
	}
	if p == "" {
		return "-"
	}
	return p
}

func (l labels) minutes(m int) string {
	if m <= 0 {
		return "-"
	}
	return fmt.Sprintf("%d %s", m, l.min)
}

func (l labels) canvasLine(c *journey.CanvasSpec) string {
	var parts []string
	if c.TemplateID != "" {
		parts = append(parts, fmt.Sprintf(l.template, c.TemplateID))
	}
	if c.MinElements > 0 {
		parts = append(parts, fmt.Sprintf(l.minElements, c.MinElements))
	}
	if c.MinConnections > 0 {
		parts = append(parts, fmt.Sprintf(l.minConnections, c.MinConnections))
	}
	if len(c.RequiredCardTypes) > 0 {
		parts = append(parts, l.cards+": "+strings.Join(c.RequiredCardTypes, ", "))
	}
	if len(parts) == 0 {
		return l.canvas
	}
	return l.canvas + ": " + strings.Join(parts, "; ")
}

// clock formats minutes from the start as h:mm.
func clock(m int) string { return fmt.Sprintf("%d:%02d", m/60, m%60) }

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func oneLine(s string, max int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return string(r)
}

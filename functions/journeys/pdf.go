package journeys

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"pointsofyou.ai/studio/shared/journey"
)

// agendaMeta says which state of a journey an agenda prints.
type agendaMeta struct {
	version  int // published version, or 0 for the draft
	revision int // the draft's revision
	when     time.Time
}

const (
	fontFamily = "go"
	lineH      = 5.5 // mm
	colStart   = 16  // mm: start offset column
	colMinutes = 18  // mm: duration column
)

// renderAgenda writes j as an A4 facilitator agenda: the journey's facts,
// then each phase with its energy mode, objectives and notes and a timed
// table of its elements with running start offsets. It returns the page
// count.
func renderAgenda(w io.Writer, j *journey.Journey, meta agendaMeta, compress bool) (int, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compress)
	pdf.AddUTF8FontFromBytes(fontFamily, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", gobold.TTF)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	// Fixed dates keep an export of the same version byte-identical.
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(meta.when)
	pdf.SetModificationDate(meta.when)
	pdf.SetTitle(j.Name, true)
	pdf.SetProducer("Points of You AI Studio", true)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-13)
		pdf.SetFont(fontFamily, "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s · %d/{nb}", oneLine(j.Name, 80), pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	text := func(style string, size float64, s string) {
		pdf.SetFont(fontFamily, style, size)
		pdf.MultiCell(0, lineH, s, "", "L", false)
	}
	name := j.Name
	if strings.TrimSpace(name) == "" {
		name = "Untitled journey"
	}
	text("B", 18, name)
	state := fmt.Sprintf("Draft, revision %d", meta.revision)
	if meta.version > 0 {
		state = fmt.Sprintf("Version %d, published %s", meta.version, meta.when.UTC().Format("2006-01-02"))
	}
	text("", 9, state)
	pdf.Ln(2)
	if j.Description != "" {
		text("", 10, j.Description)
		pdf.Ln(1)
	}
	facts := []string{"Timeframe: " + orDash(j.Timeframe), "Session: " + minutes(j.SessionMinutes), "Planned: " + minutes(j.TotalMinutes())}
	if j.Locale != "" {
		facts = append(facts, "Language: "+j.Locale)
	}
	text("", 10, strings.Join(facts, "   ·   "))
	if len(j.Goals) > 0 {
		pdf.Ln(1)
		text("B", 11, "Goals")
		for _, g := range j.Goals {
			text("", 10, "•  "+g)
		}
	}

	start := 0 // running offset in minutes from the session's start
	for i, ph := range j.Phases {
		pdf.Ln(4)
		title := fmt.Sprintf("%d. %s", i+1, phaseTitle(ph.Phase))
		if ph.Skipped {
			text("B", 14, title+" (skipped)")
			text("", 9, "This phase is skipped and takes no time.")
			continue
		}
		text("B", 14, title)
		text("", 10, fmt.Sprintf("Energy: %s   ·   %s   ·   starts at %s", orDash(strings.ReplaceAll(ph.EnergyMode, "_", " ")),
			minutes(ph.DurationMinutes), clock(start)))
		if len(ph.Objectives) > 0 {
			text("B", 10, "Objectives")
			for _, o := range ph.Objectives {
				text("", 10, "•  "+o)
			}
		}
		if ph.FacilitatorNotes != "" {
			text("B", 10, "Facilitator notes")
			text("", 10, ph.FacilitatorNotes)
		}
		pdf.Ln(1)
		pdf.SetFont(fontFamily, "B", 9)
		pdf.SetFillColor(235, 235, 235)
		pdf.CellFormat(colStart, 6, "Start", "B", 0, "L", true, 0, "")
		pdf.CellFormat(colMinutes, 6, "Minutes", "B", 0, "L", true, 0, "")
		pdf.CellFormat(0, 6, "Element", "B", 1, "L", true, 0, "")
		at := start
		for _, e := range ph.Elements {
			pdf.SetFont(fontFamily, "", 10)
			pdf.CellFormat(colStart, lineH, clock(at), "", 0, "L", false, 0, "")
			pdf.CellFormat(colMinutes, lineH, fmt.Sprint(e.DurationMinutes), "", 0, "L", false, 0, "")
			pdf.SetFont(fontFamily, "B", 10)
			pdf.MultiCell(0, lineH, fmt.Sprintf("%s  [%s]", orDash(e.Title), strings.ReplaceAll(orDash(e.Type), "_", " ")), "", "L", false)
			if e.Instructions != "" || e.Canvas != nil {
				left, _, _, _ := pdf.GetMargins()
				pdf.SetLeftMargin(left + colStart + colMinutes)
				if e.Instructions != "" {
					text("", 9, e.Instructions)
				}
				if c := e.Canvas; c != nil {
					text("", 9, canvasLine(c))
				}
				pdf.SetLeftMargin(left)
				pdf.SetX(left)
			}
			at += e.DurationMinutes
		}
		start += ph.DurationMinutes
	}
	pdf.Ln(4)
	text("B", 10, "End: "+clock(start))
	if err := pdf.Output(w); err != nil {
		return 0, err
	}
	return pdf.PageCount(), nil
}

func canvasLine(c *journey.CanvasSpec) string {
	var parts []string
	if c.TemplateID != "" {
		parts = append(parts, "template "+c.TemplateID)
	}
	if c.MinElements > 0 {
		parts = append(parts, fmt.Sprintf("at least %d elements", c.MinElements))
	}
	if c.MinConnections > 0 {
		parts = append(parts, fmt.Sprintf("at least %d connections", c.MinConnections))
	}
	if len(c.RequiredCardTypes) > 0 {
		parts = append(parts, "cards: "+strings.Join(c.RequiredCardTypes, ", "))
	}
	if len(parts) == 0 {
		return "Canvas"
	}
	return "Canvas: " + strings.Join(parts, "; ")
}

func phaseTitle(p string) string {
	if p == "" {
		return "Phase"
	}
	return strings.ToUpper(p[:1]) + p[1:]
}

// clock formats minutes from the start as h:mm.
func clock(m int) string { return fmt.Sprintf("%d:%02d", m/60, m%60) }

func minutes(m int) string {
	if m <= 0 {
		return "-"
	}
	return fmt.Sprintf("%d min", m)
}

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

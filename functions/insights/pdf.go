package insights

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"pointsofyou.ai/studio/shared/pdfdoc"
	"pointsofyou.ai/studio/shared/textlayout"
)

// pdfDoc draws lines in the document's direction: Hebrew pages run right
// to left (alignment and the order of table columns), each line put in
// display order as the journal and journey PDFs do.
type pdfDoc struct {
	pdf  *fpdf.Fpdf
	rtl  bool
	colW float64
}

func (d *pdfDoc) line(style string, size, h float64, text string) {
	d.pdf.SetFont(pdfdoc.Font, style, size)
	for _, p := range strings.Split(pdfdoc.Coverage().Clean(text), "\n") {
		if strings.TrimSpace(p) == "" {
			d.pdf.Ln(h)
			continue
		}
		rtl := d.rtl || textlayout.FirstStrongRTL(p)
		align := "L"
		if rtl {
			align = "R"
		}
		for _, l := range d.pdf.SplitText(p, d.colW) {
			d.pdf.CellFormat(d.colW, h, textlayout.VisualOrder(l, rtl), "", 1, align, false, 0, "")
		}
	}
}

// row draws one table row of equal columns (mirrored right to left).
func (d *pdfDoc) row(style string, cells ...string) {
	size := 9.0
	if style == "B" {
		size = 8 // headers: the longest words fit an eighth of the page
	}
	d.pdf.SetFont(pdfdoc.Font, style, size)
	w := d.colW / float64(len(cells))
	if d.rtl {
		for i, j := 0, len(cells)-1; i < j; i, j = i+1, j-1 {
			cells[i], cells[j] = cells[j], cells[i]
		}
	}
	for i, c := range cells {
		ln := 0
		if i == len(cells)-1 {
			ln = 1
		}
		c = pdfdoc.Coverage().Clean(c)
		align := "L"
		if d.rtl {
			align = "R"
		}
		d.pdf.CellFormat(w, 6, textlayout.VisualOrder(c, d.rtl || textlayout.FirstStrongRTL(c)), "B", ln, align, false, 0, "")
	}
}

// writePDF prints the retrospective: title and period, the phases, the
// themes, participation, homework and the summary, in lang.
func writePDF(out io.Writer, r Retrospective, lang string, now time.Time, compress bool) error {
	w := vocabOf(lang)
	pdf := pdfdoc.New(pdfdoc.Options{Margin: 18, At: now, Title: w.Retro})
	pdf.SetCompression(compress)
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	lm, _, rm, _ := pdf.GetMargins()
	d := &pdfDoc{pdf: pdf, rtl: lang == "he", colW: width - lm - rm}

	d.line("B", 16, 8, w.Retro)
	d.line("B", 12, 7, r.Title)
	period := ""
	if r.StartedAt != nil {
		period = r.StartedAt.UTC().Format("2006-01-02 15:04")
		if r.EndedAt != nil {
			period += " – " + r.EndedAt.UTC().Format("15:04") + " UTC"
		}
	}
	pdf.SetTextColor(110, 110, 110)
	d.line("", 9, 5, period)
	pdf.SetTextColor(0, 0, 0)

	section := func(title string) { pdf.Ln(4); d.line("B", 12, 7, title) }
	section(w.Phases)
	d.row("B", w.Phase, w.Started, w.Minutes, w.Ops, w.Elements, w.Cards, w.Connections, w.People)
	for _, p := range r.Phases {
		name := w.PhaseNames[p.Phase]
		if name == "" {
			name = p.Phase
		}
		d.row("", name, p.StartedAt.UTC().Format("15:04"), fmt.Sprint(p.Seconds/60), fmt.Sprint(p.Ops), fmt.Sprint(p.Elements),
			fmt.Sprint(p.Cards), fmt.Sprint(p.Connections), fmt.Sprint(p.SharedParticipants))
	}
	section(w.Themes)
	if len(r.Themes) == 0 {
		d.line("", 10, 5.5, w.NoThemes)
	}
	for _, t := range r.Themes {
		d.row("", t.Theme, fmt.Sprintf("%s: %d", w.People, t.People), fmt.Sprintf("%s: %d", w.Cards, t.Cards))
	}
	section(w.Participation)
	pa := r.Participation
	d.row("", w.Balance, fmt.Sprintf("%.0f / 100", pa.Balance))
	d.row("", w.Shared, fmt.Sprint(pa.SharedCount))
	d.row("", w.NotShared, fmt.Sprint(pa.NotSharedCount))
	d.row("", w.Quiet, fmt.Sprint(pa.QuietCount))
	d.row("", w.Dominant, fmt.Sprint(pa.DominantCount))
	d.row("", w.Breakthroughs, fmt.Sprint(len(r.Breakthroughs)))
	if len(r.Homework) > 0 {
		section(w.Homework)
		for _, h := range r.Homework {
			due := ""
			if h.DueAt != nil {
				due = h.DueAt.UTC().Format("2006-01-02")
			}
			d.row("", h.Title, w.Due+": "+due, fmt.Sprintf("%s: %d", w.Assigned, h.Assigned))
		}
	}
	section(w.SummaryTitle)
	d.line("", 11, 5.5, r.Summary.Text)
	pdf.Ln(4)
	pdf.SetTextColor(110, 110, 110)
	d.line("", 8, 4.5, w.Definitions)
	return pdf.Output(out)
}

// pdfCompress compresses PDF streams (tests read them plain).
var pdfCompress = true

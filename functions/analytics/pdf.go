package analytics

import (
	"bytes"
	"fmt"

	"pointsofyou.ai/studio/shared/pdfdoc"
	"pointsofyou.ai/studio/shared/textlayout"
)

// writePDF prints the report: title, period, the table (landscape A4,
// equal columns, long text cut to its cell) and the k note. Right-to-left
// text (Hebrew headings and titles) is laid out right to left, and a
// Hebrew report runs its columns from the right.
func writePDF(buf *bytes.Buffer, p Params, res *Result) error {
	rtl := p.Lang == "he"
	pdf := pdfdoc.New(pdfdoc.Options{Landscape: true, Margin: 14, At: res.GeneratedAt})
	title := word(texts, p.Lang, res.Report)
	pdf.SetTitle(title, true)
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	lm, _, rm, _ := pdf.GetMargins()
	colW := width - lm - rm
	align := "L"
	if rtl {
		align = "R"
	}
	line := func(style string, size, h float64, s string) {
		pdf.SetFont(pdfdoc.Font, style, size)
		s = pdfdoc.Coverage().Clean(s)
		for _, l := range pdf.SplitText(s, colW) {
			pdf.CellFormat(colW, h, textlayout.VisualOrder(l, textlayout.FirstStrongRTL(l)), "", 1, align, false, 0, "")
		}
	}
	line("B", 16, 9, title)
	pdf.SetTextColor(90, 90, 90)
	line("", 10, 5.5, fmt.Sprintf("%s: %s – %s · %s: %s", word(texts, p.Lang, "period"), res.From, res.To,
		word(texts, p.Lang, "generated"), res.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC")))
	pdf.SetTextColor(0, 0, 0)
	pdf.Ln(3)

	n := len(res.Columns)
	if n == 0 {
		return pdf.Output(buf)
	}
	cw := colW / float64(n)
	order := make([]int, n)
	for i := range order {
		order[i] = i
		if rtl {
			order[i] = n - 1 - i
		}
	}
	cell := func(s string, style string, fill bool) {
		pdf.SetFont(pdfdoc.Font, style, 8.5)
		s = pdfdoc.Coverage().Clean(s)
		for s != "" && pdf.GetStringWidth(s) > cw-2 {
			r := []rune(s)
			s = string(r[:len(r)-1])
		}
		isRTL := textlayout.FirstStrongRTL(s)
		a := "L"
		if isRTL || rtl {
			a = "R"
		}
		pdf.CellFormat(cw, 6.5, textlayout.VisualOrder(s, isRTL), "1", 0, a, fill, 0, "")
	}
	// Headings wrap onto up to three lines rather than being cut.
	header := func() {
		pdf.SetFont(pdfdoc.Font, "B", 8.5)
		lines := make([][]string, n)
		rows := 1
		for i, c := range res.Columns {
			lines[i] = pdf.SplitText(pdfdoc.Coverage().Clean(c.Label), cw-2)
			if len(lines[i]) > 3 {
				lines[i] = lines[i][:3]
			}
			rows = max(rows, len(lines[i]))
		}
		const lineH = 4.5
		h := float64(rows)*lineH + 2
		x0, y0 := pdf.GetXY()
		pdf.SetFillColor(235, 235, 235)
		for k, i := range order {
			x := x0 + float64(k)*cw
			pdf.Rect(x, y0, cw, h, "FD")
			for l, text := range lines[i] {
				isRTL := textlayout.FirstStrongRTL(text)
				a := "L"
				if isRTL || rtl {
					a = "R"
				}
				pdf.SetXY(x, y0+1+float64(l)*lineH)
				pdf.CellFormat(cw, lineH, textlayout.VisualOrder(text, isRTL), "", 0, a, false, 0, "")
			}
		}
		pdf.SetXY(x0, y0+h)
	}
	header()
	_, pageH := pdf.GetPageSize()
	_, _, _, bm := pdf.GetMargins()
	for _, row := range res.Rows {
		if pdf.GetY()+6.5 > pageH-bm {
			pdf.AddPage()
			header()
		}
		vals := cells(res, row)
		for _, i := range order {
			cell(vals[i], "", false)
		}
		pdf.Ln(-1)
	}
	pdf.Ln(3)
	pdf.SetTextColor(90, 90, 90)
	if len(res.Rows) == 0 {
		line("", 10, 5.5, word(texts, p.Lang, "norows"))
	}
	if rep, _ := reportByName(res.Report); !rep.Private {
		line("", 9, 5, fmt.Sprintf(word(texts, p.Lang, "knote"), res.K, res.K))
		if res.SuppressedRows > 0 {
			line("", 9, 5, fmt.Sprintf(word(texts, p.Lang, "suppressed"), res.SuppressedRows))
		}
	}
	return pdf.Output(buf)
}

// Package pdfdoc starts the platform's PDF documents the same way
// everywhere: A4, the embedded DejaVu fonts (regular and bold, which draw
// every script the app writes, Hebrew included), fixed creation dates so
// the same input gives the same bytes, and the producer line.
package pdfdoc

import (
	"fmt"
	"sync"
	"time"

	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
	"github.com/go-pdf/fpdf"

	"pointsofyou.ai/studio/shared/textlayout"
)

// Font is the family name the fonts are registered under ("" and "B").
const Font = "dejavu"

// Options shape a new document.
type Options struct {
	// Landscape turns the page (default portrait).
	Landscape bool
	// Margin is every margin and the page-break distance, in mm.
	Margin float64
	// At is the document's creation and modification date.
	At time.Time
	// Title, when set, is the document's title.
	Title string
}

// New starts a document.
func New(o Options) *fpdf.Fpdf {
	orientation := "P"
	if o.Landscape {
		orientation = "L"
	}
	pdf := fpdf.New(orientation, "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(Font, "", dejavusans.TTF)
	pdf.AddUTF8FontFromBytes(Font, "B", dejavusansbold.TTF)
	pdf.SetMargins(o.Margin, o.Margin, o.Margin)
	pdf.SetAutoPageBreak(true, o.Margin)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(o.At)
	pdf.SetModificationDate(o.At)
	pdf.SetProducer("Points of You AI Studio", true)
	if o.Title != "" {
		pdf.SetTitle(o.Title, true)
	}
	return pdf
}

// Coverage says which runes the fonts draw (Clean replaces the others).
var Coverage = sync.OnceValue(func() *textlayout.Coverage {
	c, err := textlayout.NewCoverage(dejavusans.TTF, dejavusansbold.TTF)
	if err != nil {
		panic(fmt.Sprintf("pdfdoc: embedded font: %v", err)) // a build defect
	}
	return c
})

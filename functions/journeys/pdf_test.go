package journeys

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/library"
)

// pdfText is s as the agenda's UTF-8 fonts write it into an uncompressed
// content stream: UTF-16BE inside a PDF string, with \, ( and ) escaped.
func pdfText(s string) []byte {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		for _, c := range []byte{byte(u >> 8), byte(u)} {
			if c == '\\' || c == '(' || c == ')' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
	}
	return b.Bytes()
}

var pageObj = regexp.MustCompile(`/Type /Page\b[^s]`)

func longJourney() journey.Journey {
	j := sample()
	j.Name = "Équilibre für alle: año nuevo"
	j.Phases[3] = journey.Phase{Phase: journey.PhaseDoing, Skipped: true}
	for i := range 3 {
		p := &j.Phases[i]
		p.Elements = nil
		for k := range journey.MaxElementsPerPhase {
			p.Elements = append(p.Elements, journey.Element{ID: fmt.Sprintf("e%d-%d", i, k), Kind: journey.KindInline, Type: journey.TypePrompt,
				Title: fmt.Sprintf("Step %d.%d", i+1, k+1), Instructions: strings.Repeat("Notice what you feel and name it. ", 6), DurationMinutes: 2})
		}
		p.DurationMinutes = 60
	}
	j.SessionMinutes = 180
	return j
}

func TestAgendaPDF(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		j        journey.Journey
		minPages int
		texts    []string
		absent   []string
	}{
		{"sample", sample(), 1, []string{"Finding balance", "Pause together", "Dim the lights.", "Welcome", "0:05", "0:20",
			"Energy: cocoon", "4. Doing \\(skipped\\)", "Map it", "Canvas: at least 3 elements; cards: photo", "End: 1:15"}, nil},
		{"long, accented", longJourney(), 4, []string{"Équilibre für alle: año nuevo", "Step 3.30", "2:58", "End: 3:00"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			pages, err := renderAgenda(&b, &tc.j, agendaMeta{version: 2, when: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, false)
			if err != nil {
				t.Fatal(err)
			}
			out := b.Bytes()
			if !bytes.HasPrefix(out, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(out), []byte("%%EOF")) {
				t.Fatalf("not a PDF: %q … %q", out[:8], out[len(out)-8:])
			}
			if got := len(pageObj.FindAll(out, -1)); got != pages || pages < tc.minPages {
				t.Fatalf("%d page objects, renderer says %d, want at least %d", got, pages, tc.minPages)
			}
			for _, s := range tc.texts {
				s = strings.ReplaceAll(s, "\\", "")
				if !bytes.Contains(out, pdfText(s)) {
					t.Errorf("PDF lacks %q", s)
				}
			}
		})
	}
}

func TestExportPDF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, tokFacA, longJourney())
	r := e.do(t, "GET", "/v1/journeys/"+d.ID+"/export?format=pdf", tokFacA, nil).Want(t, http.StatusOK)
	if r.Header.Get("Content-Type") != "application/pdf" || r.Header.Get("Content-Disposition") != `attachment; filename=journey-`+d.ID+`.pdf` {
		t.Fatalf("headers %v", r.Header)
	}
	if !bytes.HasPrefix(r.Body, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(r.Body), []byte("%%EOF")) {
		t.Fatal("not a PDF")
	}
	e.do(t, "POST", "/v1/journeys/"+d.ID+"/publish", tokFacA, nil).Want(t, http.StatusCreated)
	a := e.do(t, "GET", "/v1/journeys/"+d.ID+"/export?format=pdf&version=1", tokFacA, nil).Want(t, http.StatusOK).Body
	b := e.do(t, "GET", "/v1/journeys/"+d.ID+"/export?format=pdf&version=1", tokFacA, nil).Want(t, http.StatusOK).Body
	if !bytes.Equal(a, b) {
		t.Fatal("two exports of one version differ")
	}
}

// checkPDF fails unless out is a whole PDF whose page objects match pages.
func checkPDF(t testing.TB, out []byte, pages int) {
	t.Helper()
	if !bytes.HasPrefix(out, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(out), []byte("%%EOF")) {
		t.Fatalf("not a PDF (%d bytes)", len(out))
	}
	if got := len(pageObj.FindAll(out, -1)); got != pages || pages < 1 {
		t.Fatalf("%d page objects, renderer says %d", got, pages)
	}
}

// hebrewJourney is the sample journey written in Hebrew.
func hebrewJourney() journey.Journey {
	j := sample()
	j.Locale = "he"
	j.Name = "מציאת איזון"
	j.Description = "בוקר לצוות (90 דקות)."
	j.Goals = []string{"לעצור יחד", "לבחור צעד אחד"}
	j.Phases[0].FacilitatorNotes = "לעמעם את האורות."
	j.Phases[0].Elements[0].Title = "ברוכים הבאים"
	return j
}

// TestAgendaPDFAnyText: no text a journey can hold makes the agenda fail —
// characters beyond the Basic Multilingual Plane, runes without a glyph,
// control characters, right-to-left and mixed-direction text. Runes the
// font cannot draw become U+FFFD.
func TestAgendaPDFAnyText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*journey.Journey)
		texts []string
	}{
		{"emoji title", func(j *journey.Journey) { j.Name = "Team day 🎉🚀" }, []string{"Team day \uFFFD\uFFFD"}},
		{"emoji everywhere", func(j *journey.Journey) {
			j.Description, j.Goals[0] = "😀 smile", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"
			j.Phases[0].FacilitatorNotes, j.Phases[0].Elements[0].Title = "notes 👍", "Hi 👋"
			j.Phases[0].Objectives = []string{"🧘"}
			j.Phases[1].Elements[0].Instructions = "pairs 👫"
		}, []string{"\uFFFD smile", "notes \uFFFD"}},
		{"no glyph in the font", func(j *journey.Journey) { j.Name = "漢字 ok" }, []string{"\uFFFD\uFFFD ok"}},
		{"control characters", func(j *journey.Journey) {
			j.Name = "a\x00b\x1bc\bd\u202ee\u2066f"
			j.Description = "line1\nline2\r\n\tend"
		}, []string{"line1", "line2"}},
		{"invalid UTF-8", func(j *journey.Journey) { j.Name = "bad \xff\xfe bytes" }, []string{"bad \uFFFD\uFFFD bytes"}},
		{"Hebrew in an English agenda", func(j *journey.Journey) { j.Name = "Shalom שלום" }, []string{"Shalom םולש"}},
		{"Hebrew agenda", func(j *journey.Journey) { *j = hebrewJourney() }, []string{"ןוזיא תאיצמ", "םיאבה םיכורב"}},
		{"Spanish", func(j *journey.Journey) { j.Locale, j.Name = "es", "Encontrar el equilibrio: ¿años?" }, []string{"Encontrar el equilibrio: ¿años?"}},
		{"French", func(j *journey.Journey) { j.Locale, j.Name = "fr", "Trouver l’équilibre « ensemble »" }, []string{"Trouver l’équilibre « ensemble »"}},
		{"German", func(j *journey.Journey) { j.Locale, j.Name = "de", "Gleichgewicht finden – Größe" }, []string{"Gleichgewicht finden – Größe"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := sample()
			tc.edit(&j)
			var b bytes.Buffer
			pages, err := renderAgenda(&b, &j, agendaMeta{revision: 3, when: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, false)
			if err != nil {
				t.Fatal(err)
			}
			checkPDF(t, b.Bytes(), pages)
			for _, s := range tc.texts {
				if !bytes.Contains(b.Bytes(), pdfText(s)) {
					t.Errorf("PDF lacks %q", s)
				}
			}
		})
	}
}

// FuzzAgendaPDF: any title, notes and locale render to a valid PDF.
func FuzzAgendaPDF(f *testing.F) {
	f.Add("Team day 🎉", "notes", "en")
	f.Add("מציאת איזון (1)", "הערות: 3 דקות", "he")
	f.Add("a\x00\xff\u202e", "\n\n\t", "fr")
	f.Add("(שלום [world] 12)", "abc אבג 123 דהו", "de")
	f.Fuzz(func(t *testing.T, title, notes, locale string) {
		j := sample()
		j.Name, j.Locale = title, locale
		j.Phases[0].FacilitatorNotes = notes
		j.Phases[0].Elements[0].Title = title
		j.Goals = []string{notes}
		var b bytes.Buffer
		pages, err := renderAgenda(&b, &j, agendaMeta{revision: 1, when: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, false)
		if err != nil {
			t.Fatal(err)
		}
		checkPDF(t, b.Bytes(), pages)
	})
}

// TestAgendaLabelsDrawable: every fixed word of every locale has glyphs.
func TestAgendaLabelsDrawable(t *testing.T) {
	t.Parallel()
	for _, loc := range library.Locales {
		l, ok := agendaText[loc]
		if !ok {
			t.Errorf("no agenda labels for %s", loc)
			continue
		}
		words := []string{l.untitled, l.draft, l.published, l.timeframe, l.session, l.planned, l.language, l.goals,
			l.skipped, l.skippedNote, l.energy, l.startsAt, l.objectives, l.notes, l.start, l.minutesCol, l.element, l.end,
			l.min, l.canvas, l.template, l.minElements, l.minConnections, l.cards}
		for _, p := range l.phases {
			words = append(words, p)
		}
		for _, w := range words {
			if w == "" || clean(w) != w {
				t.Errorf("%s: label %q is empty or not drawable", loc, w)
			}
		}
	}
}

// TestAgendaHebrewRaster renders a Hebrew agenda with pdftoppm (poppler)
// and checks the layout is right to left: the title's ink ends at the
// right margin, where an English title starts at the left one.
func TestAgendaHebrewRaster(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm (poppler-utils) is not installed")
	}
	for _, tc := range []struct {
		name string
		j    journey.Journey
		rtl  bool
	}{{"he", hebrewJourney(), true}, {"en", sample(), false}} {
		var b bytes.Buffer
		if _, err := renderAgenda(&b, &tc.j, agendaMeta{revision: 1, when: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, true); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		pdfPath := filepath.Join(dir, "agenda.pdf")
		if err := os.WriteFile(pdfPath, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", pdfPath, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
		f, err := os.Open(filepath.Join(dir, "page.png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		// The first band of ink is the title; find its horizontal extent.
		bnd := img.Bounds()
		minX, maxX, top := bnd.Max.X, -1, -1
		for y := bnd.Min.Y; y < bnd.Max.Y && (top < 0 || y < top+10); y++ {
			for x := bnd.Min.X; x < bnd.Max.X; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
					minX, maxX = min(minX, x), max(maxX, x)
					if top < 0 {
						top = y
					}
				}
			}
		}
		mm := 18.0
		margin := int(mm / 25.4 * 50)                                      // 18 mm at 50 dpi
		nearLeft, nearRight := minX <= margin+6, maxX >= bnd.Dx()-margin-6 // cell padding and side bearings
		if tc.rtl != nearRight || tc.rtl == nearLeft {
			t.Errorf("%s: title ink spans x %d..%d of %d (margin %d), want it against the %s margin",
				tc.name, minX, maxX, bnd.Dx(), margin, map[bool]string{true: "right", false: "left"}[tc.rtl])
		}
	}
}

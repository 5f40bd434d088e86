package journeys

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"pointsofyou.ai/studio/shared/journey"
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
	r := must(t, e.do(t, "GET", "/v1/journeys/"+d.ID+"/export?format=pdf", tokFacA, nil), http.StatusOK)
	if r.Header.Get("Content-Type") != "application/pdf" || r.Header.Get("Content-Disposition") != `attachment; filename=journey-`+d.ID+`.pdf` {
		t.Fatalf("headers %v", r.Header)
	}
	if !bytes.HasPrefix(r.Body, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(r.Body), []byte("%%EOF")) {
		t.Fatal("not a PDF")
	}
	must(t, e.do(t, "POST", "/v1/journeys/"+d.ID+"/publish", tokFacA, nil), http.StatusCreated)
	a := must(t, e.do(t, "GET", "/v1/journeys/"+d.ID+"/export?format=pdf&version=1", tokFacA, nil), http.StatusOK).Body
	b := must(t, e.do(t, "GET", "/v1/journeys/"+d.ID+"/export?format=pdf&version=1", tokFacA, nil), http.StatusOK).Body
	if !bytes.Equal(a, b) {
		t.Fatal("two exports of one version differ")
	}
}

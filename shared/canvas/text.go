package canvas

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-fonts/dejavu/dejavusans"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"pointsofyou.ai/studio/shared/textlayout"
)

// Text in exports. Both renderers draw DejaVu Sans (it covers Latin,
// Hebrew and the punctuation people write on a canvas; the Go fonts have
// no Hebrew). Text is cleaned first (runes the font cannot draw become
// U+FFFD, controls and formatting characters are dropped — fpdf's UTF-8
// fonts handle nothing beyond U+FFFF), wrapped in logical order, and each
// line is put in display order by textlayout.VisualOrder, in the
// direction of the text's first strong character.

// fontInfo is what layout needs of DejaVu Sans: the advances of the BMP
// runes it draws and its ascent and descent, all in ems.
type fontInfo struct {
	adv             []float32
	ascent, descent float64
}

// coverage is what both renderers can draw: they use the one face.
var coverage = sync.OnceValue(func() *textlayout.Coverage {
	c, err := textlayout.NewCoverage(dejavusans.TTF)
	if err != nil {
		panic(fmt.Sprintf("canvas: embedded font: %v", err)) // a build defect
	}
	return c
})

var fontData = sync.OnceValue(func() *fontInfo {
	f, err := sfnt.Parse(dejavusans.TTF)
	if err != nil {
		panic(fmt.Sprintf("canvas: embedded font: %v", err)) // a build defect
	}
	var buf sfnt.Buffer
	upem := float64(f.UnitsPerEm())
	ppem := fixed.Int26_6(f.UnitsPerEm()) << 6
	fi := &fontInfo{adv: make([]float32, 0x10000)}
	for r := rune(0); r < 0x10000; r++ {
		g, err := f.GlyphIndex(&buf, r)
		if err != nil || g == 0 {
			continue
		}
		if a, err := f.GlyphAdvance(&buf, g, ppem, font.HintingNone); err == nil {
			fi.adv[r] = float32(float64(a) / 64 / upem)
		}
	}
	if m, err := f.Metrics(&buf, ppem, font.HintingNone); err == nil {
		fi.ascent, fi.descent = float64(m.Ascent)/64/upem, float64(m.Descent)/64/upem
	} else {
		fi.ascent, fi.descent = 0.93, 0.24
	}
	return fi
})

// textWidth is the advance of cleaned text s at size 1.
func textWidth(s string) float64 {
	adv := fontData().adv
	w := 0.0
	for _, r := range s {
		if r >= 0 && r < 0x10000 {
			w += float64(adv[r])
		} else {
			w += float64(adv[unicode.ReplacementChar])
		}
	}
	return w
}

// cleanText makes s safe to draw with DejaVu Sans (see
// textlayout.Coverage.Clean); line breaks become "\n".
func cleanText(s string) string { return coverage().Clean(s) }

// wrapText breaks cleaned text into lines no wider than w (measure gives
// a string's width), at spaces where possible and inside over-long words
// otherwise, in logical order.
func wrapText(s string, w float64, measure func(string) float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		space := measure(" ")
		cur, curW := "", 0.0
		for _, word := range words {
			ww := measure(word)
			if cur != "" && curW+space+ww <= w {
				cur += " " + word
				curW += space + ww
				continue
			}
			if cur != "" {
				lines = append(lines, cur)
			}
			for ww > w && utf8.RuneCountInString(word) > 1 {
				cut, cw := 0, 0.0
				for i, r := range word {
					rw := measure(string(r))
					if cut > 0 && cw+rw > w {
						break
					}
					cut, cw = i+utf8.RuneLen(r), cw+rw
				}
				lines = append(lines, word[:cut])
				word = word[cut:]
				ww = measure(word)
			}
			cur, curW = word, ww
		}
		lines = append(lines, cur)
	}
	return lines
}

// rtlFirst and visualLine name, for the scene, the direction rule of
// canvas text: a paragraph reads in the direction of its first strong
// character.
func rtlFirst(s string) bool { return textlayout.FirstStrongRTL(s) }

func visualLine(line string, rtl bool) string { return textlayout.VisualOrder(line, rtl) }

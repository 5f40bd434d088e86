package canvas

import (
	"io"
	"runtime"
	"testing"

	model "pointsofyou.ai/studio/shared/canvas"
)

// BenchmarkRenderLargestPNG renders a canvas whose bounds ask for far more
// than the pixel cap at 600 dpi, and reports the peak heap: an export must
// fit the function's 512 MiB with room for the request.
func BenchmarkRenderLargestPNG(b *testing.B) {
	doc := &model.Document{Format: model.Format, Elements: []model.Element{
		{ID: "a", Kind: model.KindNote, Props: map[string]any{"x": 0.0, "y": 0.0, "w": 200.0, "h": 200.0, "text": "one", "z": "a0"}},
		{ID: "b", Kind: model.KindNote, Props: map[string]any{"x": 20000.0, "y": 12000.0, "w": 200.0, "h": 200.0, "text": "two", "z": "a1"}},
	}}
	var peak uint64
	for b.Loop() {
		done := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			for {
				select {
				case <-done:
					return
				default:
				}
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}()
		if err := model.RenderPNG(io.Discard, doc, model.RenderOptions{DPI: MaxDPI, MaxPixels: maxPNGPixels}); err != nil {
			b.Fatal(err)
		}
		close(done)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

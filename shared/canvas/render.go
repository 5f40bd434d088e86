package canvas

import "io"

// RenderOptions control PNG and PDF exports.
type RenderOptions struct {
	// DPI of a PNG (72…600; default 144). One canvas unit is one CSS
	// pixel (1/96 inch).
	DPI int
	// MaxPixels caps a PNG's width × height (default 40 M, never above
	// MaxPixelsLimit); a larger request is scaled down to fit (a lower
	// DPI, recorded in the PNG's pHYs chunk), never refused. PNGSize
	// tells the outcome in advance.
	MaxPixels int
	// Transparent leaves the background out (PNG only).
	Transparent bool
	// Labels resolves what a card or image element shows (card titles,
	// image alt text); nil shows the kind.
	Labels func(e *Element) string
}

// RenderPNG draws the live elements of d, in z order, fitted to their
// bounds plus a margin.
func RenderPNG(w io.Writer, d *Document, o RenderOptions) error { return renderPNG(w, d, o) }

// RenderPDF draws the live elements of d as vector shapes and text on
// pages of the canvas's aspect (A4 or larger), in z order.
func RenderPDF(w io.Writer, d *Document, o RenderOptions) error { return renderPDF(w, d, o) }

package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Allowed upload types.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
	TypeGIF  = "image/gif"
)

// allowedTypes lists the content types an upload may declare (read-only).
var allowedTypes = []string{TypeJPEG, TypePNG, TypeWebP, TypeGIF}

const jpegQuality = 85

// rejection is an upload that can never be processed; retrying cannot help.
type rejection struct{ reason string }

func (r *rejection) Error() string { return "rejected: " + r.reason }

func reject(format string, args ...any) error {
	return &rejection{reason: fmt.Sprintf(format, args...)}
}

// codec decodes one format with its own decoder, so the sniffed type (not
// the image package's global registry) decides how bytes are read.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[string]codec{
	TypeJPEG: {jpeg.DecodeConfig, jpeg.Decode},
	TypePNG:  {png.DecodeConfig, png.Decode},
	TypeGIF:  {gif.DecodeConfig, gif.Decode}, // first frame only
	TypeWebP: {webp.DecodeConfig, webp.Decode},
}

// decoded is a validated source image.
type decoded struct {
	img         image.Image
	contentType string // sniffed, never the declared one
	width       int
	height      int
	transparent bool
}

// decodeImage validates data as an allowed image: sniffed type, then from
// the header alone the pixel count against maxPixels and the memory the
// decoder would allocate against maxDecodeBytes, and only then the full
// decode. Every failure is a *rejection, so a small file that would expand
// into more memory than the function has is refused, never retried.
func decodeImage(data []byte, maxPixels, maxDecodeBytes int64) (*decoded, error) {
	if len(data) == 0 {
		return nil, reject("the upload is empty")
	}
	ct := http.DetectContentType(data)
	c, ok := codecs[ct]
	if !ok {
		return nil, reject("the content is not an allowed image type (detected %s)", ct)
	}
	cfg, err := c.config(bytes.NewReader(data))
	if err != nil {
		return nil, reject("the image header is unreadable")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, reject("the image has no pixels")
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return nil, reject("the image has %d pixels; at most %d are allowed", px, maxPixels)
	}
	cost, err := decodeCost(ct, data, cfg)
	if err != nil {
		return nil, reject("the image header is unreadable")
	}
	if cost > maxDecodeBytes {
		return nil, reject("the image needs %d MiB to decode; at most %d MiB are allowed (use fewer pixels or a baseline JPEG)",
			(cost+(1<<20)-1)>>20, maxDecodeBytes>>20)
	}
	img, err := c.decode(bytes.NewReader(data))
	if err != nil {
		return nil, reject("the image data is corrupt")
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, reject("the image has no pixels")
	}
	return &decoded{
		img: img, contentType: ct, width: b.Dx(), height: b.Dy(),
		transparent: hasTransparency(img),
	}, nil
}

// decodeCost estimates, from the header only, the bytes the standard
// decoders allocate for an image: its pixel buffer and, for progressive
// JPEG and interlaced PNG, their working copies. Go's decoders cannot
// decode at a reduced scale, so this bound is what keeps a decode inside
// the function's memory.
func decodeCost(ct string, data []byte, cfg image.Config) (int64, error) {
	px := int64(cfg.Width) * int64(cfg.Height)
	switch ct {
	case TypeJPEG:
		f, err := jpegFrame(data)
		if err != nil {
			return 0, err
		}
		// Each component is stored at its own sampling; a progressive
		// decode also keeps every DCT coefficient (int32 per sample).
		perSample := int64(1)
		if f.progressive {
			perSample += 4
		}
		cost := int64(f.samplesPerPixel*float64(px)+0.5) * perSample
		if len(f.components) == 4 {
			cost += 4 * px // converted into an image.CMYK
		}
		return cost, nil
	case TypePNG:
		cost := px * bytesPerPixel(cfg.ColorModel)
		if len(data) > 28 && data[28] == 1 {
			cost *= 2 // Adam7: each pass is decoded into its own image first
		}
		return cost, nil
	case TypeWebP:
		switch cfg.ColorModel {
		case color.YCbCrModel:
			return px * 3 / 2, nil // 4:2:0
		case color.NYCbCrAModel:
			return px * 5 / 2, nil
		default:
			return px * 8, nil // lossless: NRGBA plus the decoder's ARGB words
		}
	default: // GIF: one paletted frame no larger than the canvas
		return px, nil
	}
}

func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// jpegHeader is what decodeCost needs from a JPEG frame header (SOFn).
type jpegHeader struct {
	progressive     bool
	components      [][2]int // horizontal, vertical sampling factors
	samplesPerPixel float64
}

// jpegFrame walks the marker segments up to the first frame header.
func jpegFrame(data []byte) (jpegHeader, error) {
	bad := errors.New("no JPEG frame header")
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return jpegHeader{}, bad
		}
		m := data[i+1]
		switch {
		case m == 0xff: // fill byte
			i++
			continue
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // no payload
			i += 2
			continue
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 || i+2+n > len(data) {
			return jpegHeader{}, bad
		}
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			seg := data[i+4 : i+2+n]
			if len(seg) < 6 {
				return jpegHeader{}, bad
			}
			nc := int(seg[5])
			if nc == 0 || len(seg) < 6+3*nc {
				return jpegHeader{}, bad
			}
			h := jpegHeader{progressive: m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce}
			hmax, vmax := 1, 1
			for k := range nc {
				hv := seg[6+3*k+1]
				hs, vs := max(1, int(hv>>4)), max(1, int(hv&0x0f))
				h.components = append(h.components, [2]int{hs, vs})
				hmax, vmax = max(hmax, hs), max(vmax, vs)
			}
			for _, c := range h.components {
				h.samplesPerPixel += float64(c[0]*c[1]) / float64(hmax*vmax)
			}
			// The decoder pads each plane to whole 8×8 blocks per MCU.
			h.samplesPerPixel *= 1.1
			return h, nil
		}
		i += 2 + n
	}
	return jpegHeader{}, bad
}

func hasTransparency(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return !o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return true
			}
		}
	}
	return false
}

// fit scales w×h so its longest side is at most bound, keeping the aspect
// ratio and never upscaling.
func fit(w, h, bound int) (int, int) {
	long := max(w, h)
	if long <= bound {
		return w, h
	}
	nw := max(1, int((int64(w)*int64(bound)+int64(long)/2)/int64(long)))
	nh := max(1, int((int64(h)*int64(bound)+int64(long)/2)/int64(long)))
	return nw, nh
}

// rendition is one encoded output.
type rendition struct {
	width, height int
	contentType   string
	ext           string
	data          []byte
}

// render scales src to the bound and encodes it: PNG when the source has
// transparency (JPEG would turn it black), JPEG otherwise.
func render(src *decoded, bound int) (*rendition, error) {
	w, h := fit(src.width, src.height, bound)
	var dst *image.RGBA
	if w == src.width && h == src.height {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(dst, dst.Bounds(), src.img, src.img.Bounds().Min, draw.Src)
	} else {
		dst = downscale(src.img, w, h)
	}
	var buf bytes.Buffer
	r := &rendition{width: w, height: h}
	if src.transparent {
		r.contentType, r.ext = TypePNG, "png"
		if err := png.Encode(&buf, dst); err != nil {
			return nil, err
		}
	} else {
		r.contentType, r.ext = TypeJPEG, "jpg"
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return nil, err
		}
	}
	r.data = buf.Bytes()
	return r, nil
}

// downscale resamples src to w×h (no larger than src) by area averaging:
// each output pixel is the mean of the source area it covers. It reads the
// source one row at a time through a one-row buffer, so its memory is a
// few rows whatever the source size (a general-purpose kernel scaler keeps
// a float64 buffer of output width × source height, hundreds of MiB for a
// large source).
func downscale(src image.Image, w, h int) *image.RGBA {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	fx, fy := float64(sw)/float64(w), float64(sh)/float64(h)
	// Each source column (row) covers at most two output columns (rows):
	// index and weight of the first, the rest goes to the next one.
	span := func(i int, f float64, n int) (int, float64) {
		d := min(int(float64(i)/f), n-1)
		wt := min(float64(i+1), float64(d+1)*f) - float64(i)
		if d == n-1 || wt > 1 {
			wt = 1
		}
		return d, max(wt, 0)
	}
	colIdx, colWt := make([]int, sw), make([]float64, sw)
	for i := range sw {
		colIdx[i], colWt[i] = span(i, fx, w)
	}
	row := image.NewRGBA(image.Rect(0, 0, sw, 1))
	hrow := make([]float64, 4*w)
	acc := [2][]float64{make([]float64, 4*w), make([]float64, 4*w)}
	norm := 1 / (fx * fy)
	cur := 0 // the output row acc[0] collects
	flush := func() {
		out := dst.Pix[cur*dst.Stride:]
		for i, v := range acc[0] {
			out[i] = uint8(min(255, v*norm+0.5))
		}
		acc[0], acc[1] = acc[1], acc[0]
		clear(acc[1])
		cur++
	}
	for y := range sh {
		draw.Draw(row, row.Bounds(), src, image.Pt(sb.Min.X, sb.Min.Y+y), draw.Src)
		clear(hrow)
		for i := range sw {
			p := row.Pix[4*i : 4*i+4]
			d, wt := 4*colIdx[i], colWt[i]
			for c := range 4 {
				hrow[d+c] += wt * float64(p[c])
			}
			if wt < 1 {
				for c := range 4 {
					hrow[d+4+c] += (1 - wt) * float64(p[c])
				}
			}
		}
		e, wt := span(y, fy, h)
		for e > cur {
			flush()
		}
		for i, v := range hrow {
			acc[0][i] += wt * v
		}
		if wt < 1 {
			for i, v := range hrow {
				acc[1][i] += (1 - wt) * v
			}
		}
	}
	for cur < h {
		flush()
	}
	return dst
}

func isRejection(err error) (*rejection, bool) {
	var r *rejection
	ok := errors.As(err, &r)
	return r, ok
}

package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
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

// decodeImage validates data as an allowed image: sniffed type, dimensions
// from the header against maxPixels before any pixel is decoded, then the
// full decode. Every failure is a *rejection.
func decodeImage(data []byte, maxPixels int64) (*decoded, error) {
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
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == src.width && h == src.height {
		draw.Draw(dst, dst.Bounds(), src.img, src.img.Bounds().Min, draw.Src)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src.img, src.img.Bounds(), draw.Src, nil)
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

func isRejection(err error) (*rejection, bool) {
	var r *rejection
	ok := errors.As(err, &r)
	return r, ok
}

package content

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/storage"

	"pointsofyou.ai/studio/shared/library"
)

// ImageView is an item's picture with a signed GET URL, when the caller
// may see the item and the picture is a stored object.
type ImageView struct {
	library.Image
	URL string `json:"url,omitempty"`
}

// imageBucketWindow: URLs expire at the end of the hour after the current
// one, so every request in the same hour gets the same expiry and, from
// the cache, the same URL — the browser keeps the picture cached.
const imageBucketWindow = time.Hour

// imageSigner signs GET URLs of library pictures and remembers them per
// hour, since V4 signatures embed the signing second.
type imageSigner struct {
	d      Deps
	bucket *storage.BucketHandle
	mu     sync.Mutex
	hour   time.Time
	urls   map[string]string
}

func newImageSigner(d Deps) *imageSigner {
	if d.Storage == nil || d.Bucket == "" {
		return nil
	}
	return &imageSigner{d: d, bucket: d.Storage.Bucket(d.Bucket), urls: map[string]string{}}
}

// url answers the signed GET URL of object, "" when it cannot be signed.
func (s *imageSigner) url(object string) string {
	if s == nil || object == "" || strings.Contains(object, "..") {
		return ""
	}
	hour := s.d.Now().UTC().Truncate(imageBucketWindow)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !hour.Equal(s.hour) {
		s.hour, s.urls = hour, map[string]string{}
	}
	if u, ok := s.urls[object]; ok {
		return u
	}
	u, err := s.bucket.SignedURL(object, &storage.SignedURLOptions{
		Scheme:         storage.SigningSchemeV4,
		Method:         http.MethodGet,
		Expires:        hour.Add(2 * imageBucketWindow),
		GoogleAccessID: s.d.Signer.Email,
		PrivateKey:     s.d.Signer.PrivateKeyPEM,
		Hostname:       s.d.Signer.Hostname,
		Insecure:       s.d.Signer.Insecure,
	})
	if err != nil {
		// A picture that cannot be signed is left out; the card still shows.
		slog.Warn("content: sign image url", "object", object, "err", err)
		return ""
	}
	s.urls[object] = u
	return u
}

// images renders an unlocked item's pictures with their URLs.
func (s *imageSigner) images(in []library.Image) []ImageView {
	if len(in) == 0 {
		return nil
	}
	out := make([]ImageView, len(in))
	for i, im := range in {
		out[i] = ImageView{Image: im, URL: s.url(im.Object)}
	}
	return out
}

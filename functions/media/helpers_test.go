package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/fsouza/fake-gcs-server/fakestorage"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
)

const (
	testBucket = "demo-test-media"
	testEmail  = "media@demo-test.iam.gserviceaccount.com"
	orgA       = "org-a"
	orgB       = "org-b"
)

// testKeyPEM is generated once per test binary: RSA key generation is slow.
var testKeyPEM = sync.OnceValue(func() []byte {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
})

var errBackend = errors.New("verifier backend down")

// Callers, by token.
const (
	alice = apitest.FacilitatorA
	bob   = apitest.FacilitatorB
	loner = apitest.Stranger // no organisation
	weird = "weird"          // an organisation id that is no document id
)

// testUsers are the two-organisation table and a caller whose org claim
// is unusable.
var testUsers = apitest.TwoOrgs().With(apitest.Users{
	weird: {UID: "uid-weird", Org: "../etc", Role: auth.RoleParticipant},
}).Verifier()

// testVerifier knows testUsers; "down" plays a verifier whose backend is
// unreachable.
var testVerifier = auth.VerifierFunc(func(ctx context.Context, tok string) (*auth.Principal, error) {
	if tok == "down" {
		return nil, errBackend
	}
	return testUsers.Verify(ctx, tok)
})

// env is one test's world: an in-process fake-gcs-server and its client.
type env struct {
	t      testing.TB
	srv    *fakestorage.Server
	client *storage.Client
	deps   Deps
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: testBucket})
	c := srv.Client()
	t.Cleanup(func() { _ = c.Close() })
	return &env{t: t, srv: srv, client: c, deps: Deps{
		Verifier: testVerifier,
		Storage:  c,
		Bucket:   testBucket,
		Signer:   Signer{Email: testEmail, PrivateKeyPEM: testKeyPEM()},
	}}
}

func (e *env) api() http.Handler {
	e.t.Helper()
	h, err := New(e.deps)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

func (e *env) renditions() func(context.Context, cloudevents.Event) error {
	e.t.Helper()
	h, err := NewRenditions(e.deps)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// put writes an object as a client's signed PUT would and returns its
// generation.
func (e *env) put(name, contentType string, data []byte) int64 {
	e.t.Helper()
	w := e.client.Bucket(testBucket).Object(name).NewWriter(context.Background())
	w.ContentType = contentType
	if _, err := w.Write(data); err != nil {
		e.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		e.t.Fatal(err)
	}
	return w.Attrs().Generation
}

func (e *env) attrs(name string) *storage.ObjectAttrs {
	e.t.Helper()
	a, err := e.client.Bucket(testBucket).Object(name).Attrs(context.Background())
	if err != nil {
		e.t.Fatalf("attrs %s: %v", name, err)
	}
	return a
}

func (e *env) exists(name string) bool {
	e.t.Helper()
	_, err := e.client.Bucket(testBucket).Object(name).Attrs(context.Background())
	if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
		e.t.Fatal(err)
	}
	return err == nil
}

func (e *env) read(name string) []byte {
	e.t.Helper()
	r, err := e.client.Bucket(testBucket).Object(name).NewReader(context.Background())
	if err != nil {
		e.t.Fatalf("read %s: %v", name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// objectNames lists every object under prefix.
func (e *env) objectNames(prefix string) []string {
	e.t.Helper()
	objs, _, err := e.srv.ListObjectsWithOptions(testBucket, fakestorage.ListOptions{Prefix: prefix})
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.Name)
	}
	return names
}

// finalized builds the CloudEvent Eventarc delivers for a finished upload.
func finalized(id, bucket, name string, gen int64) cloudevents.Event {
	ev := cloudevents.NewEvent()
	ev.SetID(id)
	ev.SetSource("//storage.googleapis.com/projects/_/buckets/" + bucket)
	ev.SetType(EventFinalized)
	ev.SetSubject("objects/" + name)
	ev.SetTime(time.Now())
	_ = ev.SetData(cloudevents.ApplicationJSON, map[string]any{
		"bucket": bucket, "name": name, "contentType": "image/jpeg",
		"size": "123", "generation": strconv.FormatInt(gen, 10), "metageneration": "1",
	})
	return ev
}

// do sends a request through h; an empty body is none.
func do(t *testing.T, h http.Handler, method, path, token string, body string) apitest.Response {
	t.Helper()
	if body == "" {
		return apitest.Serve(t, h, method, path, token, nil)
	}
	return apitest.Serve(t, h, method, path, token, body)
}

// Test images, generated in code.

func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return img
}

func jpegBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, gradient(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngBytes(t testing.TB, w, h int, alpha bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if alpha && x < w/2 {
				a = 64
			}
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, a})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifBytes(t testing.TB, w, h int, transparent bool) []byte {
	t.Helper()
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
	if transparent {
		pal = append(pal, color.RGBA{})
	}
	img := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetColorIndex(x, y, uint8((x/8+y/8)%len(pal)))
		}
	}
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// imageSize decodes an encoded image's dimensions and format.
func imageSize(t *testing.T, data []byte) (w, h int, format string) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode rendition: %v", err)
	}
	return cfg.Width, cfg.Height, format
}

// putWithMetadata writes an object carrying custom metadata, as an upload
// that managed to set x-goog-meta-* headers would.
func (e *env) putWithMetadata(name, contentType string, data []byte, md map[string]string) int64 {
	e.t.Helper()
	w := e.client.Bucket(testBucket).Object(name).NewWriter(context.Background())
	w.ContentType = contentType
	w.Metadata = md
	if _, err := w.Write(data); err != nil {
		e.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		e.t.Fatal(err)
	}
	return w.Attrs().Generation
}

func mustDecodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

package suite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	gcfirestore "cloud.google.com/go/firestore"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/topology"
)

// DemoContentObjectPrefix is where the demo deck's generated images live
// in the media bucket; functions/media ignores names outside orgs/…/media.
const DemoContentObjectPrefix = "content/demo/"

// DemoMediaBucket is the logical bucket the demo images are uploaded to.
const DemoMediaBucket = "media"

// demoSeeder is the identity recorded as the importer of the demo library.
const demoSeeder = "demo-seed"

// DemoContentPath is the demo library file that belongs to a demo users
// file: testdata/demo/users.json → testdata/content/items.json.
func DemoContentPath(usersPath string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(usersPath)), "content", "items.json")
}

// LoadDemoContent reads and validates a demo library file (the bulk-import
// JSON format); any row error fails the whole file, as an import would.
func LoadDemoContent(path string) ([]library.Item, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	items, rowErrs, err := library.ParseJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rowErrs) > 0 {
		msgs := make([]string, len(rowErrs))
		for i, e := range rowErrs {
			msgs[i] = e.String()
		}
		return nil, fmt.Errorf("%s: %s", path, strings.Join(msgs, "; "))
	}
	return items, nil
}

// DemoContentStats summarises one seeding of the demo library.
type DemoContentStats struct {
	Items    int // items imported into the official library
	Images   int // generated images uploaded
	Embedded int // item locales embedded
}

// SeedContent loads the demo library file into the official library: the
// items through functions/content's bulk import (one transaction), their
// generated images into the media bucket, and their embeddings, computed
// now through the Vertex emulator so semantic search works from the first
// request. The embedding trigger also runs for every written item when the
// functions are up; both converge on the same chunks (SyncChunks only
// embeds a changed text), so the double work is harmless. Seeding twice
// is harmless too.
func (s *Suite) SeedContent(ctx context.Context, path string) (DemoContentStats, error) {
	var st DemoContentStats
	items, err := LoadDemoContent(path)
	if err != nil {
		return st, err
	}
	// Drawing the images is independent of the import: do both at once.
	type upload struct {
		n   int
		err error
	}
	imgDone := make(chan upload, 1)
	go func() {
		n, err := s.uploadDemoImages(items)
		imgDone <- upload{n, err}
	}()
	st.Items, st.Embedded, err = s.importDemoContent(ctx, items)
	up := <-imgDone
	st.Images = up.n
	if up.err != nil {
		return st, fmt.Errorf("demo images: %w", up.err)
	}
	return st, err
}

// importDemoContent imports items into the official library and embeds
// them; it returns the items imported and the locales embedded.
func (s *Suite) importDemoContent(ctx context.Context, items []library.Item) (imported, embedded int, err error) {
	fs, err := gcfirestore.NewClient(ctx, s.opts.Project, s.firestoreOptions()...)
	if err != nil {
		return 0, 0, err
	}
	defer fs.Close()
	res, err := library.Import(ctx, fs, "", items, demoSeeder, time.Now())
	if err != nil {
		return 0, 0, fmt.Errorf("import demo content: %w", err)
	}
	aic, err := ai.New(ctx, ai.Config{Project: s.opts.Project, EmulatorHost: s.Vertex.Addr})
	if err != nil {
		return res.Imported, 0, err
	}
	defer aic.Close()
	emb, err := prefetchEmbeddings(ctx, aic, items)
	if err != nil {
		return res.Imported, 0, fmt.Errorf("embed demo content: %w", err)
	}
	// The model name must match the functions' (same ai defaults), or the
	// trigger would see a changed hash and re-embed everything.
	embedded, err = syncAll(ctx, func(ctx context.Context, id string) (int, error) {
		return library.SyncChunks(ctx, fs, emb, aic.Config().EmbedModel, nil, "", id)
	}, items)
	if err != nil {
		return res.Imported, embedded, fmt.Errorf("embed demo content: %w", err)
	}
	return res.Imported, embedded, nil
}

// syncAll runs SyncChunks for every item, a few at a time: each is a
// handful of Firestore round trips, and the embeddings are already cached.
func syncAll(ctx context.Context, syncItem func(context.Context, string) (int, error), items []library.Item) (int, error) {
	const workers = 8
	var (
		mu    sync.Mutex
		total int
		errs  []error
		wg    sync.WaitGroup
	)
	ids := make(chan string)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				n, err := syncItem(ctx, id)
				mu.Lock()
				total += n
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", id, err))
				}
				mu.Unlock()
			}
		}()
	}
	for _, it := range items {
		ids <- it.ID
	}
	close(ids)
	wg.Wait()
	return total, errors.Join(errs...)
}

// cachedEmbedder answers SyncChunks from embeddings computed in one
// batched call up front, so seeding costs a few Vertex calls rather than
// one per item; a text it does not know goes to the real client.
type cachedEmbedder struct {
	next  library.Embedder
	task  string
	cache map[string][]float32
}

func prefetchEmbeddings(ctx context.Context, c *ai.Client, items []library.Item) (*cachedEmbedder, error) {
	var texts []string
	seen := map[string]bool{}
	for _, it := range items {
		for _, l := range library.Locales {
			if !it.HasLocale(l) {
				continue
			}
			if t := it.EmbedText(l); !seen[t] {
				seen[t] = true
				texts = append(texts, t)
			}
		}
	}
	vecs, err := c.Embed(ctx, texts, ai.TaskRetrievalDocument)
	if err != nil {
		return nil, err
	}
	e := &cachedEmbedder{next: c, task: ai.TaskRetrievalDocument, cache: make(map[string][]float32, len(texts))}
	for i, t := range texts {
		e.cache[t] = vecs[i]
	}
	return e, nil
}

// Embed is safe for concurrent use: the cache is only read.
func (e *cachedEmbedder) Embed(ctx context.Context, texts []string, task string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v, ok := e.cache[t]
		if !ok || task != e.task {
			return e.next.Embed(ctx, texts, task)
		}
		out[i] = v
	}
	return out, nil
}

// uploadDemoImages generates the image of every item that references one
// under DemoContentObjectPrefix and stores it in the media bucket.
func (s *Suite) uploadDemoImages(items []library.Item) (int, error) {
	bucket := topology.BucketName(s.opts.Project, DemoMediaBucket)
	n := 0
	for _, it := range items {
		for _, im := range it.Images {
			if !strings.HasPrefix(im.Object, DemoContentObjectPrefix) {
				continue
			}
			b, err := DemoImage(im.Object)
			if err != nil {
				return n, err
			}
			obj := fakestorage.Object{
				ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: im.Object, ContentType: "image/png"},
				Content:     b,
			}
			if err := s.Storage.Fake().CreateObjectStreaming(obj.StreamingObject()); err != nil {
				return n, fmt.Errorf("%s: %w", im.Object, err)
			}
			n++
		}
	}
	return n, nil
}

// DemoImageSize is the side of the generated demo images, in pixels.
const DemoImageSize = 256

// DemoImage draws the abstract picture of a demo card, seeded by its
// object name: a two-colour sky-and-sea split, a sun or moon disc and a few
// wave bands, in a small palette so the PNG stays a few KB. The same name
// always gives the same bytes.
func DemoImage(name string) ([]byte, error) {
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rng(h.Sum64() | 1)

	// A palette of sea and shore colours, shifted per card.
	hue := func() color.RGBA {
		return color.RGBA{uint8(40 + r.next()%180), uint8(80 + r.next()%150), uint8(110 + r.next()%140), 255}
	}
	pal := color.Palette{hue(), hue(), hue(), hue(),
		color.RGBA{uint8(200 + r.next()%55), uint8(170 + r.next()%80), uint8(90 + r.next()%100), 255}}
	img := image.NewPaletted(image.Rect(0, 0, DemoImageSize, DemoImageSize), pal)

	horizon := DemoImageSize/3 + int(r.next()%uint64(DemoImageSize/3))
	sunX, sunY := int(r.next()%DemoImageSize), int(r.next()%uint64(horizon))
	sunR := 14 + int(r.next()%36)
	bands := 3 + int(r.next()%5)
	amp, freq := 2+int(r.next()%10), 1+int(r.next()%4)
	for y := range DemoImageSize {
		for x := range DemoImageSize {
			idx := uint8(0)
			if dx, dy := x-sunX, y-sunY; y < horizon && dx*dx+dy*dy <= sunR*sunR {
				idx = 4
			} else if y >= horizon {
				// Waves: bands below the horizon with a triangle-wave edge.
				off := amp * tri(x*freq, DemoImageSize/2) / (DemoImageSize / 2)
				band := (y - horizon + off) * bands / (DemoImageSize - horizon + 1)
				idx = uint8(1 + band%3)
			}
			img.Pix[y*img.Stride+x] = idx
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// tri is a triangle wave of period 2p in [0, p].
func tri(x, p int) int {
	m := x % (2 * p)
	if m > p {
		return 2*p - m
	}
	return m
}

// rng is a tiny xorshift generator: deterministic across Go versions,
// unlike math/rand's unseeded sources.
type rngState struct{ s uint64 }

func rng(seed uint64) *rngState { return &rngState{seed} }

func (r *rngState) next() uint64 {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return r.s
}

// seedDemoContent loads the demo library next to a demo users file when it
// exists; a checkout without it simply has an empty library.
func (s *Suite) seedDemoContent(ctx context.Context, usersPath string) error {
	path := DemoContentPath(usersPath)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		slog.Info("no demo content file; the content library stays empty", "path", path)
		return nil
	}
	start := time.Now()
	st, err := s.SeedContent(ctx, path)
	if err != nil {
		return err
	}
	slog.Info("demo content seeded", "items", st.Items, "images", st.Images, "embedded", st.Embedded,
		"took_ms", time.Since(start).Milliseconds())
	return nil
}

// firestoreOptions reach the suite's Firestore emulator directly, without
// depending on the process environment.
func (s *Suite) firestoreOptions() []option.ClientOption {
	return []option.ClientOption{option.WithEndpoint(s.Firestore.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}
}

package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	gcs "cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"pointsofyou.ai/studio/shared/topology"
)

// startServer runs a server for one test and closes it afterwards.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// newClient is the official client pointed at srv without touching the
// process environment.
func newClient(t *testing.T, srv *Server, extra ...option.ClientOption) *gcs.Client {
	t.Helper()
	opts := append([]option.ClientOption{
		option.WithEndpoint(srv.URL() + "/storage/v1/"),
		option.WithoutAuthentication(),
	}, extra...)
	c, err := gcs.NewClient(context.Background(), opts...)
	if err != nil {
		t.Fatalf("storage.NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func writeObject(t *testing.T, obj *gcs.ObjectHandle, data, contentType string, meta map[string]string) *gcs.ObjectAttrs {
	t.Helper()
	w := obj.NewWriter(context.Background())
	w.ContentType = contentType
	w.Metadata = meta
	if _, err := io.WriteString(w, data); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close writer: %v", err)
	}
	return w.Attrs()
}

func readObject(t *testing.T, obj *gcs.ObjectHandle) string {
	t.Helper()
	r, err := obj.NewReader(context.Background())
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func TestObjectLifecycleWithOfficialClient(t *testing.T) {
	t.Parallel()
	backends := []struct {
		name string
		root func(t *testing.T) string
	}{
		{"memory", func(*testing.T) string { return "" }},
		{"filesystem", func(t *testing.T) string { return t.TempDir() }},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := startServer(t, Options{Root: be.root(t)})
			xmlClient := newClient(t, srv)
			jsonClient := newClient(t, srv, gcs.WithJSONReads())

			bucket := xmlClient.Bucket("demo-media")
			if err := bucket.Create(ctx, "demo", nil); err != nil {
				t.Fatalf("create bucket: %v", err)
			}
			obj := bucket.Object("users/u1/photo one.jpg")
			attrs := writeObject(t, obj, "jpeg bytes", "image/jpeg", map[string]string{"origin": "test"})
			if attrs.Size != int64(len("jpeg bytes")) || attrs.Generation == 0 {
				t.Fatalf("writer attrs = size %d gen %d", attrs.Size, attrs.Generation)
			}
			writeObject(t, bucket.Object("users/u1/note.txt"), "hello", "text/plain", nil)

			if got := readObject(t, obj); got != "jpeg bytes" {
				t.Errorf("XML read = %q", got)
			}
			if got := readObject(t, jsonClient.Bucket("demo-media").Object("users/u1/photo one.jpg")); got != "jpeg bytes" {
				t.Errorf("JSON read = %q", got)
			}

			// Path-style XML read through another name of the same host.
			host := strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1)
			resp, err := http.Get(host + "/demo-media/users/u1/note.txt")
			if err != nil {
				t.Fatalf("GET via localhost: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "hello" {
				t.Errorf("GET via localhost = %d %q", resp.StatusCode, body)
			}

			var names []string
			it := bucket.Objects(ctx, &gcs.Query{Prefix: "users/u1/"})
			for {
				a, err := it.Next()
				if errors.Is(err, iterator.Done) {
					break
				}
				if err != nil {
					t.Fatalf("list: %v", err)
				}
				names = append(names, a.Name)
			}
			if want := []string{"users/u1/note.txt", "users/u1/photo one.jpg"}; !slices.Equal(names, want) {
				t.Errorf("list = %v, want %v", names, want)
			}

			updated, err := obj.Update(ctx, gcs.ObjectAttrsToUpdate{Metadata: map[string]string{"reviewed": "yes"}})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if updated.Metadata["reviewed"] != "yes" {
				t.Errorf("metadata after update = %v", updated.Metadata)
			}
			got, err := obj.Attrs(ctx)
			if err != nil {
				t.Fatalf("attrs: %v", err)
			}
			if got.ContentType != "image/jpeg" || got.Metadata["reviewed"] != "yes" {
				t.Errorf("attrs = %q %v", got.ContentType, got.Metadata)
			}

			if err := obj.Delete(ctx); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, err := obj.Attrs(ctx); !errors.Is(err, gcs.ErrObjectNotExist) {
				t.Errorf("attrs after delete: %v, want ErrObjectNotExist", err)
			}
		})
	}
}

func TestApplyCreatesDeclaredBucketsIdempotently(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Options{})
	topo := &topology.Topology{Buckets: []topology.Bucket{{Name: "media"}, {Name: "exports"}}}
	for range 2 {
		if err := srv.Apply(context.Background(), topo, "demo-poy"); err != nil {
			t.Fatalf("Apply: %v", err)
		}
	}
	for _, name := range []string{"demo-poy-media", "demo-poy-exports"} {
		if _, err := srv.Fake().Backend().GetBucket(name); err != nil {
			t.Errorf("bucket %s: %v", name, err)
		}
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := startServer(t, Options{})
	c := newClient(t, src)
	if err := c.Bucket("demo-a").Create(ctx, "demo", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Bucket("demo-empty").Create(ctx, "demo", nil); err != nil {
		t.Fatal(err)
	}
	objects := map[string]struct{ data, ctype string }{
		"a.txt":        {"alpha", "text/plain"},
		"dir/b.json":   {`{"b":1}`, "application/json"},
		"dir":          {"prefix and object at once", "text/plain"},
		"../escape":    {"name with dots", "application/octet-stream"},
		"binary\x00ok": {string([]byte{0, 1, 2, 255}), "application/octet-stream"},
	}
	for name, o := range objects {
		writeObject(t, c.Bucket("demo-a").Object(name), o.data, o.ctype, map[string]string{"name-len": string(rune('0' + len(name)%10))})
	}

	dir := t.TempDir()
	if err := src.Export(dir); err != nil {
		t.Fatalf("Export: %v", err)
	}
	dst := startServer(t, Options{})
	if err := dst.Import(dir); err != nil {
		t.Fatalf("Import: %v", err)
	}
	c2 := newClient(t, dst)
	for name, o := range objects {
		obj := c2.Bucket("demo-a").Object(name)
		if got := readObject(t, obj); got != o.data {
			t.Errorf("%q content = %q, want %q", name, got, o.data)
		}
		a, err := obj.Attrs(ctx)
		if err != nil {
			t.Fatalf("attrs %q: %v", name, err)
		}
		if a.ContentType != o.ctype || a.Metadata["name-len"] != string(rune('0'+len(name)%10)) {
			t.Errorf("%q attrs = %q %v", name, a.ContentType, a.Metadata)
		}
	}
	if _, err := c2.Bucket("demo-empty").Attrs(ctx); err != nil {
		t.Errorf("empty bucket not restored: %v", err)
	}
	// Importing an empty directory is a no-op.
	if err := dst.Import(t.TempDir()); err != nil {
		t.Errorf("Import(empty): %v", err)
	}
}

func TestNewServerRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
	}{
		{"topic without host", Options{NotificationTopic: "projects/p/topics/t"}},
		{"malformed topic", Options{NotificationTopic: "topics/t", PubSubHost: "127.0.0.1:1"}},
		{"bad address", Options{Addr: "not an address"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if srv, err := NewServer(tc.opts); err == nil {
				srv.Close()
				t.Fatal("NewServer succeeded")
			}
		})
	}
}

func TestObjectTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path   string
		bucket, object string
		ok             bool
	}{
		{"DELETE", "/storage/v1/b/bk/o/a%2Fb.txt", "bk", "a/b.txt", true},
		{"DELETE", "/storage/v1/b/bk/o/a.txt/acl/allUsers", "", "", false},
		{"DELETE", "/bk/dir/x.png", "bk", "dir/x.png", true},
		{"DELETE", "/upload/storage/v1/b/bk/o", "", "", false},
		{"DELETE", "/bk", "", "", false},
	}
	for _, tc := range tests {
		r, err := http.NewRequest(tc.method, "http://h"+tc.path, bytes.NewReader(nil))
		if err != nil {
			t.Fatal(err)
		}
		b, o, ok := objectTarget(r)
		if b != tc.bucket || o != tc.object || ok != tc.ok {
			t.Errorf("objectTarget(%s) = %q %q %v, want %q %q %v", tc.path, b, o, ok, tc.bucket, tc.object, tc.ok)
		}
	}
}

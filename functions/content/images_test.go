package content

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"image"
	"image/png"
	"io"
	"net/http"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	stemu "pointsofyou.ai/studio/emulators/storage"
)

// withImages gives e a Storage emulator that verifies signatures of a
// test key, and rebuilds the handler to sign picture URLs with it.
func withImages(t *testing.T, e *env) *stemu.Server {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const email = "content@demo-content.iam.gserviceaccount.com"
	st, err := stemu.NewServer(stemu.Options{Signers: map[string]*rsa.PublicKey{email: &key.PublicKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	st.Fake().CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "pictures"})
	c, err := storage.NewClient(context.Background(), option.WithEndpoint(st.URL()+"/storage/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	e.deps.Storage, e.deps.Bucket = c, "pictures"
	e.deps.Signer = Signer{Email: email, PrivateKeyPEM: pemKey, Hostname: st.Addr, Insecure: true}
	if e.h, err = New(e.deps); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestImagesSignedOnlyWhenUnlocked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := withImages(t, e)
	var pic bytes.Buffer
	if err := png.Encode(&pic, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"content/demo/lake.png", "content/demo/storm.png"} {
		st.Fake().CreateObject(fakestorage.Object{ObjectAttrs: fakestorage.ObjectAttrs{
			BucketName: "pictures", Name: name, ContentType: "image/png"}, Content: pic.Bytes()})
	}
	lake := item("free-lake", "photo_card", "free", "Quiet lake", "A still lake.")
	lake["images"] = []map[string]any{{"object": "content/demo/lake.png", "alt": "A lake"}}
	storm := item("pro-storm", "photo_card", "professional", "Storm", "A storm.")
	storm["images"] = []map[string]any{{"object": "content/demo/storm.png", "alt": "A storm"}}
	e.do(t, "POST", "/v1/items?library=official", tokOfficer, lake).Want(t, 201)
	e.do(t, "POST", "/v1/items?library=official", tokOfficer, storm).Want(t, 201)

	var page ListResponse
	e.do(t, "GET", "/v1/items?include_locked=true", tokFreeA, nil).Want(t, 200).JSON(t, &page)
	var got, locked *ItemView
	for i := range page.Items {
		switch page.Items[i].ID {
		case "free-lake":
			got = &page.Items[i]
		case "pro-storm":
			locked = &page.Items[i]
		}
	}
	if got == nil || len(got.Images) != 1 || got.Images[0].URL == "" || got.Images[0].Alt != "A lake" {
		t.Fatalf("unlocked item images = %+v", got)
	}
	if locked == nil || !locked.Locked || len(locked.Images) != 0 {
		t.Fatalf("locked item = %+v", locked)
	}
	var one ItemView
	e.do(t, "GET", "/v1/items/pro-storm", tokFreeA, nil).Want(t, 200).JSON(t, &one)
	if len(one.Images) != 0 {
		t.Errorf("GET locked item carries images: %+v", one.Images)
	}

	// The URL fetches the picture, and within the hour it is the same URL.
	resp, err := http.Get(got.Images[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, pic.Bytes()) {
		t.Fatalf("GET signed url: %d %q", resp.StatusCode, body)
	}
	var again ItemView
	e.do(t, "GET", "/v1/items/free-lake", tokFreeA, nil).Want(t, 200).JSON(t, &again)
	if len(again.Images) != 1 || again.Images[0].URL != got.Images[0].URL {
		t.Errorf("url not stable within the hour: %q vs %q", again.Images, got.Images[0].URL)
	}
	// A tampered signature is refused: the URL is what grants access.
	bad, err := http.Get(got.Images[0].URL[:len(got.Images[0].URL)-4] + "0000")
	if err != nil {
		t.Fatal(err)
	}
	_ = bad.Body.Close()
	if bad.StatusCode == 200 {
		t.Errorf("tampered url answered 200")
	}
}

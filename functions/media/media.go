// Package media is the media function: it issues V4 signed upload URLs for
// images under orgs/{org}/media/{id}/original (entry point "media", HTTP)
// and, when an upload is finalized, validates it and writes 256 px and
// 1024 px renditions beside it (entry point "media-renditions", storage
// CloudEvent).
//
// The org always comes from the verified principal, never from a request.
// The rendition step trusts neither the declared content type nor the size
// nor any metadata the upload carries: it sniffs the bytes, checks from the
// header alone the pixel count and the memory the decode would take
// (Limits), decodes one image at a time per process and downscales by
// streaming rows, so its peak memory stays bounded (BenchmarkRenditionsPeakRSS),
// and marks bad uploads rejected instead of retrying them. Its verdict is
// recorded for the original's generation, so a status that came with an
// upload is never taken for one. It is idempotent on the CloudEvent id and
// the source generation.
//
// Renditions are re-encoded, so EXIF and other embedded metadata (camera,
// GPS) never reach them. Known limits: the EXIF orientation tag is not
// applied, and an animated GIF is rendered from its first frame.
package media

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"cloud.google.com/go/storage"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/instance"
	"pointsofyou.ai/studio/shared/logging"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP       = "media"
	EntryRenditions = "media-renditions"
)

func init() {
	// One per function instance, built from the environment on first use
	// rather than here, so configuration errors surface as 503s (HTTP) or
	// retried events instead of a crash loop.
	api, renditions := entryPoints(nil)
	functions.HTTP(EntryHTTP, api)
	functions.CloudEvent(EntryRenditions, renditions)
}

// entryPoints builds both entry points over one storage client and signer
// per instance; lookup nil means os.Getenv.
func entryPoints(lookup func(string) string) (http.HandlerFunc, func(context.Context, cloudevents.Event) error) {
	// The storage client reads STORAGE_EMULATOR_HOST itself.
	store := instance.New(func() (*storage.Client, error) {
		logging.Setup(config.FromEnv(lookup).Project)
		c, err := storage.NewClient(context.Background())
		if err != nil {
			return nil, fmt.Errorf("storage client: %w", err)
		}
		return c, nil
	})
	signer := instance.New(func() (Signer, error) { return signerFromConfig(config.FromEnv(lookup)) })
	deps := func(cfg config.Config) (Deps, error) {
		st, err := store.Get()
		if err != nil {
			return Deps{}, err
		}
		s, err := signer.Get()
		if err != nil {
			return Deps{}, err
		}
		return Deps{Storage: st, Bucket: cfg.MediaBucket, Signer: s}, nil
	}
	api := instance.New(func() (http.Handler, error) {
		cfg := config.FromEnv(lookup)
		if err := cfg.Check(config.EnvStorageHost, config.EnvAuthHost); err != nil {
			return nil, err
		}
		d, err := deps(cfg)
		if err != nil {
			return nil, err
		}
		v, err := auth.NewFirebaseVerifier(context.Background(), cfg)
		if err != nil {
			return nil, err
		}
		d.Verifier = v
		return New(d)
	})
	renditions := instance.New(func() (func(context.Context, cloudevents.Event) error, error) {
		cfg := config.FromEnv(lookup)
		if err := cfg.Check(config.EnvStorageHost); err != nil {
			return nil, err
		}
		d, err := deps(cfg)
		if err != nil {
			return nil, err
		}
		return NewRenditions(d)
	})
	return instance.HTTP(api), instance.CloudEvent("media", renditions)
}

// signerFromConfig signs locally with SIGNER_EMAIL + SIGNER_PRIVATE_KEY.
// With neither set, Google Cloud signs through IAM; against the storage
// emulator (which checks no signature) an ephemeral key stands in.
func signerFromConfig(cfg config.Config) (Signer, error) {
	s := Signer{Email: cfg.SignerEmail, Insecure: cfg.StorageHost != ""}
	switch {
	case cfg.SignerEmail != "" && cfg.SignerKeyPEM != "":
		key := cfg.SignerKeyPEM
		if !strings.Contains(key, "\n") {
			key = strings.ReplaceAll(key, `\n`, "\n") // one-line env form
		}
		if err := checkPEMKey([]byte(key)); err != nil {
			return Signer{}, fmt.Errorf("SIGNER_PRIVATE_KEY: %w", err)
		}
		s.PrivateKeyPEM = []byte(key)
	case cfg.SignerEmail != "" || cfg.SignerKeyPEM != "":
		return Signer{}, errors.New("SIGNER_EMAIL and SIGNER_PRIVATE_KEY must be set together")
	case cfg.StorageHost != "":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return Signer{}, err
		}
		s.Email = "media@" + cfg.Project + ".iam.gserviceaccount.com"
		s.PrivateKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	}
	return s, nil
}

func checkPEMKey(b []byte) error {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return errors.New("not PEM")
	}
	if _, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err != nil {
		return errors.New("not an RSA private key")
	}
	return nil
}

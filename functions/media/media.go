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
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/platform"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP       = "media"
	EntryRenditions = "media-renditions"
)

// Bucket is the logical bucket of uploads and renditions (infra/topology.yaml).
const Bucket = "media"

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		d, err := deps(p)
		if err == nil {
			d.Verifier, err = p.Verifier()
		}
		if err != nil {
			return nil, err
		}
		return New(d)
	}))
	functions.CloudEvent(EntryRenditions, platform.CloudEvent(EntryRenditions, func(p *platform.Platform) (func(context.Context, cloudevents.Event) error, error) {
		d, err := deps(p)
		if err != nil {
			return nil, err
		}
		return NewRenditions(d)
	}))
}

// deps is what both entry points use: the storage client, the media
// bucket and the URL signer.
func deps(p *platform.Platform) (d Deps, err error) {
	if d.Storage, err = p.Storage(); err != nil {
		return d, err
	}
	d.Bucket = p.Bucket(Bucket)
	d.Signer, err = p.Signer()
	return d, err
}

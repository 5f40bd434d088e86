// Package content is the content library function: the HTTP API (entry
// point "content": browse, keyword and semantic search, item management,
// bulk import, usage log) and the embedding trigger (entry point
// "content-embed", Firestore document events on content/{itemId} and
// orgs/{org}/content/{itemId}). The model, validation and import parsing
// live in shared/library.
//
// Visibility: the official library (content/…) is readable by every
// signed-in member of an organisation, an organisation's private items
// (orgs/{org}/content/…) only by its members; the org always comes from the
// verified principal. Browse and search return only published items at or
// below the caller's tier (an empty tier claim counts as free), so content
// above the tier never leaves the server, not even as a snippet; with
// include_locked=true browse adds such items as locked stubs (id, type,
// tier), and reading one by id answers the same stub.
//
// Decisions where the specs leave a gap:
//   - The official library is managed by the org_admins of one
//     organisation (Deps.OfficialOrg), with library=official.
//   - An id is looked up in the caller's organisation first, then in the
//     official library; ids made by the API are random, so they do not
//     collide.
//   - Deleting an item archives it (usage records keep pointing at it).
//   - Quotas: content uses per user and month follow REQUIREMENTS §12 per
//     tier; an official item allows 1000 uses a month in all and warns at
//     80 %. A refused use is a 429 and is not recorded.
package content

import (
	"context"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/platform"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP  = "content"
	EntryEmbed = "content-embed"
)

// ImageBucket is the logical bucket of item pictures (infra/topology.yaml).
const ImageBucket = "media"

// Declared configuration (infra/topology.yaml).
const (
	EnvOfficialOrg = "CONTENT_OFFICIAL_ORG" // the organisation managing the official library
	EnvEmbedModel  = "AI_EMBED_MODEL"       // the embedding model, part of each text hash
)

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		b, d := deps(p)
		d.Verifier = platform.Use(b, p.Verifier)
		d.OfficialOrg = platform.Use(b, p.EnvOf(EnvOfficialOrg))
		d.Storage = platform.Use(b, p.Storage)
		d.Bucket = p.Bucket(ImageBucket)
		d.Signer = platform.Use(b, p.Signer)
		d.Outbox = platform.Use(b, p.Outbox)
		if b.Err() != nil {
			return nil, b.Err()
		}
		return New(d)
	}))
	functions.CloudEvent(EntryEmbed, platform.CloudEvent(EntryEmbed, func(p *platform.Platform) (func(context.Context, cloudevents.Event) error, error) {
		b, d := deps(p)
		if b.Err() != nil {
			return nil, b.Err()
		}
		return NewEmbedTrigger(d)
	}))
}

// deps is what both entry points use: Firestore and the embedding model
// (its name as the model reports it).
func deps(p *platform.Platform) (*platform.Build, Deps) {
	b := &platform.Build{}
	d := Deps{Firestore: platform.Use(b, p.Firestore), EmbedModel: platform.Use(b, p.EnvOf(EnvEmbedModel))}
	a := platform.Use(b, func() (*ai.Client, error) { return p.Vertex(platform.Models{Embed: d.EmbedModel}) })
	if b.Err() == nil {
		d.Embedder, d.EmbedModel = a, a.Config().EmbedModel
	}
	return b, d
}

// Package content is the content library function: the HTTP API (entry
// point "content": browse, keyword and semantic search, item management,
// bulk import, usage log) and the embedding trigger (entry point
// "content-embed", Firestore document events on content/{itemId} and
// orgs/{org}/content/{itemId}). The model, validation and import parsing
// live in shared/content.
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
	"fmt"
	"net/http"
	"os"

	"cloud.google.com/go/firestore"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/instance"
	"pointsofyou.ai/studio/shared/logging"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP  = "content"
	EntryEmbed = "content-embed"
)

// EnvOfficialOrg names the organisation managing the official library.
const EnvOfficialOrg = "CONTENT_OFFICIAL_ORG"

func init() {
	// Clients are built on first use, so a configuration error is a 503 or
	// a retried event rather than a crash loop.
	api, embed := entryPoints(nil)
	functions.HTTP(EntryHTTP, api)
	functions.CloudEvent(EntryEmbed, embed)
}

// entryPoints builds both entry points over one Firestore and one AI
// client per instance; lookup nil means os.Getenv.
func entryPoints(lookup func(string) string) (http.HandlerFunc, func(context.Context, cloudevents.Event) error) {
	getenv := os.Getenv
	if lookup != nil {
		getenv = lookup
	}
	fs := instance.New(func() (*firestore.Client, error) {
		project := config.FromEnv(lookup).Project
		logging.Setup(project)
		c, err := firestore.NewClient(context.Background(), project)
		if err != nil {
			return nil, fmt.Errorf("firestore client: %w", err)
		}
		return c, nil
	})
	aiClient := instance.New(func() (*ai.Client, error) { return ai.New(context.Background(), ai.FromEnv(lookup)) })
	// deps builds the clients shared by both entry points.
	deps := func() (Deps, error) {
		cfg := config.FromEnv(lookup)
		if err := cfg.Check(config.EnvFirestoreHost, config.EnvVertexHost); err != nil {
			return Deps{}, err
		}
		f, err := fs.Get()
		if err != nil {
			return Deps{}, err
		}
		a, err := aiClient.Get()
		if err != nil {
			return Deps{}, err
		}
		return Deps{Firestore: f, Embedder: a, EmbedModel: a.Config().EmbedModel,
			OfficialOrg: getenv(EnvOfficialOrg)}, nil
	}
	api := instance.New(func() (http.Handler, error) {
		d, err := deps()
		if err != nil {
			return nil, err
		}
		cfg := config.FromEnv(lookup)
		if err := cfg.Check(config.EnvAuthHost); err != nil {
			return nil, err
		}
		v, err := auth.NewFirebaseVerifier(context.Background(), cfg)
		if err != nil {
			return nil, err
		}
		d.Verifier = v
		return New(d)
	})
	embed := instance.New(func() (func(context.Context, cloudevents.Event) error, error) {
		d, err := deps()
		if err != nil {
			return nil, err
		}
		return NewEmbedTrigger(d)
	})
	return instance.HTTP(api), instance.CloudEvent("content", embed)
}

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
	"sync"

	"cloud.google.com/go/firestore"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/httpapi"
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
	in := &envInstance{}
	functions.HTTP(EntryHTTP, in.serveHTTP)
	functions.CloudEvent(EntryEmbed, in.handleEvent)
}

type envInstance struct {
	lookup func(string) string // nil: os.Getenv

	mu      sync.Mutex
	fs      *firestore.Client
	ai      *ai.Client
	handler http.Handler
	embed   func(context.Context, cloudevents.Event) error
}

func (in *envInstance) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h, err := in.api()
	if err != nil {
		httpapi.WriteError(w, r, httpapi.Unavailable(err))
		return
	}
	h.ServeHTTP(w, r)
}

func (in *envInstance) handleEvent(ctx context.Context, e cloudevents.Event) error {
	h, err := in.embedder()
	if err != nil {
		return fmt.Errorf("content: not configured: %w", err)
	}
	return h(ctx, e)
}

func (in *envInstance) getenv(k string) string {
	if in.lookup != nil {
		return in.lookup(k)
	}
	return os.Getenv(k)
}

// depsLocked builds the clients shared by both entry points.
func (in *envInstance) depsLocked() (Deps, error) {
	cfg := config.FromEnv(in.lookup)
	if err := cfg.Check(config.EnvFirestoreHost, config.EnvVertexHost); err != nil {
		return Deps{}, err
	}
	ctx := context.Background()
	if in.fs == nil {
		logging.Setup(cfg.Project)
		fs, err := firestore.NewClient(ctx, cfg.Project)
		if err != nil {
			return Deps{}, fmt.Errorf("firestore client: %w", err)
		}
		in.fs = fs
	}
	if in.ai == nil {
		c, err := ai.New(ctx, ai.FromEnv(in.lookup))
		if err != nil {
			return Deps{}, err
		}
		in.ai = c
	}
	return Deps{Firestore: in.fs, Embedder: in.ai, EmbedModel: in.ai.Config().EmbedModel,
		OfficialOrg: in.getenv(EnvOfficialOrg)}, nil
}

func (in *envInstance) api() (http.Handler, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.handler != nil {
		return in.handler, nil
	}
	d, err := in.depsLocked()
	if err != nil {
		return nil, err
	}
	cfg := config.FromEnv(in.lookup)
	if err := cfg.Check(config.EnvAuthHost); err != nil {
		return nil, err
	}
	v, err := auth.NewFirebaseVerifier(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	d.Verifier = v
	h, err := New(d)
	if err != nil {
		return nil, err
	}
	in.handler = h
	return h, nil
}

func (in *envInstance) embedder() (func(context.Context, cloudevents.Event) error, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.embed != nil {
		return in.embed, nil
	}
	d, err := in.depsLocked()
	if err != nil {
		return nil, err
	}
	h, err := NewEmbedTrigger(d)
	if err != nil {
		return nil, err
	}
	in.embed = h
	return h, nil
}

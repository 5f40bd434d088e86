// Package canvas is the canvas function: the HTTP API of the live canvas
// beside the realtime gateway (functions/realtime), which carries the
// edits themselves. Entry points: "canvas" (HTTP API, Hosting
// /api/canvas/**) and "canvas-snapshots" (scheduled: a snapshot of every
// canvas changed 30 minutes ago and not since saved).
//
// The API creates canvases (empty, or from a canvas template of the
// library: a frame with the template's title and one sticky note per
// prompt), lists and reads them with the caller's role, changes their
// title, visibility, session role and shares, puts them in the trash,
// takes and restores versions (Storage JSON + a Firestore record),
// restores deleted elements, exports JSON, PNG and PDF through signed
// URLs, and imports an exported document as a new canvas.
//
// Layout (shared/canvas documents the model):
//
//	canvas_index/{canvas}                            {org}: canvas ids are global
//	orgs/{org}/canvases/{canvas}                     canvas.Meta (+ last_snapshot_at)
//	orgs/{org}/canvases/{canvas}/elements/{element}  one element (the gateway writes them)
//	orgs/{org}/canvases/{canvas}/ops/{batch}         the op log (the gateway's; restores append to it)
//	orgs/{org}/canvases/{canvas}/versions/{version}  a snapshot's record; its JSON in the canvases bucket
//
// Decisions where the specs leave a gap:
//   - Access is canvas.Decide on every request, from the canvas document,
//     the caller's current relation to its session and current
//     membership: a caller who is neither a member of the canvas's
//     organisation nor a participant or facilitator of its session has no
//     role, whatever the canvas says (a removed member loses its canvases
//     at once). No role is 404; a role without the right is 403.
//   - Restores (of a version or of a deleted element) are written as new
//     stamped patches: each element is merged by stamps in a transaction
//     and the patches are appended to the op log, so open sockets see a
//     restore like any other change and a concurrent edit is never lost.
//     A version restore first snapshots the current state (reason
//     "restore"), so it can itself be undone.
//   - An import makes a new private canvas of the caller, every element
//     owned by the importer with fresh stamps.
//   - Exports are cached an hour per canvas state (element count and
//     largest stamp) and options; the exports bucket deletes them after a
//     day. A PNG is never refused for its size: the renderer scales it
//     down to the pixel cap.
package canvas

import (
	"context"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/platform"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP      = "canvas"
	EntrySnapshots = "canvas-snapshots"
)

// EnvRealtimeURL sets Deps.RealtimeURL: the gateway's WebSocket URL.
const EnvRealtimeURL = "REALTIME_URL"

// Buckets, as declared in infra/topology.yaml.
const (
	bucketCanvases = "canvases"
	bucketExports  = "exports"
)

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		b := &platform.Build{}
		d := Deps{
			Verifier:    platform.Use(b, p.Verifier),
			Firestore:   platform.Use(b, p.Firestore),
			Consent:     platform.Use(b, p.Consent),
			Storage:     platform.Use(b, p.Storage),
			Signer:      platform.Use(b, p.Signer),
			RealtimeURL: platform.Use(b, p.EnvOf(EnvRealtimeURL)),
			Buckets:     Buckets{Canvases: p.Bucket(bucketCanvases), Exports: p.Bucket(bucketExports)},
		}
		if b.Err() != nil {
			return nil, b.Err()
		}
		return New(d)
	}))
	functions.HTTP(EntrySnapshots, platform.Job(EntrySnapshots, func(p *platform.Platform) (func(context.Context) (map[string]int, error), error) {
		b := &platform.Build{}
		d := Deps{
			Firestore: platform.Use(b, p.Firestore),
			Storage:   platform.Use(b, p.Storage),
			Buckets:   Buckets{Canvases: p.Bucket(bucketCanvases)},
		}
		if b.Err() != nil {
			return nil, b.Err()
		}
		d, err := d.check(false)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (map[string]int, error) {
			n, err := SnapshotDirty(ctx, d)
			return map[string]int{"snapshots": n}, err
		}, nil
	}))
}

// Package txn is the one way an HTTP handler runs a Firestore transaction:
// the callback reads, writes and records the change's events and mail in
// an outbox (shared/outbox), all committed together; a problem the
// callback returns reaches the client unchanged, and any other failure (a
// backend error, contention that outlasted the retries) is a 503 the
// client may retry, since nothing was written.
package txn

import (
	"context"
	"errors"

	"cloud.google.com/go/firestore"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/validate"
)

// Run runs f in a read-write transaction of ob's Firestore client and
// commits f's writes with the events and mail it recorded. Its error is
// nil, a problem f returned, or a 503.
func Run(ctx context.Context, ob *outbox.Outbox, f outbox.Func) error {
	return Problem(ob.Run(ctx, f))
}

// Problem passes problems through (an *httpapi.Error, or a
// *validate.Error that httpapi.WriteError maps to 400) and turns any
// other error into a 503; nil stays nil.
func Problem(err error) error {
	if err == nil {
		return nil
	}
	var he *httpapi.Error
	if errors.As(err, &he) {
		return he
	}
	var ve *validate.Error
	if errors.As(err, &ve) {
		return err
	}
	return httpapi.Unavailable(err)
}

// Get reads ref in tx, or outside any transaction when tx is nil, so one
// loader serves a handler's transaction and a plain read alike.
func Get(ctx context.Context, tx *firestore.Transaction, ref *firestore.DocumentRef) (*firestore.DocumentSnapshot, error) {
	if tx != nil {
		return tx.Get(ref)
	}
	return ref.Get(ctx)
}

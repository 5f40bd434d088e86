package journey

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Refusals of ReadPublished: the caller decides how to answer them.
var (
	ErrNoJourney    = errors.New("journey: no such journey")
	ErrNotPublished = errors.New("journey: never published")
	ErrNoVersion    = errors.New("journey: no such published version")
)

// ReadPublished reads published version n of journey id of org, or its
// latest published version when n is 0. A journey that does not exist is
// ErrNoJourney, one never published ErrNotPublished (n = 0), a version that
// does not exist ErrNoVersion; any other error means Firestore could not
// answer. The draft is read first even for a given n, so that a missing
// journey is told apart from a missing version.
func ReadPublished(ctx context.Context, fs *firestore.Client, org, id string, n int) (*Version, error) {
	if !pathSegment(org) || !pathSegment(id) || n < 0 {
		return nil, ErrNoJourney
	}
	jref := fs.Collection("orgs").Doc(org).Collection(JourneysCollection).Doc(id)
	snap, err := jref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, ErrNoJourney
	}
	if err != nil {
		return nil, fmt.Errorf("read journey: %w", err)
	}
	if n == 0 {
		var d struct {
			LatestVersion int `firestore:"latest_version"`
		}
		if err := snap.DataTo(&d); err != nil {
			return nil, fmt.Errorf("decode journey: %w", err)
		}
		if d.LatestVersion < 1 {
			return nil, ErrNotPublished
		}
		n = d.LatestVersion
	}
	vsnap, err := jref.Collection(VersionsCollection).Doc(VersionDocID(n)).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, ErrNoVersion
	}
	if err != nil {
		return nil, fmt.Errorf("read journey version: %w", err)
	}
	var v Version
	if err := vsnap.DataTo(&v); err != nil {
		return nil, fmt.Errorf("decode journey version: %w", err)
	}
	v.Version = n
	return &v, nil
}

// pathSegment accepts an id that names one document (no slash, not empty).
func pathSegment(id string) bool {
	return id != "" && id != "." && id != ".." && !strings.Contains(id, "/") && !strings.HasPrefix(id, "__")
}

package authz

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FirestoreStore is the MembershipStore over Firestore documents.
type FirestoreStore struct{ client *firestore.Client }

// NewFirestoreStore reads membership documents with client.
func NewFirestoreStore(client *firestore.Client) *FirestoreStore {
	return &FirestoreStore{client: client}
}

// OrgMember implements MembershipStore.
func (s *FirestoreStore) OrgMember(ctx context.Context, org, uid string) (Member, bool, error) {
	if !ValidDocID(org) || !ValidDocID(uid) {
		return Member{}, false, nil
	}
	return s.read(ctx, "orgs/"+org+"/members/"+uid)
}

// ResourceMember implements MembershipStore.
func (s *FirestoreStore) ResourceMember(ctx context.Context, path, uid string) (Member, bool, error) {
	if !ValidDocID(uid) || strings.Count(path, "/")%2 != 1 || strings.Contains(path, "//") {
		return Member{}, false, nil
	}
	return s.read(ctx, path+"/members/"+uid)
}

func (s *FirestoreStore) read(ctx context.Context, path string) (Member, bool, error) {
	snap, err := s.client.Doc(path).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return Member{}, false, nil
	}
	if err != nil {
		return Member{}, false, fmt.Errorf("read %s: %w", path, err)
	}
	var m Member
	if err := snap.DataTo(&m); err != nil {
		return Member{}, false, fmt.Errorf("decode %s: %w", path, err)
	}
	return m, m.Role != "", nil
}

// ValidDocID accepts an id from a request as a Firestore document id that
// cannot change the path it is put in: 1…128 bytes of UTF-8, no slash,
// space or control character, not "." or "..", not reserved ("__…").
func ValidDocID(id string) bool {
	if id == "" || len(id) > 128 || id == "." || id == ".." || strings.HasPrefix(id, "__") || !utf8.ValidString(id) {
		return false
	}
	for _, c := range id {
		if c == '/' || c <= 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

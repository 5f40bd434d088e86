package entitlements

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/txn"
)

// Seats: an organisation whose entitlement has Seats > 0 allows that many
// staff members (the roles of authz.Staff); participants hold none. The
// holders are kept in one counter document, orgs/{org}/billing/seats,
// which every membership change that gives or ends a staff role reads and
// writes in its own transaction: two changes racing for the last seat
// conflict on that document, and Firestore lets only one commit.
//
// Decisions where the specs leave a gap:
//   - Holders are recorded whatever the plan, so the count is right the
//     moment a plan with seats starts. An organisation without the
//     counter (made before seats existed) is counted from its members the
//     first time a seat changes.
//   - Seats lapse with nothing: a plan that ended keeps its last count,
//     and a plan lowered below the holders keeps them all but gives no
//     new seat until enough are free (billing refuses to lower it below
//     the holders in the first place).
const (
	colBilling = "billing"
	docSeats   = "seats"
)

// Seats are the org's seats: paid for (0: no limit) and used.
type Seats struct {
	Allowed int `json:"allowed"`
	Used    int `json:"used"`
}

// seatsDoc is orgs/{org}/billing/seats.
type seatsDoc struct {
	Holders   []string  `firestore:"holders"`
	Used      int       `firestore:"used"`
	UpdatedAt time.Time `firestore:"updated_at"`
}

func (s *Store) seatsRef(org string) *firestore.DocumentRef {
	return s.fs.Collection(colOrgs).Doc(org).Collection(colBilling).Doc(docSeats)
}

// holders reads the seat holders of org (counted from the members when
// there is no counter yet) and the seats the plan allows.
func (s *Store) holders(ctx context.Context, tx *firestore.Transaction, org string) ([]string, int, error) {
	d, err := s.Read(ctx, tx, OrgSubject(org))
	if err != nil {
		return nil, 0, err
	}
	hs, err := s.seatHolders(ctx, tx, org)
	return hs, AllowedSeats(d), err
}

// seatHolders reads the seat holders of org (counted from the members
// when there is no counter yet); in tx when set.
func (s *Store) seatHolders(ctx context.Context, tx *firestore.Transaction, org string) ([]string, error) {
	snap, err := txn.Get(ctx, tx, s.seatsRef(org))
	if err == nil {
		var sd seatsDoc
		if err := snap.DataTo(&sd); err != nil {
			return nil, fmt.Errorf("decode seats: %w", err)
		}
		return sd.Holders, nil
	}
	if !notFound(err) {
		return nil, fmt.Errorf("read seats: %w", err)
	}
	return s.staff(ctx, tx, org)
}

// staff lists the uids of org's staff members, sorted; in tx when set.
func (s *Store) staff(ctx context.Context, tx *firestore.Transaction, org string) ([]string, error) {
	q := s.fs.Collection(colOrgs).Doc(org).Collection(colMembers).Where("role", "in", authz.Staff)
	var snaps []*firestore.DocumentSnapshot
	var err error
	if tx != nil {
		snaps, err = tx.Documents(q).GetAll()
	} else {
		snaps, err = q.Documents(ctx).GetAll()
	}
	if err != nil {
		return nil, fmt.Errorf("count staff: %w", err)
	}
	hs := make([]string, 0, len(snaps))
	for _, m := range snaps {
		hs = append(hs, m.Ref.ID)
	}
	slices.Sort(hs)
	return hs, nil
}

// OrgSeats reads the org's seats; in tx when set.
func (s *Store) OrgSeats(ctx context.Context, tx *firestore.Transaction, org string) (Seats, error) {
	hs, allowed, err := s.holders(ctx, tx, org)
	return Seats{Allowed: allowed, Used: len(hs)}, err
}

// SeatsUsed counts org's seat holders; in tx when set. A caller that has
// the org's entitlement at hand takes Allowed from it (AllowedSeats)
// rather than have OrgSeats read it again.
func (s *Store) SeatsUsed(ctx context.Context, tx *firestore.Transaction, org string) (int, error) {
	hs, err := s.seatHolders(ctx, tx, org)
	return len(hs), err
}

// TakeSeat gives uid a seat of org inside tx (a *NoSeatError, which is
// ErrNoSeat, when full; no-op when uid holds one); ReleaseSeat frees it.
// Both read before they write, so call them after the transaction's other
// reads and before its writes, at most once per organisation.
func (s *Store) TakeSeat(tx *firestore.Transaction, org, uid string) error {
	hs, allowed, err := s.holders(context.Background(), tx, org)
	if err != nil {
		return err
	}
	if slices.Contains(hs, uid) {
		return nil
	}
	if allowed > 0 && len(hs) >= allowed {
		return &NoSeatError{Allowed: allowed}
	}
	hs = append(slices.Clone(hs), uid)
	slices.Sort(hs)
	return s.writeSeats(tx, org, hs)
}

// ReleaseSeat frees uid's seat of org inside tx (no-op when uid holds
// none).
func (s *Store) ReleaseSeat(tx *firestore.Transaction, org, uid string) error {
	hs, err := s.seatHolders(context.Background(), tx, org)
	if err != nil {
		return err
	}
	i := slices.Index(hs, uid)
	if i < 0 {
		return nil
	}
	return s.writeSeats(tx, org, slices.Delete(slices.Clone(hs), i, i+1))
}

func (s *Store) writeSeats(tx *firestore.Transaction, org string, hs []string) error {
	if hs == nil {
		hs = []string{}
	}
	return tx.Set(s.seatsRef(org), seatsDoc{Holders: hs, Used: len(hs), UpdatedAt: s.now().UTC()})
}

// RecountSeats rebuilds org's seat holders from its staff members and
// returns the seats. It mends a counter that a change outside the
// membership routes left behind (an erased account's membership is
// deleted by the erasure job, which does not know about seats).
func (s *Store) RecountSeats(ctx context.Context, org string) (Seats, error) {
	var out Seats
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		d, err := s.Read(ctx, tx, OrgSubject(org))
		if err != nil {
			return err
		}
		hs, err := s.staff(ctx, tx, org)
		if err != nil {
			return err
		}
		out = Seats{Allowed: AllowedSeats(d), Used: len(hs)}
		return s.writeSeats(tx, org, hs)
	})
	return out, err
}

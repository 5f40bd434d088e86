package entitlements

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/txn"
)

// AuthClient is the part of the Admin SDK's *auth.Client the store uses:
// claims are read before they are written (the platform operator claim is
// granted out of band and kept), and refresh tokens are revoked when a
// tier goes down.
type AuthClient interface {
	GetUser(ctx context.Context, uid string) (*fbauth.UserRecord, error)
	SetCustomUserClaims(ctx context.Context, uid string, claims map[string]any) error
	RevokeRefreshTokens(ctx context.Context, uid string) error
}

// Firestore layout the store reads and writes.
const (
	colEntitlements = "entitlements"
	colUsers        = "users"
	colOrgs         = "orgs"
	colMembers      = "members"
)

// Store reads and writes entitlements and brings people's tiers (profile
// and claims) in line with them.
type Store struct {
	fs   *firestore.Client
	auth AuthClient
	now  func() time.Time
}

// New builds a store. authClient may be nil for a store that only reads
// (Read, Entitled, OrgTier, OrgSeats, Usage) and keeps seats; Recompute
// and SetClaims need it. now nil is the wall clock.
func New(fs *firestore.Client, authClient AuthClient, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{fs: fs, auth: authClient, now: now}
}

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Ref is subject's document.
func (s *Store) Ref(subject string) *firestore.DocumentRef {
	return s.fs.Collection(colEntitlements).Doc(subject)
}

func notFound(err error) bool { return status.Code(err) == codes.NotFound }

// Read returns subject's doc (nil when none); in tx when tx is set.
func (s *Store) Read(ctx context.Context, tx *firestore.Transaction, subject string) (*Doc, error) {
	snap, err := txn.Get(ctx, tx, s.Ref(subject))
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read entitlement: %w", err)
	}
	var d Doc
	if err := snap.DataTo(&d); err != nil {
		return nil, fmt.Errorf("decode entitlement: %w", err)
	}
	return &d, nil
}

// tierOf is the tier subject's doc grants now ("" when none).
func (s *Store) tierOf(ctx context.Context, tx *firestore.Transaction, subject string) (string, error) {
	d, err := s.Read(ctx, tx, subject)
	if d == nil || err != nil {
		return "", err
	}
	return d.TierAt(s.now()), nil
}

// OrgTier is the tier org's entitlement grants now (free when none).
func (s *Store) OrgTier(ctx context.Context, tx *firestore.Transaction, org string) (string, error) {
	t, err := s.tierOf(ctx, tx, OrgSubject(org))
	return Claim(t), err
}

// Entitled is the highest tier uid is entitled to now with org as their
// active organisation ("" for none), before their role caps it (ForRole):
// their own entitlement or the organisation's, free without either.
func (s *Store) Entitled(ctx context.Context, tx *firestore.Transaction, uid, org string) (string, error) {
	best, err := s.tierOf(ctx, tx, UserSubject(uid))
	if err != nil {
		return "", err
	}
	if org != "" {
		t, err := s.tierOf(ctx, tx, OrgSubject(org))
		if err != nil {
			return "", err
		}
		if Rank(t) > Rank(best) {
			best = t
		}
	}
	return Claim(best), nil
}

// Grant records an operator's grant of tier to subject. Free removes a
// grant; a doc that carries a subscription keeps its billing fields (the
// next billing event writes it again).
func (s *Store) Grant(ctx context.Context, subject, tier, by string) error {
	ref := s.Ref(subject)
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		d, err := s.Read(ctx, tx, subject)
		if err != nil {
			return err
		}
		if tier == TierFree && (d == nil || d.Subscription == "") {
			return tx.Delete(ref)
		}
		next := Doc{}
		if d != nil {
			next = *d
		}
		next.Tier, next.Source, next.UpdatedBy, next.UpdatedAt = tier, SourceOperator, by, s.now().UTC()
		next.Status, next.GraceUntil = StatusActive, nil
		return tx.Set(ref, next)
	})
	if err != nil {
		return err
	}
	kind, _, _ := strings.Cut(subject, ":")
	slog.InfoContext(ctx, "entitlement granted", "subject_kind", kind, "tier", tier)
	return nil
}

// profile is the part of users/{uid} the store reads.
type profile struct {
	Role string `firestore:"role"`
	Tier string `firestore:"tier"`
	Org  string `firestore:"org"`
}

func (s *Store) userRef(uid string) *firestore.DocumentRef {
	return s.fs.Collection(colUsers).Doc(uid)
}

// Recompute brings uid's stored tier and claims in line with their
// entitlements (their own and their active organisation's, capped by
// role). When the tier went down, their refresh tokens are revoked so the
// lower tier applies at once (ID tokens are verified with the revocation
// check); when it went up, only the claims change and the app refreshes
// its token. The claims are compared with the profile every time, so a
// run that failed after the profile was written is finished by the next.
func (s *Store) Recompute(ctx context.Context, uid string) (changed bool, err error) {
	return s.recompute(ctx, uid, "")
}

// recompute is Recompute; with onlyOrg set, only a person whose active
// organisation it is is touched (read once, in the transaction).
func (s *Store) recompute(ctx context.Context, uid, onlyOrg string) (changed bool, err error) {
	if s.auth == nil {
		return false, errors.New("entitlements: Recompute needs an auth client")
	}
	var p *profile
	var before string
	err = s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		p, changed = nil, false
		snap, err := tx.Get(s.userRef(uid))
		if notFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		p = &profile{}
		if err := snap.DataTo(p); err != nil {
			return err
		}
		if onlyOrg != "" && p.Org != onlyOrg {
			p = nil
			return nil
		}
		entitled, err := s.Entitled(ctx, tx, uid, p.Org)
		if err != nil {
			return err
		}
		before = p.Tier
		if p.Tier = ForRole(p.Role, entitled); p.Tier == before {
			return nil
		}
		changed = true
		return tx.Update(s.userRef(uid), []firestore.Update{{Path: "tier", Value: p.Tier}, {Path: "updated_at", Value: s.now().UTC()}})
	})
	if err != nil {
		return false, fmt.Errorf("recompute tier: %w", err)
	}
	if p == nil {
		return false, nil
	}
	rec, err := s.auth.GetUser(ctx, uid)
	if err != nil {
		return changed, fmt.Errorf("read claims: %w", err)
	}
	claimTier, _ := rec.CustomClaims["tier"].(string)
	if !sameClaims(rec.CustomClaims, p.Org, p.Role, p.Tier) {
		if err := s.setClaims(ctx, uid, rec, p.Org, p.Role, p.Tier); err != nil {
			return changed, err
		}
		changed = true
	}
	if changed && (Rank(p.Tier) < Rank(before) || Rank(p.Tier) < Rank(claimTier)) {
		if err := s.auth.RevokeRefreshTokens(ctx, uid); err != nil {
			return changed, fmt.Errorf("revoke refresh tokens: %w", err)
		}
	}
	return changed, nil
}

func sameClaims(c map[string]any, org, role, tier string) bool {
	o, _ := c["org"].(string)
	r, _ := c["role"].(string)
	t, _ := c["tier"].(string)
	return o == org && r == role && t == tier
}

// SetClaims writes the custom claims of uid (org, role, tier; an empty org
// drops it). The platform operator claim, granted out of band, is kept.
func (s *Store) SetClaims(ctx context.Context, uid, org, role, tier string) error {
	if s.auth == nil {
		return errors.New("entitlements: SetClaims needs an auth client")
	}
	rec, err := s.auth.GetUser(ctx, uid)
	if err != nil {
		return fmt.Errorf("read custom claims: %w", err)
	}
	return s.setClaims(ctx, uid, rec, org, role, tier)
}

func (s *Store) setClaims(ctx context.Context, uid string, rec *fbauth.UserRecord, org, role, tier string) error {
	claims := map[string]any{"role": role, "tier": tier}
	if org != "" {
		claims["org"] = org
	}
	if op, _ := rec.CustomClaims[auth.ClaimPlatformOperator].(bool); op {
		claims[auth.ClaimPlatformOperator] = true
	}
	if err := s.auth.SetCustomUserClaims(ctx, uid, claims); err != nil {
		return fmt.Errorf("set custom claims: %w", err)
	}
	return nil
}

// RecomputeOrg does Recompute for every member whose active org is org;
// it returns how many changed. Members who are active in another
// organisation are left alone: org's entitlement is not theirs.
func (s *Store) RecomputeOrg(ctx context.Context, org string) (int, error) {
	it := s.fs.Collection(colOrgs).Doc(org).Collection(colMembers).Documents(ctx)
	defer it.Stop()
	var uids []string
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("list members: %w", err)
		}
		uids = append(uids, snap.Ref.ID)
	}
	n := 0
	for _, uid := range uids {
		changed, err := s.recompute(ctx, uid, org)
		if err != nil {
			return n, err
		}
		if changed {
			n++
		}
	}
	return n, nil
}

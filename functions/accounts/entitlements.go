package accounts

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// Tiers come only from entitlements: what billing (later) or a platform
// operator grants an organisation (entitlements/org:{orgId}) or one person
// (entitlements/user:{uid}). A person's tier is the higher of their own
// entitlement and their active organisation's, within what their role
// allows (effectiveTier); without an entitlement it is free. It is
// recomputed on every role or membership change and whenever an
// entitlement changes, so it never survives the change that ended it.

// EntitlementDoc is entitlements/{subject}.
type EntitlementDoc struct {
	Tier      string    `firestore:"tier"`
	Source    string    `firestore:"source"` // operator | billing
	UpdatedBy string    `firestore:"updated_by"`
	UpdatedAt time.Time `firestore:"updated_at"`
}

func orgSubject(org string) string  { return "org:" + org }
func userSubject(uid string) string { return "user:" + uid }

func (a *api) entitlementRef(subject string) *firestore.DocumentRef {
	return a.d.Firestore.Collection(colEntitlements).Doc(subject)
}

// readEntitlement is the tier granted to subject ("" when none); inside tx
// when tx is set.
func (a *api) readEntitlement(ctx context.Context, tx *firestore.Transaction, subject string) (string, error) {
	ref := a.entitlementRef(subject)
	snap, err := txn.Get(ctx, tx, ref)
	if notFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var e EntitlementDoc
	if err := snap.DataTo(&e); err != nil {
		return "", err
	}
	if tierRank(e.Tier) < 0 {
		return "", nil
	}
	return e.Tier, nil
}

func (a *api) orgEntitlement(ctx context.Context, tx *firestore.Transaction, org string) (string, error) {
	t, err := a.readEntitlement(ctx, tx, orgSubject(org))
	if t == "" && err == nil {
		t = auth.TierFree
	}
	return t, err
}

// entitledTier is the highest tier uid is entitled to with org as the
// active organisation ("" for none). Reads only, inside tx.
func (a *api) entitledTier(tx *firestore.Transaction, uid, org string) (string, error) {
	best, err := a.readEntitlement(nil, tx, userSubject(uid))
	if err != nil {
		return "", err
	}
	if org != "" {
		t, err := a.readEntitlement(nil, tx, orgSubject(org))
		if err != nil {
			return "", err
		}
		if tierRank(t) > tierRank(best) {
			best = t
		}
	}
	if best == "" {
		best = auth.TierFree
	}
	return best, nil
}

// entitlementRequest is the body of the entitlement routes.
type entitlementRequest struct {
	Tier string `json:"tier"`
}

// Validate implements httpapi.Validator.
func (e *entitlementRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.OneOf(&f, "tier", e.Tier, tierOrder...)
	return f
}

// EntitlementView answers the entitlement routes.
type EntitlementView struct {
	Subject string `json:"subject"` // org:{orgId} | user:{uid}
	Tier    string `json:"tier"`
	// Updated counts the people whose tier changed as a result.
	Updated int `json:"updated"`
}

// The entitlement routes are for platform operators (httpapi.Operators):
// the claim is set out of band (Admin SDK); no route of the platform
// grants it.

func (a *api) putOrgEntitlement(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	var req entitlementRequest
	if err := httpapi.DecodeJSON(w, r, &req, 1<<10); err != nil {
		return err
	}
	if _, err := a.loadOrg(r.Context(), nil, org); err != nil {
		return txn.Problem(err)
	}
	if err := a.writeEntitlement(r, orgSubject(org), req.Tier); err != nil {
		return err
	}
	n, err := a.recomputeOrg(r.Context(), org)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, EntitlementView{Subject: orgSubject(org), Tier: req.Tier, Updated: n})
	return nil
}

func (a *api) putUserEntitlement(w http.ResponseWriter, r *http.Request) error {
	uid := r.PathValue("uid")
	if !validID(uid) {
		return httpapi.NotFound("no user %q", uid)
	}
	var req entitlementRequest
	if err := httpapi.DecodeJSON(w, r, &req, 1<<10); err != nil {
		return err
	}
	u, err := a.loadUser(r.Context(), nil, uid)
	if err != nil {
		return txn.Problem(err)
	}
	if u == nil {
		return httpapi.NotFound("no user %q", uid)
	}
	if err := a.writeEntitlement(r, userSubject(uid), req.Tier); err != nil {
		return err
	}
	changed, err := a.recomputeUser(r.Context(), uid, "")
	if err != nil {
		return err
	}
	n := 0
	if changed {
		n = 1
	}
	httpapi.WriteJSON(w, http.StatusOK, EntitlementView{Subject: userSubject(uid), Tier: req.Tier, Updated: n})
	return nil
}

// writeEntitlement records tier for subject; free removes the record.
func (a *api) writeEntitlement(r *http.Request, subject, tier string) error {
	ref := a.entitlementRef(subject)
	var err error
	if tier == auth.TierFree {
		_, err = ref.Delete(r.Context())
	} else {
		_, err = ref.Set(r.Context(), EntitlementDoc{Tier: tier, Source: "operator", UpdatedBy: principal(r).UID, UpdatedAt: a.d.Now().UTC()})
	}
	if err != nil {
		return txn.Problem(err)
	}
	kind, _, _ := strings.Cut(subject, ":")
	slog.InfoContext(r.Context(), "entitlement set", "subject_kind", kind, "tier", tier)
	return nil
}

// recomputeOrg recomputes the tier of every member whose active
// organisation is org; it returns how many changed.
func (a *api) recomputeOrg(ctx context.Context, org string) (int, error) {
	it := a.orgRef(org).Collection(colMembers).Documents(ctx)
	defer it.Stop()
	n := 0
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return n, nil
		}
		if err != nil {
			return n, txn.Problem(err)
		}
		changed, err := a.recomputeUser(ctx, snap.Ref.ID, org)
		if err != nil {
			return n, err
		}
		if changed {
			n++
		}
	}
}

// recomputeUser brings uid's stored tier and claims in line with their
// entitlements. With onlyOrg set, only a person whose active organisation
// it is is touched. A lower tier reaches the person's next ID token (at
// most an hour); a higher one at their next refresh.
func (a *api) recomputeUser(ctx context.Context, uid, onlyOrg string) (bool, error) {
	var u *UserDoc
	var tier string
	changed := false
	err := a.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		changed = false
		var err error
		if u, err = a.loadUser(ctx, tx, uid); err != nil || u == nil {
			return err
		}
		if onlyOrg != "" && u.Org != onlyOrg {
			u = nil
			return nil
		}
		entitled, err := a.entitledTier(tx, uid, u.Org)
		if err != nil {
			return err
		}
		tier = effectiveTier(u.Role, entitled)
		if tier == u.Tier {
			return nil
		}
		changed = true
		return tx.Update(a.userRef(uid), []firestore.Update{{Path: "tier", Value: tier}, {Path: "updated_at", Value: a.d.Now().UTC()}})
	})
	if err != nil {
		return false, txn.Problem(err)
	}
	if !changed || u == nil {
		return false, nil
	}
	return true, a.setClaims(ctx, uid, u.Org, u.Role, tier)
}

package accounts

import (
	"errors"
	"net/http"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// Tiers come only from entitlements (shared/entitlements, the one truth):
// what billing or a platform operator grants an organisation
// (entitlements/org:{orgId}) or one person (entitlements/user:{uid}). A
// person's tier is the higher of their own entitlement and their active
// organisation's, within what their role allows (entitlements.ForRole);
// without an entitlement it is free. It is recomputed on every role or
// membership change and whenever an entitlement changes, so it never
// survives the change that ended it.

// entitlementRequest is the body of the entitlement routes.
type entitlementRequest struct {
	Tier string `json:"tier"`
}

// Validate implements httpapi.Validator.
func (e *entitlementRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.OneOf(&f, "tier", e.Tier, entitlements.Tiers...)
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
	if err := a.ent.Grant(r.Context(), entitlements.OrgSubject(org), req.Tier, principal(r).UID); err != nil {
		return txn.Problem(err)
	}
	n, err := a.ent.RecomputeOrg(r.Context(), org)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, EntitlementView{Subject: entitlements.OrgSubject(org), Tier: req.Tier, Updated: n})
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
	if err := a.ent.Grant(r.Context(), entitlements.UserSubject(uid), req.Tier, principal(r).UID); err != nil {
		return txn.Problem(err)
	}
	changed, err := a.ent.Recompute(r.Context(), uid)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	n := 0
	if changed {
		n = 1
	}
	httpapi.WriteJSON(w, http.StatusOK, EntitlementView{Subject: entitlements.UserSubject(uid), Tier: req.Tier, Updated: n})
	return nil
}

// seatProblem turns a seat refused by the plan into its 409 problem
// (https://studio.pointsofyou.ai/problems/no-seat); other errors pass.
func seatProblem(err error) error {
	var ns *entitlements.NoSeatError
	if errors.As(err, &ns) {
		return &httpapi.Error{Status: http.StatusConflict, Slug: "no-seat", Title: "No seat left", Detail: ns.Detail()}
	}
	return err
}

// seatChange takes or frees uid's seat of org inside tx when a role change
// from role to next crosses the staff line (next "" is a removal).
// Call it after the transaction's reads and before its writes.
func (a *api) seatChange(tx *firestore.Transaction, org, uid, role, next string) error {
	switch was, is := entitlements.IsStaff(role), entitlements.IsStaff(next); {
	case is && !was:
		return seatProblem(a.ent.TakeSeat(tx, org, uid))
	case was && !is:
		return a.ent.ReleaseSeat(tx, org, uid)
	}
	return nil
}

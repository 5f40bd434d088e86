package accounts

import (
	"context"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// profileRequest is the body of PUT /v1/me/profile: sign-up completion.
type profileRequest struct {
	DisplayName string `json:"display_name"`
	Language    string `json:"language"`
	Timezone    string `json:"timezone"`
	Role        string `json:"role"`
}

// Validate implements httpapi.Validator.
func (p *profileRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	checkName(&f, "display_name", p.DisplayName)
	httpapi.OneOf(&f, "language", p.Language, languages...)
	if !validTimezone(p.Timezone) {
		f = append(f, httpapi.Field("timezone", "must be an IANA time zone such as Europe/Paris"))
	}
	httpapi.OneOf(&f, "role", p.Role, roles...)
	return f
}

// MeView answers GET /v1/me and PUT /v1/me/profile.
type MeView struct {
	UID          string         `json:"uid"`
	DisplayName  string         `json:"display_name"`
	Language     string         `json:"language"`
	Timezone     string         `json:"timezone"`
	Role         string         `json:"role"`
	Tier         string         `json:"tier"`
	Org          string         `json:"org,omitempty"`
	OrgName      string         `json:"org_name,omitempty"`
	Onboarding   OnboardingView `json:"onboarding"`
	Registered   bool           `json:"registered"`
	RefreshToken bool           `json:"refresh_token,omitempty"`
}

func meView(uid string, u *UserDoc) MeView {
	if u == nil {
		return MeView{UID: uid, Onboarding: OnboardingView{Steps: []StepView{}, Data: map[string]map[string]any{}}}
	}
	return MeView{
		UID: uid, DisplayName: u.DisplayName, Language: u.Language, Timezone: u.Timezone,
		Role: u.Role, Tier: u.Tier, Org: u.Org, Onboarding: onboardingView(u), Registered: true,
	}
}

func (a *api) userRef(uid string) *firestore.DocumentRef {
	return a.d.Firestore.Collection(colUsers).Doc(uid)
}

// loadUser reads users/{uid}; nil when the profile was never completed.
func (a *api) loadUser(ctx context.Context, tx *firestore.Transaction, uid string) (*UserDoc, error) {
	ref := a.userRef(uid)
	snap, err := txn.Get(ctx, tx, ref)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var u UserDoc
	if err := snap.DataTo(&u); err != nil {
		return nil, err
	}
	return &u, nil
}

func (a *api) getMe(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	u, err := a.loadUser(r.Context(), nil, p.UID)
	if err != nil {
		return txn.Problem(err)
	}
	v := meView(p.UID, u)
	// The organisation's name, for screens: a participant may not read the
	// organisation itself. One that is gone leaves the name out.
	if v.Org != "" {
		snap, err := a.d.Firestore.Collection(colOrgs).Doc(v.Org).Get(r.Context())
		switch {
		case status.Code(err) == codes.NotFound:
		case err != nil:
			return txn.Problem(err)
		default:
			var o OrgDoc
			if err := snap.DataTo(&o); err != nil {
				return txn.Problem(err)
			}
			v.OrgName = o.Name
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// putProfile completes sign-up (first call) or updates the profile. The
// role may change only while the person belongs to no organisation (an
// organisation's roles are granted by its admins); a new role restarts
// onboarding.
func (a *api) putProfile(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req profileRequest
	if err := httpapi.DecodeJSON(w, r, &req, 8<<10); err != nil {
		return err
	}
	if !p.EmailVerified {
		return httpapi.Forbidden("verify your email address first")
	}
	if err := a.refuseIfSSORequired(r.Context(), p); err != nil {
		return err
	}
	now := a.d.Now().UTC()
	var out MeView
	var claimsChanged bool
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		u, err := a.loadUser(ctx, tx, p.UID)
		if err != nil {
			return err
		}
		claimsChanged = false
		if u == nil {
			u = &UserDoc{Status: "active", CreatedAt: now, Onboarding: newOnboarding()}
		}
		if u.Status == "deleting" {
			return httpapi.Conflict("this account is being deleted")
		}
		if u.Role != req.Role {
			if u.Org != "" {
				return httpapi.Invalid(httpapi.Field("role", "is granted by your organisation's admins while you belong to it"))
			}
			// A role grants no tier: only the person's entitlement counts.
			entitled, err := a.ent.Entitled(ctx, tx, p.UID, "")
			if err != nil {
				return err
			}
			u.Role, u.Tier = req.Role, entitlements.ForRole(req.Role, entitled)
			u.Onboarding = newOnboarding()
			claimsChanged = true
		}
		u.DisplayName, u.Language, u.Timezone, u.UpdatedAt = req.DisplayName, req.Language, req.Timezone, now
		out = meView(p.UID, u)
		return tx.Set(a.userRef(p.UID), u)
	})
	if err != nil {
		return txn.Problem(err)
	}
	if claimsChanged {
		if err := a.setClaims(r.Context(), p.UID, out.Org, out.Role, out.Tier); err != nil {
			return err
		}
		out.RefreshToken = true
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// DeletionView answers DELETE /v1/me.
type DeletionView struct {
	Status     string    `json:"status"`
	PurgeAfter time.Time `json:"purge_after"`
}

// deleteMe starts the grace period: the account is disabled and signed out
// everywhere at once; after gracePeriod the consent function's erasure job
// erases it like any erasure request (one pipeline for every way a person
// leaves). The only admin of an organisation that has other members
// appoints another first (409 sole-admin), as for an erasure.
func (a *api) deleteMe(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	st, err := authz.StandingOf(r.Context(), a.d.Firestore, p.UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if err := authz.SoleAdminProblem(st.Check()); err != nil {
		return err
	}
	now := a.d.Now().UTC()
	del := DeletionDoc{RequestedAt: now, PurgeAfter: now.Add(gracePeriod)}
	err = a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		u, err := a.loadUser(ctx, tx, p.UID)
		if err != nil {
			return err
		}
		if u == nil {
			u = &UserDoc{CreatedAt: now, Onboarding: newOnboarding()}
		}
		if u.Deletion != nil {
			del = *u.Deletion // asking twice does not extend the grace period
		}
		u.Status, u.Deletion, u.UpdatedAt = "deleting", &del, now
		return tx.Set(a.userRef(p.UID), u)
	})
	if err != nil {
		return txn.Problem(err)
	}
	if _, err := a.d.Admin.UpdateUser(r.Context(), p.UID, (&fbauth.UserToUpdate{}).Disabled(true)); err != nil {
		return httpapi.Unavailable(err)
	}
	if err := a.d.Admin.RevokeRefreshTokens(r.Context(), p.UID); err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusAccepted, DeletionView{Status: "deleting", PurgeAfter: del.PurgeAfter})
	return nil
}

// refuseIfSSORequired refuses a password sign-in from a domain whose
// organisation proved it and requires SSO (lookupDomain ignores unproven
// and abandoned claims).
func (a *api) refuseIfSSORequired(ctx context.Context, p *auth.Principal) error {
	if p.SignInProvider != "password" {
		return nil
	}
	d, err := a.lookupDomain(ctx, domainOf(p.Email))
	if err != nil {
		return txn.Problem(err)
	}
	if d != nil && d.SSORequired {
		return (&httpapi.Error{Status: http.StatusForbidden, Slug: "sso-required", Title: "Single sign-on required",
			Detail: "your organisation requires signing in with its identity provider (" + d.ProviderID + ")"})
	}
	return nil
}

package accounts

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// orgRequest is the body of POST /v1/orgs and PATCH /v1/orgs/{orgId}. In a
// PATCH, absent fields keep their value.
type orgRequest struct {
	Name          *string   `json:"name"`
	Type          *string   `json:"type"`
	Domains       *[]string `json:"domains"`
	SSORequired   *bool     `json:"sso_required"`
	RetentionDays *int      `json:"retention_days"`

	create bool
}

// Validate implements httpapi.Validator.
func (o *orgRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	if o.Name != nil || o.create {
		checkName(&f, "name", deref(o.Name))
	}
	if o.Type != nil || o.create {
		httpapi.OneOf(&f, "type", deref(o.Type), orgTypes...)
	}
	if o.Domains != nil {
		if len(*o.Domains) > maxDomains {
			f = append(f, httpapi.Field("domains", "has %d entries; at most %d are allowed", len(*o.Domains), maxDomains))
		}
		seen := map[string]bool{}
		for i, d := range *o.Domains {
			if !domainPattern.MatchString(d) || len(d) > 253 || seen[d] {
				f = append(f, httpapi.Field("domains["+strconv.Itoa(i)+"]", "must be a lower-case domain name such as example.org, listed once"))
			}
			seen[d] = true
		}
	}
	if o.RetentionDays != nil && (*o.RetentionDays < 1 || *o.RetentionDays > maxRetention) {
		f = append(f, httpapi.Field("retention_days", "must be between 1 and %d", maxRetention))
	}
	return f
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// OrgView answers the organisation endpoints. Members see the public
// view; the SSO provider, the domains' proof state and the entitled tier
// are for org admins only (adminOrgView).
type OrgView struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Domains       []string `json:"domains"`
	SSORequired   bool     `json:"sso_required"`
	RetentionDays int      `json:"retention_days"`
	Role          string   `json:"role,omitempty"` // the caller's
	RefreshToken  bool     `json:"refresh_token,omitempty"`

	SSO          *SSODoc      `json:"sso,omitempty"`
	DomainClaims []DomainView `json:"domain_claims,omitempty"`
	Tier         string       `json:"tier,omitempty"` // the organisation's entitlement
	JoinCode     string       `json:"join_code,omitempty"`
}

func orgView(id string, o *OrgDoc) OrgView {
	d := o.Domains
	if d == nil {
		d = []string{}
	}
	return OrgView{ID: id, Name: o.Name, Type: o.Type, Domains: d, SSORequired: o.SSORequired,
		RetentionDays: o.RetentionDays}
}

func adminOrgView(id string, o *OrgDoc, tier string) OrgView {
	v := orgView(id, o)
	v.SSO, v.Tier, v.JoinCode = o.SSO, tier, o.JoinCode
	v.DomainClaims = []DomainView{}
	for _, c := range o.DomainClaims {
		v.DomainClaims = append(v.DomainClaims, domainView(c))
	}
	return v
}

func (a *api) orgRef(id string) *firestore.DocumentRef {
	return a.d.Firestore.Collection(colOrgs).Doc(id)
}

func (a *api) memberRef(org, uid string) *firestore.DocumentRef {
	return a.orgRef(org).Collection(colMembers).Doc(uid)
}

func (a *api) loadOrg(ctx context.Context, tx *firestore.Transaction, id string) (*OrgDoc, error) {
	ref := a.orgRef(id)
	snap, err := txn.Get(ctx, tx, ref)
	if notFound(err) {
		return nil, httpapi.NotFound("no organisation %q", id)
	}
	if err != nil {
		return nil, err
	}
	var o OrgDoc
	if err := snap.DataTo(&o); err != nil {
		return nil, err
	}
	return &o, nil
}

// createOrg makes a new organisation whose creator is its first org_admin.
func (a *api) createOrg(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	req := orgRequest{create: true}
	if err := httpapi.DecodeJSON(w, r, &req, 8<<10); err != nil {
		return err
	}
	if !p.EmailVerified {
		return httpapi.Forbidden("verify your email address first")
	}
	if req.SSORequired != nil && *req.SSORequired {
		return httpapi.Invalid(httpapi.Field("sso_required", "can be set once an SSO provider is configured (PUT /v1/orgs/{orgId}/sso)"))
	}
	now := a.d.Now().UTC()
	ref := a.d.Firestore.Collection(colOrgs).NewDoc()
	o := OrgDoc{Name: *req.Name, Type: *req.Type, Domains: deref(req.Domains), RetentionDays: defaultRetain,
		CreatedBy: p.UID, CreatedAt: now, UpdatedAt: now}
	if o.Domains == nil {
		o.Domains = []string{}
	}
	if req.RetentionDays != nil {
		o.RetentionDays = *req.RetentionDays
	}
	// Every domain starts pending: claiming one takes nothing from anyone.
	if err := syncClaims(&o); err != nil {
		return httpapi.Internal(err)
	}
	var tier, entitled string
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		u, err := a.loadUser(ctx, tx, p.UID)
		if err != nil {
			return err
		}
		if u == nil {
			return httpapi.Conflict("complete your profile first (PUT /v1/me/profile)")
		}
		if u.Org != "" || p.Org != "" {
			return httpapi.Conflict("you already belong to an organisation")
		}
		// A new organisation has no entitlement of its own: the founder
		// keeps what they are personally entitled to, within the role.
		if entitled, err = a.ent.Entitled(ctx, tx, p.UID, ref.ID); err != nil {
			return err
		}
		tier = entitlements.ForRole(auth.RoleOrgAdmin, entitled)
		// The founder holds the first seat (a new organisation has no plan
		// yet, so the seat is always there).
		if err := a.seatChange(tx, ref.ID, p.UID, "", auth.RoleOrgAdmin); err != nil {
			return err
		}
		if err := tx.Create(ref, o); err != nil {
			return err
		}
		if err := tx.Create(a.memberRef(ref.ID, p.UID), MemberDoc{UID: p.UID, Role: auth.RoleOrgAdmin,
			Email: strings.ToLower(p.Email), DisplayName: u.DisplayName, JoinedAt: now}); err != nil {
			return err
		}
		return tx.Update(a.userRef(p.UID), []firestore.Update{
			{Path: "org", Value: ref.ID}, {Path: "role", Value: auth.RoleOrgAdmin},
			{Path: "tier", Value: tier}, {Path: "updated_at", Value: now},
		})
	})
	if err != nil {
		return txn.Problem(err)
	}
	if err := a.setClaims(r.Context(), p.UID, ref.ID, auth.RoleOrgAdmin, tier); err != nil {
		return err
	}
	orgTier, err := a.ent.OrgTier(r.Context(), nil, ref.ID)
	if err != nil {
		return txn.Problem(err)
	}
	v := adminOrgView(ref.ID, &o, orgTier)
	v.Role, v.RefreshToken = auth.RoleOrgAdmin, true
	w.Header().Set("Location", "/api/accounts/v1/orgs/"+ref.ID)
	httpapi.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (a *api) getOrg(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	o, err := a.loadOrg(r.Context(), nil, org)
	if err != nil {
		return txn.Problem(err)
	}
	role, err := a.az.OrgRole(r.Context(), principal(r), org)
	if err != nil {
		return authz.Problem(err, "organisation "+org)
	}
	v := orgView(org, o)
	if role == auth.RoleOrgAdmin {
		tier, err := a.ent.OrgTier(r.Context(), nil, org)
		if err != nil {
			return txn.Problem(err)
		}
		v = adminOrgView(org, o, tier)
	}
	v.Role = role
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *api) patchOrg(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	var req orgRequest
	if err := httpapi.DecodeJSON(w, r, &req, 8<<10); err != nil {
		return err
	}
	var v OrgView
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		o, err := a.loadOrg(ctx, tx, org)
		if err != nil {
			return err
		}
		next := *o
		if req.Name != nil {
			next.Name = *req.Name
		}
		if req.Type != nil {
			next.Type = *req.Type
		}
		if req.Domains != nil {
			next.Domains = *req.Domains
		}
		if req.RetentionDays != nil {
			next.RetentionDays = *req.RetentionDays
		}
		if req.SSORequired != nil {
			next.SSORequired = *req.SSORequired
		}
		next.DomainClaims = slices.Clone(o.DomainClaims)
		if err := syncClaims(&next); err != nil {
			return err
		}
		if req.SSORequired != nil && *req.SSORequired && (next.SSO == nil || !next.hasVerifiedDomain()) {
			return httpapi.Invalid(httpapi.Field("sso_required",
				"needs an SSO provider (PUT /v1/orgs/{orgId}/sso) and at least one verified domain (POST /v1/orgs/{orgId}/domains/{domain}/verify)"))
		}
		owned, err := a.ownedDomains(tx, org, o)
		if err != nil {
			return err
		}
		tier, err := a.ent.OrgTier(ctx, tx, org)
		if err != nil {
			return err
		}
		next.UpdatedAt = a.d.Now().UTC()
		if err := tx.Set(a.orgRef(org), next); err != nil {
			return err
		}
		v = adminOrgView(org, &next, tier)
		v.Role = auth.RoleOrgAdmin
		return a.writeDomains(tx, org, owned, &next)
	})
	if err != nil {
		return txn.Problem(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// MemberView is one member in the members list.
type MemberView struct {
	UID         string    `json:"uid"`
	Role        string    `json:"role"`
	Email       string    `json:"email"`
	DisplayName string    `json:"display_name"`
	JoinedAt    time.Time `json:"joined_at"`
}

// MembersPage answers GET /v1/orgs/{orgId}/members.
type MembersPage struct {
	Members       []MemberView `json:"members"`
	NextPageToken string       `json:"next_page_token,omitempty"`
}

// memberPages is the page token of the member list: the last uid of the
// previous page.
var memberPages = httpapi.NewCursor("accounts.members")

// listMembers pages through members in uid order.
func (a *api) listMembers(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	size := defaultPageSize
	if s := r.URL.Query().Get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			return httpapi.Invalid(httpapi.Field("page_size", "must be an integer between 1 and %d", maxPageSize))
		}
		size = n
	}
	q := a.orgRef(org).Collection(colMembers).OrderBy(firestore.DocumentID, firestore.Asc).Limit(size + 1)
	var after string
	if found, err := memberPages.Param(r, &after); err != nil {
		return err
	} else if found {
		if !validID(after) {
			return httpapi.Invalid(httpapi.Field(httpapi.PageParam, "is not a token this API returned"))
		}
		q = q.StartAfter(a.memberRef(org, after))
	}
	it := q.Documents(r.Context())
	defer it.Stop()
	page := MembersPage{Members: []MemberView{}}
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return txn.Problem(err)
		}
		if len(page.Members) == size {
			page.NextPageToken = memberPages.Encode(page.Members[size-1].UID)
			break
		}
		var m MemberDoc
		if err := snap.DataTo(&m); err != nil {
			return txn.Problem(err)
		}
		page.Members = append(page.Members, MemberView{UID: snap.Ref.ID, Role: m.Role, Email: m.Email,
			DisplayName: m.DisplayName, JoinedAt: m.JoinedAt})
	}
	httpapi.WriteJSON(w, http.StatusOK, page)
	return nil
}

// memberRoleRequest is the body of PATCH /v1/orgs/{orgId}/members/{uid}.
type memberRoleRequest struct {
	Role string `json:"role"`
}

// Validate implements httpapi.Validator.
func (m *memberRoleRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.OneOf(&f, "role", m.Role, roles...)
	return f
}

// MemberChange answers a role change or a removal.
type MemberChange struct {
	UID           string `json:"uid"`
	Role          string `json:"role,omitempty"`
	Removed       bool   `json:"removed,omitempty"`
	TokensRevoked bool   `json:"tokens_revoked"`
	RefreshToken  bool   `json:"refresh_token"`
}

func (a *api) patchMember(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	var req memberRoleRequest
	if err := httpapi.DecodeJSON(w, r, &req, 1<<10); err != nil {
		return err
	}
	return a.changeMember(w, r, org, req.Role)
}

func (a *api) removeMember(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	return a.changeMember(w, r, org, "")
}

// changeMember gives the member a new role, or removes them when role is
// "". The last org_admin can be neither demoted nor removed. Their claims
// follow, and their refresh tokens are revoked so that ID tokens carrying
// the old role stop working at once.
func (a *api) changeMember(w http.ResponseWriter, r *http.Request, org, role string) error {
	uid := r.PathValue("uid")
	if !validID(uid) {
		return httpapi.NotFound("no member %q", uid)
	}
	now := a.d.Now().UTC()
	var claims *[3]string // org, role, tier to set; nil: leave the claims alone
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		claims = nil
		msnap, err := tx.Get(a.memberRef(org, uid))
		if notFound(err) {
			return httpapi.NotFound("no member %q", uid)
		}
		if err != nil {
			return err
		}
		var m MemberDoc
		if err := msnap.DataTo(&m); err != nil {
			return err
		}
		if m.Role == auth.RoleOrgAdmin && role != auth.RoleOrgAdmin {
			admins, err := tx.Documents(a.orgRef(org).Collection(colMembers).Where("role", "==", auth.RoleOrgAdmin).Limit(2)).GetAll()
			if err != nil {
				return err
			}
			if len(admins) < 2 {
				return httpapi.Conflict("an organisation keeps at least one org_admin")
			}
		}
		u, err := a.loadUser(ctx, tx, uid)
		if err != nil {
			return err
		}
		// The tier is recomputed from entitlements: it never carries over
		// from a former role or organisation.
		var entitled string
		if u != nil && u.Org == org {
			next := org
			if role == "" {
				next = ""
			}
			if entitled, err = a.ent.Entitled(ctx, tx, uid, next); err != nil {
				return err
			}
		}
		// A change across the staff line takes or frees a seat of the plan.
		if err := a.seatChange(tx, org, uid, m.Role, role); err != nil {
			return err
		}
		if role == "" {
			if err := tx.Delete(a.memberRef(org, uid)); err != nil {
				return err
			}
		} else if err := tx.Update(a.memberRef(org, uid), []firestore.Update{{Path: "role", Value: role}}); err != nil {
			return err
		}
		if u == nil || u.Org != org {
			return nil // not their active organisation: the claims do not name it
		}
		upd := []firestore.Update{{Path: "updated_at", Value: now}}
		if role == "" {
			tier := entitlements.ForRole(u.Role, entitled)
			upd = append(upd, firestore.Update{Path: "org", Value: ""}, firestore.Update{Path: "tier", Value: tier})
			claims = &[3]string{"", u.Role, tier}
		} else {
			tier := entitlements.ForRole(role, entitled)
			upd = append(upd, firestore.Update{Path: "role", Value: role}, firestore.Update{Path: "tier", Value: tier})
			claims = &[3]string{org, role, tier}
		}
		return tx.Update(a.userRef(uid), upd)
	})
	if err != nil {
		return txn.Problem(err)
	}
	out := MemberChange{UID: uid, Role: role, Removed: role == ""}
	if claims != nil {
		if err := a.setClaims(r.Context(), uid, claims[0], claims[1], claims[2]); err != nil {
			return err
		}
	}
	if err := a.d.Admin.RevokeRefreshTokens(r.Context(), uid); err != nil {
		return httpapi.Unavailable(err)
	}
	out.TokensRevoked = true
	out.RefreshToken = uid == principal(r).UID
	if role == "" {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/outbox"
	dsr "pointsofyou.ai/studio/shared/privacy"
	"pointsofyou.ai/studio/shared/txn"
)

// inviteRequest is the body of POST /v1/orgs/{orgId}/invitations.
type inviteRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Validate implements httpapi.Validator.
func (i *inviteRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	if normEmail(i.Email) == "" {
		f = append(f, httpapi.Field("email", "must be an email address"))
	}
	httpapi.OneOf(&f, "role", i.Role, roles...)
	return f
}

// InvitationView describes an invitation; the token is never part of it
// (it travels only in the email).
type InvitationView struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	Status    string    `json:"status"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

func invitationView(id string, d *InvitationDoc) InvitationView {
	return InvitationView{ID: id, Email: d.Email, Role: d.Role, Status: d.Status, ExpiresAt: d.ExpiresAt, CreatedAt: d.CreatedAt}
}

func (a *api) invitationRef(org, id string) *firestore.DocumentRef {
	return a.orgRef(org).Collection(colInvitations).Doc(id)
}

// invite records an invitation and mails its token. It never looks the
// email up among accounts, so the answer is the same whether the person
// has an account or not.
func (a *api) invite(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	org := authz.RouteOrg(r)
	var req inviteRequest
	if err := httpapi.DecodeJSON(w, r, &req, 2<<10); err != nil {
		return err
	}
	if req.Role != auth.RoleParticipant {
		if err := a.az.Check(r.Context(), p, authz.InviteStaff, authz.Org(org)); errors.Is(err, authz.ErrForbidden) {
			return httpapi.Forbidden("your role may invite participants only")
		} else if err != nil {
			return authz.Problem(err, "organisation "+org)
		}
	}
	email := normEmail(req.Email)
	o, err := a.loadOrg(r.Context(), nil, org)
	if err != nil {
		return txn.Problem(err)
	}
	if len(o.Domains) > 0 && !slices.Contains(o.Domains, domainOf(email)) {
		return httpapi.Invalid(httpapi.Field("email", "is outside the organisation's allowed domains"))
	}
	secret := make([]byte, 32) // 256 bits
	if _, err := rand.Read(secret); err != nil {
		return httpapi.Internal(err)
	}
	sum := sha256.Sum256(secret)
	now := a.d.Now().UTC()
	ref := a.orgRef(org).Collection(colInvitations).NewDoc()
	doc := InvitationDoc{Email: email, Role: req.Role, SecretHash: sum[:], Status: invPending,
		CreatedBy: p.UID, CreatedAt: now, ExpiresAt: now.Add(invitationTTL)}
	token := org + "." + ref.ID + "." + base64.RawURLEncoding.EncodeToString(secret)
	link := a.d.LinkBase + "/organisation/invitations/accept?token=" + url.QueryEscape(token)
	msg := mail.Message{To: email, Kind: "invitation", Subject: "You are invited to " + o.Name + " on Points of You AI Studio",
		Text: fmt.Sprintf("You have been invited to join %s as %s.\n\nAccept within 7 days: %s\n\nInvitation code: %s\n",
			o.Name, req.Role, link, token)}
	// The invitation, its mail and the mail's charge against the inviter's
	// and the organisation's quota (shared/mail) commit together or not at
	// all: no invitation without its mail, no mail without its invitation.
	err = txn.Run(r.Context(), a.ob, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		if err := mail.NewQuota(a.d.Firestore).Reserve(tx, org, p.UID, 1, now); err != nil {
			if qe := (*mail.QuotaError)(nil); errors.As(err, &qe) {
				return httpapi.TooManyRequests(qe.RetryAfterSeconds(), "%s; try again later", qe.Detail())
			}
			return err
		}
		if err := tx.Create(ref, doc); err != nil {
			return err
		}
		return out.Mail(msg)
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, invitationView(ref.ID, &doc))
	return nil
}

// InvitationsPage answers GET /v1/orgs/{orgId}/invitations.
type InvitationsPage struct {
	Invitations []InvitationView `json:"invitations"`
}

// listInvitations lists pending invitations, newest first (at most 200).
func (a *api) listInvitations(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	it := a.orgRef(org).Collection(colInvitations).Where("status", "==", invPending).Limit(200).Documents(r.Context())
	defer it.Stop()
	page := InvitationsPage{Invitations: []InvitationView{}}
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return txn.Problem(err)
		}
		var d InvitationDoc
		if err := snap.DataTo(&d); err != nil {
			return txn.Problem(err)
		}
		page.Invitations = append(page.Invitations, invitationView(snap.Ref.ID, &d))
	}
	slices.SortFunc(page.Invitations, func(x, y InvitationView) int { return y.CreatedAt.Compare(x.CreatedAt) })
	httpapi.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (a *api) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	id := r.PathValue("invitationId")
	if !validID(id) {
		return httpapi.NotFound("no invitation %q", id)
	}
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(a.invitationRef(org, id))
		if notFound(err) {
			return httpapi.NotFound("no invitation %q", id)
		}
		if err != nil {
			return err
		}
		if st, _ := snap.DataAt("status"); st != invPending {
			return httpapi.Conflict("the invitation is %v", st)
		}
		return tx.Update(snap.Ref, []firestore.Update{{Path: "status", Value: invRevoked}})
	})
	if err != nil {
		return txn.Problem(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// acceptRequest is the body of POST /v1/invitations/accept.
type acceptRequest struct {
	Token string `json:"token"`
}

// Validate implements httpapi.Validator.
func (a *acceptRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.Required(&f, "token", a.Token)
	httpapi.MaxLen(&f, "token", a.Token, 400)
	return f
}

// parseToken splits "{org}.{invitationId}.{secret}".
func parseToken(tok string) (org, id string, secret []byte, ok bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || !authz.ValidOrgID(parts[0]) || !validID(parts[1]) {
		return "", "", nil, false
	}
	secret, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(secret) != 32 {
		return "", "", nil, false
	}
	return parts[0], parts[1], secret, true
}

// AcceptView answers POST /v1/invitations/accept.
type AcceptView struct {
	Org          string `json:"org"`
	Role         string `json:"role"`
	Tier         string `json:"tier"`
	RefreshToken bool   `json:"refresh_token"`
}

// acceptInvitation joins the invitation's organisation, once: the
// invitation's state is read and changed in one transaction, so of two
// concurrent acceptances exactly one succeeds.
func (a *api) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req acceptRequest
	if err := httpapi.DecodeJSON(w, r, &req, 1<<10); err != nil {
		return err
	}
	org, id, secret, ok := parseToken(req.Token)
	if !ok {
		return httpapi.NotFound("no such invitation")
	}
	if err := a.mayJoin(r.Context(), p); err != nil {
		return err
	}
	now := a.d.Now().UTC()
	var out AcceptView
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(a.invitationRef(org, id))
		if notFound(err) {
			return httpapi.NotFound("no such invitation")
		}
		if err != nil {
			return err
		}
		var inv InvitationDoc
		if err := snap.DataTo(&inv); err != nil {
			return err
		}
		sum := sha256.Sum256(secret)
		if subtle.ConstantTimeCompare(sum[:], inv.SecretHash) != 1 {
			return httpapi.NotFound("no such invitation")
		}
		switch {
		case inv.Status == invAccepted:
			return httpapi.Conflict("the invitation has already been used")
		case inv.Status != invPending:
			return httpapi.Conflict("the invitation has been revoked")
		case !now.Before(inv.ExpiresAt):
			return httpapi.Conflict("the invitation has expired; ask for a new one")
		case !strings.EqualFold(p.Email, inv.Email):
			return httpapi.Forbidden("the invitation was sent to another email address")
		}
		o, err := a.loadOrg(ctx, tx, org)
		if err != nil {
			return err
		}
		if out, err = a.joinOrg(ctx, tx, p, org, o, inv.Role, now); err != nil {
			return err
		}
		// Written after joinOrg's reads: a transaction reads before it writes.
		return tx.Update(snap.Ref, []firestore.Update{
			{Path: "status", Value: invAccepted}, {Path: "accepted_by", Value: p.UID}, {Path: "accepted_at", Value: now},
		})
	})
	return a.joined(w, r, p, out, err)
}

// mayJoin refuses the caller an organisation before any is read: the
// address must be verified and its domain must not require single sign-on.
func (a *api) mayJoin(ctx context.Context, p *auth.Principal) error {
	if !p.EmailVerified {
		return httpapi.Forbidden("verify your email address first")
	}
	return a.refuseIfSSORequired(ctx, p)
}

// joinOrg makes the caller a member of org with role within tx, on the
// conditions every way of joining shares: a domain the organisation allows,
// not a member yet, a profile. It writes the membership and the profile.
func (a *api) joinOrg(ctx context.Context, tx *firestore.Transaction, p *auth.Principal, org string, o *OrgDoc, role string, now time.Time) (AcceptView, error) {
	if len(o.Domains) > 0 && !slices.Contains(o.Domains, domainOf(p.Email)) {
		return AcceptView{}, httpapi.Forbidden("your email domain is not allowed by the organisation")
	}
	if _, err := tx.Get(a.memberRef(org, p.UID)); err == nil {
		return AcceptView{}, httpapi.Conflict("you are already a member of this organisation")
	} else if !notFound(err) {
		return AcceptView{}, err
	}
	u, err := a.loadUser(ctx, tx, p.UID)
	if err != nil {
		return AcceptView{}, err
	}
	if u == nil {
		return AcceptView{}, httpapi.Conflict("complete your profile first (PUT /v1/me/profile)")
	}
	entitled, err := a.ent.Entitled(ctx, tx, p.UID, org)
	if err != nil {
		return AcceptView{}, err
	}
	// A staff role takes a seat of the plan: read and written here, after
	// every read and before any write of the transaction.
	if err := a.seatChange(tx, org, p.UID, "", role); err != nil {
		return AcceptView{}, err
	}
	out := AcceptView{Org: org, Role: role, Tier: entitlements.ForRole(role, entitled), RefreshToken: true}
	if err := tx.Create(a.memberRef(org, p.UID), MemberDoc{UID: p.UID, Role: role,
		Email: dsr.NormalEmail(p.Email), DisplayName: u.DisplayName, JoinedAt: now}); err != nil {
		return AcceptView{}, err
	}
	return out, tx.Update(a.userRef(p.UID), []firestore.Update{
		{Path: "org", Value: org}, {Path: "role", Value: role}, {Path: "tier", Value: out.Tier}, {Path: "updated_at", Value: now},
	})
}

// joined answers a joining transaction's outcome: on success the caller's
// claims carry the new organisation, role and tier.
func (a *api) joined(w http.ResponseWriter, r *http.Request, p *auth.Principal, out AcceptView, err error) error {
	if err != nil {
		return txn.Problem(err)
	}
	if err := a.setClaims(r.Context(), p.UID, out.Org, out.Role, out.Tier); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

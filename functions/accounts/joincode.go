package accounts

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// An organisation code lets a person join an organisation as a participant
// without an invitation mail (a code on a slide, in a class, on a poster).
// An org admin makes one, replaces it or turns it off; staff roles still
// come only by invitation. join_codes/{code} → {org} finds the organisation.
//
// A code is 10 characters of an alphabet without look-alikes (no 0/O, 1/I/L),
// about 50 bits: with the per-address and per-user rate limits of the join
// route, guessing one is not practical.
const (
	colJoinCodes  = "join_codes"
	codeAlphabet  = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	codeLen       = 10
	maxCodeLength = 40
)

// JoinCodeView answers POST /v1/orgs/{orgId}/join-code.
type JoinCodeView struct {
	Code string `json:"code"`
}

type joinCodeDoc struct {
	Org string `firestore:"org"`
}

func newJoinCode() (string, error) {
	b := make([]byte, codeLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	out := make([]byte, 0, codeLen+1)
	for i, c := range b {
		if i == codeLen/2 {
			out = append(out, '-')
		}
		// 256 % 31 leaves a bias of under 1 %: immaterial next to the rate limits.
		out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return string(out), nil
}

// normCode accepts what a person types: any case, with or without spaces or
// dashes. It returns "" for anything that cannot be a code.
func normCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
		case strings.ContainsRune(codeAlphabet, r):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() != codeLen {
		return ""
	}
	c := b.String()
	return c[:codeLen/2] + "-" + c[codeLen/2:]
}

func (a *api) joinCodeRef(code string) *firestore.DocumentRef {
	return a.d.Firestore.Collection(colJoinCodes).Doc(code)
}

// setJoinCode replaces the organisation's code with code ("" turns codes off).
func (a *api) setJoinCode(ctx context.Context, org, code string) error {
	return a.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		o, err := a.loadOrg(ctx, tx, org)
		if err != nil {
			return err
		}
		if o.JoinCode != "" {
			if err := tx.Delete(a.joinCodeRef(o.JoinCode)); err != nil {
				return err
			}
		}
		if code != "" {
			if err := tx.Create(a.joinCodeRef(code), joinCodeDoc{Org: org}); err != nil {
				return err
			}
		}
		return tx.Update(a.orgRef(org), []firestore.Update{{Path: "join_code", Value: code}, {Path: "updated_at", Value: a.d.Now().UTC()}})
	})
}

func (a *api) rotateJoinCode(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	code, err := newJoinCode()
	if err != nil {
		return httpapi.Internal(err)
	}
	if err := a.setJoinCode(r.Context(), org, code); err != nil {
		return txn.Problem(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, JoinCodeView{Code: code})
	return nil
}

func (a *api) deleteJoinCode(w http.ResponseWriter, r *http.Request) error {
	if err := a.setJoinCode(r.Context(), authz.RouteOrg(r), ""); err != nil {
		return txn.Problem(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// joinRequest is the body of POST /v1/orgs/join.
type joinRequest struct {
	Code string `json:"code"`
}

// Validate implements httpapi.Validator.
func (j *joinRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.Required(&f, "code", j.Code)
	httpapi.MaxLen(&f, "code", j.Code, maxCodeLength)
	return f
}

// joinByCode makes the caller a participant of the code's organisation, on
// the same conditions as accepting an invitation: a verified address, no
// SSO requirement on the address's domain, a domain the organisation allows.
func (a *api) joinByCode(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req joinRequest
	if err := httpapi.DecodeJSON(w, r, &req, 1<<10); err != nil {
		return err
	}
	code := normCode(req.Code)
	if code == "" {
		return httpapi.NotFound("no organisation has this code")
	}
	if err := a.mayJoin(r.Context(), p); err != nil {
		return err
	}
	now := a.d.Now().UTC()
	var out AcceptView
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(a.joinCodeRef(code))
		if notFound(err) {
			return httpapi.NotFound("no organisation has this code")
		}
		if err != nil {
			return err
		}
		var jc joinCodeDoc
		if err := snap.DataTo(&jc); err != nil {
			return err
		}
		o, err := a.loadOrg(ctx, tx, jc.Org)
		if err != nil || o.JoinCode != code {
			return httpapi.NotFound("no organisation has this code")
		}
		out, err = a.joinOrg(ctx, tx, p, jc.Org, o, auth.RoleParticipant, now)
		return err
	})
	return a.joined(w, r, p, out, err)
}

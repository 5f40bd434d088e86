package accounts

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// ssoRequest is the body of PUT /v1/orgs/{orgId}/sso. There is no field for
// a secret: unknown fields are refused, so a client secret sent by mistake
// is a 400, never stored.
type ssoRequest SSODoc

var providerIDPattern = regexp.MustCompile(`^(saml|oidc)\.[a-z0-9-]{1,60}$`)

// Validate implements httpapi.Validator.
func (s *ssoRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.OneOf(&f, "type", s.Type, ssoTypes...)
	if !providerIDPattern.MatchString(s.ProviderID) || (s.Type != "" && !strings.HasPrefix(s.ProviderID, s.Type+".")) {
		f = append(f, httpapi.Field("provider_id", "must be the Identity Platform provider id, \"saml.<name>\" or \"oidc.<name>\" matching type"))
	}
	if s.Issuer == "" || len(s.Issuer) > 512 {
		f = append(f, httpapi.Field("issuer", "is required (OIDC issuer URL or SAML entity id), at most 512 characters"))
	} else if s.Type == "oidc" {
		if u, err := url.Parse(s.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
			f = append(f, httpapi.Field("issuer", "must be an https URL for OIDC"))
		}
	}
	if s.Type == "oidc" && (s.ClientID == "" || len(s.ClientID) > 256) {
		f = append(f, httpapi.Field("client_id", "is required for OIDC, at most 256 characters"))
	}
	httpapi.MaxLen(&f, "client_id", s.ClientID, 256)
	return f
}

func (a *api) getSSO(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	o, err := a.loadOrg(r.Context(), nil, org)
	if err != nil {
		return txn.Problem(err)
	}
	if o.SSO == nil {
		return httpapi.NotFound("organisation %s has no SSO provider", org)
	}
	httpapi.WriteJSON(w, http.StatusOK, o.SSO)
	return nil
}

func (a *api) putSSO(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	var req ssoRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	sso := SSODoc(req)
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		o, err := a.loadOrg(ctx, tx, org)
		if err != nil {
			return err
		}
		owned, err := a.ownedDomains(tx, org, o)
		if err != nil {
			return err
		}
		o.SSO, o.UpdatedAt = &sso, a.d.Now().UTC()
		if err := tx.Set(a.orgRef(org), o); err != nil {
			return err
		}
		return a.writeDomains(tx, org, owned, o)
	})
	if err != nil {
		return txn.Problem(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, sso)
	return nil
}

// SSODiscovery answers GET /v1/sso/discover: the same shape whether or not
// the domain is known, so the endpoint says nothing about who is a customer
// beyond what a sign-in page must show.
type SSODiscovery struct {
	SSORequired bool   `json:"sso_required"`
	ProviderID  string `json:"provider_id"`
	Type        string `json:"type"`
}

func (a *api) discoverSSO(w http.ResponseWriter, r *http.Request) error {
	email := normEmail(r.URL.Query().Get("email"))
	if email == "" {
		return httpapi.Invalid(httpapi.Field("email", "must be an email address"))
	}
	d, err := a.lookupDomain(r.Context(), domainOf(email))
	if err != nil {
		return txn.Problem(err)
	}
	out := SSODiscovery{}
	if d != nil && d.SSORequired {
		out = SSODiscovery{SSORequired: true, ProviderID: d.ProviderID, Type: d.Type}
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

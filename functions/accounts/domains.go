package accounts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// Proving a domain: like Google's site verification, the organisation
// publishes a TXT record "poy-site-verification=<token>" at the domain and
// asks for verification. Only a proven domain is written to the domain
// index (domains/{domain}), and only the index drives SSO discovery and
// the SSO requirement; a pending claim drives nothing and blocks nobody.
// Whoever proves a domain last holds it (DNS says who owns it now), and a
// domain whose organisation is gone or has no org_admin left drives
// nothing and can be proven by another organisation.

// txtPrefix starts the TXT value an organisation publishes.
const txtPrefix = "poy-site-verification="

// TXTResolver looks up TXT records; *net.Resolver implements it.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// dnsLookupTimeout bounds one verification's DNS lookup.
const dnsLookupTimeout = 5 * time.Second

func newDomainToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// syncClaims makes o.DomainClaims follow o.Domains: a new domain gets a
// pending claim with a fresh token, a removed domain loses its claim.
func syncClaims(o *OrgDoc) error {
	var out []DomainClaim
	for _, d := range o.Domains {
		if i := slices.IndexFunc(o.DomainClaims, func(c DomainClaim) bool { return c.Domain == d }); i >= 0 {
			out = append(out, o.DomainClaims[i])
			continue
		}
		tok, err := newDomainToken()
		if err != nil {
			return err
		}
		out = append(out, DomainClaim{Domain: d, Token: tok, Status: domainPending})
	}
	if out == nil {
		out = []DomainClaim{}
	}
	o.DomainClaims = out
	return nil
}

func (o *OrgDoc) claim(domain string) *DomainClaim {
	for i := range o.DomainClaims {
		if o.DomainClaims[i].Domain == domain {
			return &o.DomainClaims[i]
		}
	}
	return nil
}

func (o *OrgDoc) hasVerifiedDomain() bool {
	return slices.ContainsFunc(o.DomainClaims, func(c DomainClaim) bool { return c.Status == domainVerified })
}

// domainDoc is domains/{domain}.
type domainDoc struct {
	Org         string    `firestore:"org"`
	SSORequired bool      `firestore:"sso_required"`
	ProviderID  string    `firestore:"provider_id"`
	Type        string    `firestore:"type"`
	VerifiedAt  time.Time `firestore:"verified_at"`
}

func (a *api) domainRef(d string) *firestore.DocumentRef {
	return a.d.Firestore.Collection(colDomains).Doc(d)
}

// ownedDomains reads, inside tx, which domains of o the index attributes
// to org. It only reads, so it runs before a transaction's writes.
func (a *api) ownedDomains(tx *firestore.Transaction, org string, o *OrgDoc) (map[string]bool, error) {
	owned := map[string]bool{}
	for _, c := range o.DomainClaims {
		if c.Status != domainVerified {
			continue
		}
		snap, err := tx.Get(a.domainRef(c.Domain))
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if other, _ := snap.DataAt("org"); other == org {
			owned[c.Domain] = true
		}
	}
	return owned, nil
}

// writeDomains brings the index entries org holds (owned, read before by
// ownedDomains on the old state) in line with next: entries of domains no
// longer verified in next are deleted, the others carry next's SSO state.
// The last writes of a transaction.
func (a *api) writeDomains(tx *firestore.Transaction, org string, owned map[string]bool, next *OrgDoc) error {
	for d := range owned {
		c := next.claim(d)
		if c == nil || c.Status != domainVerified {
			if err := tx.Delete(a.domainRef(d)); err != nil {
				return err
			}
			continue
		}
		if err := tx.Set(a.domainRef(d), indexEntry(org, next, c)); err != nil {
			return err
		}
	}
	return nil
}

func indexEntry(org string, o *OrgDoc, c *DomainClaim) domainDoc {
	doc := domainDoc{Org: org, SSORequired: o.SSORequired, VerifiedAt: c.VerifiedAt}
	if o.SSO != nil {
		doc.ProviderID, doc.Type = o.SSO.ProviderID, o.SSO.Type
	}
	return doc
}

// DomainView is one domain of an organisation, for its admins.
type DomainView struct {
	Domain string `json:"domain"`
	Status string `json:"status"` // pending | verified
	// TXTRecord is the value to publish as a TXT record of the domain.
	TXTRecord  string     `json:"txt_record"`
	VerifiedAt *time.Time `json:"verified_at,omitempty"`
}

func domainView(c DomainClaim) DomainView {
	v := DomainView{Domain: c.Domain, Status: c.Status, TXTRecord: txtPrefix + c.Token}
	if c.Status == domainVerified && !c.VerifiedAt.IsZero() {
		t := c.VerifiedAt
		v.VerifiedAt = &t
	}
	return v
}

// verifyDomain proves a domain of the organisation by its TXT record and
// makes it the domain's holder in the index.
func (a *api) verifyDomain(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	// The body is optional; when sent it is an empty object.
	if err := httpapi.DecodeOptionalJSON(w, r, &struct{}{}, 1<<10); err != nil {
		return err
	}
	domain := r.PathValue("domain")
	o, err := a.loadOrg(r.Context(), nil, org)
	if err != nil {
		return txn.Problem(err)
	}
	c := o.claim(domain)
	if c == nil {
		return httpapi.NotFound("the organisation does not list the domain %q (PATCH its domains first)", domain)
	}
	token := c.Token
	found, err := a.hasTXT(r.Context(), domain, txtPrefix+token)
	if err != nil {
		return err
	}
	if !found {
		return &httpapi.Error{Status: http.StatusConflict, Slug: "domain-not-proven", Title: "Domain not proven",
			Detail: "no TXT record \"" + txtPrefix + token + "\" was found at " + domain + "; publish it and try again (DNS changes can take a while)"}
	}
	now := a.d.Now().UTC()
	var view DomainView
	err = a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		o, err := a.loadOrg(ctx, tx, org)
		if err != nil {
			return err
		}
		c := o.claim(domain)
		if c == nil || c.Token != token {
			return httpapi.Conflict("the domain %s changed meanwhile; try again", domain)
		}
		// Reads first: the current holder, whose claim goes back to pending.
		var loser string
		var loserOrg *OrgDoc
		snap, err := tx.Get(a.domainRef(domain))
		if err != nil && !notFound(err) {
			return err
		}
		if err == nil {
			if other, _ := snap.DataAt("org"); other != org {
				loser, _ = other.(string)
			}
		}
		if authz.ValidOrgID(loser) {
			lo, err := a.loadOrg(ctx, tx, loser)
			var he *httpapi.Error
			switch {
			case errors.As(err, &he):
				loserOrg = nil // the holder is gone; nothing to reset
			case err != nil:
				return err
			default:
				loserOrg = lo
			}
		}
		if c.Status != domainVerified {
			c.Status, c.VerifiedAt = domainVerified, now
		}
		o.UpdatedAt = now
		view = domainView(*c)
		if err := tx.Set(a.orgRef(org), o); err != nil {
			return err
		}
		if loserOrg != nil {
			if lc := loserOrg.claim(domain); lc != nil && lc.Status == domainVerified {
				lc.Status, lc.VerifiedAt = domainPending, time.Time{}
				loserOrg.UpdatedAt = now
				if err := tx.Set(a.orgRef(loser), loserOrg); err != nil {
					return err
				}
			}
		}
		return tx.Set(a.domainRef(domain), indexEntry(org, o, c))
	})
	if err != nil {
		return txn.Problem(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, view)
	return nil
}

// hasTXT reports whether want is one of domain's TXT values.
func (a *api) hasTXT(ctx context.Context, domain, want string) (bool, error) {
	if a.d.Resolver == nil {
		return false, httpapi.Unavailable(errors.New("accounts: no DNS resolver configured"))
	}
	ctx, cancel := context.WithTimeout(ctx, dnsLookupTimeout)
	defer cancel()
	// The final dot makes the name absolute: no search domains are tried.
	values, err := a.d.Resolver.LookupTXT(ctx, domain+".")
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return false, nil
	}
	if err != nil {
		slog.WarnContext(ctx, "domain verification: DNS lookup failed", "error", err.Error())
		return false, &httpapi.Error{Status: http.StatusServiceUnavailable, Slug: "dns-unavailable", Title: "DNS lookup failed",
			Detail: "the domain's DNS records could not be read; try again later"}
	}
	for _, v := range values {
		if strings.TrimSpace(v) == want {
			return true, nil
		}
	}
	return false, nil
}

// lookupDomain reads the index entry of domain and returns it only while
// it still means something: its organisation exists, still holds the
// domain as verified, and has an org_admin. nil otherwise.
func (a *api) lookupDomain(ctx context.Context, domain string) (*domainDoc, error) {
	if !domainPattern.MatchString(domain) {
		return nil, nil
	}
	snap, err := a.domainRef(domain).Get(ctx)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d domainDoc
	if err := snap.DataTo(&d); err != nil {
		return nil, err
	}
	if !authz.ValidOrgID(d.Org) {
		return nil, nil
	}
	o, err := a.loadOrg(ctx, nil, d.Org)
	var he *httpapi.Error
	if errors.As(err, &he) {
		return nil, nil // the organisation is gone
	}
	if err != nil {
		return nil, err
	}
	if c := o.claim(domain); c == nil || c.Status != domainVerified {
		return nil, nil
	}
	admins, err := a.orgRef(d.Org).Collection(colMembers).Where("role", "==", auth.RoleOrgAdmin).Limit(1).Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	if len(admins) == 0 {
		return nil, nil // nobody could change or release it
	}
	return &d, nil
}

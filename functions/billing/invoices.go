package billing

import (
	"net/http"
	"strconv"

	"github.com/stripe/stripe-go/v84"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// maxInvoices is how many invoices the history shows (two years monthly).
const maxInvoices = 24

// InvoiceView is one invoice of GET /v1/invoices.
type InvoiceView struct {
	ID               string `json:"id"`
	Number           string `json:"number"`
	Status           string `json:"status"`
	AmountDue        int64  `json:"amount_due"`
	AmountPaid       int64  `json:"amount_paid"`
	Currency         string `json:"currency"`
	Created          int64  `json:"created"`
	PeriodStart      int64  `json:"period_start"`
	PeriodEnd        int64  `json:"period_end"`
	HostedInvoiceURL string `json:"hosted_invoice_url"`
	InvoicePDF       string `json:"invoice_pdf"`
}

// InvoicesView is GET /v1/invoices.
type InvoicesView struct {
	Invoices []InvoiceView `json:"invoices"`
}

func (a *api) invoices(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := r.URL.Query()
	scope, org := q.Get("scope"), q.Get("org_id")
	if scope == "" {
		scope = ScopePersonal
	}
	var fe []httpapi.FieldError
	httpapi.OneOf(&fe, "scope", scope, ScopePersonal, ScopeOrg)
	fe = append(fe, scopeFields(scope, org)...)
	if len(fe) > 0 {
		return httpapi.Invalid(fe...)
	}
	ctx := r.Context()
	subject, err := a.subjectOf(ctx, p, scope, org)
	if err != nil {
		return err
	}
	out := InvoicesView{Invoices: []InvoiceView{}}
	cus, err := a.customer(ctx, subject, false)
	if err != nil {
		return err
	}
	if cus != "" {
		params := &stripe.InvoiceListParams{Customer: stripe.String(cus)}
		params.Limit = stripe.Int64(maxInvoices)
		for in, err := range a.d.Stripe.V1Invoices.List(ctx, params) {
			if err != nil {
				return stripeProblem(err)
			}
			out.Invoices = append(out.Invoices, InvoiceView{ID: in.ID, Number: in.Number, Status: string(in.Status),
				AmountDue: in.AmountDue, AmountPaid: in.AmountPaid, Currency: string(in.Currency), Created: in.Created,
				PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd, HostedInvoiceURL: in.HostedInvoiceURL, InvoicePDF: in.InvoicePDF})
			if len(out.Invoices) == maxInvoices {
				break
			}
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

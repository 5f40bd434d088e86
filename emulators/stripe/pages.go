package stripe

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	sg "github.com/stripe/stripe-go/v84"

	"pointsofyou.ai/studio/shared/httpapi"
)

// The pages stand in for Stripe's hosted Checkout and customer portal:
// plain forms, no script, so they work in any browser test.
var pages = template.Must(template.New("").Funcs(template.FuncMap{"money": money}).Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.}} · local Stripe</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
.box{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0}button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem .3rem .3rem 0;cursor:pointer}
.pay{background:#635bff;color:#fff;border:0;border-radius:6px}.note{color:#555;font-size:.9rem}</style></head><body>
<p class="note">Local Stripe (test mode): no card is charged.</p>{{end}}

{{define "checkout"}}{{template "head" "Checkout"}}
<h1>Checkout</h1>
<div class="box"><p><strong id="plan">{{.Product}}</strong> — {{.LookupKey}}</p>
<p id="amount">{{money .Unit .Currency}} / {{.Interval}}{{if gt .Quantity 1}} × {{.Quantity}} seats{{end}}</p>
<p>Total: <strong id="total">{{money .Total .Currency}}</strong> / {{.Interval}}</p></div>
{{if .Open}}
<form method="post" action="/checkout/{{.ID}}/pay"><button class="pay" type="submit">Pay (test)</button></form>
<form method="post" action="/checkout/{{.ID}}/cancel"><button type="submit">Cancel</button></form>
{{else}}<p>This checkout is {{.Status}}.</p>{{end}}
</body></html>{{end}}

{{define "portal"}}{{template "head" "Billing portal"}}
<h1>Billing portal</h1>
{{range .Subs}}<div class="box"><p><strong>{{.Product}}</strong> — {{.LookupKey}} ({{.Status}})</p>
<p>{{money .Unit .Currency}} / {{.Interval}}{{if .PerSeat}} × {{.Quantity}} seats{{end}}</p>
<form method="post" action="/portal/{{$.ID}}/switch"><input type="hidden" name="subscription" value="{{.ID}}">
<label>Switch plan <select name="price">{{range $.Prices}}<option value="{{.ID}}">{{.Label}}</option>{{end}}</select></label>
<button type="submit">Switch</button></form>
{{if .PerSeat}}<form method="post" action="/portal/{{$.ID}}/seats"><input type="hidden" name="subscription" value="{{.ID}}">
<label>Seats <input type="number" name="quantity" min="1" value="{{.Quantity}}"></label> <button type="submit">Update seats</button></form>{{end}}
<form method="post" action="/portal/{{$.ID}}/cancel"><input type="hidden" name="subscription" value="{{.ID}}"><button type="submit">Cancel plan</button></form>
</div>{{else}}<p>No active plan.</p>{{end}}
<p><a href="{{.Return}}">Back</a></p>
</body></html>{{end}}
`))

func money(cents int64, currency sg.Currency) string {
	sym := map[sg.Currency]string{"usd": "$", "eur": "€"}[currency]
	if sym == "" {
		sym = strings.ToUpper(string(currency)) + " "
	}
	return fmt.Sprintf("%s%d.%02d", sym, cents/100, cents%100)
}

type planView struct {
	ID, Product, LookupKey, Interval, Status string
	Unit, Quantity, Total                    int64
	Currency                                 sg.Currency
	PerSeat, Open                            bool
}

// view describes a price for the pages (st.mu held).
func (st *store) view(p *sg.Price, qty int64) planView {
	v := planView{LookupKey: p.LookupKey, Unit: p.UnitAmount, Quantity: qty, Total: p.UnitAmount * qty, Currency: p.Currency,
		PerSeat: p.Metadata["per_seat"] == "true"}
	if v.LookupKey == "" {
		v.LookupKey = p.Nickname
	}
	if prod, ok := st.products[p.Product.ID]; ok {
		v.Product = prod.Name
	}
	if p.Recurring != nil {
		v.Interval = string(p.Recurring.Interval)
	}
	return v
}

func page(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func notFound(w http.ResponseWriter, r *http.Request, what string) {
	httpapi.WriteError(w, r, httpapi.NotFound("no such %s", what))
}

func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	ses, ok := st.sessions[r.PathValue("session")]
	if !ok {
		st.mu.Unlock()
		notFound(w, r, "checkout session")
		return
	}
	v := st.view(st.prices[ses.price], ses.quantity)
	v.ID, v.Open, v.Status = ses.ID, ses.Status == sg.CheckoutSessionStatusOpen, string(ses.Status)
	st.mu.Unlock()
	page(w, "checkout", v)
}

// checkoutPay completes the session: a subscription, its paid invoice,
// and the events Stripe sends for them, before the redirect back.
func (s *Server) checkoutPay(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	ses, ok := st.sessions[r.PathValue("session")]
	if !ok || ses.Status != sg.CheckoutSessionStatusOpen {
		st.mu.Unlock()
		notFound(w, r, "open checkout session")
		return
	}
	sub, in := st.subscribe(ses)
	evs := []*Event{
		st.event("customer.subscription.created", sub),
		st.event("checkout.session.completed", &ses.CheckoutSession),
		st.event("invoice.paid", in),
	}
	back := strings.ReplaceAll(ses.SuccessURL, "{CHECKOUT_SESSION_ID}", ses.ID)
	st.mu.Unlock()
	s.deliver(r.Context(), evs...)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) checkoutCancel(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	ses, ok := st.sessions[r.PathValue("session")]
	if !ok {
		st.mu.Unlock()
		notFound(w, r, "checkout session")
		return
	}
	back := ses.CancelURL
	if ses.Status == sg.CheckoutSessionStatusOpen {
		ses.Status = sg.CheckoutSessionStatusExpired
	}
	st.mu.Unlock()
	if back == "" {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

type priceOption struct{ ID, Label string }

func (s *Server) portalPage(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	ps, ok := st.portals[r.PathValue("session")]
	if !ok {
		notFound(w, r, "portal session")
		return
	}
	data := struct {
		ID, Return string
		Subs       []planView
		Prices     []priceOption
	}{ID: ps.ID, Return: ps.ReturnURL}
	for _, sub := range st.subs {
		if sub.Customer.ID != ps.Customer || sub.Status == sg.SubscriptionStatusCanceled {
			continue
		}
		it := sub.Items.Data[0]
		v := st.view(it.Price, it.Quantity)
		v.ID, v.Status = sub.ID, string(sub.Status)
		data.Subs = append(data.Subs, v)
	}
	for _, p := range st.prices {
		if p.Active && p.LookupKey != "" && p.Recurring != nil {
			v := st.view(p, 1)
			data.Prices = append(data.Prices, priceOption{ID: p.ID, Label: v.Product + " — " + money(p.UnitAmount, p.Currency) + " / " + v.Interval})
		}
	}
	sort.Slice(data.Prices, func(i, j int) bool { return data.Prices[i].Label < data.Prices[j].Label })
	page(w, "portal", data)
}

// portalAction cancels, switches plan or changes seats, sends the
// events and redirects to the portal session's return URL.
func (s *Server) portalAction(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		httpapi.WriteError(w, r, httpapi.BadRequest("unreadable form"))
		return
	}
	st := s.st
	st.mu.Lock()
	ps, ok := st.portals[r.PathValue("session")]
	sub := st.subs[r.PostForm.Get("subscription")]
	if !ok || sub == nil || sub.Customer.ID != ps.Customer {
		st.mu.Unlock()
		notFound(w, r, "subscription of this portal session")
		return
	}
	var evs []*Event
	switch r.PathValue("action") {
	case "cancel":
		sub.Status = sg.SubscriptionStatusCanceled
		sub.CanceledAt = st.now().Unix()
		sub.EndedAt = sub.CanceledAt
		evs = append(evs, st.event("customer.subscription.deleted", sub))
	case "switch":
		p, ok := st.prices[r.PostForm.Get("price")]
		if !ok {
			st.mu.Unlock()
			httpapi.WriteError(w, r, httpapi.BadRequest("unknown price"))
			return
		}
		it := sub.Items.Data[0]
		it.Price = p
		if p.Metadata["per_seat"] == "true" {
			if m, _ := strconv.ParseInt(p.Metadata["min_seats"], 10, 64); it.Quantity < m {
				it.Quantity = m
			}
		} else {
			it.Quantity = 1
		}
		evs = append(evs, st.event("customer.subscription.updated", sub), st.event("invoice.paid", st.invoice(sub, sg.InvoiceStatusPaid)))
	case "seats":
		q, err := strconv.ParseInt(r.PostForm.Get("quantity"), 10, 64)
		if err != nil || q < 1 {
			st.mu.Unlock()
			httpapi.WriteError(w, r, httpapi.BadRequest("seats must be a positive number"))
			return
		}
		sub.Items.Data[0].Quantity = q
		evs = append(evs, st.event("customer.subscription.updated", sub))
	default:
		st.mu.Unlock()
		notFound(w, r, "portal action")
		return
	}
	back := ps.ReturnURL
	st.mu.Unlock()
	s.deliver(r.Context(), evs...)
	if back == "" {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// adminFail makes the subscription's renewal fail: an open invoice, the
// subscription past_due, and invoice.payment_failed then
// customer.subscription.updated.
func (s *Server) adminFail(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	sub, ok := st.subs[r.PathValue("id")]
	if !ok {
		st.mu.Unlock()
		notFound(w, r, "subscription")
		return
	}
	in := st.invoice(sub, sg.InvoiceStatusOpen)
	sub.Status = sg.SubscriptionStatusPastDue
	evs := []*Event{st.event("invoice.payment_failed", in), st.event("customer.subscription.updated", sub)}
	st.mu.Unlock()
	s.deliver(r.Context(), evs...)
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"invoice": in.ID, "events": ids})
}

package stripe

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	sg "github.com/stripe/stripe-go/v84"

	"pointsofyou.ai/studio/shared/httpapi"
)

// store is what the front keeps: the objects of the local purchase flow.
type store struct {
	now func() time.Time

	mu        sync.Mutex
	log       []string
	products  map[string]*sg.Product
	prices    map[string]*sg.Price
	customers map[string]*sg.Customer
	sessions  map[string]*session
	portals   map[string]*sg.BillingPortalSession
	subs      map[string]*sg.Subscription
	invoices  map[string]*sg.Invoice
	invoiceNo int
	idem      sync.Map // "path key" → *idemAnswer
}

// idemAnswer is the first answer to an idempotency key.
type idemAnswer struct {
	once   sync.Once
	status int
	header http.Header
	body   []byte
}

// session is a checkout session with the parameters it was made with.
type session struct {
	sg.CheckoutSession
	price    string
	quantity int64
	subMeta  map[string]string
}

func newStore(now func() time.Time) *store {
	return &store{
		now: now, products: map[string]*sg.Product{}, prices: map[string]*sg.Price{},
		customers: map[string]*sg.Customer{}, sessions: map[string]*session{},
		portals: map[string]*sg.BillingPortalSession{}, subs: map[string]*sg.Subscription{},
		invoices: map[string]*sg.Invoice{},
	}
}

func (st *store) note(r *http.Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.log = append(st.log, r.Method+" "+r.URL.Path)
}

func (st *store) requests() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]string{}, st.log...)
}

func newID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// apiError answers as Stripe does.
func apiError(w http.ResponseWriter, status int, typ, code, msg string) {
	httpapi.WriteJSON(w, status, map[string]any{"error": map[string]string{"type": typ, "code": code, "message": msg}})
}

func missing(w http.ResponseWriter, what, id string) {
	apiError(w, http.StatusNotFound, "invalid_request_error", "resource_missing", fmt.Sprintf("No such %s: '%s'", what, id))
}

// find looks id up in m, answering Stripe's 404 when it is not there
// (under the store's lock).
func find[T any](w http.ResponseWriter, m map[string]T, what, id string) (T, bool) {
	v, ok := m[id]
	if !ok {
		missing(w, what, id)
	}
	return v, ok
}

// getter answers the GET of one object of m by its path id, as view
// renders it (nil: the object itself).
func getter[T any](st *store, what string, m map[string]T, view func(T) any) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		defer st.mu.Unlock()
		v, ok := find(w, m, what, r.PathValue("id"))
		if !ok {
			return
		}
		if view != nil {
			httpapi.WriteJSON(w, http.StatusOK, view(v))
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, v)
	}
}

func invalid(w http.ResponseWriter, msg string) {
	apiError(w, http.StatusBadRequest, "invalid_request_error", "parameter_invalid", msg)
}

func list[T any](w http.ResponseWriter, url string, data []T) {
	if data == nil {
		data = []T{}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"object": "list", "url": url, "has_more": false, "data": data})
}

// meta reads name[key]=value form fields into a map (nil when none).
func meta(r *http.Request, name string) map[string]string {
	var out map[string]string
	for k, v := range r.Form {
		if rest, ok := strings.CutPrefix(k, name+"["); ok && strings.HasSuffix(rest, "]") && !strings.Contains(rest, "[") {
			if out == nil {
				out = map[string]string{}
			}
			out[strings.TrimSuffix(rest, "]")] = v[0]
		}
	}
	return out
}

func merge(dst map[string]string, src map[string]string) map[string]string {
	if dst == nil {
		dst = map[string]string{}
	}
	for k, v := range src {
		if v == "" {
			delete(dst, k)
		} else {
			dst[k] = v
		}
	}
	return dst
}

func formBool(r *http.Request, k string) (bool, bool) {
	v, ok := r.Form[k]
	if !ok {
		return false, false
	}
	return v[0] == "true", true
}

func formInt(r *http.Request, k string) (int64, bool) {
	v := r.Form.Get(k)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

func (s *Server) apiRoutes(mux *http.ServeMux) {
	h := func(pattern string, f func(http.ResponseWriter, *http.Request)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			s.st.note(r)
			if err := r.ParseForm(); err != nil {
				invalid(w, "unreadable form: "+err.Error())
				return
			}
			key := r.Header.Get("Idempotency-Key")
			if r.Method != http.MethodPost || key == "" {
				f(w, r)
				return
			}
			// As Stripe: a repeated key gets the first answer (two
			// requests with one key at once: the second waits for it).
			v, _ := s.st.idem.LoadOrStore(r.URL.Path+" "+key, &idemAnswer{})
			a := v.(*idemAnswer)
			a.once.Do(func() {
				rec := httptest.NewRecorder()
				f(rec, r)
				a.status, a.header, a.body = rec.Code, rec.Header(), rec.Body.Bytes()
			})
			for k, vs := range a.header {
				w.Header()[k] = vs
			}
			w.WriteHeader(a.status)
			_, _ = w.Write(a.body)
		})
	}
	h("POST /v1/products", s.createProduct)
	h("GET /v1/products/{id}", getter(s.st, "product", s.st.products, nil))
	h("POST /v1/products/{id}", s.updateProduct)
	h("GET /v1/prices", s.listPrices)
	h("POST /v1/prices", s.createPrice)
	h("GET /v1/prices/{id}", getter(s.st, "price", s.st.prices, nil))
	h("POST /v1/prices/{id}", s.updatePrice)
	h("POST /v1/customers", s.createCustomer)
	h("GET /v1/customers/{id}", getter(s.st, "customer", s.st.customers, nil))
	h("POST /v1/checkout/sessions", s.createSession)
	h("GET /v1/checkout/sessions/{id}", getter(s.st, "checkout.session", s.st.sessions, func(ses *session) any { return &ses.CheckoutSession }))
	h("POST /v1/billing_portal/sessions", s.createPortal)
	h("GET /v1/subscriptions", s.listSubs)
	h("GET /v1/subscriptions/{id}", getter(s.st, "subscription", s.st.subs, nil))
	h("POST /v1/subscriptions/{id}", s.updateSub)
	h("DELETE /v1/subscriptions/{id}", s.cancelSub)
	h("GET /v1/invoices", s.listInvoices)
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	id := r.Form.Get("id")
	if id == "" {
		id = newID("prod")
	}
	if _, ok := st.products[id]; ok {
		invalid(w, "Product already exists.")
		return
	}
	if r.Form.Get("name") == "" {
		invalid(w, "Missing required param: name.")
		return
	}
	p := &sg.Product{ID: id, Object: "product", Name: r.Form.Get("name"), Description: r.Form.Get("description"),
		Active: true, Metadata: merge(nil, meta(r, "metadata")), Created: st.now().Unix()}
	if v, ok := formBool(r, "active"); ok {
		p.Active = v
	}
	st.products[id] = p
	httpapi.WriteJSON(w, http.StatusOK, p)
}

func (s *Server) updateProduct(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	p, ok := find(w, st.products, "product", r.PathValue("id"))
	if !ok {
		return
	}
	if v := r.Form.Get("name"); v != "" {
		p.Name = v
	}
	if _, ok := r.Form["description"]; ok {
		p.Description = r.Form.Get("description")
	}
	if v, ok := formBool(r, "active"); ok {
		p.Active = v
	}
	p.Metadata = merge(p.Metadata, meta(r, "metadata"))
	httpapi.WriteJSON(w, http.StatusOK, p)
}

func (s *Server) listPrices(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	var keys []string
	for k, v := range r.Form {
		if strings.HasPrefix(k, "lookup_keys[") {
			keys = append(keys, v...)
		}
	}
	active, hasActive := formBool(r, "active")
	var out []*sg.Price
	for _, p := range st.prices {
		if len(keys) > 0 && !slices.Contains(keys, p.LookupKey) {
			continue
		}
		if hasActive && p.Active != active {
			continue
		}
		if prod := r.Form.Get("product"); prod != "" && p.Product.ID != prod {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Created > out[j].Created || (out[i].Created == out[j].Created && out[i].ID < out[j].ID)
	})
	list(w, "/v1/prices", out)
}

func (s *Server) createPrice(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	prod, ok := st.products[r.Form.Get("product")]
	if !ok {
		missing(w, "product", r.Form.Get("product"))
		return
	}
	amount, ok := formInt(r, "unit_amount")
	if !ok || amount < 0 {
		invalid(w, "Invalid unit_amount.")
		return
	}
	key := r.Form.Get("lookup_key")
	if key != "" {
		for _, p := range st.prices {
			if p.LookupKey != key {
				continue
			}
			if v, _ := formBool(r, "transfer_lookup_key"); !v {
				invalid(w, "A price ("+p.ID+") already uses that lookup key.")
				return
			}
			p.LookupKey = ""
		}
	}
	p := &sg.Price{ID: newID("price"), Object: "price", Active: true, Currency: sg.Currency(r.Form.Get("currency")),
		LookupKey: key, Nickname: r.Form.Get("nickname"), Metadata: merge(nil, meta(r, "metadata")),
		Product: &sg.Product{ID: prod.ID}, UnitAmount: amount, Type: sg.PriceTypeOneTime, Created: st.now().Unix(),
		TaxBehavior: sg.PriceTaxBehavior(r.Form.Get("tax_behavior")), BillingScheme: sg.PriceBillingSchemePerUnit}
	if iv := r.Form.Get("recurring[interval]"); iv != "" {
		p.Type = sg.PriceTypeRecurring
		p.Recurring = &sg.PriceRecurring{Interval: sg.PriceRecurringInterval(iv), IntervalCount: 1, UsageType: "licensed"}
	}
	st.prices[p.ID] = p
	httpapi.WriteJSON(w, http.StatusOK, p)
}

func (s *Server) updatePrice(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	p, ok := find(w, st.prices, "price", r.PathValue("id"))
	if !ok {
		return
	}
	if v, ok := formBool(r, "active"); ok {
		p.Active = v
	}
	p.Metadata = merge(p.Metadata, meta(r, "metadata"))
	httpapi.WriteJSON(w, http.StatusOK, p)
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	c := &sg.Customer{ID: newID("cus"), Object: "customer", Metadata: merge(nil, meta(r, "metadata")), Created: st.now().Unix(), Livemode: false}
	st.customers[c.ID] = c
	httpapi.WriteJSON(w, http.StatusOK, c)
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if r.Form.Get("mode") != "subscription" {
		invalid(w, "This local Stripe makes subscription checkouts only.")
		return
	}
	cus := r.Form.Get("customer")
	if _, ok := st.customers[cus]; !ok {
		missing(w, "customer", cus)
		return
	}
	price, ok := st.prices[r.Form.Get("line_items[0][price]")]
	if !ok || !price.Active {
		missing(w, "price", r.Form.Get("line_items[0][price]"))
		return
	}
	qty, ok := formInt(r, "line_items[0][quantity]")
	if !ok {
		qty = 1
	}
	if qty < 1 {
		invalid(w, "Quantity must be at least 1.")
		return
	}
	if r.Form.Get("success_url") == "" {
		invalid(w, "Missing required param: success_url.")
		return
	}
	ses := &session{price: price.ID, quantity: qty, subMeta: merge(nil, meta(r, "subscription_data[metadata]"))}
	ses.ID = newID("cs_test")
	ses.Object = "checkout.session"
	ses.Mode = sg.CheckoutSessionModeSubscription
	ses.Status = sg.CheckoutSessionStatusOpen
	ses.PaymentStatus = sg.CheckoutSessionPaymentStatusUnpaid
	ses.Customer = &sg.Customer{ID: cus}
	ses.ClientReferenceID = r.Form.Get("client_reference_id")
	ses.Metadata = merge(nil, meta(r, "metadata"))
	ses.SuccessURL, ses.CancelURL = r.Form.Get("success_url"), r.Form.Get("cancel_url")
	ses.Currency = price.Currency
	ses.AmountTotal = price.UnitAmount * qty
	ses.Created = st.now().Unix()
	ses.AllowPromotionCodes = r.Form.Get("allow_promotion_codes") == "true"
	ses.URL = s.URL() + "/checkout/" + ses.ID
	st.sessions[ses.ID] = ses
	httpapi.WriteJSON(w, http.StatusOK, &ses.CheckoutSession)
}

func (s *Server) createPortal(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	cus := r.Form.Get("customer")
	if _, ok := st.customers[cus]; !ok {
		missing(w, "customer", cus)
		return
	}
	p := &sg.BillingPortalSession{ID: newID("bps"), Object: "billing_portal.session", Customer: cus,
		ReturnURL: r.Form.Get("return_url"), Created: st.now().Unix()}
	p.URL = s.URL() + "/portal/" + p.ID
	st.portals[p.ID] = p
	httpapi.WriteJSON(w, http.StatusOK, p)
}

func (s *Server) listSubs(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []*sg.Subscription
	for _, sub := range st.subs {
		if c := r.Form.Get("customer"); c != "" && sub.Customer.ID != c {
			continue
		}
		out = append(out, sub)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created > out[j].Created })
	list(w, "/v1/subscriptions", out)
}

// updateSub changes the quantity or price of the first item, or
// cancel_at_period_end, and sends customer.subscription.updated.
func (s *Server) updateSub(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	sub, ok := find(w, st.subs, "subscription", r.PathValue("id"))
	if !ok {
		st.mu.Unlock()
		return
	}
	item := sub.Items.Data[0]
	if id := r.Form.Get("items[0][id]"); id != "" && id != item.ID {
		st.mu.Unlock()
		missing(w, "subscription_item", id)
		return
	}
	if q, ok := formInt(r, "items[0][quantity]"); ok {
		if q < 1 {
			st.mu.Unlock()
			invalid(w, "Quantity must be at least 1.")
			return
		}
		item.Quantity = q
	}
	if pid := r.Form.Get("items[0][price]"); pid != "" {
		p, ok := st.prices[pid]
		if !ok {
			st.mu.Unlock()
			missing(w, "price", pid)
			return
		}
		item.Price = p
	}
	if v, ok := formBool(r, "cancel_at_period_end"); ok {
		sub.CancelAtPeriodEnd = v
	}
	sub.Metadata = merge(sub.Metadata, meta(r, "metadata"))
	ev := st.event("customer.subscription.updated", sub)
	st.mu.Unlock()
	s.deliver(r.Context(), ev)
	httpapi.WriteJSON(w, http.StatusOK, sub)
}

func (s *Server) cancelSub(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	sub, ok := find(w, st.subs, "subscription", r.PathValue("id"))
	if !ok {
		st.mu.Unlock()
		return
	}
	sub.Status = sg.SubscriptionStatusCanceled
	sub.CanceledAt = st.now().Unix()
	sub.EndedAt = sub.CanceledAt
	ev := st.event("customer.subscription.deleted", sub)
	st.mu.Unlock()
	s.deliver(r.Context(), ev)
	httpapi.WriteJSON(w, http.StatusOK, sub)
}

func (s *Server) listInvoices(w http.ResponseWriter, r *http.Request) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []*sg.Invoice
	for _, in := range st.invoices {
		if c := r.Form.Get("customer"); c != "" && in.Customer.ID != c {
			continue
		}
		if sid := r.Form.Get("subscription"); sid != "" && in.Parent.SubscriptionDetails.Subscription.ID != sid {
			continue
		}
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number > out[j].Number })
	list(w, "/v1/invoices", out)
}

// subscribe makes the subscription a paid checkout session starts, with
// its first invoice (st.mu held).
func (st *store) subscribe(ses *session) (*sg.Subscription, *sg.Invoice) {
	now := st.now()
	price := st.prices[ses.price]
	end := now.AddDate(0, 1, 0)
	if price.Recurring != nil && price.Recurring.Interval == sg.PriceRecurringIntervalYear {
		end = now.AddDate(1, 0, 0)
	}
	sub := &sg.Subscription{ID: newID("sub"), Object: "subscription", Status: sg.SubscriptionStatusActive,
		Customer: &sg.Customer{ID: ses.Customer.ID}, Metadata: ses.subMeta, Created: now.Unix(), StartDate: now.Unix(),
		Currency: price.Currency, CollectionMethod: sg.SubscriptionCollectionMethodChargeAutomatically}
	sub.Items = &sg.SubscriptionItemList{Data: []*sg.SubscriptionItem{{
		ID: newID("si"), Object: "subscription_item", Price: price, Quantity: ses.quantity, Subscription: sub.ID,
		CurrentPeriodStart: now.Unix(), CurrentPeriodEnd: end.Unix(), Created: now.Unix(),
	}}}
	st.subs[sub.ID] = sub
	ses.Status = sg.CheckoutSessionStatusComplete
	ses.PaymentStatus = sg.CheckoutSessionPaymentStatusPaid
	ses.Subscription = &sg.Subscription{ID: sub.ID}
	return sub, st.invoice(sub, sg.InvoiceStatusPaid)
}

// invoice bills the subscription's current period (st.mu held).
func (st *store) invoice(sub *sg.Subscription, status sg.InvoiceStatus) *sg.Invoice {
	item := sub.Items.Data[0]
	st.invoiceNo++
	amount := item.Price.UnitAmount * item.Quantity
	in := &sg.Invoice{ID: newID("in"), Object: "invoice", Number: fmt.Sprintf("LOCAL-%04d", st.invoiceNo),
		Status: status, AmountDue: amount, Currency: item.Price.Currency,
		Customer: &sg.Customer{ID: sub.Customer.ID}, Created: st.now().Unix(),
		PeriodStart: item.CurrentPeriodStart, PeriodEnd: item.CurrentPeriodEnd,
		Parent: &sg.InvoiceParent{Type: "subscription_details", SubscriptionDetails: &sg.InvoiceParentSubscriptionDetails{
			Subscription: &sg.Subscription{ID: sub.ID}, Metadata: sub.Metadata,
		}},
	}
	if status == sg.InvoiceStatusPaid {
		in.AmountPaid = amount
	} else {
		in.AttemptCount = 1
	}
	in.HostedInvoiceURL = "https://invoice.stripe.test/" + in.ID
	in.InvoicePDF = "https://invoice.stripe.test/" + in.ID + "/pdf"
	st.invoices[in.ID] = in
	return in
}

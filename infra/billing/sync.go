package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/stripe/stripe-go/v84"
)

// Metadata keys set on products and prices, so an event's price names its
// tier and plan even for someone reading the Stripe dashboard.
const (
	MetaTier      = "tier"
	MetaLookupKey = "lookup_key"
)

// Report counts what a Sync did.
type Report struct {
	ProductsCreated, ProductsUpdated int
	PricesCreated, PricesUpdated     int
	// PricesRetired are old prices deactivated after a new amount took
	// their lookup key over.
	PricesRetired int
}

// Changed reports whether the sync changed anything.
func (r Report) Changed() bool {
	return r.ProductsCreated+r.ProductsUpdated+r.PricesCreated+r.PricesUpdated+r.PricesRetired > 0
}

// Sync makes the Stripe account of sc hold c's products (by id) and prices
// (by lookup key). It only writes what differs, so a second run changes
// nothing; a price whose amount, interval or product changed is replaced
// by a new one that takes the lookup key over.
func Sync(ctx context.Context, sc *stripe.Client, c *Catalog) (Report, error) {
	var r Report
	for _, p := range c.Products {
		if err := syncProduct(ctx, sc, p, &r); err != nil {
			return r, fmt.Errorf("product %s: %w", p.ID, err)
		}
	}
	for _, p := range c.Plans {
		if err := syncPrice(ctx, sc, p, &r); err != nil {
			return r, fmt.Errorf("price %s: %w", p.LookupKey, err)
		}
	}
	slog.Info("plans synced", "products_created", r.ProductsCreated, "products_updated", r.ProductsUpdated,
		"prices_created", r.PricesCreated, "prices_updated", r.PricesUpdated, "prices_retired", r.PricesRetired)
	return r, nil
}

func syncProduct(ctx context.Context, sc *stripe.Client, p Product, r *Report) error {
	got, err := sc.V1Products.Retrieve(ctx, p.ID, nil)
	if isMissing(err) {
		params := &stripe.ProductCreateParams{
			ID: stripe.String(p.ID), Name: stripe.String(p.Name), Description: stripe.String(p.Description),
			Metadata: map[string]string{MetaTier: p.Tier},
		}
		if _, err := sc.V1Products.Create(ctx, params); err != nil {
			return err
		}
		r.ProductsCreated++
		return nil
	}
	if err != nil {
		return err
	}
	if got.Name == p.Name && got.Description == p.Description && got.Active && got.Metadata[MetaTier] == p.Tier {
		return nil
	}
	params := &stripe.ProductUpdateParams{
		Name: stripe.String(p.Name), Description: stripe.String(p.Description), Active: stripe.Bool(true),
		Metadata: map[string]string{MetaTier: p.Tier},
	}
	if _, err := sc.V1Products.Update(ctx, p.ID, params); err != nil {
		return err
	}
	r.ProductsUpdated++
	return nil
}

// priceMeta is the metadata a plan's price carries.
func priceMeta(p Plan) map[string]string {
	return map[string]string{
		MetaTier: p.Tier, MetaLookupKey: p.LookupKey,
		"per_seat": strconv.FormatBool(p.PerSeat), "min_seats": strconv.Itoa(p.MinSeats),
	}
}

// FindPrice returns the price holding lookupKey (nil when none).
func FindPrice(ctx context.Context, sc *stripe.Client, lookupKey string) (*stripe.Price, error) {
	params := &stripe.PriceListParams{LookupKeys: []*string{stripe.String(lookupKey)}}
	params.Limit = stripe.Int64(10)
	for pr, err := range sc.V1Prices.List(ctx, params) {
		if err != nil {
			return nil, err
		}
		if pr.LookupKey == lookupKey {
			return pr, nil
		}
	}
	return nil, nil
}

func syncPrice(ctx context.Context, sc *stripe.Client, p Plan, r *Report) error {
	cur, err := FindPrice(ctx, sc, p.LookupKey)
	if err != nil {
		return err
	}
	want := priceMeta(p)
	if cur != nil && samePrice(cur, p) {
		if cur.Active && sameMeta(cur.Metadata, want) {
			return nil
		}
		params := &stripe.PriceUpdateParams{Active: stripe.Bool(true), Metadata: want}
		if _, err := sc.V1Prices.Update(ctx, cur.ID, params); err != nil {
			return err
		}
		r.PricesUpdated++
		return nil
	}
	params := &stripe.PriceCreateParams{
		Product: stripe.String(p.Product), Currency: stripe.String(p.Currency), UnitAmount: stripe.Int64(p.Amount),
		Recurring: &stripe.PriceCreateRecurringParams{Interval: stripe.String(p.Interval)},
		LookupKey: stripe.String(p.LookupKey), TransferLookupKey: stripe.Bool(true),
		Nickname:    stripe.String(p.LookupKey),
		Metadata:    want,
		TaxBehavior: stripe.String(string(stripe.PriceTaxBehaviorExclusive)),
	}
	if _, err := sc.V1Prices.Create(ctx, params); err != nil {
		return err
	}
	r.PricesCreated++
	if cur != nil && cur.Active {
		// The new price holds the lookup key now; the old one keeps its
		// running subscriptions but sells no more.
		if _, err := sc.V1Prices.Update(ctx, cur.ID, &stripe.PriceUpdateParams{Active: stripe.Bool(false)}); err != nil {
			return err
		}
		r.PricesRetired++
	}
	return nil
}

func samePrice(cur *stripe.Price, p Plan) bool {
	prod := ""
	if cur.Product != nil {
		prod = cur.Product.ID
	}
	interval := ""
	if cur.Recurring != nil {
		interval = string(cur.Recurring.Interval)
	}
	return cur.UnitAmount == p.Amount && string(cur.Currency) == p.Currency && prod == p.Product && interval == p.Interval
}

func sameMeta(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// isMissing reports Stripe's "no such object".
func isMissing(err error) bool {
	var se *stripe.Error
	return errors.As(err, &se) && (se.Code == stripe.ErrorCodeResourceMissing || se.HTTPStatusCode == http.StatusNotFound)
}

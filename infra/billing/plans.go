// Package billing holds the declared plans (plans.yaml: one Stripe product
// per paid tier, one recurring price per plan) and Sync, which makes a
// Stripe account match them. The billing function reads the plans to
// answer GET /v1/plans and to map a price's lookup key back to its tier;
// the local suite and operators run Sync.
//
// Decisions:
//   - Lookup keys, not price ids, are the stable names: a changed amount
//     is a new Stripe price (prices are immutable) that takes the lookup key
//     over (transfer_lookup_key), and the old one is deactivated so no new
//     checkout uses it while running subscriptions keep it.
//   - Products are upserted by their declared id, so the tier a product
//     stands for never depends on a name.
package billing

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

//go:embed plans.yaml
var plansYAML []byte

// Tiers a plan may sell (the paid tiers of shared/entitlements).
var paidTiers = []string{"professional", "enterprise", "official"}

// Catalog is plans.yaml.
type Catalog struct {
	Currency string    `yaml:"currency"`
	Products []Product `yaml:"products"`
	Plans    []Plan    `yaml:"plans"`
}

// Product is one Stripe product: a paid tier.
type Product struct {
	ID          string `yaml:"id"`
	Tier        string `yaml:"tier"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// Plan is one recurring price of a product.
type Plan struct {
	LookupKey string `yaml:"lookup_key"`
	Product   string `yaml:"product"`
	Interval  string `yaml:"interval"` // month | year
	Amount    int64  `yaml:"amount"`   // cents, per seat when PerSeat
	PerSeat   bool   `yaml:"per_seat"` // organisations buy seats
	MinSeats  int    `yaml:"min_seats"`
	// EligibleOnly plans are sold only to people an operator marked
	// eligible (certified trainers); others see them "by invitation".
	EligibleOnly bool `yaml:"eligible_only"`
	// Tier and Currency are filled from the product and the catalog.
	Tier     string `yaml:"-"`
	Currency string `yaml:"-"`
}

var (
	keyRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{2,63}$`)
	productRE = regexp.MustCompile(`^[a-z][a-z0-9_]{2,63}$`)
)

// Load parses the embedded plans.yaml.
func Load() (*Catalog, error) { return Parse(plansYAML) }

// MustLoad is Load for callers that cannot run without the embedded file:
// its parse is checked by this package's tests.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic("billing: plans.yaml: " + err.Error())
	}
	return c
}

// Parse reads and checks a catalog: known tiers, one product per id, one
// plan per lookup key, positive amounts, monthly or yearly intervals.
func Parse(data []byte) (*Catalog, error) {
	var c Catalog
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	var errs []error
	if c.Currency != "usd" && c.Currency != "eur" {
		errs = append(errs, fmt.Errorf("plans: currency %q is not usd or eur", c.Currency))
	}
	tiers := map[string]string{}
	for _, p := range c.Products {
		switch {
		case !productRE.MatchString(p.ID):
			errs = append(errs, fmt.Errorf("plans: product id %q is not a plain lower-case name", p.ID))
		case tiers[p.ID] != "":
			errs = append(errs, fmt.Errorf("plans: product %q declared twice", p.ID))
		case !slices.Contains(paidTiers, p.Tier):
			errs = append(errs, fmt.Errorf("plans: product %q: tier %q is not one of %v", p.ID, p.Tier, paidTiers))
		case p.Name == "":
			errs = append(errs, fmt.Errorf("plans: product %q has no name", p.ID))
		}
		tiers[p.ID] = p.Tier
	}
	seen := map[string]bool{}
	for i := range c.Plans {
		p := &c.Plans[i]
		p.Tier, p.Currency = tiers[p.Product], c.Currency
		if p.MinSeats < 1 {
			p.MinSeats = 1
		}
		switch {
		case !keyRE.MatchString(p.LookupKey):
			errs = append(errs, fmt.Errorf("plans: lookup key %q is not a plain lower-case name", p.LookupKey))
		case seen[p.LookupKey]:
			errs = append(errs, fmt.Errorf("plans: lookup key %q declared twice", p.LookupKey))
		case p.Tier == "":
			errs = append(errs, fmt.Errorf("plans: %s: unknown product %q", p.LookupKey, p.Product))
		case p.Interval != "month" && p.Interval != "year":
			errs = append(errs, fmt.Errorf("plans: %s: interval %q is not month or year", p.LookupKey, p.Interval))
		case p.Amount <= 0:
			errs = append(errs, fmt.Errorf("plans: %s: amount must be positive cents", p.LookupKey))
		case !p.PerSeat && p.MinSeats != 1:
			errs = append(errs, fmt.Errorf("plans: %s: min_seats needs per_seat", p.LookupKey))
		}
		seen[p.LookupKey] = true
	}
	if len(c.Plans) == 0 {
		errs = append(errs, errors.New("plans: no plans"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &c, nil
}

// Plan returns the plan of lookup key.
func (c *Catalog) Plan(lookupKey string) (Plan, bool) {
	for _, p := range c.Plans {
		if p.LookupKey == lookupKey {
			return p, true
		}
	}
	return Plan{}, false
}

// Product returns the product of id.
func (c *Catalog) Product(id string) (Product, bool) {
	for _, p := range c.Products {
		if p.ID == id {
			return p, true
		}
	}
	return Product{}, false
}

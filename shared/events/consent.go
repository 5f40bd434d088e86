package events

import "context"

// PurposeAnalytics is the consent purpose the publisher asks for.
const PurposeAnalytics = "analytics"

// ConsentGate says whether uid, in org, consented to purpose. Consent is
// opt-in: anything but an explicit yes is a no.
type ConsentGate interface {
	Allowed(ctx context.Context, uid, org, purpose string) (bool, error)
}

// DenyUnknownGate is the fallback of a publisher built without a gate
// (production wires shared/consentvault.Checker, the consent service's gate): it
// answers from Lookup when Lookup knows the user's decision, and denies
// every user it does not know. The zero value denies everyone.
type DenyUnknownGate struct {
	// Lookup returns the recorded decision and whether there is one.
	Lookup func(ctx context.Context, uid, org, purpose string) (allowed, known bool, err error)
}

// Allowed implements ConsentGate.
func (g DenyUnknownGate) Allowed(ctx context.Context, uid, org, purpose string) (bool, error) {
	if g.Lookup == nil {
		return false, nil
	}
	allowed, known, err := g.Lookup(ctx, uid, org, purpose)
	if err != nil {
		return false, err
	}
	return known && allowed, nil
}

// Grant is one consent of a StaticGate.
type Grant struct {
	UID, Org, Purpose string
}

// StaticGate allows exactly its grants (tests, demos).
type StaticGate struct {
	grants map[Grant]bool
}

// NewStaticGate allows the given grants and nothing else.
func NewStaticGate(grants ...Grant) *StaticGate {
	g := &StaticGate{grants: map[Grant]bool{}}
	for _, gr := range grants {
		g.grants[gr] = true
	}
	return g
}

// Allowed implements ConsentGate.
func (g *StaticGate) Allowed(_ context.Context, uid, org, purpose string) (bool, error) {
	return g.grants[Grant{UID: uid, Org: org, Purpose: purpose}], nil
}

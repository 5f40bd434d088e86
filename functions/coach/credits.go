package coach

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// A person's coach credits a month are their tier's AI interactions
// (entitlements.Of(tier).AIInteractions, REQUIREMENTS §12): coach answers
// and copilot suggestions, counted in users/{uid}/ai_credits/{yyyy-mm}
// (entitlements.AICollection), which the billing usage meter reads too.
// Credits.Warning is set from entitlements.WarnShare of the limit.

// Credits is a person's coach credits this month.
type Credits struct {
	Month     string    `json:"month"`
	Used      int       `json:"used"`
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	ResetsAt  time.Time `json:"resets_at"`
	Warning   bool      `json:"warning"`
}

// creditDoc is users/{uid}/ai_credits/{yyyy-mm}. Limit is the limit of
// the tier the person had at the last charge.
type creditDoc struct {
	Used      int       `firestore:"used"`
	Limit     int       `firestore:"limit"`
	UpdatedAt time.Time `firestore:"updated_at"`
}

func creditsOf(used int, tier string, now time.Time) Credits {
	month, resets := entitlements.Month(now)
	m := entitlements.NewMeter(used, entitlements.Of(tier).AIInteractions)
	return Credits{Month: month, Used: m.Used, Limit: m.Allowed, Remaining: m.Left(), ResetsAt: resets, Warning: m.Warning}
}

func (a *api) creditsRef(uid string, now time.Time) *firestore.DocumentRef {
	month, _ := entitlements.Month(now)
	return a.d.Firestore.Collection(collUsers).Doc(uid).Collection(collCredits).Doc(month)
}

// readCredits reads uid's credits (in tx when given).
func (a *api) readCredits(ctx context.Context, tx *firestore.Transaction, uid, tier string, now time.Time) (Credits, error) {
	snap, err := txn.Get(ctx, tx, a.creditsRef(uid, now))
	if status.Code(err) == codes.NotFound {
		return creditsOf(0, tier, now), nil
	}
	if err != nil {
		return Credits{}, fmt.Errorf("read credits: %w", err)
	}
	var d creditDoc
	if err := snap.DataTo(&d); err != nil {
		return Credits{}, fmt.Errorf("decode credits: %w", err)
	}
	return creditsOf(d.Used, tier, now), nil
}

// charge writes one more credit used in tx (Credits must have been read
// in tx and have one left).
func (a *api) charge(tx *firestore.Transaction, uid string, c Credits, now time.Time) (Credits, error) {
	c.Used++
	c.Remaining = max(0, c.Limit-c.Used)
	c.Warning = entitlements.Warn(c.Used, c.Limit)
	return c, tx.Set(a.creditsRef(uid, now), creditDoc{Used: c.Used, Limit: c.Limit, UpdatedAt: now})
}

// exhausted is the 402 of a person without credits left this month.
type exhausted struct{ c Credits }

func (e *exhausted) Error() string {
	return fmt.Sprintf("coach credits exhausted: %d of %d used in %s", e.c.Used, e.c.Limit, e.c.Month)
}

// creditsProblem is the 402 body: the house problem with the limit and
// when the credits come back.
type creditsProblem struct {
	httpapi.Problem
	ResetsAt time.Time `json:"resets_at"`
	Limit    int       `json:"limit"`
}

func (e *exhausted) problem(r *http.Request) creditsProblem {
	return creditsProblem{
		Problem: httpapi.Problem{Type: httpapi.ProblemBase + "credits-exhausted", Title: "Coach credits exhausted",
			Status: http.StatusPaymentRequired, Instance: r.URL.Path, RequestID: httpapi.RequestID(r.Context()),
			Detail: fmt.Sprintf("all %d coach answers of %s are used; they come back on %s", e.c.Limit, e.c.Month, e.c.ResetsAt.Format("2 January 2006"))},
		ResetsAt: e.c.ResetsAt, Limit: e.c.Limit,
	}
}

// writeError writes err as a problem; a 402 carries its extension members.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ex *exhausted
	if !errors.As(err, &ex) {
		httpapi.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", httpapi.ContentTypeProblem)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusPaymentRequired)
	_ = json.NewEncoder(w).Encode(ex.problem(r))
}

// handler is httpapi.HandlerFunc with the coach's problems.
type handler func(w http.ResponseWriter, r *http.Request) error

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		writeError(w, r, err)
	}
}

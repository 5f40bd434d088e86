package content

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
)

// Purposes of a use.
var Purposes = library.UsePurposes

// usageRequest is the body of POST /v1/usage.
type usageRequest struct {
	ItemID    string `json:"item_id"`
	Purpose   string `json:"purpose"`
	SessionID string `json:"session_id,omitempty"`
}

func (u *usageRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.Required(&f, "item_id", u.ItemID)
	if u.Purpose == "" {
		f = append(f, httpapi.Field("purpose", "is required"))
	} else {
		httpapi.OneOf(&f, "purpose", u.Purpose, Purposes...)
	}
	if u.SessionID != "" && !library.ValidID(u.SessionID) && !authz.ValidDocID(u.SessionID) {
		f = append(f, httpapi.Field("session_id", "is not a session id"))
	}
	httpapi.MaxLen(&f, "session_id", u.SessionID, 128)
	return f
}

// UsageResponse answers a recorded use with the counters after it.
// Warning is set from 80 % of the person's monthly allowance or of an
// official item's monthly uses (UserWarning tells the first apart).
type UsageResponse struct {
	ID          string `json:"id"`
	Month       string `json:"month"`
	UserUses    int    `json:"user_uses"`
	UserLimit   int    `json:"user_limit"`
	UserWarning bool   `json:"user_warning,omitempty"`
	ItemUses    int    `json:"item_uses,omitempty"` // official items only
	ItemLimit   int    `json:"item_limit,omitempty"`
	Warning     string `json:"warning,omitempty"`
}

// usesProblem is the 402 of a person whose month's content uses are used
// up at their tier; other errors pass.
func usesProblem(err error) error {
	var ex *library.UsesExhausted
	if errors.As(err, &ex) {
		return &httpapi.Error{Status: http.StatusPaymentRequired, Slug: "content-uses-exhausted",
			Title: "Content uses exhausted", Detail: ex.Detail()}
	}
	return err
}

// recordUse logs one use of an item the caller may use, and counts it per
// user, per organisation and (official items) per item and month, all in
// one transaction (library.Usage, which the coach counts its uses with
// too). Past the person's monthly allowance (entitlements) the use is
// refused with 402, past an official item's monthly uses with 429; a
// refused use is not logged.
func (a *api) recordUse(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	var req usageRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	it, err := a.visibleItem(r.Context(), p, req.ItemID)
	if err != nil {
		return err
	}
	tier := entitlements.Claim(p.Tier)
	if !it.Usable(tier, a.d.Now()) {
		return httpapi.Forbidden("this item needs the %s tier", it.Tier)
	}
	now := a.d.Now().UTC()
	var official []string
	if it.Official() {
		official = []string{it.ID}
	}
	res := UsageResponse{Month: library.UsageMonth(now), UserLimit: entitlements.Of(tier).ContentUses}
	err = txn.Run(r.Context(), a.ob, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		u, err := library.ReadUsage(tx, a.d.Firestore, p.UID, p.Org, now, official)
		if err != nil {
			return err
		}
		if it.Official() && u.ItemUses(it.ID) >= ItemMonthlyUses {
			return httpapi.TooManyRequests(3600, "this item reached its %d uses this month", ItemMonthlyUses)
		}
		if err := u.Allow(tier); err != nil {
			return usesProblem(err)
		}
		res.ID = u.Add(library.Use{Item: it, Purpose: req.Purpose, SessionID: req.SessionID, CallerTier: tier})
		m := u.UserMeter(tier)
		res.UserUses, res.UserWarning = m.Used, m.Warning
		var warnings []string
		if m.Warning {
			warnings = append(warnings, fmt.Sprintf("you have used %d of your %d content uses this month", m.Used, m.Allowed))
		}
		if it.Official() {
			res.ItemUses, res.ItemLimit = u.ItemUses(it.ID), ItemMonthlyUses
			if float64(res.ItemUses) >= ItemWarnShare*ItemMonthlyUses {
				warnings = append(warnings, fmt.Sprintf("this item has used %d of its %d uses this month", res.ItemUses, ItemMonthlyUses))
			}
		}
		res.Warning = strings.Join(warnings, "; ")
		if err := u.Write(tx); err != nil {
			return err
		}
		// The monthly usage report counts uses from these events.
		return out.Event(events.Event{Type: events.TypeContentUsed, OrgID: p.Org, UID: p.UID,
			Payload: events.ContentUsed{ItemID: events.ID(it.ID), Purpose: events.Enum(req.Purpose),
				Library: events.Enum(libraryName(it)), Tier: events.Enum(entitlements.Claim(it.Tier))}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, res)
	return nil
}

var monthPattern = regexp.MustCompile(`^20[0-9]{2}-(0[1-9]|1[0-2])$`)

// UsageSummary is an organisation's uses in one month.
type UsageSummary struct {
	Month     string         `json:"month"`
	Total     int            `json:"total"`
	ByPurpose map[string]int `json:"by_purpose"`
	ByItem    map[string]int `json:"by_item"`
}

func (a *api) usageSummary(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	month := r.URL.Query().Get("month")
	if month == "" {
		month = a.d.Now().UTC().Format("2006-01")
	}
	if !monthPattern.MatchString(month) {
		return httpapi.Invalid(httpapi.Field("month", "must be YYYY-MM"))
	}
	out := UsageSummary{Month: month, ByPurpose: map[string]int{}, ByItem: map[string]int{}}
	snap, err := a.d.Firestore.Doc("orgs/" + p.Org + "/content_usage_months/" + month).Get(r.Context())
	if err != nil && status.Code(err) != codes.NotFound {
		return httpapi.Unavailable(err)
	}
	if err == nil {
		var c library.UseCounter
		if err := snap.DataTo(&c); err != nil {
			return httpapi.Unavailable(err)
		}
		out.Total = c.Count
		if c.ByPurpose != nil {
			out.ByPurpose = c.ByPurpose
		}
		if c.ByItem != nil {
			out.ByItem = c.ByItem
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

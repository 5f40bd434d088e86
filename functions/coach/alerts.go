package coach

import (
	"context"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
)

// alertDoc is orgs/{org}/sessions/{s}/coach_alerts/{id}: who and what
// kind of message, never its text.
type alertDoc struct {
	UID            string     `firestore:"uid"`
	Category       string     `firestore:"category"`
	CreatedAt      time.Time  `firestore:"created_at"`
	Acknowledged   bool       `firestore:"acknowledged"`
	AcknowledgedBy string     `firestore:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time `firestore:"acknowledged_at,omitempty"`
}

// Alert is a safety alert as a session's facilitators see it.
type Alert struct {
	ID           string    `json:"id"`
	UID          string    `json:"uid"`
	DisplayName  string    `json:"display_name"`
	Category     string    `json:"category"`
	CreatedAt    time.Time `json:"created_at"`
	Acknowledged bool      `json:"acknowledged"`
}

// facilitating loads the session of the path for one of its
// facilitators: 404 for a caller with no part in it, 403 for a
// participant.
func (a *api) facilitating(r *http.Request, p *auth.Principal) (*session, error) {
	s, rel, err := a.findSession(r.Context(), p, r.PathValue("sessionId"))
	if err != nil {
		return nil, err
	}
	if rel != relFacilitator {
		return nil, httpapi.Forbidden("only the session's facilitators may do this")
	}
	return s, nil
}

func (a *api) listAlerts(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	s, err := a.facilitating(r, p)
	if err != nil {
		return err
	}
	ctx := r.Context()
	docs, err := s.ref.Collection(collAlerts).OrderBy("created_at", firestore.Desc).Limit(100).Documents(ctx).GetAll()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	out := struct {
		Alerts []Alert `json:"alerts"`
	}{Alerts: []Alert{}}
	names := map[string]string{}
	for _, d := range docs {
		var ad alertDoc
		if err := d.DataTo(&ad); err != nil {
			return httpapi.Unavailable(err)
		}
		if _, ok := names[ad.UID]; !ok {
			if names[ad.UID], err = a.participantName(ctx, s, ad.UID); err != nil {
				return httpapi.Unavailable(err)
			}
		}
		out.Alerts = append(out.Alerts, alertOf(d.Ref.ID, ad, names[ad.UID]))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func alertOf(id string, ad alertDoc, name string) Alert {
	return Alert{ID: id, UID: ad.UID, DisplayName: name, Category: ad.Category, CreatedAt: ad.CreatedAt, Acknowledged: ad.Acknowledged}
}

// participantName is uid's display name in the session (its participant record).
func (a *api) participantName(ctx context.Context, s *session, uid string) (string, error) {
	if !authz.ValidDocID(uid) {
		return "", nil
	}
	return docString(ctx, s.ref.Collection("participants").Doc(uid), "display_name")
}

func (a *api) ackAlert(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	s, err := a.facilitating(r, p)
	if err != nil {
		return err
	}
	id := r.PathValue("alertId")
	if !authz.ValidDocID(id) {
		return httpapi.NotFound("no alert %q", id)
	}
	ref := s.ref.Collection(collAlerts).Doc(id)
	var ad alertDoc
	err = txn.Run(r.Context(), a.d.Outbox, func(ctx context.Context, tx *firestore.Transaction, _ *outbox.Tx) error {
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			return httpapi.NotFound("no alert %q", id)
		}
		if err != nil {
			return err
		}
		if err := snap.DataTo(&ad); err != nil {
			return err
		}
		if ad.Acknowledged {
			return nil
		}
		now := a.d.Now().UTC()
		ad.Acknowledged, ad.AcknowledgedBy, ad.AcknowledgedAt = true, p.UID, &now
		return tx.Set(ref, ad)
	})
	if err != nil {
		return err
	}
	name, err := a.participantName(r.Context(), s, ad.UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, alertOf(id, ad, name))
	return nil
}

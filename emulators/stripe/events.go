package stripe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	sg "github.com/stripe/stripe-go/v84"
	"github.com/stripe/stripe-go/v84/webhook"
)

// Event is one webhook event as delivered: its JSON and what came back.
type Event struct {
	ID      string
	Type    string
	Payload []byte
	// Status is the webhook endpoint's answer (0: not delivered).
	Status int
}

// event builds an event of typ around a snapshot of obj (st.mu held), so
// what is delivered is the object as it was at this moment.
func (st *store) event(typ string, obj any) *Event {
	raw, err := json.Marshal(obj)
	if err != nil {
		panic("stripe: marshal " + typ + ": " + err.Error())
	}
	e := sg.Event{ID: newID("evt"), Object: "event", APIVersion: sg.APIVersion, Created: st.now().Unix(),
		Type: sg.EventType(typ), Data: &sg.EventData{Raw: raw}, PendingWebhooks: 1}
	payload, err := json.Marshal(e)
	if err != nil {
		panic("stripe: marshal event: " + err.Error())
	}
	return &Event{ID: e.ID, Type: typ, Payload: payload}
}

// Sign is the Stripe-Signature header of payload signed with secret at t,
// as Stripe signs webhooks (t=<unix>,v1=<HMAC-SHA256 of "t.payload">).
func Sign(payload []byte, secret string, t time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: t}).Header
}

// deliver sends the events in order, each once, signed now.
func (s *Server) deliver(ctx context.Context, evs ...*Event) {
	url := s.webhookURL()
	for _, e := range evs {
		if url != "" {
			e.Status = s.post(ctx, url, e)
		}
		s.sentMu.Lock()
		s.sent = append(s.sent, *e)
		s.sentMu.Unlock()
	}
}

func (s *Server) post(ctx context.Context, url string, e *Event) int {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(e.Payload))
	if err != nil {
		slog.Warn("stripe emulator: webhook request", "error", err.Error())
		return 0
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", Sign(e.Payload, s.opts.WebhookSecret, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		slog.Warn("stripe emulator: webhook not delivered", "event", e.ID, "type", e.Type, "error", err.Error())
		return 0
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		slog.Warn("stripe emulator: webhook refused", "event", e.ID, "type", e.Type, "status", resp.StatusCode)
	}
	return resp.StatusCode
}

// Deliveries lists the events sent so far, in order.
func (s *Server) Deliveries() []Event {
	s.sentMu.Lock()
	defer s.sentMu.Unlock()
	return append([]Event(nil), s.sent...)
}

// Resend delivers a sent event again, signed now (Stripe's retries).
func (s *Server) Resend(ctx context.Context, id string) (int, error) {
	for _, e := range s.Deliveries() {
		if e.ID == id {
			return s.post(ctx, s.webhookURL(), &e), nil
		}
	}
	return 0, fmt.Errorf("stripe: no event %s", id)
}

package insights

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/insights"
)

// typeMessagePublished is the CloudEvent type of a Pub/Sub message.
const (
	typeMessagePublished = "google.cloud.pubsub.topic.v1.messagePublished"
	typeLegacyPublish    = "google.pubsub.topic.publish"
)

// maxEventData bounds a messagePublished event's data: an envelope is at
// most events.MaxEncoded bytes, base64 adds a third.
const maxEventData = 2*events.MaxEncoded + 4096

// errSkip marks an event the insights have no use for.
var errSkip = errors.New("insights: not an insights event")

// sessionEvent is what a flush needs of one event.
type sessionEvent struct {
	Type     string
	Org      string
	Session  string
	Canvas   string
	At       int64  // unix ms of occurred_at
	Phase    string // session.step_changed
	EventID  string
	Ended    bool
	StepMove bool
}

// pubsubMessage is a Pub/Sub message as JSON.
type pubsubMessage struct {
	Data       string            `json:"data"`
	Attributes map[string]string `json:"attributes"`
	MessageID  string            `json:"messageId"`
}

// messagePublished is Google's MessagePublishedData (Eventarc, and a push
// subscription's body); the functions framework's conversion of a push
// request may also lift the message to the top level.
type messagePublished struct {
	Message *pubsubMessage `json:"message"`
	pubsubMessage
	Subscription string `json:"subscription"`
}

// decodeEvent reads a Pub/Sub CloudEvent carrying a domain event envelope.
// errSkip: a valid event of no interest (another type, no session); any
// other error: the event cannot be read (dropped, never retried).
func decodeEvent(ev cloudevents.Event) (sessionEvent, error) {
	var out sessionEvent
	if ev.Type() != typeMessagePublished && ev.Type() != typeLegacyPublish {
		return out, fmt.Errorf("insights: event type %q", ev.Type())
	}
	data := ev.Data()
	if len(data) > maxEventData {
		return out, fmt.Errorf("insights: event data of %d bytes", len(data))
	}
	var m messagePublished
	if err := json.Unmarshal(data, &m); err != nil {
		return out, fmt.Errorf("insights: message: %w", err)
	}
	msg := m.pubsubMessage
	if m.Message != nil {
		msg = *m.Message
	}
	if t := msg.Attributes[events.AttrType]; t != "" && !interesting(t) {
		return out, errSkip
	}
	raw, err := base64.StdEncoding.DecodeString(msg.Data)
	if err != nil {
		return out, fmt.Errorf("insights: message data: %w", err)
	}
	env, err := events.Decode(raw)
	if err != nil {
		return out, err
	}
	if !interesting(env.Type) {
		return out, errSkip
	}
	if env.SessionID == "" || !authz.ValidOrgID(env.OrgID) || !authz.ValidDocID(env.SessionID) {
		return out, errSkip
	}
	out = sessionEvent{Type: env.Type, Org: env.OrgID, Session: env.SessionID, Canvas: env.CanvasID,
		At: env.OccurredAt.UnixMilli(), EventID: env.EventID}
	switch env.Type {
	case events.TypeCanvasOp:
		if env.CanvasID == "" || !authz.ValidDocID(env.CanvasID) {
			return out, errSkip
		}
	case events.TypeSessionStepChanged:
		var p events.SessionStepChanged
		if err := json.Unmarshal(env.Payload, &p); err != nil {
			return out, fmt.Errorf("insights: step payload: %w", err)
		}
		if !slices.Contains(insights.Phases, string(p.Phase)) {
			return out, fmt.Errorf("insights: step payload: phase %q", p.Phase)
		}
		out.Phase, out.StepMove = string(p.Phase), true
	case events.TypeSessionEnded:
		out.Ended = true
	}
	return out, nil
}

// interesting is the trigger's filter: canvas.op and session.*.
func interesting(t string) bool {
	return t == events.TypeCanvasOp || strings.HasPrefix(t, "session.")
}

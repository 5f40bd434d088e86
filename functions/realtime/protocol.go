package realtime

import (
	"encoding/json"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"pointsofyou.ai/studio/shared/canvas"
)

// The socket protocol: JSON text frames whose "type" decides the message.
// infra/asyncapi.yaml documents exactly these structs (ClientMessages,
// ServerMessages), which infra's test checks field by field.

// Client → server messages.

// AuthMsg authenticates the socket (first frame) and refreshes its token.
type AuthMsg struct {
	Type  string `json:"type"`
	Token string `json:"token"`
}

// SubscribeMsg subscribes to a channel (canvas:{id} or session:{id});
// Since is the largest stamp the client has seen on it (resume).
type SubscribeMsg struct {
	Type    string       `json:"type"`
	Channel string       `json:"channel"`
	Since   canvas.Stamp `json:"since,omitempty"`
}

// UnsubscribeMsg leaves a channel.
type UnsubscribeMsg struct {
	Type    string `json:"type"`
	Channel string `json:"channel"`
}

// OpMsg is one canvas operation (canvas.Op) with its envelope; SentAt is
// the client's clock in ms, echoed to the receivers untouched.
type OpMsg struct {
	Type      string         `json:"type"`
	Channel   string         `json:"channel"`
	OpID      string         `json:"op_id"`
	Action    string         `json:"action"`
	ElementID string         `json:"element_id"`
	Kind      string         `json:"kind,omitempty"`
	Props     map[string]any `json:"props,omitempty"`
	Drag      bool           `json:"drag,omitempty"`
	SentAt    *float64       `json:"sent_at,omitempty"`
}

// UndoMsg undoes the caller's last op on a canvas.
type UndoMsg struct {
	Type    string `json:"type"`
	Channel string `json:"channel"`
}

// RedoMsg redoes the caller's last undone op on a canvas.
type RedoMsg struct {
	Type    string `json:"type"`
	Channel string `json:"channel"`
}

// CursorMsg is the caller's pointer on a channel.
type CursorMsg struct {
	Type    string  `json:"type"`
	Channel string  `json:"channel"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
}

// Viewport is a visible area of the canvas.
type Viewport struct {
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	Zoom float64 `json:"zoom"`
}

// FollowMsg is a facilitator's "follow me", "bring everyone to me" or
// its end.
type FollowMsg struct {
	Type     string   `json:"type"`
	Channel  string   `json:"channel"`
	Mode     string   `json:"mode"`
	Viewport Viewport `json:"viewport"`
}

// PingMsg asks for a pong.
type PingMsg struct {
	Type string `json:"type"`
}

// Server → client messages.

// ReadyMsg answers a good auth.
type ReadyMsg struct {
	Type      string    `json:"type"`
	UID       string    `json:"uid"`
	Instance  string    `json:"instance"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SnapshotMsg is a channel's state on subscribe: every element (Complete)
// or, with since, those changed after it minus the skew window.
type SnapshotMsg struct {
	Type     string         `json:"type"`
	Channel  string         `json:"channel"`
	Role     string         `json:"role"`
	Elements []canvas.Patch `json:"elements"`
	Cursor   canvas.Stamp   `json:"cursor"`
	Complete bool           `json:"complete"`
}

// OpOutMsg is an accepted change: its effective part only.
type OpOutMsg struct {
	Type    string       `json:"type"`
	Channel string       `json:"channel"`
	OpID    string       `json:"op_id,omitempty"`
	From    string       `json:"from,omitempty"`
	Patch   canvas.Patch `json:"patch"`
	SentAt  *float64     `json:"sent_at,omitempty"`
}

// AckMsg accepts the sender's op.
type AckMsg struct {
	Type    string       `json:"type"`
	Channel string       `json:"channel,omitempty"`
	OpID    string       `json:"op_id"`
	Stamp   canvas.Stamp `json:"stamp"`
}

// ErrorMsg refuses a frame.
type ErrorMsg struct {
	Type    string `json:"type"`
	OpID    string `json:"op_id,omitempty"`
	Channel string `json:"channel,omitempty"`
	Code    string `json:"code"`
	Detail  string `json:"detail"`
}

// Person is one entry of a presence list.
type Person struct {
	UID   string `json:"uid"`
	Name  string `json:"name"`
	Color string `json:"color"`
	Role  string `json:"role"`
}

// PresenceMsg is a channel's presence list: the first Limits.PresenceList
// people by join time, and how many are present in all.
type PresenceMsg struct {
	Type    string   `json:"type"`
	Channel string   `json:"channel"`
	People  []Person `json:"people"`
	Count   int      `json:"count"`
}

// CursorOutMsg is someone's pointer.
type CursorOutMsg struct {
	Type    string  `json:"type"`
	Channel string  `json:"channel"`
	UID     string  `json:"uid"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
}

// FollowOutMsg relays a facilitator's follow request.
type FollowOutMsg struct {
	Type     string   `json:"type"`
	Channel  string   `json:"channel"`
	From     string   `json:"from"`
	Mode     string   `json:"mode"`
	Viewport Viewport `json:"viewport"`
}

// AccessMsg is a changed role on a channel.
type AccessMsg struct {
	Type    string `json:"type"`
	Channel string `json:"channel"`
	Role    string `json:"role"`
}

// RevokedMsg ends a channel for the socket: nothing of it follows.
type RevokedMsg struct {
	Type    string `json:"type"`
	Channel string `json:"channel"`
}

// SessionStep is where a live session is (its cursor).
type SessionStep struct {
	Step      int       `json:"step"`
	Moves     int       `json:"moves"`
	ChangedAt time.Time `json:"changed_at"`
}

// SessionMsg says a live session changed; clients refetch its view.
type SessionMsg struct {
	Type    string       `json:"type"`
	Channel string       `json:"channel"`
	Status  string       `json:"status"`
	Step    *SessionStep `json:"step,omitempty"`
	Changed []string     `json:"changed"`
	At      time.Time    `json:"at"`
}

// PongMsg answers ping.
type PongMsg struct {
	Type string `json:"type"`
}

// ByeMsg precedes the server's close.
type ByeMsg struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// Message names.
const (
	TypeAuth        = "auth"
	TypeSubscribe   = "subscribe"
	TypeUnsubscribe = "unsubscribe"
	TypeOp          = "op"
	TypeUndo        = "undo"
	TypeRedo        = "redo"
	TypeCursor      = "cursor"
	TypeFollow      = "follow"
	TypePing        = "ping"

	TypeReady    = "ready"
	TypeSnapshot = "snapshot"
	TypeAck      = "ack"
	TypeError    = "error"
	TypePresence = "presence"
	TypeAccess   = "access"
	TypeRevoked  = "revoked"
	TypeSession  = "session"
	TypePong     = "pong"
	TypeBye      = "bye"
)

// Error codes of error frames.
const (
	CodeBadRequest      = "bad_request"
	CodeUnauthenticated = "unauthenticated"
	CodeForbidden       = "forbidden"
	CodeNotFound        = "not_found"
	CodeLocked          = "locked"
	CodeRateLimited     = "rate_limited"
	CodeTooLarge        = "too_large"
	CodeConflict        = "conflict"
	CodeUnavailable     = "unavailable"
)

// ErrorCodes lists every error code.
var ErrorCodes = []string{CodeBadRequest, CodeUnauthenticated, CodeForbidden, CodeNotFound, CodeLocked,
	CodeRateLimited, CodeTooLarge, CodeConflict, CodeUnavailable}

// Bye reasons and the close code each comes with.
const (
	ByeDrain    = "drain"
	ByeSlow     = "slow"
	ByeRate     = "rate"
	ByeAuth     = "auth"
	ByeTooLarge = "too_large"
	ByeIdle     = "idle"
)

// Close codes.
const (
	CloseDrain    = websocket.StatusServiceRestart // 1012
	ClosePolicy   = websocket.StatusPolicyViolation
	CloseTooLarge = websocket.StatusMessageTooBig
	CloseAuth     = websocket.StatusCode(4001)
	CloseSlow     = websocket.StatusCode(4008)
)

// ByeCodes is the close code of each bye reason.
var ByeCodes = map[string]int{
	ByeDrain: int(CloseDrain), ByeSlow: int(CloseSlow), ByeRate: int(ClosePolicy),
	ByeAuth: int(CloseAuth), ByeTooLarge: int(CloseTooLarge), ByeIdle: int(ClosePolicy),
}

// Follow modes.
var FollowModes = []string{"follow_me", "bring_all", "stop"}

// Session changes.
var SessionChanges = []string{"state", "draws", "picks", "breakouts", "homework"}

// MessageSpec describes one message for the protocol document: its type,
// its fields (JSON names) and which of them are always present.
type MessageSpec struct {
	Type     string
	Fields   []string
	Required []string
}

// ClientMessages lists the messages the server accepts.
func ClientMessages() []MessageSpec {
	return specs(map[string]any{
		TypeAuth: AuthMsg{}, TypeSubscribe: SubscribeMsg{}, TypeUnsubscribe: UnsubscribeMsg{}, TypeOp: OpMsg{},
		TypeUndo: UndoMsg{}, TypeRedo: RedoMsg{}, TypeCursor: CursorMsg{}, TypeFollow: FollowMsg{}, TypePing: PingMsg{},
	})
}

// ServerMessages lists the messages the server sends.
func ServerMessages() []MessageSpec {
	return specs(map[string]any{
		TypeReady: ReadyMsg{}, TypeSnapshot: SnapshotMsg{}, TypeOp: OpOutMsg{}, TypeAck: AckMsg{}, TypeError: ErrorMsg{},
		TypePresence: PresenceMsg{}, TypeCursor: CursorOutMsg{}, TypeFollow: FollowOutMsg{}, TypeAccess: AccessMsg{},
		TypeRevoked: RevokedMsg{}, TypeSession: SessionMsg{}, TypePong: PongMsg{}, TypeBye: ByeMsg{},
	})
}

func specs(m map[string]any) []MessageSpec {
	var out []MessageSpec
	for typ, v := range m {
		s := MessageSpec{Type: typ}
		t := reflect.TypeOf(v)
		for i := range t.NumField() {
			tag := t.Field(i).Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			s.Fields = append(s.Fields, name)
			if opts != "omitempty" {
				s.Required = append(s.Required, name)
			}
		}
		slices.Sort(s.Fields)
		slices.Sort(s.Required)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b MessageSpec) int { return strings.Compare(a.Type, b.Type) })
	return out
}

// frame encodes a server message; nil when it cannot be encoded (a
// stored value JSON has no form for, such as NaN), which is then not sent.
func frame(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("realtime: frame not encodable", "err", err.Error())
		return nil
	}
	return b
}

func errFrame(channel, opID, code, detail string) []byte {
	return frame(ErrorMsg{Type: TypeError, Channel: channel, OpID: opID, Code: code, Detail: detail})
}

// Package mail is the port through which functions send email. Functions
// depend on Sender only; which adapter runs is the composition root's choice.
//
// The adapter here is an outbox: each message becomes a Firestore document
// outbox/{id} (the layout of Firebase's "Trigger Email" extension, which
// delivers it in production; locally nothing is delivered and tests read the
// outbox back with List). Writing to Firestore keeps mail in the same
// store as the change that caused it: Write adds it to the change's own
// transaction (shared/outbox does so for every function), so a change is
// never committed without its mail, nor mail sent for a change that failed.
//
// Addresses are personal data: nothing here logs them.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/privacy"
)

// Message is one email. Text is the plain-text body; Kind names the
// template ("invitation", …) so the outbox can be filtered without reading
// bodies.
type Message struct {
	To      string `firestore:"to" json:"to"`
	Subject string `firestore:"subject" json:"subject"`
	Text    string `firestore:"text" json:"text"`
	Kind    string `firestore:"kind" json:"kind"`
	// Attachments travel with the message (e.g. an invitation's
	// calendar file).
	Attachments []Attachment `firestore:"attachments,omitempty" json:"attachments,omitempty"`
}

// Attachment is a file sent with a message; the outbox keeps it in the
// shape the Trigger Email extension hands to its mailer.
type Attachment struct {
	Filename    string `firestore:"filename" json:"filename"`
	ContentType string `firestore:"contentType" json:"contentType"`
	Content     string `firestore:"content" json:"content"`
}

// MaxAttachmentBytes bounds all attachments of one message: the outbox
// document must stay well under Firestore's 1 MiB.
const MaxAttachmentBytes = 256 << 10

// Sender sends email.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalid is a message without a usable recipient or subject.
var ErrInvalid = errors.New("mail: invalid message")

// cleanHeader makes s safe as a header value: line breaks and tabs become
// spaces and every other control character is dropped, so that no text
// that reached a subject (a title, a name) can add a header or hide
// content. Validation already refuses such text; this is the last line.
func cleanHeader(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) && !strings.ContainsAny(s, "\u2028\u2029") {
		return s
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\n' || r == '\t' || r == '\u2028' || r == '\u2029':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// hasControl reports a control character in a header value that must be
// taken as is (a file name, a content type).
func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }

// clean is m with its subject made header-safe.
func (m Message) clean() Message {
	m.Subject = cleanHeader(m.Subject)
	return m
}

func (m Message) check() error {
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("%w: no subject", ErrInvalid)
	}
	if hasControl(m.Kind) {
		return fmt.Errorf("%w: control characters in the kind", ErrInvalid)
	}
	if a, err := mail.ParseAddress(m.To); err != nil || a.Address != m.To {
		return fmt.Errorf("%w: the recipient is not a bare address", ErrInvalid)
	}
	total := 0
	for _, a := range m.Attachments {
		if a.Filename == "" || a.ContentType == "" {
			return fmt.Errorf("%w: an attachment needs a file name and a content type", ErrInvalid)
		}
		if hasControl(a.Filename) || hasControl(a.ContentType) {
			return fmt.Errorf("%w: control characters in an attachment's file name or content type", ErrInvalid)
		}
		total += len(a.Content)
	}
	if total > MaxAttachmentBytes {
		return fmt.Errorf("%w: attachments over %d bytes", ErrInvalid, MaxAttachmentBytes)
	}
	return nil
}

// OutboxCollection is the Firestore collection of the outbox.
const OutboxCollection = "outbox"

// Stored is a message as kept in the outbox.
type Stored struct {
	ID string `firestore:"-" json:"id"`
	Message
	CreatedAt time.Time `firestore:"created_at" json:"created_at"`
}

// Outbox is a Sender writing to Firestore outbox/{id}.
type Outbox struct {
	client *firestore.Client
	now    func() time.Time
}

// NewOutbox builds an Outbox on client; now defaults to time.Now.
func NewOutbox(client *firestore.Client, now func() time.Time) *Outbox {
	if now == nil {
		now = time.Now
	}
	return &Outbox{client: client, now: now}
}

// outboxDoc is the Trigger Email extension's document shape: the recipient
// at the top, subject and body under "message".
type outboxDoc struct {
	To        string         `firestore:"to"`
	Message   map[string]any `firestore:"message"`
	Kind      string         `firestore:"kind"`
	CreatedAt time.Time      `firestore:"created_at"`
}

// Send implements Sender: the message is written on its own.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	d, err := o.doc(m)
	if err != nil {
		return err
	}
	if _, _, err := o.client.Collection(OutboxCollection).Add(ctx, d); err != nil {
		return fmt.Errorf("mail: write outbox: %w", err)
	}
	return nil
}

// Write adds m to the outbox inside tx, so that the mail is committed with
// the change that causes it, or not at all. Like every write of a
// transaction it must follow the transaction's reads.
func (o *Outbox) Write(tx *firestore.Transaction, m Message) error {
	d, err := o.doc(m)
	if err != nil {
		return err
	}
	if err := tx.Create(o.client.Collection(OutboxCollection).NewDoc(), d); err != nil {
		return fmt.Errorf("mail: write outbox: %w", err)
	}
	return nil
}

// Check validates m as Send and Write would, without writing it.
func Check(m Message) error { return m.clean().check() }

// doc is m as the outbox stores it, once checked.
func (o *Outbox) doc(m Message) (outboxDoc, error) {
	m = m.clean()
	if err := m.check(); err != nil {
		return outboxDoc{}, err
	}
	msg := map[string]any{"subject": m.Subject, "text": m.Text}
	if len(m.Attachments) > 0 {
		atts := make([]map[string]any, len(m.Attachments))
		for i, a := range m.Attachments {
			atts[i] = map[string]any{"filename": a.Filename, "contentType": a.ContentType, "content": a.Content}
		}
		msg["attachments"] = atts
	}
	// The recipient is stored normalised: data-subject requests find a
	// person's mail by their address in that form.
	return outboxDoc{To: privacy.NormalEmail(m.To), Kind: m.Kind, CreatedAt: o.now().UTC(), Message: msg}, nil
}

// List returns the outbox messages addressed to `to` (every message when
// empty), oldest first.
func List(ctx context.Context, client *firestore.Client, to string) ([]Stored, error) {
	q := client.Collection(OutboxCollection).Query
	if to != "" {
		q = q.Where("to", "==", privacy.NormalEmail(to))
	}
	it := q.Documents(ctx)
	defer it.Stop()
	var out []Stored
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("mail: list outbox: %w", err)
		}
		var d outboxDoc
		if err := snap.DataTo(&d); err != nil {
			return nil, fmt.Errorf("mail: outbox %s: %w", snap.Ref.ID, err)
		}
		s := Stored{ID: snap.Ref.ID, CreatedAt: d.CreatedAt, Message: Message{To: d.To, Kind: d.Kind}}
		s.Subject, _ = d.Message["subject"].(string)
		s.Text, _ = d.Message["text"].(string)
		atts, _ := d.Message["attachments"].([]any)
		for _, x := range atts {
			m, _ := x.(map[string]any)
			var a Attachment
			a.Filename, _ = m["filename"].(string)
			a.ContentType, _ = m["contentType"].(string)
			a.Content, _ = m["content"].(string)
			s.Attachments = append(s.Attachments, a)
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b Stored) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// Memory is a Sender keeping messages in memory (unit tests).
type Memory struct {
	mu   sync.Mutex
	sent []Message
}

// Send implements Sender.
func (m *Memory) Send(_ context.Context, msg Message) error {
	msg = msg.clean()
	if err := msg.check(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

// Sent returns a copy of what was sent.
func (m *Memory) Sent() []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Message(nil), m.sent...)
}

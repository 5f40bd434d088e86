package coach

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
)

// Limits of requests.
const (
	MaxQuestion   = 2000
	MaxReason     = 500
	pageSize      = 20
	maxTitleRunes = 80
)

// CreateRequest is the body of POST /v1/conversations.
type CreateRequest struct {
	SessionID string `json:"session_id,omitempty"`
	Lang      string `json:"lang,omitempty"`
}

// Validate implements httpapi.Validator.
func (c *CreateRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	if c.Lang != "" {
		httpapi.OneOf(&f, "lang", c.Lang, Languages...)
	}
	if c.SessionID != "" && !authz.ValidDocID(c.SessionID) {
		f = append(f, httpapi.Field("session_id", "is not a session id"))
	}
	return f
}

// FeedbackRequest is the body of POST …/messages/{messageId}/feedback.
type FeedbackRequest struct {
	Rating int    `json:"rating"`
	Reason string `json:"reason,omitempty"`
}

// Validate implements httpapi.Validator.
func (b *FeedbackRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	if b.Rating < 1 || b.Rating > 5 {
		f = append(f, httpapi.Field("rating", "must be 1 to 5"))
	}
	httpapi.MaxLen(&f, "reason", b.Reason, MaxReason)
	httpapi.Text(&f, "reason", b.Reason, httpapi.MultiLine)
	return f
}

func (a *api) convs(uid string) *firestore.CollectionRef {
	return a.d.Firestore.Collection(collUsers).Doc(uid).Collection(collConversations)
}

// convRef is the caller's conversation id; an id that cannot be a
// document is no conversation (404).
func (a *api) convRef(p *auth.Principal, id string) (*firestore.DocumentRef, error) {
	if !authz.ValidDocID(id) || !authz.ValidDocID(p.UID) {
		return nil, httpapi.NotFound("no conversation %q", id)
	}
	return a.convs(p.UID).Doc(id), nil
}

// readConv reads a conversation of the caller (in tx when given).
func readConv(ctx context.Context, tx *firestore.Transaction, ref *firestore.DocumentRef) (*Conversation, error) {
	snap, err := txn.Get(ctx, tx, ref)
	if status.Code(err) == codes.NotFound {
		return nil, httpapi.NotFound("no conversation %q", ref.ID)
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	c := &Conversation{}
	if err := snap.DataTo(c); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	c.ID = ref.ID
	return c, nil
}

// ConversationList is a page of conversations, newest first.
type ConversationList struct {
	Conversations []Conversation `json:"conversations"`
	NextPageToken string         `json:"next_page_token"`
}

var convCursor = httpapi.NewCursor("coach-conversations")

func (a *api) listConversations(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var after, afterID string
	more, err := convCursor.Param(r, &after, &afterID)
	if err != nil {
		return err
	}
	out := ConversationList{Conversations: []Conversation{}}
	if !authz.ValidDocID(p.UID) {
		httpapi.WriteJSON(w, http.StatusOK, out)
		return nil
	}
	q := a.convs(p.UID).OrderBy("updated_at", firestore.Desc).OrderBy(firestore.DocumentID, firestore.Desc)
	if more {
		at, err := time.Parse(time.RFC3339Nano, after)
		if err != nil || !authz.ValidDocID(afterID) {
			return httpapi.Invalid(httpapi.Field(httpapi.PageParam, "is not a token this API returned"))
		}
		q = q.StartAfter(at, afterID)
	}
	docs, err := q.Limit(pageSize + 1).Documents(r.Context()).GetAll()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	for i, d := range docs {
		if i == pageSize {
			last := out.Conversations[pageSize-1]
			out.NextPageToken = convCursor.Encode(last.UpdatedAt.UTC().Format(time.RFC3339Nano), last.ID)
			break
		}
		var c Conversation
		if err := d.DataTo(&c); err != nil {
			return httpapi.Unavailable(err)
		}
		c.ID = d.Ref.ID
		out.Conversations = append(out.Conversations, c)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *api) createConversation(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req CreateRequest
	if err := httpapi.DecodeOptionalJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	if !authz.ValidDocID(p.UID) {
		return httpapi.Forbidden("this account cannot keep conversations")
	}
	now := a.d.Now().UTC().Truncate(time.Microsecond)
	c := Conversation{ID: a.d.NewID(), Lang: req.Lang, CreatedAt: now, UpdatedAt: now, UID: p.UID, ExpireAt: now.Add(a.d.Retention)}
	if c.Lang == "" {
		c.Lang = "en"
	}
	if req.SessionID != "" {
		s, _, err := a.findSession(r.Context(), p, req.SessionID)
		if err != nil {
			return err
		}
		if s.Status != "live" && s.Status != "scheduled" {
			return httpapi.Forbidden("the session is %s", s.Status)
		}
		c.SessionID, c.SessionOrg = s.ID, s.Org
	}
	if _, err := a.convs(p.UID).Doc(c.ID).Create(r.Context(), c); err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusCreated, c)
	return nil
}

// ConversationView is a conversation with its messages, oldest first.
type ConversationView struct {
	Conversation Conversation `json:"conversation"`
	Messages     []Message    `json:"messages"`
}

func (a *api) getConversation(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ref, err := a.convRef(p, r.PathValue("conversationId"))
	if err != nil {
		return err
	}
	c, err := readConv(r.Context(), nil, ref)
	if err != nil {
		return err
	}
	msgs, err := readMessages(r.Context(), ref, 0)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, ConversationView{Conversation: *c, Messages: msgs})
	return nil
}

// readMessages reads a conversation's messages, oldest first; last > 0
// keeps only the last ones.
func readMessages(ctx context.Context, conv *firestore.DocumentRef, last int) ([]Message, error) {
	q := conv.Collection(collMessages).OrderBy("seq", firestore.Asc)
	if last > 0 {
		q = conv.Collection(collMessages).OrderBy("seq", firestore.Desc).Limit(last)
	}
	docs, err := q.Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(docs))
	for _, d := range docs {
		var m Message
		if err := d.DataTo(&m); err != nil {
			return nil, err
		}
		m.ID = d.Ref.ID
		out = append(out, m)
	}
	if last > 0 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// deleteConversation deletes the conversation and its messages in one
// commit (a conversation holds at most a few hundred messages; longer
// ones are deleted in batches, the conversation itself last).
func (a *api) deleteConversation(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ref, err := a.convRef(p, r.PathValue("conversationId"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := readConv(ctx, nil, ref); err != nil {
		return err
	}
	if err := deleteConv(ctx, a.d.Firestore, ref); err != nil {
		return httpapi.Unavailable(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func deleteConv(ctx context.Context, fs *firestore.Client, ref *firestore.DocumentRef) error {
	const batch = 400
	for {
		it := ref.Collection(collMessages).Select().Limit(batch).Documents(ctx)
		bw := fs.BulkWriter(ctx)
		n := 0
		for {
			d, err := it.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				bw.End()
				return err
			}
			if _, err := bw.Delete(d.Ref); err != nil {
				bw.End()
				return err
			}
			n++
		}
		if n < batch {
			if _, err := bw.Delete(ref); err != nil {
				bw.End()
				return err
			}
			bw.End()
			return nil
		}
		bw.End()
	}
}

func (a *api) feedback(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req FeedbackRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	ref, err := a.convRef(p, r.PathValue("conversationId"))
	if err != nil {
		return err
	}
	mid := r.PathValue("messageId")
	if !authz.ValidDocID(mid) {
		return httpapi.NotFound("no message %q", mid)
	}
	mref := ref.Collection(collMessages).Doc(mid)
	var out Message
	err = txn.Run(r.Context(), a.d.Outbox, func(ctx context.Context, tx *firestore.Transaction, _ *outbox.Tx) error {
		snap, err := tx.Get(mref)
		if status.Code(err) == codes.NotFound {
			return httpapi.NotFound("no message %q", mid)
		}
		if err != nil {
			return err
		}
		if err := snap.DataTo(&out); err != nil {
			return err
		}
		if out.Role != RoleCoach {
			return httpapi.Unprocessable(httpapi.Field("messageId", "only the coach's messages take feedback"))
		}
		out.ID = mid
		out.Feedback = &Feedback{Rating: req.Rating, Reason: strings.TrimSpace(req.Reason), At: a.d.Now().UTC()}
		return tx.Update(mref, []firestore.Update{{Path: "feedback", Value: out.Feedback}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// title is the conversation's title from its first (redacted) question.
func title(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	rs := []rune(q)
	if len(rs) <= maxTitleRunes {
		return q
	}
	return strings.TrimSpace(string(rs[:maxTitleRunes-1])) + "…"
}

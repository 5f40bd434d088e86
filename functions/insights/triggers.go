package insights

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"cloud.google.com/go/firestore"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/firestoreevent"
)

// ConsentPattern is the document the consent trigger watches.
const ConsentPattern = "users/{uid}/consent/{doc}"

// NewEventTrigger builds the "insights-events" handler: each canvas.op or
// session.* event joins its session's next flush and returns once that
// flush is stored (an error makes Pub/Sub deliver it again). Events that
// cannot be read are dropped.
func NewEventTrigger(d Deps) (func(context.Context, cloudevents.Event) error, error) {
	d, err := d.check(false)
	if err != nil {
		return nil, err
	}
	e := newEngine(d)
	return func(ctx context.Context, ev cloudevents.Event) error {
		se, err := decodeEvent(ev)
		if errors.Is(err, errSkip) {
			return nil
		}
		if err != nil {
			slog.Warn("insights-events: undecodable event dropped", "event_id", ev.ID(), "err", err.Error())
			return nil
		}
		if err := e.co.submit(ctx, se); err != nil {
			slog.Warn("insights-events: flush failed; the event will be retried", "event_id", ev.ID(), "session", se.Session, "err", err.Error())
			return err
		}
		return nil
	}, nil
}

// NewConsentTrigger builds the "insights-consent" handler: when a person's
// consent state no longer grants canvas_insights in a session's
// organisation, every insights document naming them is flushed again,
// which forgets them.
func NewConsentTrigger(d Deps) (func(context.Context, cloudevents.Event) error, error) {
	d, err := d.check(false)
	if err != nil {
		return nil, err
	}
	e := newEngine(d)
	return func(ctx context.Context, ev cloudevents.Event) error {
		fe, err := firestoreevent.Decode(ev)
		if err != nil {
			slog.Warn("insights-consent: undecodable event dropped", "event_id", ev.ID(), "err", err.Error())
			return nil
		}
		p, ok := fe.Params(ConsentPattern)
		if !ok || p["doc"] != consentvault.DocState || !authz.ValidDocID(p["uid"]) {
			return nil
		}
		return e.withdraw(ctx, p["uid"])
	}, nil
}

// withdraw removes uid from every session whose organisation they no
// longer share canvas insights with.
func (e *engine) withdraw(ctx context.Context, uid string) error {
	fs := e.d.Firestore
	snap, err := fs.Collection(consentvault.ColUsers).Doc(uid).Collection(consentvault.ColConsent).Doc(consentvault.DocState).Get(ctx)
	var st consentvault.State
	if err == nil {
		_ = snap.DataTo(&st)
	} else if !notFound(err) {
		return fmt.Errorf("read consent: %w", err)
	}
	var docs []*firestore.DocumentSnapshot
	for _, q := range []firestore.Query{
		fs.CollectionGroup(collInsights).Where("uids", "array-contains", uid),
		fs.CollectionGroup(collInsights).Where("uid_hashes", "array-contains", uidHash(uid)),
	} {
		found, err := q.Documents(ctx).GetAll()
		if err != nil {
			return fmt.Errorf("find insights: %w", err)
		}
		docs = append(docs, found...)
	}
	done := map[string]bool{}
	var errs []error
	for _, d := range docs {
		// orgs/{org}/sessions/{s}/insights/{doc}
		sref := d.Ref.Parent.Parent
		if sref == nil || sref.Parent.Parent == nil {
			continue
		}
		org, sid := sref.Parent.Parent.ID, sref.ID
		key := org + "/" + sid
		if done[key] || st.Allowed(consentvault.CanvasInsights, org) {
			continue
		}
		done[key] = true
		if err := e.forget(ctx, org, sid, uid); err != nil {
			errs = append(errs, err)
		}
	}
	if len(done) > 0 {
		slog.Info("insights-consent: removed from sessions", "sessions", len(done))
	}
	return errors.Join(errs...)
}

// forget flushes the session (its consent read shows uid withdrawn, so the
// state forgets them) and rewrites a stored retrospective without them.
func (e *engine) forget(ctx context.Context, org, sid, uid string) error {
	if err := e.co.submitFlush(ctx, org, sid); err != nil {
		return err
	}
	r := sessionRefs(e.d.Firestore, org, sid)
	doc, err := readRetro(ctx, r.retro)
	if err != nil || doc == nil || (!slices.Contains(doc.UIDs, uid) && !slices.Contains(doc.UIDHashes, uidHash(uid))) {
		return err
	}
	s, err := readSession(ctx, r.session)
	if err != nil || s == nil {
		return err
	}
	l, err := readLive(ctx, r.live)
	if err != nil || l == nil {
		return err
	}
	return e.storeRetro(ctx, s, *l, false)
}

func notFound(err error) bool { return status.Code(err) == codes.NotFound }

package sessions

// Card draws. A facilitator opens a draw from a deck or a hand-picked
// subset of the library; joined participants pick from it, face up (from a
// spread laid out at random) or face down (the server draws for them).
//
// Firestore, below the session:
//
//	draws/{drawId}                 Draw: mode, status, the cards (face up: the spread; face down: the pool)
//	draws/{drawId}/picks/{uid}_{n} drawPick: the n-th card (0-based) uid picked in the draw
//	draws/{drawId}/taken/{cardId}  {uid, slot, at}: the claim on one card
//
// Decisions:
//   - A pick creates its taken/{cardId} claim and its picks/{uid}_{n} slot
//     with create-only writes in one transaction. Two people can never hold
//     one card and one person never exceeds the per-person limit, however
//     many requests race, and no document is written by every pick: the
//     draw itself is only read (a hot document would cap a draw at about
//     one pick per second). A create that loses a race fails the commit
//     and the pick is tried again with fresh state.
//   - Face-down picks choose uniformly among the cards not taken, with
//     Deps.Rand (crypto/rand): candidates are read outside the
//     transaction, shuffled, and the first few are checked inside it; the
//     first free one is taken, which is a uniform choice among the free
//     ones. Nobody sees the pool of a face-down draw through the API, only
//     counts: a hidden pick can never be inferred from what is left.
//   - Visibility: a pick is private to its participant until a facilitator
//     reveals it. Facilitators see unrevealed picks only of participants
//     who granted facilitator_visibility; the others' show as hidden, so
//     the facilitator knows who has picked. Org staff who are not
//     facilitators see revealed picks only. Revealing needs no consent: it
//     happens in front of the participant, the method's moment of sharing.
//   - A draw stores each card's English title and image references, so a
//     later library edit never changes a draw in progress.
//   - Everyone sees which cards of a face-up spread are taken, never by
//     whom (the cards lie on one table). As at a table, when only one
//     person has picked, a facilitator who sees that they picked can tell
//     which card it was.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/random"
)

// Draw statuses, modes and sources.
const (
	drawOpen     = "open"
	drawClosed   = "closed"
	modeFaceUp   = "face_up"
	modeFaceDown = "face_down"
	sourceDeck   = "deck"
	sourceSubset = "subset"
)

// Draw limits.
const (
	collTaken          = "taken"
	drawMinSubset      = 2
	drawMaxSubset      = 200
	drawMaxDeck        = 500
	drawDefaultSpread  = 12
	drawMaxPerPerson   = 3
	drawPageSize       = 20
	drawPickAttempts   = 40 // commits lost to a concurrent claim before giving up
	drawCandidatesOnce = 16 // face-down candidates checked in one transaction
)

// drawCard is a card of a draw, copied from the library.
type drawCard struct {
	ID     string          `json:"card_id" firestore:"id"`
	Kind   string          `json:"kind" firestore:"kind"` // photo | word | question
	Title  string          `json:"title" firestore:"title"`
	Images []library.Image `json:"images,omitempty" firestore:"images"`
}

// Draw is orgs/{org}/sessions/{sid}/draws/{drawId}.
type Draw struct {
	ID     string `json:"id" firestore:"-"`
	Mode   string `json:"mode" firestore:"mode"`
	Source string `json:"source" firestore:"source"`
	DeckID string `json:"deck_id,omitempty" firestore:"deck_id"`
	Phase  string `json:"phase" firestore:"phase"`
	// Step is the session's step when the draw was opened.
	Step           int    `json:"step" firestore:"step"`
	Status         string `json:"status" firestore:"status"`
	PicksPerPerson int    `json:"picks_per_person" firestore:"picks_per_person"`
	// Cards is the spread (face up) or the pool (face down).
	Cards        []drawCard `json:"-" firestore:"cards"`
	Size         int        `json:"cards" firestore:"size"`
	OpenedAt     time.Time  `json:"opened_at" firestore:"opened_at"`
	OpenedBy     string     `json:"-" firestore:"opened_by"`
	ClosedAt     *time.Time `json:"closed_at,omitempty" firestore:"closed_at"`
	ClosedBy     string     `json:"-" firestore:"closed_by"`
	ClosedReason string     `json:"closed_reason,omitempty" firestore:"closed_reason"`
}

// card finds id among the draw's cards.
func (d *Draw) card(id string) (drawCard, bool) {
	for _, c := range d.Cards {
		if c.ID == id {
			return c, true
		}
	}
	return drawCard{}, false
}

// drawPick is draws/{drawId}/picks/{uid}_{slot}.
type drawPick struct {
	UID        string          `firestore:"uid"`
	Slot       int             `firestore:"slot"`
	CardID     string          `firestore:"card_id"`
	Kind       string          `firestore:"kind"`
	Title      string          `firestore:"title"`
	Images     []library.Image `firestore:"images"`
	Revealed   bool            `firestore:"revealed"`
	RevealedAt *time.Time      `firestore:"revealed_at"`
	RevealedBy string          `firestore:"revealed_by"`
	PickedAt   time.Time       `firestore:"picked_at"`
}

func drawPickID(uid string, slot int) string { return fmt.Sprintf("%s_%d", uid, slot) }

func (a *api) drawRoutes() []httpapi.Route {
	const base = "/v1/sessions/{sessionId}/draws"
	return []httpapi.Route{
		httpapi.Handle(http.MethodPost, base, sessionStaff, withPrincipal(a.openDraw)),
		httpapi.Handle(http.MethodGet, base, sessionAny, a.session(a.listDraws, anyone)),
		httpapi.Handle(http.MethodGet, base+"/{drawId}", sessionAny, a.session(a.getDraw, anyone)),
		httpapi.Handle(http.MethodPost, base+"/{drawId}/picks", sessionAny, withPrincipal(a.pickCard)),
		httpapi.Handle(http.MethodPost, base+"/{drawId}/reveal", sessionStaff, withPrincipal(a.revealPicks)),
		httpapi.Handle(http.MethodPost, base+"/{drawId}/close", sessionStaff, withPrincipal(a.closeDraw)),
	}
}

// drawReq opens a draw.
type drawReq struct {
	Mode           string   `json:"mode"`
	DeckID         string   `json:"deck_id"`
	CardIDs        []string `json:"card_ids"`
	Spread         *int     `json:"spread"`
	PicksPerPerson *int     `json:"picks_per_person"`
	Phase          string   `json:"phase"`
}

func (q *drawReq) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	httpapi.OneOf(&fs, "mode", q.Mode, modeFaceUp, modeFaceDown)
	switch {
	case q.DeckID != "" && q.CardIDs != nil:
		fs = append(fs, httpapi.Field("card_ids", "give deck_id or card_ids, not both"))
	case q.DeckID == "" && q.CardIDs == nil:
		fs = append(fs, httpapi.Field("deck_id", "is required unless card_ids lists the cards"))
	case q.DeckID != "" && !library.ValidID(q.DeckID):
		fs = append(fs, httpapi.Field("deck_id", "is not a deck id"))
	case q.CardIDs != nil && (len(q.CardIDs) < drawMinSubset || len(q.CardIDs) > drawMaxSubset):
		fs = append(fs, httpapi.Field("card_ids", "has %d cards; a draw needs %d to %d", len(q.CardIDs), drawMinSubset, drawMaxSubset))
	}
	if len(q.CardIDs) <= drawMaxSubset {
		seen := make(map[string]int, len(q.CardIDs))
		for i, id := range q.CardIDs {
			name := fmt.Sprintf("card_ids[%d]", i)
			if !library.ValidID(id) {
				fs = append(fs, httpapi.Field(name, "is not a card id"))
			} else if j, dup := seen[id]; dup {
				fs = append(fs, httpapi.Field(name, "repeats card_ids[%d]", j))
			} else {
				seen[id] = i
			}
		}
	}
	if q.Spread != nil {
		if q.Mode != modeFaceUp {
			fs = append(fs, httpapi.Field("spread", "is allowed only with mode face_up"))
		} else if *q.Spread < 1 || *q.Spread > drawMaxSubset {
			fs = append(fs, httpapi.Field("spread", "must be between 1 and %d", drawMaxSubset))
		}
	}
	if q.PicksPerPerson != nil && (*q.PicksPerPerson < 1 || *q.PicksPerPerson > drawMaxPerPerson) {
		fs = append(fs, httpapi.Field("picks_per_person", "must be between 1 and %d", drawMaxPerPerson))
	}
	if q.Phase != "" {
		httpapi.OneOf(&fs, "phase", q.Phase, library.Phases...)
	}
	return fs
}

// unprocessable is a 422 naming the offending fields: well-formed input
// that the library or the session's state cannot serve.
func unprocessable(fields ...httpapi.FieldError) error {
	return httpapi.Unprocessable(fields...)
}

func (a *api) openDraw(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var q drawReq
	bad := httpapi.DecodeJSON(w, r, &q, 0)
	ctx := r.Context()
	id := a.d.NewID()
	var (
		d Draw
		l *loaded
	)
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, lt *loaded) error {
		l = lt
		if bad != nil {
			return bad
		}
		if l.S.Status != StatusLive {
			return wrongStatus(l.S, "open a draw")
		}
		pool, err := a.drawPool(ctx, l, &q)
		if err != nil {
			return err
		}
		d = Draw{ID: id, Mode: q.Mode, Source: sourceDeck, DeckID: q.DeckID, Phase: q.Phase,
			Status: drawOpen, PicksPerPerson: 1, OpenedBy: p.UID}
		if q.CardIDs != nil {
			d.Source = sourceSubset
		}
		if q.PicksPerPerson != nil {
			d.PicksPerPerson = *q.PicksPerPerson
		}
		d.Cards = pool
		if q.Mode == modeFaceUp {
			n := min(drawDefaultSpread, len(pool))
			if q.Spread != nil {
				if *q.Spread > len(pool) {
					return unprocessable(httpapi.Field("spread", "is %d, but the pool has only %d cards", *q.Spread, len(pool)))
				}
				n = *q.Spread
			}
			if d.Cards, err = random.Sample(a.d.Rand, pool, n); err != nil {
				return httpapi.Unavailable(err)
			}
		}
		d.Size = len(d.Cards)
		open, err := tx.Documents(l.sub(collDraws).Where("status", "==", drawOpen).Select().Limit(1)).GetAll()
		if err != nil {
			return err
		}
		if len(open) > 0 {
			return httpapi.Conflict("draw %s is still open; close it before you open another", open[0].Ref.ID)
		}
		d.Step = 0
		if c := l.S.Current; c != nil && c.Step >= 0 && c.Step < len(l.S.Plan) {
			d.Step = c.Step
			if q.Phase == "" {
				d.Phase = l.S.Plan[c.Step].Phase
			}
		}
		d.OpenedAt = a.d.Now().UTC()
		if err := tx.Create(l.sub(collDraws).Doc(d.ID), d); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeSessionDrawOpened, OrgID: l.Org(), SessionID: l.ID(), UID: p.UID,
			Payload: events.SessionDrawOpened{DrawID: events.ID(d.ID), Mode: events.Enum(d.Mode), Source: events.Enum(d.Source),
				Cards: d.Size, Phase: events.Enum(d.Phase)}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, drawViewFor(&d, RelFacilitator, p.UID, nil, nil, nil))
	return nil
}

// drawRef is the draw named by the path, or a 404.
func drawRef(r *http.Request, l *loaded) (*firestore.DocumentRef, error) {
	id := r.PathValue("drawId")
	if !authz.ValidDocID(id) {
		return nil, httpapi.NotFound("no draw %q in this session", id)
	}
	return l.sub(collDraws).Doc(id), nil
}

// readDraw decodes a draw snapshot; a missing one is a 404.
func readDraw(snap *firestore.DocumentSnapshot, err error) (*Draw, error) {
	if status.Code(err) == codes.NotFound || (err == nil && !snap.Exists()) {
		return nil, httpapi.NotFound("no such draw in this session")
	}
	if err != nil {
		return nil, err
	}
	var d Draw
	if err := snap.DataTo(&d); err != nil {
		return nil, fmt.Errorf("decode draw: %w", err)
	}
	d.ID = snap.Ref.ID
	return &d, nil
}

// pickReq picks a card: card_id for face up, nothing for face down.
type pickReq struct {
	CardID string `json:"card_id"`
}

func (q *pickReq) Validate() []httpapi.FieldError {
	if q.CardID != "" && !library.ValidID(q.CardID) {
		return []httpapi.FieldError{httpapi.Field("card_id", "is not a card id")}
	}
	return nil
}

func (a *api) pickCard(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var q pickReq
	bad := httpapi.DecodeOptionalJSON(w, r, &q, 0)
	ctx := r.Context()
	uid := p.UID
	var (
		pick drawPick
		d    *Draw
		l    *loaded
	)
	for attempt := 1; ; attempt++ {
		err := a.store().Update(ctx, p, r.PathValue("sessionId"), participants, func(tx *firestore.Transaction, out *outbox.Tx, lt *loaded) error {
			l = lt
			if bad != nil {
				return bad
			}
			ref, err := drawRef(r, l)
			if err != nil {
				return err
			}
			if d, err = readDraw(tx.Get(ref)); err != nil {
				return err
			}
			switch {
			case d.Mode == modeFaceUp && q.CardID == "":
				return httpapi.Invalid(httpapi.Field("card_id", "is required: choose a card of the spread"))
			case d.Mode == modeFaceDown && q.CardID != "":
				return httpapi.Invalid(httpapi.Field("card_id", "is not allowed: a face-down draw chooses the card for you"))
			}
			// Face down, the claims are read outside the transaction, so
			// that people drawing at once do not all conflict on them.
			var taken map[string]bool
			if d.Mode == modeFaceDown {
				if taken, err = drawTaken(ctx, ref); err != nil {
					return httpapi.Unavailable(err)
				}
			}
			if pick, err = a.pickInTx(tx, l, ref, d, uid, q.CardID, taken); err != nil {
				return err
			}
			return out.Event(events.Event{Type: events.TypeSessionCardSelected, OrgID: l.Org(), SessionID: l.ID(), UID: uid,
				Payload: events.SessionCardSelected{CardID: events.ID(pick.CardID), CardKind: events.Enum(pick.Kind),
					Phase: events.Enum(d.Phase), DrawID: events.ID(d.ID), Mode: events.Enum(d.Mode)}})
		})
		if err == nil {
			break
		}
		if (status.Code(err) == codes.AlreadyExists || errors.Is(err, errDrawRetry)) && attempt < drawPickAttempts {
			continue // lost a race for a card or a slot: look again
		}
		if errors.Is(err, errDrawRetry) {
			return httpapi.Conflict("too many people are drawing at once; try again")
		}
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, pickViewOf(d.ID, &pick, false))
	return nil
}

// errDrawRetry asks for another face-down attempt with fresh candidates.
var errDrawRetry = errors.New("sessions: every face-down candidate checked was taken")

// pickInTx claims one card for uid in draw d at ref, read in tx. taken is
// what was seen taken outside the transaction (face down only).
func (a *api) pickInTx(tx *firestore.Transaction, l *loaded, ref *firestore.DocumentRef, d *Draw, uid, cardID string, taken map[string]bool) (drawPick, error) {
	if d.Status != drawOpen {
		return drawPick{}, httpapi.Conflict("the draw is closed")
	}
	psnap, err := tx.Get(l.sub(collParticipants).Doc(uid))
	if err != nil && status.Code(err) != codes.NotFound {
		return drawPick{}, err
	}
	if err != nil || psnap.Data()["state"] != PartJoined {
		return drawPick{}, httpapi.Forbidden("only participants who joined the session pick cards; join it first")
	}
	slots := make([]*firestore.DocumentRef, d.PicksPerPerson)
	for i := range slots {
		slots[i] = ref.Collection(collPicks).Doc(drawPickID(uid, i))
	}
	snaps, err := tx.GetAll(slots)
	if err != nil {
		return drawPick{}, err
	}
	slot := -1
	for i, s := range snaps {
		if !s.Exists() {
			slot = i
			break
		}
	}
	if slot < 0 {
		return drawPick{}, httpapi.Conflict("you have picked your %d card(s) in this draw", d.PicksPerPerson)
	}
	claims := ref.Collection(collTaken)
	var card drawCard
	if d.Mode == modeFaceUp {
		c, ok := d.card(cardID)
		if !ok {
			return drawPick{}, unprocessable(httpapi.Field("card_id", "is not a card of this draw's spread"))
		}
		s, err := tx.Get(claims.Doc(c.ID))
		if err == nil && s.Exists() {
			return drawPick{}, httpapi.Conflict("that card is taken: each card goes to one person")
		}
		if err != nil && status.Code(err) != codes.NotFound {
			return drawPick{}, err
		}
		card = c
	} else {
		var free []drawCard
		for _, c := range d.Cards {
			if !taken[c.ID] {
				free = append(free, c)
			}
		}
		if len(free) == 0 {
			return drawPick{}, httpapi.Conflict("every card of this draw is taken")
		}
		check, err := random.Sample(a.d.Rand, free, min(drawCandidatesOnce, len(free)))
		if err != nil {
			return drawPick{}, err
		}
		refs := make([]*firestore.DocumentRef, len(check))
		for i, c := range check {
			refs[i] = claims.Doc(c.ID)
		}
		got, err := tx.GetAll(refs)
		if err != nil {
			return drawPick{}, err
		}
		found := false
		for i, s := range got {
			if !s.Exists() {
				card, found = check[i], true
				break
			}
		}
		if !found {
			return drawPick{}, errDrawRetry
		}
	}
	now := a.d.Now().UTC()
	// The claim names no one: who holds the card is in the pick, which
	// data-subject requests find and erase (shared/privacy).
	if err := tx.Create(claims.Doc(card.ID), map[string]any{"at": now}); err != nil {
		return drawPick{}, err
	}
	p := drawPick{UID: uid, Slot: slot, CardID: card.ID, Kind: card.Kind, Title: card.Title, Images: card.Images, PickedAt: now}
	return p, tx.Create(slots[slot], p)
}

// drawTaken lists the cards claimed in a draw so far.
func drawTaken(ctx context.Context, ref *firestore.DocumentRef) (map[string]bool, error) {
	snaps, err := ref.Collection(collTaken).Select().Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(snaps))
	for _, s := range snaps {
		out[s.Ref.ID] = true
	}
	return out, nil
}

// revealReq reveals one person's picks or all of a draw's.
type revealReq struct {
	UID string `json:"uid"`
	All bool   `json:"all"`
}

func (q *revealReq) Validate() []httpapi.FieldError {
	switch {
	case q.UID != "" && q.All:
		return []httpapi.FieldError{httpapi.Field("uid", "give uid or all, not both")}
	case q.UID == "" && !q.All:
		return []httpapi.FieldError{httpapi.Field("uid", "is required unless all is true")}
	case q.UID != "" && !authz.ValidDocID(q.UID):
		return []httpapi.FieldError{httpapi.Field("uid", "is not a user id")}
	}
	return nil
}

func (a *api) revealPicks(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var q revealReq
	bad := httpapi.DecodeJSON(w, r, &q, 0)
	ctx := r.Context()
	n := 0
	var (
		l   *loaded
		ref *firestore.DocumentRef
	)
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, lt *loaded) error {
		l, n = lt, 0
		if bad != nil {
			return bad
		}
		var err error
		if ref, err = drawRef(r, l); err != nil {
			return err
		}
		if _, err := readDraw(tx.Get(ref)); err != nil {
			return err
		}
		query := ref.Collection(collPicks).Query
		if q.UID != "" {
			query = query.Where("uid", "==", q.UID)
		}
		snaps, err := tx.Documents(query).GetAll()
		if err != nil {
			return err
		}
		if q.UID != "" && len(snaps) == 0 {
			return httpapi.Conflict("that person has not picked a card in this draw")
		}
		now := a.d.Now().UTC()
		for _, s := range snaps {
			if v, _ := s.Data()["revealed"].(bool); v {
				continue
			}
			if err := tx.Update(s.Ref, []firestore.Update{
				{Path: "revealed", Value: true}, {Path: "revealed_at", Value: now}, {Path: "revealed_by", Value: p.UID},
			}); err != nil {
				return err
			}
			n++
		}
		scope := "all"
		if q.UID != "" {
			scope = "one"
		}
		return out.Event(events.Event{Type: events.TypeSessionCardsRevealed, OrgID: l.Org(), SessionID: l.ID(), UID: p.UID,
			Payload: events.SessionCardsRevealed{DrawID: events.ID(ref.ID), Scope: events.Enum(scope), Cards: n}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"draw_id": ref.ID, "revealed": n})
	return nil
}

func (a *api) closeDraw(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	bad := httpapi.DecodeOptionalJSON(w, r, &struct{}{}, 0)
	ctx := r.Context()
	var (
		d     *Draw
		picks int
		l     *loaded
	)
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, lt *loaded) error {
		l = lt
		if bad != nil {
			return bad
		}
		ref, err := drawRef(r, l)
		if err != nil {
			return err
		}
		if d, err = readDraw(tx.Get(ref)); err != nil {
			return err
		}
		if d.Status != drawOpen {
			return httpapi.Conflict("the draw is already closed")
		}
		snaps, err := tx.Documents(ref.Collection(collPicks).Select()).GetAll()
		if err != nil {
			return err
		}
		picks = len(snaps)
		now := a.d.Now().UTC()
		d.Status, d.ClosedAt, d.ClosedBy, d.ClosedReason = drawClosed, &now, p.UID, "closed"
		if err := tx.Update(ref, []firestore.Update{
			{Path: "status", Value: drawClosed}, {Path: "closed_at", Value: now},
			{Path: "closed_by", Value: p.UID}, {Path: "closed_reason", Value: d.ClosedReason},
		}); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeSessionDrawClosed, OrgID: l.Org(), SessionID: l.ID(), UID: p.UID,
			Payload: events.SessionDrawClosed{DrawID: events.ID(d.ID), Picks: picks}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, drawSummary{Draw: *d, Taken: picks, Remaining: max(0, d.Size-picks)})
	return nil
}

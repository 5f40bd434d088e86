package sessions

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/txn"
)

// drawSummary is a draw with its counts, as everyone may see it.
type drawSummary struct {
	Draw
	Taken     int `json:"taken"`
	Remaining int `json:"remaining"`
}

// spreadCard is a card of a face-up spread; Taken never says by whom.
type spreadCard struct {
	drawCard
	Taken bool `json:"taken"`
}

// drawDetail is one draw as the caller may see it.
type drawDetail struct {
	drawSummary
	// Spread is the face-up spread (every relation).
	Spread []spreadCard `json:"spread,omitempty"`
	Picks  []pickView   `json:"picks"`
}

// pickView is one pick; a hidden one names only who picked.
type pickView struct {
	DrawID   string          `json:"draw_id"`
	UID      string          `json:"uid"`
	Slot     int             `json:"slot"`
	Hidden   bool            `json:"hidden,omitempty"`
	CardID   string          `json:"card_id,omitempty"`
	Kind     string          `json:"kind,omitempty"`
	Title    string          `json:"title,omitempty"`
	Images   []library.Image `json:"images,omitempty"`
	Revealed bool            `json:"revealed"`
	PickedAt time.Time       `json:"picked_at"`
	// DisplayName is the picker's name from their participant record.
	DisplayName string `json:"display_name,omitempty"`
}

func pickViewOf(drawID string, p *drawPick, hidden bool) pickView {
	v := pickView{DrawID: drawID, UID: p.UID, Slot: p.Slot, Revealed: p.Revealed, PickedAt: p.PickedAt}
	if hidden {
		v.Hidden = true
		return v
	}
	v.CardID, v.Kind, v.Title, v.Images = p.CardID, p.Kind, p.Title, p.Images
	return v
}

// drawViewFor builds what caller uid with relation rel may see of d.
// seeAll lists the participants whose unrevealed picks a facilitator may
// see (their facilitator_visibility consent).
func drawViewFor(d *Draw, rel Relation, uid string, taken map[string]bool, picks []drawPick, seeAll map[string]bool) drawDetail {
	v := drawDetail{drawSummary: drawSummary{Draw: *d, Taken: len(taken), Remaining: max(0, d.Size-len(taken))}, Picks: []pickView{}}
	if d.Mode == modeFaceUp {
		v.Spread = make([]spreadCard, len(d.Cards))
		for i, c := range d.Cards {
			v.Spread[i] = spreadCard{drawCard: c, Taken: taken[c.ID]}
		}
	}
	for i := range picks {
		p := &picks[i]
		switch {
		case p.Revealed || (rel == RelParticipant && p.UID == uid):
			v.Picks = append(v.Picks, pickViewOf(d.ID, p, false))
		case rel == RelFacilitator:
			v.Picks = append(v.Picks, pickViewOf(d.ID, p, !seeAll[p.UID]))
		}
	}
	return v
}

func (a *api) getDraw(w http.ResponseWriter, r *http.Request, l *loaded) error {
	ref, err := drawRef(r, l)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := readDraw(ref.Get(ctx))
	if err != nil {
		return txn.Problem(err)
	}
	taken, err := drawTaken(ctx, ref)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	var picks []drawPick
	if l.Rel == RelParticipant {
		// Only what this caller may see is read: their own picks and the
		// revealed ones.
		own, err := drawReadPicks(ctx, ref.Collection(collPicks).Where("uid", "==", l.P.UID))
		if err != nil {
			return httpapi.Unavailable(err)
		}
		shown, err := drawReadPicks(ctx, ref.Collection(collPicks).Where("revealed", "==", true))
		if err != nil {
			return httpapi.Unavailable(err)
		}
		picks = own
		for _, p := range shown {
			if p.UID != l.P.UID {
				picks = append(picks, p)
			}
		}
	} else if picks, err = drawReadPicks(ctx, ref.Collection(collPicks).Query); err != nil {
		return httpapi.Unavailable(err)
	}
	slices.SortFunc(picks, func(x, y drawPick) int {
		return cmp.Or(x.PickedAt.Compare(y.PickedAt), cmp.Compare(x.UID, y.UID), cmp.Compare(x.Slot, y.Slot))
	})
	var seeAll map[string]bool
	if l.Rel == RelFacilitator {
		seeAll = a.drawVisible(ctx, l.Org(), picks)
	}
	v := drawViewFor(d, l.Rel, l.P.UID, taken, picks, seeAll)
	// Only the picks the caller sees are named: a revealed card says whose
	// it is, so the group can talk about it.
	uids := make([]string, 0, len(v.Picks))
	for _, p := range v.Picks {
		uids = append(uids, p.UID)
	}
	names, err := a.participantNames(ctx, l, uids)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	for i := range v.Picks {
		v.Picks[i].DisplayName = names[v.Picks[i].UID]
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// participantNames reads the display names of uids' participant records.
func (a *api) participantNames(ctx context.Context, l *loaded, uids []string) (map[string]string, error) {
	names := map[string]string{}
	var refs []*firestore.DocumentRef
	seen := map[string]bool{}
	for _, u := range uids {
		if !seen[u] && authz.ValidDocID(u) {
			seen[u] = true
			refs = append(refs, l.sub(collParticipants).Doc(u))
		}
	}
	if len(refs) == 0 {
		return names, nil
	}
	snaps, err := a.d.Firestore.GetAll(ctx, refs)
	if err != nil {
		return nil, err
	}
	for _, s := range snaps {
		if s.Exists() {
			if n, _ := s.Data()["display_name"].(string); n != "" {
				names[s.Ref.ID] = n
			}
		}
	}
	return names, nil
}

// drawVisible lists the pickers of unrevealed picks who let facilitators
// see their cards. A failed check hides the card: consent is never
// assumed.
func (a *api) drawVisible(ctx context.Context, org string, picks []drawPick) map[string]bool {
	out := map[string]bool{}
	asked := map[string]bool{}
	for _, p := range picks {
		if p.Revealed || asked[p.UID] {
			continue
		}
		asked[p.UID] = true
		ok, err := a.d.Consent.Allowed(ctx, p.UID, org, string(consentvault.FacilitatorVisibility))
		if err != nil {
			slog.WarnContext(ctx, "sessions: consent check failed; the pick stays hidden", "org_id", org, "err", err)
			continue
		}
		out[p.UID] = ok
	}
	return out
}

// drawReadPicks runs a query over picks.
func drawReadPicks(ctx context.Context, q firestore.Query) ([]drawPick, error) {
	snaps, err := q.Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	out := make([]drawPick, 0, len(snaps))
	for _, s := range snaps {
		var p drawPick
		if err := s.DataTo(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// drawPage is one page of a session's draws, newest first.
type drawPage struct {
	Draws         []Draw `json:"draws"`
	NextPageToken string `json:"next_page_token,omitempty"`
}

func (a *api) listDraws(w http.ResponseWriter, r *http.Request, l *loaded) error {
	ctx := r.Context()
	q, err := pageAfter(r, l.sub(collDraws).OrderBy("opened_at", firestore.Desc).OrderBy(firestore.DocumentID, firestore.Desc),
		l.sub(collDraws), drawPages)
	if err != nil {
		return err
	}
	snaps, err := q.Limit(drawPageSize + 1).Documents(ctx).GetAll()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	page := drawPage{Draws: []Draw{}}
	for i, s := range snaps {
		if i == drawPageSize {
			page.NextPageToken = drawPages.Encode(snaps[i-1].Ref.ID)
			break
		}
		var d Draw
		if err := s.DataTo(&d); err != nil {
			return httpapi.Unavailable(err)
		}
		d.ID = s.Ref.ID
		page.Draws = append(page.Draws, d)
	}
	httpapi.WriteJSON(w, http.StatusOK, page)
	return nil
}

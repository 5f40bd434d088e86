package insights

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/insights"
)

// Collections and documents.
const (
	collOrgs         = "orgs"
	collSessions     = "sessions"
	collParticipants = "participants"
	collHomework     = "homework"
	collCanvases     = "canvases"
	collOps          = "ops"
	collElements     = "elements"
	collInsights     = "insights"
	collContent      = "content"
	docLive          = "live"
	docState         = "state"
	docRetro         = "retrospective"
	docFeedback      = "feedback"
)

// Session statuses and participant states (functions/sessions writes them).
const (
	statusLive  = "live"
	statusEnded = "ended"
	partJoined  = "joined"
	partLeft    = "left"
)

// session is what the insights read of orgs/{org}/sessions/{id}.
type session struct {
	ID             string     `firestore:"-"`
	Org            string     `firestore:"org"`
	Title          string     `firestore:"title"`
	Status         string     `firestore:"status"`
	Facilitator    string     `firestore:"facilitator"`
	CoFacilitators []string   `firestore:"co_facilitators"`
	Plan           []planStep `firestore:"plan"`
	Current        *struct {
		Step      int       `firestore:"step"`
		ChangedAt time.Time `firestore:"changed_at"`
	} `firestore:"current"`
	StartAt   time.Time  `firestore:"start_at"`
	StartedAt *time.Time `firestore:"started_at"`
	EndedAt   *time.Time `firestore:"ended_at"`
	ref       *firestore.DocumentRef
}

type planStep struct {
	Phase string `firestore:"phase"`
}

// phase is the phase of the current step ("" before the start).
func (s *session) phase() string {
	if s.Current == nil || s.Current.Step < 0 || s.Current.Step >= len(s.Plan) {
		return ""
	}
	return s.Plan[s.Current.Step].Phase
}

// started is when the session went live (the scheduled start when unknown).
func (s *session) started() time.Time {
	if s.StartedAt != nil {
		return *s.StartedAt
	}
	return s.StartAt
}

// phaseDoc is one entry of the stored phase timeline.
type phaseDoc struct {
	Phase string    `firestore:"phase"`
	At    time.Time `firestore:"at"`
}

// textDoc is a stored recommendation text.
type textDoc struct {
	Text   string `firestore:"text"`
	Lang   string `firestore:"lang"`
	Source string `firestore:"source"`
}

// stateDoc is orgs/{org}/sessions/{s}/insights/state.
type stateDoc struct {
	Engine *insights.State `firestore:"engine"`
	// Cursors: per canvas, the greatest "t" of the op-log entries read.
	Cursors map[string]int64 `firestore:"cursors"`
	// Seeded: canvases whose existing elements' owners were seeded.
	Seeded map[string]bool `firestore:"seeded"`
	// Steps are phase changes seen in session.step_changed events.
	Steps []phaseDoc `firestore:"steps"`
	// Lang is the facilitator's language for texts.
	Lang string `firestore:"lang"`
	// TextKey names the open recommendations (and language) Texts were
	// written for; Texts are by recommendation id.
	TextKey string             `firestore:"text_key"`
	Texts   map[string]textDoc `firestore:"texts"`
	// Recs are the recommendations of the last flush (their statuses).
	Recs    []insights.Recommendation `firestore:"recs"`
	Version int64                     `firestore:"version"`
	UIDs    []string                  `firestore:"uids"`
	// UIDHashes are uidHash of UIDs and of everyone the engine keeps
	// figures of: a withdrawal finds the session by them even after an
	// erasure took the uid itself out of UIDs.
	UIDHashes []string `firestore:"uid_hashes"`
	// People names everyone the state holds (export and erasure).
	People    []string  `firestore:"people"`
	UpdatedAt time.Time `firestore:"updated_at"`
	Ended     bool      `firestore:"ended"`
}

// peopleOf lists, sorted and once each, every uid of the lists.
func peopleOf(lists ...[]string) []string {
	out := []string{}
	for _, l := range lists {
		for _, u := range l {
			if u != "" && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	slices.Sort(out)
	return out
}

// listed are the uids of a view's participants, shared or not.
func listed(l insights.Live) []string {
	out := make([]string, 0, len(l.Participants))
	for _, p := range l.Participants {
		out = append(out, p.UID)
	}
	return out
}

// uidHash is the key a withdrawal finds a person's documents by.
func uidHash(uid string) string {
	sum := sha256.Sum256([]byte("insights\x00" + uid))
	return hex.EncodeToString(sum[:16])
}

func uidHashes(uids ...[]string) []string {
	out := []string{}
	for _, list := range uids {
		for _, u := range list {
			if h := uidHash(u); !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	sort.Strings(out)
	return out
}

// feedbackDoc is orgs/{org}/sessions/{s}/insights/feedback.
type feedbackDoc struct {
	Statuses  map[string]string `firestore:"statuses"`
	UpdatedAt time.Time         `firestore:"updated_at"`
}

// refs are a session's documents.
type refs struct {
	session, live, state, retro, feedback *firestore.DocumentRef
}

func sessionRefs(fs *firestore.Client, org, id string) refs {
	s := fs.Collection(collOrgs).Doc(org).Collection(collSessions).Doc(id)
	in := s.Collection(collInsights)
	return refs{session: s, live: in.Doc(docLive), state: in.Doc(docState), retro: in.Doc(docRetro), feedback: in.Doc(docFeedback)}
}

// readSession reads the session at ref (nil when there is none).
func readSession(ctx context.Context, ref *firestore.DocumentRef) (*session, error) {
	snap, err := ref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	return decodeSession(snap)
}

// decodeSession reads a fetched session document (the API has it from
// sessionaccess.Find and need not read it again).
func decodeSession(snap *firestore.DocumentSnapshot) (*session, error) {
	s := &session{}
	if err := snap.DataTo(s); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	ref := snap.Ref
	s.ID, s.ref = ref.ID, ref
	if s.Org == "" {
		s.Org = ref.Parent.Parent.ID
	}
	return s, nil
}

// participant is what the insights read of a participant document.
type participant struct {
	UID         string     `firestore:"uid"`
	State       string     `firestore:"state"`
	DisplayName string     `firestore:"display_name"`
	JoinedAt    *time.Time `firestore:"joined_at"`
}

// readParticipants lists the people who joined the session (also those
// who left since), ordered by uid, with their display names.
func readParticipants(ctx context.Context, ref *firestore.DocumentRef) ([]string, map[string]string, error) {
	docs, err := ref.Collection(collParticipants).Where("state", "in", []string{partJoined, partLeft}).Documents(ctx).GetAll()
	if err != nil {
		return nil, nil, fmt.Errorf("read participants: %w", err)
	}
	var uids []string
	names := map[string]string{}
	for _, d := range docs {
		var p participant
		if err := d.DataTo(&p); err != nil {
			continue
		}
		if p.UID == "" {
			p.UID = d.Ref.ID
		}
		if p.State == partLeft && p.JoinedAt == nil {
			continue
		}
		uids = append(uids, p.UID)
		names[p.UID] = p.DisplayName
	}
	sort.Strings(uids)
	return uids, names, nil
}

// timeline is the session's phase changes: the first planned phase at the
// start, the changes seen in events and the current phase since its last
// change, ordered, with repeats of the same phase folded.
func timeline(s *session, steps []phaseDoc) []insights.PhaseChange {
	var all []phaseDoc
	start := s.started()
	if len(s.Plan) > 0 && !start.IsZero() {
		all = append(all, phaseDoc{Phase: s.Plan[0].Phase, At: start})
	}
	all = append(all, steps...)
	if ph := s.phase(); ph != "" && s.Current != nil && !s.Current.ChangedAt.IsZero() {
		all = append(all, phaseDoc{Phase: ph, At: s.Current.ChangedAt})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.Before(all[j].At) })
	var out []insights.PhaseChange
	for _, p := range all {
		if p.Phase == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Phase == p.Phase {
			continue
		}
		out = append(out, insights.PhaseChange{Phase: p.Phase, At: p.At.UTC()})
	}
	return out
}

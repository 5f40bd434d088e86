package journal

import (
	"encoding/json"
	"time"

	"pointsofyou.ai/studio/shared/httpapi"
)

// Values of Entry.Mode and Entry.Visibility.
const (
	ModeStandalone = "standalone"
	ModeInSession  = "in_session"

	VisibilityPrivate     = "private"
	VisibilityFacilitator = "shared_with_facilitator"
)

// Field limits of the contract.
const (
	MaxTitle     = 200
	MaxBody      = 100_000
	MaxTags      = 20
	MaxTag       = 40
	MaxCardRefs  = 20
	MaxMutations = 500
	MaxPushBody  = 2 << 20
	MaxPull      = 1000
	DefaultPull  = 500
	// TombstoneTTL is how long a deleted entry stays (restore, and every
	// device learning of the delete); Firestore's TTL on expire_at removes it.
	TombstoneTTL = 30 * 24 * time.Hour
)

// CardRef names a card the entry is about.
type CardRef struct {
	ItemID string `json:"item_id,omitempty" firestore:"item_id,omitempty"`
	DrawID string `json:"draw_id,omitempty" firestore:"draw_id,omitempty"`
	PickID string `json:"pick_id,omitempty" firestore:"pick_id,omitempty"`
	Title  string `json:"title" firestore:"title"`
}

// Conflict is a version of the body a concurrent edit could not merge:
// kept beside the entry until the person resolves it.
type Conflict struct {
	ID        string    `json:"id" firestore:"id"`
	Title     string    `json:"title" firestore:"title"`
	Body      string    `json:"body" firestore:"body"`
	ClientID  string    `json:"client_id" firestore:"client_id"`
	CreatedAt time.Time `json:"created_at" firestore:"created_at"`
}

// Entry is users/{uid}/journal_entries/{id} as the contract shows it.
type Entry struct {
	ID         string     `json:"id" firestore:"id"`
	Title      string     `json:"title" firestore:"title"`
	Body       string     `json:"body" firestore:"body"`
	Mode       string     `json:"mode" firestore:"mode"`
	SessionID  string     `json:"session_id" firestore:"session_id"`
	Visibility string     `json:"visibility" firestore:"visibility"`
	Tags       []string   `json:"tags" firestore:"tags"`
	CardRefs   []CardRef  `json:"card_refs" firestore:"card_refs"`
	Mood       int        `json:"mood" firestore:"mood"`
	PromptID   string     `json:"prompt_id" firestore:"prompt_id"`
	CreatedAt  time.Time  `json:"created_at" firestore:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at" firestore:"updated_at"`
	Rev        int        `json:"rev" firestore:"rev"`
	Version    int64      `json:"version" firestore:"version"`
	Deleted    bool       `json:"deleted" firestore:"deleted"`
	Conflicts  []Conflict `json:"conflicts" firestore:"conflicts"`
	Words      int        `json:"words" firestore:"words"`
	Bytes      int        `json:"bytes" firestore:"bytes"`

	// BodyRev is the rev of the last body change; DeletedRev the rev the
	// delete made. A delete that did not see the latest words, or an edit
	// the delete did not see, keeps the entry: typed words win.
	BodyRev    int `json:"-" firestore:"body_rev"`
	DeletedRev int `json:"-" firestore:"deleted_rev"`
	// ExpireAt is set on tombstones only (Firestore TTL).
	ExpireAt *time.Time `json:"-" firestore:"expire_at"`
	// Terms are the folded, stemmed words of title, body and tags (search).
	Terms []string `json:"-" firestore:"terms"`
}

// size is what the entry counts against the byte limit.
func (e *Entry) size() int {
	n := len(e.Title) + len(e.Body)
	for _, c := range e.Conflicts {
		n += len(c.Title) + len(c.Body)
	}
	return n
}

// normalize gives empty lists instead of nulls and refreshes the derived
// fields (words, bytes, terms).
func (e *Entry) normalize() {
	if e.Tags == nil {
		e.Tags = []string{}
	}
	if e.CardRefs == nil {
		e.CardRefs = []CardRef{}
	}
	if e.Conflicts == nil {
		e.Conflicts = []Conflict{}
	}
	e.Words = countWords(e.Title + " " + e.Body)
	e.Bytes = e.size()
	e.Terms = entryTerms(e)
}

// Mutation is one queued change of a client.
type Mutation struct {
	ID   int64           `json:"id"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

// PushRequest is POST /v1/push.
type PushRequest struct {
	ClientID  string     `json:"client_id"`
	Mutations []Mutation `json:"mutations"`
}

// Validate checks the envelope; a mutation's args are checked when it is
// applied (invalid args are a no-op with an error, never a refused push).
func (q *PushRequest) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	if !validClientID(q.ClientID) {
		fs = append(fs, httpapi.Field("client_id", "must be a UUID"))
	}
	if len(q.Mutations) > MaxMutations {
		fs = append(fs, httpapi.Field("mutations", "at most %d mutations a push", MaxMutations))
	}
	for i, m := range q.Mutations {
		if m.ID < 1 {
			fs = append(fs, httpapi.Field("mutations["+itoa(i)+"].id", "must be at least 1"))
		}
		if i > 0 && m.ID != q.Mutations[i-1].ID+1 {
			fs = append(fs, httpapi.Field("mutations["+itoa(i)+"].id", "mutation ids must rise by one"))
		}
	}
	return fs
}

// MutationError is a mutation applied as a no-op because it was invalid.
type MutationError struct {
	MutationID int64           `json:"mutation_id"`
	Problem    httpapi.Problem `json:"problem"`
}

// Usage is what the person's journal holds against their tier's limits.
type Usage struct {
	Tier         string `json:"tier"`
	Entries      int    `json:"entries"`
	EntriesLimit int    `json:"entries_limit"`
	Bytes        int64  `json:"bytes"`
	BytesLimit   int64  `json:"bytes_limit"`
	Warning      bool   `json:"warning"`
}

// PushResponse is the 200 answer of a push.
type PushResponse struct {
	LastMutationID int64           `json:"last_mutation_id"`
	Errors         []MutationError `json:"errors"`
	Usage          Usage           `json:"usage"`
}

// PullRequest is POST /v1/pull.
type PullRequest struct {
	ClientID string `json:"client_id"`
	Cookie   int64  `json:"cookie"`
	Limit    int    `json:"limit"`
}

// Validate checks the pull.
func (q *PullRequest) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	if !validClientID(q.ClientID) {
		fs = append(fs, httpapi.Field("client_id", "must be a UUID"))
	}
	if q.Cookie < 0 {
		fs = append(fs, httpapi.Field("cookie", "must not be negative"))
	}
	if q.Limit < 0 || q.Limit > MaxPull {
		fs = append(fs, httpapi.Field("limit", "must be 1..%d", MaxPull))
	}
	return fs
}

// PullResponse is the answer of a pull.
type PullResponse struct {
	Cookie                int64            `json:"cookie"`
	LastMutationID        int64            `json:"last_mutation_id"`
	LastMutationIDChanges map[string]int64 `json:"last_mutation_id_changes"`
	Entries               []Entry          `json:"entries"`
	More                  bool             `json:"more"`
}

// normalizeLists gives empty lists instead of nulls (as stored data may
// lack them) without recomputing anything.
func (e *Entry) normalizeLists() {
	if e.Tags == nil {
		e.Tags = []string{}
	}
	if e.CardRefs == nil {
		e.CardRefs = []CardRef{}
	}
	if e.Conflicts == nil {
		e.Conflicts = []Conflict{}
	}
}

package journalsim

import (
	"encoding/json"
	"time"
)

// The sync contract's JSON, declared here again rather than imported from
// the backend: the model speaks the wire format as the web app does, so a
// field renamed on one side only breaks the convergence test.

// Entry is an entry as pulled.
type Entry struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	Mode       string     `json:"mode"`
	SessionID  string     `json:"session_id"`
	Visibility string     `json:"visibility"`
	Tags       []string   `json:"tags"`
	CardRefs   []CardRef  `json:"card_refs"`
	Mood       int        `json:"mood"`
	PromptID   string     `json:"prompt_id"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Rev        int        `json:"rev"`
	Version    int64      `json:"version"`
	Deleted    bool       `json:"deleted"`
	Conflicts  []Conflict `json:"conflicts"`
	Words      int        `json:"words"`
	Bytes      int        `json:"bytes"`
}

// CardRef names a card.
type CardRef struct {
	ItemID string `json:"item_id,omitempty"`
	DrawID string `json:"draw_id,omitempty"`
	PickID string `json:"pick_id,omitempty"`
	Title  string `json:"title"`
}

// Conflict is a kept version of the body.
type Conflict struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	ClientID  string    `json:"client_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Mutation names.
const (
	Create  = "createEntry"
	Update  = "updateEntry"
	Delete  = "deleteEntry"
	Restore = "restoreEntry"
	Resolve = "resolveConflict"
)

// Mutation is one queued change.
type Mutation struct {
	ID   int64           `json:"id"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

type createArgs struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	Mode       string    `json:"mode"`
	SessionID  string    `json:"session_id"`
	Visibility string    `json:"visibility"`
	Tags       []string  `json:"tags"`
	CardRefs   []CardRef `json:"card_refs"`
	Mood       int       `json:"mood"`
	PromptID   string    `json:"prompt_id"`
	CreatedAt  time.Time `json:"created_at"`
}

type updateArgs struct {
	ID       string    `json:"id"`
	BaseRev  int       `json:"base_rev"`
	BaseBody *string   `json:"base_body,omitempty"`
	Title    *string   `json:"title,omitempty"`
	Body     *string   `json:"body,omitempty"`
	Tags     *[]string `json:"tags,omitempty"`
	Mood     *int      `json:"mood,omitempty"`
}

type deleteArgs struct {
	ID      string `json:"id"`
	BaseRev int    `json:"base_rev"`
}

type restoreArgs struct {
	ID string `json:"id"`
}

type resolveArgs struct {
	ID       string   `json:"id"`
	BaseRev  int      `json:"base_rev"`
	Body     string   `json:"body"`
	Resolved []string `json:"resolved"`
}

type pushRequest struct {
	ClientID  string     `json:"client_id"`
	Mutations []Mutation `json:"mutations"`
}

type pushResponse struct {
	LastMutationID int64 `json:"last_mutation_id"`
	Errors         []struct {
		MutationID int64 `json:"mutation_id"`
	} `json:"errors"`
}

type pullRequest struct {
	ClientID string `json:"client_id"`
	Cookie   int64  `json:"cookie"`
	Limit    int    `json:"limit,omitempty"`
}

type pullResponse struct {
	Cookie         int64   `json:"cookie"`
	LastMutationID int64   `json:"last_mutation_id"`
	Entries        []Entry `json:"entries"`
	More           bool    `json:"more"`
}

// problem is the part of an application/problem+json answer the device reads.
type problem struct {
	Type           string `json:"type"`
	Status         int    `json:"status"`
	Detail         string `json:"detail"`
	LastMutationID *int64 `json:"last_mutation_id"`
	MutationID     int64  `json:"mutation_id"`
}

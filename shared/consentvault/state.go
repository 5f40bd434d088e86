package consentvault

import "time"

// Entry is the current decision for one purpose (and org scope).
type Entry struct {
	Purpose       Purpose   `firestore:"purpose" json:"purpose"`
	Org           string    `firestore:"org" json:"org,omitempty"`
	Granted       bool      `firestore:"granted" json:"granted"`
	PolicyVersion int       `firestore:"policy_version" json:"policy_version"`
	At            time.Time `firestore:"at" json:"at"`
	Seq           int64     `firestore:"seq" json:"receipt_seq"`
}

// State is users/{uid}/consent/state: the decisions derived from the
// receipts, kept in step with them in the same transaction.
type State struct {
	// Entries by key (see Key).
	Entries   map[string]Entry `firestore:"entries"`
	HeadSeq   int64            `firestore:"head_seq"`
	HeadHash  string           `firestore:"head_hash"`
	UpdatedAt time.Time        `firestore:"updated_at"`
}

// Key is the State entry key of purpose, scoped to org ("" for every org).
func Key(p Purpose, org string) string {
	if org == "" {
		return string(p)
	}
	return string(p) + "@" + org
}

// Allowed says whether the state grants purpose in org: the org-scoped
// decision when there is one, else the global one; nothing means no.
func (s State) Allowed(p Purpose, org string) bool {
	if org != "" {
		if e, ok := s.Entries[Key(p, org)]; ok {
			return e.Granted
		}
	}
	return s.Entries[Key(p, "")].Granted
}

// Apply returns the state after receipt r.
func (s State) Apply(r Receipt) State {
	out := State{Entries: make(map[string]Entry, len(s.Entries)+1), HeadSeq: r.Seq, HeadHash: r.Hash, UpdatedAt: r.At}
	for k, v := range s.Entries {
		out.Entries[k] = v
	}
	out.Entries[Key(r.Purpose, r.Org)] = Entry{
		Purpose: r.Purpose, Org: r.Org, Granted: r.Decision == Grant,
		PolicyVersion: r.PolicyVersion, At: r.At, Seq: r.Seq,
	}
	return out
}

// Derive replays receipts into a state.
func Derive(receipts []Receipt) State {
	s := State{Entries: map[string]Entry{}}
	for _, r := range receipts {
		s = s.Apply(r)
	}
	return s
}

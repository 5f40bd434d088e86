package consentvault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Firestore names.
const (
	ColUsers    = "users"
	ColConsent  = "consent" // holds the one "state" document per user
	DocState    = "state"
	ColReceipts = "consent_receipts"
	ColPolicies = "consent_policies"
	ColVersions = "versions"
)

// Errors of Store.
var (
	ErrUnknownPurpose = errors.New("consent: unknown purpose")
	ErrNoPolicy       = errors.New("consent: no policy published for the purpose")
	ErrNoText         = errors.New("consent: the policy has no text in that locale")
	ErrInvalid        = errors.New("consent: invalid change")
)

// DefaultLocale is the locale every policy must have a text in.
const DefaultLocale = "en"

// Policy is one published version of a purpose's policy.
type Policy struct {
	Purpose     Purpose           `firestore:"purpose" json:"purpose"`
	Version     int               `firestore:"version" json:"version"`
	Texts       map[string]string `firestore:"texts" json:"texts"`
	Hashes      map[string]string `firestore:"hashes" json:"hashes"`
	PublishedAt time.Time         `firestore:"published_at" json:"published_at"`
}

// Text returns the text in locale, falling back to DefaultLocale, and the
// locale actually used.
func (p Policy) Text(locale string) (string, string, bool) {
	if t, ok := p.Texts[locale]; ok {
		return t, locale, true
	}
	t, ok := p.Texts[DefaultLocale]
	return t, DefaultLocale, ok
}

type policyHead struct {
	Current int `firestore:"current"`
}

// Store keeps consent in Firestore.
type Store struct {
	fs  *firestore.Client
	now func() time.Time
}

// NewStore uses fs; now defaults to time.Now.
func NewStore(fs *firestore.Client, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{fs: fs, now: now}
}

// StateRef is users/{uid}/consent/state.
func (s *Store) StateRef(uid string) *firestore.DocumentRef {
	return s.fs.Collection(ColUsers).Doc(uid).Collection(ColConsent).Doc(DocState)
}

func (s *Store) receipts(uid string) *firestore.CollectionRef {
	return s.fs.Collection(ColUsers).Doc(uid).Collection(ColReceipts)
}

// ReceiptID is the document id of seq; zero-padded so ids sort like seqs.
func ReceiptID(seq int64) string { return fmt.Sprintf("%012d", seq) }

// PublishPolicy publishes the next version of purpose's policy. texts maps
// locale to text and must hold DefaultLocale.
func (s *Store) PublishPolicy(ctx context.Context, p Purpose, texts map[string]string) (Policy, error) {
	if !p.Valid() {
		return Policy{}, ErrUnknownPurpose
	}
	if texts[DefaultLocale] == "" {
		return Policy{}, fmt.Errorf("%w: a text in %q is required", ErrInvalid, DefaultLocale)
	}
	head := s.fs.Collection(ColPolicies).Doc(string(p))
	var out Policy
	err := s.fs.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
		var h policyHead
		snap, err := tx.Get(head)
		switch {
		case status.Code(err) == codes.NotFound:
		case err != nil:
			return err
		default:
			if err := snap.DataTo(&h); err != nil {
				return err
			}
		}
		out = Policy{Purpose: p, Version: h.Current + 1, Texts: texts, Hashes: map[string]string{}, PublishedAt: s.now().UTC()}
		for loc, t := range texts {
			out.Hashes[loc] = TextHash(t)
		}
		if err := tx.Create(head.Collection(ColVersions).Doc(fmt.Sprint(out.Version)), out); err != nil {
			return err
		}
		return tx.Set(head, policyHead{Current: out.Version})
	})
	return out, err
}

// CurrentPolicy returns the latest version of purpose's policy.
func (s *Store) CurrentPolicy(ctx context.Context, p Purpose) (Policy, bool, error) {
	if !p.Valid() {
		return Policy{}, false, ErrUnknownPurpose
	}
	snap, err := s.fs.Collection(ColPolicies).Doc(string(p)).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return Policy{}, false, nil
	}
	if err != nil {
		return Policy{}, false, err
	}
	var h policyHead
	if err := snap.DataTo(&h); err != nil {
		return Policy{}, false, err
	}
	return s.Policy(ctx, p, h.Current)
}

// Policy returns one version of purpose's policy.
func (s *Store) Policy(ctx context.Context, p Purpose, version int) (Policy, bool, error) {
	snap, err := s.fs.Collection(ColPolicies).Doc(string(p)).Collection(ColVersions).Doc(fmt.Sprint(version)).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return Policy{}, false, nil
	}
	if err != nil {
		return Policy{}, false, err
	}
	var pol Policy
	return pol, true, snap.DataTo(&pol)
}

// Change is one decision to record.
type Change struct {
	UID       string
	Purpose   Purpose
	Org       string // "" for every organisation
	Decision  Decision
	Locale    string // the locale of the text the person saw
	Mechanism string
}

// Record appends the receipt of c and updates the state, in one
// transaction. A change that repeats the current decision under the
// current policy version writes nothing and returns changed=false.
func (s *Store) Record(ctx context.Context, c Change) (r Receipt, st State, changed bool, err error) {
	switch {
	case c.UID == "":
		return r, st, false, fmt.Errorf("%w: no uid", ErrInvalid)
	case !c.Purpose.Valid():
		return r, st, false, ErrUnknownPurpose
	case !c.Decision.Valid():
		return r, st, false, fmt.Errorf("%w: decision %q", ErrInvalid, c.Decision)
	case !ValidMechanism(c.Mechanism):
		return r, st, false, fmt.Errorf("%w: mechanism %q", ErrInvalid, c.Mechanism)
	}
	pol, found, err := s.CurrentPolicy(ctx, c.Purpose)
	if err != nil {
		return r, st, false, err
	}
	var policyHash, locale string
	if found {
		var text string
		text, locale, _ = pol.Text(c.Locale)
		policyHash = TextHash(text)
	} else if c.Decision == Grant {
		// Nobody can agree to a text that does not exist; withdrawing is
		// always possible.
		return r, st, false, ErrNoPolicy
	}
	ref := s.StateRef(c.UID)
	err = s.fs.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
		cur, err := readState(tx.Get(ref))
		if err != nil {
			return err
		}
		e, had := cur.Entries[Key(c.Purpose, c.Org)]
		if had && e.Granted == (c.Decision == Grant) && e.PolicyVersion == pol.Version {
			r, st, changed = Receipt{}, cur, false
			return nil
		}
		prev := cur.HeadHash
		if cur.HeadSeq == 0 {
			prev = GenesisHash
		}
		r = Receipt{
			Seq: cur.HeadSeq + 1, UID: c.UID, Purpose: c.Purpose, Org: c.Org, Decision: c.Decision,
			PolicyVersion: pol.Version, PolicyLocale: locale, PolicyHash: policyHash, Mechanism: c.Mechanism,
			At: s.now().UTC().Truncate(time.Microsecond), PrevHash: prev,
		}
		r.Hash = r.ComputeHash()
		st, changed = cur.Apply(r), true
		if err := tx.Create(s.receipts(c.UID).Doc(ReceiptID(r.Seq)), r); err != nil {
			return err
		}
		return tx.Set(ref, st)
	})
	return r, st, changed, err
}

func readState(snap *firestore.DocumentSnapshot, err error) (State, error) {
	if status.Code(err) == codes.NotFound {
		return State{Entries: map[string]Entry{}}, nil
	}
	if err != nil {
		return State{}, err
	}
	var st State
	if err := snap.DataTo(&st); err != nil {
		return State{}, err
	}
	if st.Entries == nil {
		st.Entries = map[string]Entry{}
	}
	return st, nil
}

// State reads uid's state; a person without one has every purpose denied.
func (s *Store) State(ctx context.Context, uid string) (State, error) {
	return readState(s.StateRef(uid).Get(ctx))
}

// Receipts lists uid's receipts in chain order.
func (s *Store) Receipts(ctx context.Context, uid string) ([]Receipt, error) {
	snaps, err := s.receipts(uid).OrderBy(firestore.DocumentID, firestore.Asc).Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	out := make([]Receipt, 0, len(snaps))
	for _, sn := range snaps {
		var r Receipt
		if err := sn.DataTo(&r); err != nil {
			return nil, fmt.Errorf("%w: receipt %s unreadable: %v", ErrBrokenChain, sn.Ref.ID, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Verification is the result of Verify.
type Verification struct {
	Intact   bool   `json:"intact"`
	Receipts int    `json:"receipts"`
	HeadHash string `json:"head_hash,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// Verify checks uid's receipts form an intact chain ending at the state's
// head, and that the state is what the receipts derive.
func (s *Store) Verify(ctx context.Context, uid string) (Verification, error) {
	st, err := s.State(ctx, uid)
	if err != nil {
		return Verification{}, err
	}
	rs, err := s.Receipts(ctx, uid)
	if errors.Is(err, ErrBrokenChain) {
		return Verification{Intact: false, Problem: err.Error()}, nil
	}
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Intact: true, Receipts: len(rs), HeadHash: st.HeadHash}
	if err := VerifyChain(rs, st.HeadSeq, st.HeadHash); err != nil {
		v.Intact, v.Problem = false, err.Error()
		return v, nil
	}
	if !sameDecisions(Derive(rs), st) {
		v.Intact, v.Problem = false, "the recorded state differs from what the receipts derive"
	}
	return v, nil
}

func sameDecisions(a, b State) bool {
	if len(a.Entries) != len(b.Entries) {
		return false
	}
	for k, e := range a.Entries {
		f, ok := b.Entries[k]
		if !ok || e.Granted != f.Granted || e.Seq != f.Seq || e.PolicyVersion != f.PolicyVersion {
			return false
		}
	}
	return true
}

// List lists a state's entries sorted by purpose then org, with every
// purpose present globally (absent ones as not granted).
func (st State) List() []Entry {
	var out []Entry
	for _, p := range purposes {
		e, ok := st.Entries[Key(p, "")]
		if !ok {
			e = Entry{Purpose: p}
		}
		out = append(out, e)
	}
	var scoped []Entry
	for k, e := range st.Entries {
		if e.Org != "" && k == Key(e.Purpose, e.Org) {
			scoped = append(scoped, e)
		}
	}
	slices.SortFunc(scoped, func(a, b Entry) int {
		if a.Purpose != b.Purpose {
			return slices.Index(purposes, a.Purpose) - slices.Index(purposes, b.Purpose)
		}
		if a.Org < b.Org {
			return -1
		}
		if a.Org > b.Org {
			return 1
		}
		return 0
	})
	return append(out, scoped...)
}

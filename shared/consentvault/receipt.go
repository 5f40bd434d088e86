package consentvault

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// GenesisHash is the previous hash of a person's first receipt.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Receipt is one recorded decision. Hash covers every other field.
type Receipt struct {
	Seq           int64     `firestore:"seq" json:"seq"`
	UID           string    `firestore:"uid" json:"-"`
	Purpose       Purpose   `firestore:"purpose" json:"purpose"`
	Org           string    `firestore:"org" json:"org,omitempty"` // "" for every organisation
	Decision      Decision  `firestore:"decision" json:"decision"`
	PolicyVersion int       `firestore:"policy_version" json:"policy_version"`
	PolicyLocale  string    `firestore:"policy_locale" json:"policy_locale"`
	PolicyHash    string    `firestore:"policy_hash" json:"policy_hash"` // SHA-256 of the text shown
	Mechanism     string    `firestore:"mechanism" json:"mechanism"`
	At            time.Time `firestore:"at" json:"at"`
	PrevHash      string    `firestore:"prev_hash" json:"prev_hash"`
	Hash          string    `firestore:"hash" json:"hash"`
}

// canonical is the hashed encoding: a fixed field order, UTC times with
// nanoseconds, and a version tag so the encoding can evolve.
type canonical struct {
	V             string `json:"v"`
	Seq           int64  `json:"seq"`
	UID           string `json:"uid"`
	Purpose       string `json:"purpose"`
	Org           string `json:"org"`
	Decision      string `json:"decision"`
	PolicyVersion int    `json:"policy_version"`
	PolicyLocale  string `json:"policy_locale"`
	PolicyHash    string `json:"policy_hash"`
	Mechanism     string `json:"mechanism"`
	At            string `json:"at"`
	PrevHash      string `json:"prev_hash"`
}

// ComputeHash is the hash the receipt must carry.
func (r Receipt) ComputeHash() string {
	b, err := json.Marshal(canonical{
		V: "poy.consent.receipt.v1", Seq: r.Seq, UID: r.UID, Purpose: string(r.Purpose), Org: r.Org,
		Decision: string(r.Decision), PolicyVersion: r.PolicyVersion, PolicyLocale: r.PolicyLocale,
		PolicyHash: r.PolicyHash, Mechanism: r.Mechanism, At: r.At.UTC().Format(time.RFC3339Nano), PrevHash: r.PrevHash,
	})
	if err != nil {
		panic(err) // a struct of strings and ints always encodes
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TextHash is the hex SHA-256 of a policy text.
func TextHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// ErrBrokenChain is wrapped by every VerifyChain failure.
var ErrBrokenChain = errors.New("consent: receipt chain is broken")

// VerifyChain checks receipts (in order) form an unbroken chain from the
// genesis to head: consecutive seqs from 1, each hash right, each linked to
// the previous one, and the last one equal to the recorded head.
func VerifyChain(receipts []Receipt, headSeq int64, headHash string) error {
	prev := GenesisHash
	for i, r := range receipts {
		switch {
		case r.Seq != int64(i+1):
			return fmt.Errorf("%w: receipt %d has seq %d", ErrBrokenChain, i+1, r.Seq)
		case r.PrevHash != prev:
			return fmt.Errorf("%w: receipt %d does not link to its predecessor", ErrBrokenChain, r.Seq)
		case r.ComputeHash() != r.Hash:
			return fmt.Errorf("%w: receipt %d was altered", ErrBrokenChain, r.Seq)
		}
		prev = r.Hash
	}
	if int64(len(receipts)) != headSeq {
		return fmt.Errorf("%w: %d receipts, but the head is at %d", ErrBrokenChain, len(receipts), headSeq)
	}
	if headSeq > 0 && prev != headHash {
		return fmt.Errorf("%w: the last receipt is not the recorded head", ErrBrokenChain)
	}
	return nil
}

package events

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// EnvPseudonymKey names the secret the actor pseudonyms derive from. In
// Google Cloud it comes from Secret Manager (mounted as this variable).
const EnvPseudonymKey = "PSEUDONYM_HMAC_KEY"

// minKeyLen is the shortest secret accepted: 256 bits.
const minKeyLen = 32

// devKey serves demo- projects only (the local suite), where no secret
// exists and nothing leaves the machine.
const devKey = "poy-local-development-pseudonym-key-not-a-secret"

// Pseudonymizer turns a uid into the pseudonymous actor of an org's events:
// base64url(HMAC-SHA256(orgKey, uid))[:22] (the first 128 bits), where
// orgKey = HMAC-SHA256(secret, "poy.actor.v1/" + org). The same person has
// unrelated actors in two orgs, and nobody without the secret can link an
// actor to a uid; with it, erasure finds a person's rows.
type Pseudonymizer struct {
	secret []byte
}

// NewPseudonymizer uses secret, at least 32 bytes.
func NewPseudonymizer(secret []byte) (*Pseudonymizer, error) {
	if len(secret) < minKeyLen {
		return nil, fmt.Errorf("events: pseudonym key is %d bytes; at least %d are needed", len(secret), minKeyLen)
	}
	return &Pseudonymizer{secret: append([]byte(nil), secret...)}, nil
}

// PseudonymizerFromEnv reads PSEUDONYM_HMAC_KEY through lookup. A demo-
// project without the variable gets a fixed development key; any other
// project without it is an error, never a silent default.
func PseudonymizerFromEnv(project string, lookup func(string) string) (*Pseudonymizer, error) {
	if k := strings.TrimSpace(lookup(EnvPseudonymKey)); k != "" {
		return NewPseudonymizer([]byte(k))
	}
	if strings.HasPrefix(project, "demo-") {
		return NewPseudonymizer([]byte(devKey))
	}
	return nil, errors.New("events: " + EnvPseudonymKey + " is not set (only demo- projects have a development key)")
}

// Actor returns the pseudonym of uid in org.
func (p *Pseudonymizer) Actor(org, uid string) string {
	m := hmac.New(sha256.New, p.secret)
	m.Write([]byte("poy.actor.v1/" + org))
	orgKey := m.Sum(nil)
	m = hmac.New(sha256.New, orgKey)
	m.Write([]byte(uid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

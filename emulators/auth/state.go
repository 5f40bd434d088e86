package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"
)

// projectNumber is the fixed, obviously fake project number Google's emulator reports.
const projectNumber = "12345"

// Providers (firebase.sign_in_provider and providerUserInfo.providerId).
const (
	providerPassword  = "password"
	providerAnonymous = "anonymous"
	providerPhone     = "phone"
	providerCustom    = "custom"
)

// User is an account in the Identity Toolkit JSON shape; the same shape is
// answered by lookup and batchGet and written to accounts.json. Timestamps
// are strings as in the API: createdAt and lastLoginAt in milliseconds,
// validSince in seconds, lastRefreshAt RFC 3339.
type User struct {
	LocalID           string             `json:"localId"`
	Email             string             `json:"email,omitempty"`
	EmailVerified     bool               `json:"emailVerified"`
	DisplayName       string             `json:"displayName,omitempty"`
	PhotoURL          string             `json:"photoUrl,omitempty"`
	PhoneNumber       string             `json:"phoneNumber,omitempty"`
	Disabled          bool               `json:"disabled,omitempty"`
	PasswordHash      string             `json:"passwordHash,omitempty"`
	Salt              string             `json:"salt,omitempty"`
	PasswordUpdatedAt int64              `json:"passwordUpdatedAt,omitempty"`
	CustomAttributes  string             `json:"customAttributes,omitempty"`
	ProviderUserInfo  []ProviderUserInfo `json:"providerUserInfo"`
	ValidSince        string             `json:"validSince,omitempty"`
	CreatedAt         string             `json:"createdAt,omitempty"`
	LastLoginAt       string             `json:"lastLoginAt,omitempty"`
	LastRefreshAt     string             `json:"lastRefreshAt,omitempty"`
}

// ProviderUserInfo is one linked provider of a user.
type ProviderUserInfo struct {
	ProviderID  string `json:"providerId"`
	RawID       string `json:"rawId"`
	FederatedID string `json:"federatedId,omitempty"`
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	PhotoURL    string `json:"photoUrl,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// OOBCode is an out-of-band code as listed by GET /emulator/v1/projects/{p}/oobCodes.
type OOBCode struct {
	Email       string `json:"email"`
	OOBCode     string `json:"oobCode"`
	OOBLink     string `json:"oobLink"`
	RequestType string `json:"requestType"`
}

// project is the state of one project id; the Server lock guards it.
type project struct {
	id       string
	users    map[string]*User
	byEmail  map[string]string
	byPhone  map[string]string
	indexed  map[string]indexKey // what put last indexed per localId
	oobs     map[string]*OOBCode
	oobOrder []string // issue order, for listing
}

type indexKey struct{ email, phone string }

func newProject(id string) *project {
	return &project{
		id:      id,
		users:   map[string]*User{},
		byEmail: map[string]string{},
		byPhone: map[string]string{},
		indexed: map[string]indexKey{},
		oobs:    map[string]*OOBCode{},
	}
}

func (p *project) clearAccounts() {
	p.users = map[string]*User{}
	p.byEmail = map[string]string{}
	p.byPhone = map[string]string{}
	p.indexed = map[string]indexKey{}
}

func (p *project) userByEmail(email string) *User {
	if id, ok := p.byEmail[canonicalEmail(email)]; ok {
		return p.users[id]
	}
	return nil
}

func (p *project) userByPhone(phone string) *User {
	if id, ok := p.byPhone[phone]; ok {
		return p.users[id]
	}
	return nil
}

// put stores u (new or changed) and refreshes the indexes and providers.
// Callers have already checked that email and phone are free.
func (p *project) put(u *User) {
	p.unindex(u.LocalID)
	if u.Email != "" {
		p.byEmail[u.Email] = u.LocalID
	}
	if u.PhoneNumber != "" {
		p.byPhone[u.PhoneNumber] = u.LocalID
	}
	p.indexed[u.LocalID] = indexKey{email: u.Email, phone: u.PhoneNumber}
	u.syncProviders()
	p.users[u.LocalID] = u
}

// unindex drops the index entries last recorded for localID.
func (p *project) unindex(localID string) {
	k, ok := p.indexed[localID]
	if !ok {
		return
	}
	if p.byEmail[k.email] == localID {
		delete(p.byEmail, k.email)
	}
	if p.byPhone[k.phone] == localID {
		delete(p.byPhone, k.phone)
	}
	delete(p.indexed, localID)
}

func (p *project) remove(u *User) {
	p.unindex(u.LocalID)
	delete(p.users, u.LocalID)
}

// sortedUsers returns the users ordered by localId (batchGet's order).
func (p *project) sortedUsers() []*User {
	out := make([]*User, 0, len(p.users))
	for _, u := range p.users {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *User) int { return strings.Compare(a.LocalID, b.LocalID) })
	return out
}

func (p *project) addOOB(o *OOBCode) {
	p.oobs[o.OOBCode] = o
	p.oobOrder = append(p.oobOrder, o.OOBCode)
}

func (p *project) deleteOOB(code string) {
	delete(p.oobs, code)
	p.oobOrder = slices.DeleteFunc(p.oobOrder, func(c string) bool { return c == code })
}

func (p *project) listOOB() []OOBCode {
	out := make([]OOBCode, 0, len(p.oobOrder))
	for _, c := range p.oobOrder {
		out = append(out, *p.oobs[c])
	}
	return out
}

// newLocalID makes a 28-character uid like Google's.
func (p *project) newLocalID() string {
	for {
		id := randomString(28)
		if _, taken := p.users[id]; !taken {
			return id
		}
	}
}

// syncProviders derives providerUserInfo from the email/password and phone
// fields, keeping any other provider (e.g. custom) untouched.
func (u *User) syncProviders() {
	kept := make([]ProviderUserInfo, 0, len(u.ProviderUserInfo)+2)
	for _, pi := range u.ProviderUserInfo {
		if pi.ProviderID != providerPassword && pi.ProviderID != providerPhone {
			kept = append(kept, pi)
		}
	}
	if u.Email != "" && u.PasswordHash != "" {
		kept = append(kept, ProviderUserInfo{
			ProviderID: providerPassword, RawID: u.Email, FederatedID: u.Email, Email: u.Email,
			DisplayName: u.DisplayName, PhotoURL: u.PhotoURL,
		})
	}
	if u.PhoneNumber != "" {
		kept = append(kept, ProviderUserInfo{ProviderID: providerPhone, RawID: u.PhoneNumber, PhoneNumber: u.PhoneNumber})
	}
	u.ProviderUserInfo = kept
}

// clone returns a deep copy, so callers outside the lock see a snapshot.
func (u *User) clone() User {
	c := *u
	c.ProviderUserInfo = slices.Clone(u.ProviderUserInfo)
	if c.ProviderUserInfo == nil {
		c.ProviderUserInfo = []ProviderUserInfo{}
	}
	return c
}

// redacted is the user as lookup answers it: the hash hidden as production does.
func (u *User) redacted() User {
	c := u.clone()
	if c.PasswordHash != "" {
		c.PasswordHash = redactedHash
	}
	c.Salt = ""
	return c
}

// redactedHash is "REDACTED" in base64, which the Admin SDK recognises.
const redactedHash = "UkVEQUNURUQ="

func (u *User) validSinceSeconds() int64 {
	n, _ := strconv.ParseInt(u.ValidSince, 10, 64)
	return n
}

// authTime is the last sign-in time (auth_time claim).
func (u *User) authTime(now time.Time) int64 {
	if ms, err := strconv.ParseInt(u.LastLoginAt, 10, 64); err == nil && ms > 0 {
		return ms / 1000
	}
	if t, err := time.Parse(time.RFC3339, u.LastRefreshAt); err == nil {
		return t.Unix()
	}
	return now.Unix()
}

// Password hashing: PBKDF2-SHA256 with a random salt. Good enough to keep
// plain text off disk; the emulator is not a password store.
const pbkdf2Iterations = 1000

func setPassword(u *User, password string, now time.Time) {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	u.Salt = base64.StdEncoding.EncodeToString(salt)
	u.PasswordHash = hashPassword(password, salt)
	u.PasswordUpdatedAt = now.UnixMilli()
}

func hashPassword(password string, salt []byte) string {
	key, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, 32)
	if err != nil { // only for FIPS-mode limits; never with these parameters
		return ""
	}
	return base64.StdEncoding.EncodeToString(key)
}

func checkPassword(u *User, password string) bool {
	if u.PasswordHash == "" || u.Salt == "" {
		return false
	}
	salt, err := base64.StdEncoding.DecodeString(u.Salt)
	if err != nil {
		return false
	}
	got := hashPassword(password, salt)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(u.PasswordHash)) == 1
}

// canonicalEmail lower-cases an address as Google does.
func canonicalEmail(email string) string { return strings.ToLower(email) }

// validEmail accepts local@domain with no spaces, like Google's emulator.
func validEmail(email string) bool {
	if len(email) > 320 {
		return false
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	for _, c := range email {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// validPhone accepts E.164 numbers (+ and 2–15 digits).
func validPhone(phone string) bool {
	if len(phone) < 3 || len(phone) > 16 || phone[0] != '+' {
		return false
	}
	for _, c := range phone[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

func msString(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func secString(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

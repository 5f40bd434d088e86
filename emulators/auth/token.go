package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"
)

// idTokenLifetime is how long an ID token lives, as in production.
const idTokenLifetime = time.Hour

// customTokenAudience is the aud of custom tokens the Admin SDK mints.
const customTokenAudience = "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit"

// reservedClaims may not be set as custom claims (production's list).
var reservedClaims = []string{
	"iss", "aud", "sub", "iat", "exp", "nbf", "jti", "nonce", "azp", "acr", "amr",
	"cnf", "auth_time", "firebase", "at_hash", "c_hash",
}

// maxCustomAttributes is the production limit on serialized custom claims.
const maxCustomAttributes = 1000

var errMalformedJWT = errors.New("malformed JWT")

// jwtHeader is the part of a JOSE header the emulator reads.
type jwtHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ,omitempty"`
}

// idTokenClaims are the claims the emulator reads back from an ID token.
type idTokenClaims struct {
	Iss      string  `json:"iss"`
	Aud      string  `json:"aud"`
	Sub      string  `json:"sub"`
	UserID   string  `json:"user_id"`
	Iat      float64 `json:"iat"`
	Exp      float64 `json:"exp"`
	AuthTime float64 `json:"auth_time"`
	Firebase struct {
		SignInProvider string `json:"sign_in_provider"`
		Tenant         string `json:"tenant,omitempty"`
	} `json:"firebase"`
}

// encodeJWT makes an unsigned JWT (alg "none", empty signature), the form
// Google's emulator issues and the Admin SDK accepts in emulator mode.
func encodeJWT(claims map[string]any) (string, error) {
	h, err := json.Marshal(jwtHeader{Alg: "none", Typ: "JWT"})
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(p) + ".", nil
}

// decodeJWT splits a JWT and decodes its header and payload. The signature
// is not checked: this emulator never has keys. It never panics (fuzzed).
func decodeJWT(token string, payload any) (jwtHeader, error) {
	var h jwtHeader
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return h, errMalformedJWT
	}
	if err := decodeSegment(parts[0], &h); err != nil {
		return h, err
	}
	if err := decodeSegment(parts[1], payload); err != nil {
		return h, err
	}
	return h, nil
}

func decodeSegment(seg string, v any) error {
	// Tolerate padded base64url, which some libraries emit.
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return errMalformedJWT
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return errMalformedJWT
	}
	return nil
}

// parseIDToken decodes an ID token and checks only its shape; the caller
// checks project, user, revocation and expiry.
func parseIDToken(token string) (*idTokenClaims, error) {
	var c idTokenClaims
	if _, err := decodeJWT(token, &c); err != nil {
		return nil, err
	}
	if c.UserID == "" {
		c.UserID = c.Sub
	}
	if c.UserID == "" || len(c.UserID) > 128 || !finite(c.Iat) || !finite(c.Exp) {
		return nil, errMalformedJWT
	}
	return &c, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e15 }

// mintIDToken builds the ID token of u for project p, like Google's
// emulator: profile fields, then custom claims, then extra (custom token or
// session) claims, then the reserved claims, which always win.
func mintIDToken(projectID string, u *User, provider string, extra map[string]any, now time.Time) (string, error) {
	claims := map[string]any{}
	if u.DisplayName != "" {
		claims["name"] = u.DisplayName
	}
	if u.PhotoURL != "" {
		claims["picture"] = u.PhotoURL
	}
	if u.CustomAttributes != "" {
		var custom map[string]any
		if err := json.Unmarshal([]byte(u.CustomAttributes), &custom); err == nil {
			for k, v := range custom {
				claims[k] = v
			}
		}
	}
	for k, v := range extra {
		claims[k] = v
	}
	identities := map[string]any{}
	if u.Email != "" {
		claims["email"] = u.Email
		claims["email_verified"] = u.EmailVerified
		identities["email"] = []string{u.Email}
	}
	if u.PhoneNumber != "" {
		claims["phone_number"] = u.PhoneNumber
		identities["phone"] = []string{u.PhoneNumber}
	}
	if provider == providerAnonymous {
		claims["provider_id"] = providerAnonymous
	}
	iat := now.Unix()
	claims["auth_time"] = u.authTime(now)
	claims["user_id"] = u.LocalID
	claims["firebase"] = map[string]any{"identities": identities, "sign_in_provider": provider}
	claims["iat"] = iat
	claims["exp"] = iat + int64(idTokenLifetime/time.Second)
	claims["aud"] = projectID
	claims["iss"] = "https://securetoken.google.com/" + projectID
	claims["sub"] = u.LocalID
	return encodeJWT(claims)
}

// refreshRecord is what a refresh token carries. Like Google's emulator the
// token is self-contained (it survives export and restart); unlike it, it
// records its issue time so that revocation (validSince) applies.
type refreshRecord struct {
	Marker      string         `json:"_AuthEmulatorRefreshToken"`
	LocalID     string         `json:"localId"`
	Provider    string         `json:"provider"`
	ProjectID   string         `json:"projectId"`
	IssuedAt    int64          `json:"iat"`
	ExtraClaims map[string]any `json:"extraClaims,omitempty"`
	Nonce       string         `json:"nonce"`
}

const refreshMarker = "DO NOT MODIFY"

func encodeRefreshToken(r refreshRecord) (string, error) {
	r.Marker = refreshMarker
	r.Nonce = randomString(12)
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeRefreshToken never panics (fuzzed).
func decodeRefreshToken(tok string) (*refreshRecord, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(tok, "="))
	if err != nil {
		return nil, errMalformedJWT
	}
	var r refreshRecord
	if err := json.Unmarshal(raw, &r); err != nil || r.Marker != refreshMarker || r.LocalID == "" || r.ProjectID == "" {
		return nil, errMalformedJWT
	}
	return &r, nil
}

// validateCustomClaims checks a customAttributes string as production does.
func validateCustomClaims(s string) error {
	if len(s) > maxCustomAttributes {
		return badRequest("CLAIMS_TOO_LARGE")
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return badRequest("INVALID_CLAIMS")
	}
	return validateClaimsMap(v)
}

func validateClaimsMap(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return badRequest("INVALID_CLAIMS")
	}
	for _, k := range reservedClaims {
		if _, bad := m[k]; bad {
			return badRequest("FORBIDDEN_CLAIM : " + k)
		}
	}
	return nil
}

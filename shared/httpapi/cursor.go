package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"unicode/utf8"
)

// PageParam is the query parameter carrying a page token.
const PageParam = "page_token"

// Cursor is the codec of one list's page tokens: the keys a page ended
// at (a document id, a version number, a sort key), made opaque so that
// clients pass them back instead of building them.
//
// A token is base64url of a version byte, the length-prefixed keys and a
// check of 8 bytes binding them to the list's name. The check is not a
// secret: it catches tokens that were edited, truncated or taken from
// another list, so that they are refused as one 400 problem instead of
// reaching a query. Tokens confer no right: every list still scopes its
// query to the caller, and checks each key as it would a path value.
type Cursor struct{ list string }

// NewCursor is the codec of the list named list ("journeys", "members").
func NewCursor(list string) Cursor { return Cursor{list: list} }

const (
	cursorVersion  = 1
	cursorCheckLen = 8
	// MaxCursor bounds a token's length; no list's keys come near it.
	MaxCursor = 1024
	maxKeys   = 8
)

// Encode is the token of the page after keys.
func (c Cursor) Encode(keys ...string) string {
	b := []byte{cursorVersion}
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	b = append(b, c.check(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode fills keys from token, which must carry exactly len(keys) keys
// of valid UTF-8. It reports false (and changes nothing) for an empty
// token, and a 400 validation problem naming page_token for a token this
// list did not make.
func (c Cursor) Decode(token string, keys ...*string) (bool, error) {
	if token == "" {
		return false, nil
	}
	bad := Invalid(Field(PageParam, "is not a token this API returned"))
	if len(token) > MaxCursor {
		return false, bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) < 1+cursorCheckLen || b[0] != cursorVersion {
		return false, bad
	}
	body, sum := b[:len(b)-cursorCheckLen], b[len(b)-cursorCheckLen:]
	if subtle.ConstantTimeCompare(sum, c.check(body)) != 1 {
		return false, bad
	}
	rest := body[1:]
	out := make([]string, 0, len(keys))
	for len(rest) > 0 && len(out) < maxKeys {
		n, w := binary.Uvarint(rest)
		if w <= 0 || n > uint64(len(rest)-w) {
			return false, bad
		}
		k := string(rest[w : w+int(n)])
		if !utf8.ValidString(k) {
			return false, bad
		}
		out = append(out, k)
		rest = rest[w+int(n):]
	}
	if len(rest) > 0 || len(out) != len(keys) {
		return false, bad
	}
	for i, k := range out {
		*keys[i] = k
	}
	return true, nil
}

// Param decodes r's page_token query parameter into keys (see Decode).
func (c Cursor) Param(r *http.Request, keys ...*string) (bool, error) {
	return c.Decode(r.URL.Query().Get(PageParam), keys...)
}

func (c Cursor) check(body []byte) []byte {
	h := sha256.New()
	h.Write([]byte("page-cursor\x00"))
	h.Write([]byte(c.list))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)[:cursorCheckLen]
}

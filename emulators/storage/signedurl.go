package storage

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// V4 signed URL query parameters.
const (
	paramAlgorithm     = "X-Goog-Algorithm"
	paramCredential    = "X-Goog-Credential"
	paramDate          = "X-Goog-Date"
	paramExpires       = "X-Goog-Expires"
	paramSignedHeaders = "X-Goog-SignedHeaders"
	paramSignature     = "X-Goog-Signature"

	algorithmRSA    = "GOOG4-RSA-SHA256"
	iso8601Basic    = "20060102T150405Z"
	maxExpires      = 7 * 24 * time.Hour
	unsignedPayload = "UNSIGNED-PAYLOAD"

	headerLengthRange = "x-goog-content-length-range"
	// maxBufferedBody bounds a body of unknown length read to enforce
	// x-goog-content-length-range.
	maxBufferedBody = 64 << 20
)

// signedParams are the parsed V4 query parameters of a signed request.
type signedParams struct {
	Email         string
	Scope         string // date/location/storage/goog4_request
	RawDate       string
	Date          time.Time
	Expires       time.Duration
	SignedHeaders []string
	Signature     []byte
}

// xmlError is a GCS XML API error.
type xmlError struct {
	Status           int    `xml:"-"`
	Code             string `xml:"Code"`
	Message          string `xml:"Message"`
	Details          string `xml:"Details,omitempty"`
	ParameterName    string `xml:"ParameterName,omitempty"`
	StringToSign     string `xml:"StringToSign,omitempty"`
	CanonicalRequest string `xml:"CanonicalRequest,omitempty"`
}

func (e *xmlError) Error() string { return e.Code + ": " + e.Message }

func (e *xmlError) write(w http.ResponseWriter) {
	body, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"Error"`
		*xmlError
	}{xmlError: e})
	if err != nil {
		http.Error(w, e.Message, e.Status)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	w.WriteHeader(e.Status)
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(body)
}

func badQuery(details string) *xmlError {
	return &xmlError{Status: http.StatusBadRequest, Code: "AuthorizationQueryParametersError",
		Message: "Error parsing the query parameters of a signed request.", Details: details}
}

// parseSignedParams validates the V4 query parameters.
func parseSignedParams(q url.Values) (signedParams, *xmlError) {
	var p signedParams
	one := func(name string) (string, *xmlError) {
		v := q[name]
		if len(v) != 1 || v[0] == "" {
			return "", badQuery(name + " must be given exactly once.")
		}
		return v[0], nil
	}
	alg, e := one(paramAlgorithm)
	if e != nil {
		return p, e
	}
	if alg != algorithmRSA {
		return p, badQuery("Unsupported " + paramAlgorithm + "; only " + algorithmRSA + " is supported.")
	}
	cred, e := one(paramCredential)
	if e != nil {
		return p, e
	}
	email, scope, ok := strings.Cut(cred, "/")
	parts := strings.Split(scope, "/")
	if !ok || email == "" || len(parts) != 4 || parts[1] == "" || parts[2] != "storage" || parts[3] != "goog4_request" {
		return p, badQuery("Error parsing the " + paramCredential + " parameter; expected EMAIL/DATE/LOCATION/storage/goog4_request.")
	}
	p.Email, p.Scope = email, scope
	if p.RawDate, e = one(paramDate); e != nil {
		return p, e
	}
	d, err := time.Parse(iso8601Basic, p.RawDate)
	if err != nil {
		return p, badQuery("Invalid " + paramDate + "; expected YYYYMMDD'T'HHMMSS'Z'.")
	}
	if parts[0] != p.RawDate[:8] {
		return p, badQuery("The date in " + paramCredential + " does not match " + paramDate + ".")
	}
	p.Date = d
	exp, e := one(paramExpires)
	if e != nil {
		return p, e
	}
	secs, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > maxExpires {
		return p, badQuery(paramExpires + " must be between 1 and 604800 seconds.")
	}
	p.Expires = time.Duration(secs) * time.Second
	sh, e := one(paramSignedHeaders)
	if e != nil {
		return p, e
	}
	hasHost := false
	for _, h := range strings.Split(sh, ";") {
		if h == "" || h != strings.ToLower(h) {
			return p, badQuery(paramSignedHeaders + " must be lower-case header names separated by ';'.")
		}
		hasHost = hasHost || h == "host"
		p.SignedHeaders = append(p.SignedHeaders, h)
	}
	if !hasHost {
		return p, badQuery(paramSignedHeaders + " must include host.")
	}
	sig, e := one(paramSignature)
	if e != nil {
		return p, e
	}
	if p.Signature, err = hex.DecodeString(sig); err != nil {
		return p, badQuery(paramSignature + " must be hex encoded.")
	}
	return p, nil
}

// encodeV4Path percent-encodes a path as V4 canonical requests do: every
// byte but unreserved characters and '/'.
func encodeV4Path(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' || c == '-' || c == '_' || c == '.' || c == '~' ||
			('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// canonicalPath re-encodes an escaped request path segment by segment, so an
// encoded '/' inside an object name stays encoded.
func canonicalPath(escaped string) (string, error) {
	segs := strings.Split(escaped, "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			return "", err
		}
		segs[i] = strings.ReplaceAll(encodeV4Path(u), "/", "%2F")
	}
	return strings.Join(segs, "/"), nil
}

// canonicalQuery is every parameter but the signature, sorted and encoded
// with %20 for spaces.
func canonicalQuery(q url.Values) string {
	c := make(url.Values, len(q))
	for k, v := range q {
		if k != paramSignature {
			c[k] = v
		}
	}
	return strings.ReplaceAll(c.Encode(), "+", "%20")
}

// canonicalRequest builds the V4 canonical request; header returns the
// value of a signed header as the request carries it.
func canonicalRequest(method, path, query string, signed []string, header func(string) string) string {
	var b strings.Builder
	b.WriteString(method + "\n" + path + "\n" + query + "\n")
	payload := unsignedPayload
	for _, name := range signed {
		v := strings.Join(strings.Fields(header(name)), " ")
		b.WriteString(name + ":" + v + "\n")
		if name == "x-goog-content-sha256" {
			payload = v
		}
	}
	b.WriteString("\n" + strings.Join(signed, ";") + "\n" + payload)
	return b.String()
}

func stringToSign(p signedParams, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithmRSA + "\n" + p.RawDate + "\n" + p.Scope + "\n" + hex.EncodeToString(sum[:])
}

// hostVariants are the host values a client may have signed: the Go client
// signs the host name without its port.
func hostVariants(host string) []string {
	out := []string{host}
	if h, _, err := net.SplitHostPort(host); err == nil && h != host {
		out = append(out, h)
	}
	return out
}

// verifySigned checks a signed request's expiry and, when the signer is
// known, its signature.
func (s *Server) verifySigned(r *http.Request, origHost string) *xmlError {
	q := r.URL.Query()
	p, e := parseSignedParams(q)
	if e != nil {
		return e
	}
	if e := checkGoogHeaders(r.Header, p.SignedHeaders); e != nil {
		return e
	}
	now := s.now()
	if expiry := p.Date.Add(p.Expires); now.After(expiry) {
		return &xmlError{Status: http.StatusBadRequest, Code: "ExpiredToken", Message: "Invalid argument.",
			Details: "The provided token has expired. Request signature expired at: " + expiry.UTC().Format(time.RFC3339)}
	}
	key := s.signers[p.Email]
	if key == nil {
		slog.Debug("storage emulator: signed URL signer not registered; signature not checked")
		return nil
	}
	path, err := canonicalPath(r.URL.EscapedPath())
	if err != nil {
		return badQuery("The request path is not validly escaped.")
	}
	query := canonicalQuery(q)
	var canonical, toSign string
	for _, host := range hostVariants(origHost) {
		canonical = canonicalRequest(r.Method, path, query, p.SignedHeaders, func(name string) string {
			if name == "host" {
				return host
			}
			return strings.Join(r.Header.Values(name), ",")
		})
		toSign = stringToSign(p, canonical)
		sum := sha256.Sum256([]byte(toSign))
		if rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], p.Signature) == nil {
			return nil
		}
	}
	return &xmlError{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch",
		Message:      "The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.",
		StringToSign: toSign, CanonicalRequest: canonical}
}

// checkGoogHeaders refuses a signed request carrying an x-goog-* header
// its signature does not cover. Cloud Storage gives those headers meaning
// (custom metadata, ACLs, encryption, preconditions), so a signature only
// authorises the ones it names: without this, the holder of an upload URL
// could attach metadata or an ACL the signer never agreed to.
func checkGoogHeaders(h http.Header, signed []string) *xmlError {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, strings.ToLower(k))
	}
	slices.Sort(names) // a stable error for several offenders
	for _, name := range names {
		if strings.HasPrefix(name, "x-goog-") && !slices.Contains(signed, name) {
			return &xmlError{Status: http.StatusBadRequest, Code: "MalformedSecurityHeader",
				Message: "Your request has a malformed header.", ParameterName: name,
				Details: "Header was included in the request, but not in signedheaders."}
		}
	}
	return nil
}

// parseLengthRange parses "min,max" of x-goog-content-length-range.
func parseLengthRange(v string) (lo, hi int64, err error) {
	a, b, ok := strings.Cut(v, ",")
	if !ok {
		return 0, 0, errors.New("expected MIN,MAX")
	}
	lo, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	hi, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil || lo < 0 || hi < lo {
		return 0, 0, errors.New("expected 0 <= MIN <= MAX")
	}
	return lo, hi, nil
}

// enforceLengthRange rejects a body outside x-goog-content-length-range.
// A body of unknown length is buffered (bounded) to measure it.
func enforceLengthRange(r *http.Request) *xmlError {
	v := r.Header.Get(headerLengthRange)
	if v == "" {
		return nil
	}
	lo, hi, err := parseLengthRange(v)
	if err != nil {
		return &xmlError{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: "Invalid argument.",
			Details: "Invalid " + headerLengthRange + " header: " + err.Error()}
	}
	size := r.ContentLength
	if size < 0 {
		limit := min(hi, maxBufferedBody) + 1
		body, err := io.ReadAll(io.LimitReader(r.Body, limit))
		if err != nil {
			return &xmlError{Status: http.StatusBadRequest, Code: "IncompleteBody", Message: "The request body could not be read."}
		}
		if int64(len(body)) == limit && hi >= maxBufferedBody {
			return &xmlError{Status: http.StatusRequestEntityTooLarge, Code: "EntityTooLarge",
				Message: "Uploads without Content-Length are limited to 64 MiB by the emulator."}
		}
		size = int64(len(body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = size
	}
	if size > hi {
		return &xmlError{Status: http.StatusBadRequest, Code: "EntityTooLarge",
			Message: "Your proposed upload is larger than the maximum object size specified in your Policy Document.",
			Details: fmt.Sprintf("Content-length exceeds upper bound on range (%d > %d).", size, hi)}
	}
	if size < lo {
		return &xmlError{Status: http.StatusBadRequest, Code: "EntityTooSmall",
			Message: "Your proposed upload is smaller than the minimum object size specified in your Policy Document.",
			Details: fmt.Sprintf("Content-length is smaller than lower bound on range (%d < %d).", size, lo)}
	}
	return nil
}

// checkSigned runs the signed URL checks; on failure it writes GCS's XML
// error and returns false.
func (s *Server) checkSigned(w http.ResponseWriter, r *http.Request, origHost string) bool {
	if e := s.verifySigned(r, origHost); e != nil {
		e.write(w)
		return false
	}
	if e := enforceLengthRange(r); e != nil {
		e.write(w)
		return false
	}
	return true
}

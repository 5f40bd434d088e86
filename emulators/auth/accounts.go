package auth

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// flexInt is an int64 sent either as a JSON number or a string (the Admin
// SDK sends validSince as "1700000000").
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		fl, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || !finite(fl) {
			return fmt.Errorf("%q is not an integer", s)
		}
		n = int64(fl)
	}
	*f = flexInt(n)
	return nil
}

// issueTokens signs the user in with provider: it records the refresh time
// and returns idToken, refreshToken and expiresIn.
func (s *Server) issueTokens(p *project, u *User, provider string, extra map[string]any) (map[string]any, error) {
	now := s.now()
	u.LastRefreshAt = now.UTC().Format(time.RFC3339Nano)
	id, err := mintIDToken(p.id, u, provider, extra, now)
	if err != nil {
		return nil, err
	}
	rt, err := encodeRefreshToken(refreshRecord{
		LocalID: u.LocalID, Provider: provider, ProjectID: p.id, IssuedAt: now.Unix(), ExtraClaims: extra,
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"idToken":      id,
		"refreshToken": rt,
		"expiresIn":    strconv.FormatInt(int64(idTokenLifetime/time.Second), 10),
	}, nil
}

// userFromIDToken resolves an ID token presented to this project.
func (s *Server) userFromIDToken(p *project, tok string) (*User, *idTokenClaims, error) {
	c, err := parseIDToken(tok)
	if err != nil || c.Aud != p.id {
		return nil, nil, badRequest("INVALID_ID_TOKEN")
	}
	if int64(c.Exp) < s.now().Unix() {
		return nil, nil, badRequest("INVALID_ID_TOKEN")
	}
	u := p.users[c.UserID]
	if u == nil {
		return nil, nil, badRequest("USER_NOT_FOUND")
	}
	if int64(c.Iat) < u.validSinceSeconds() {
		return nil, nil, badRequest("TOKEN_EXPIRED")
	}
	if u.Disabled {
		return nil, nil, badRequest("USER_DISABLED")
	}
	return u, c, nil
}

func merge(dst, src map[string]any) map[string]any {
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

func setIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

type signUpRequest struct {
	Email         *string `json:"email"`
	Password      string  `json:"password"`
	DisplayName   string  `json:"displayName"`
	PhotoURL      string  `json:"photoUrl"`
	PhoneNumber   string  `json:"phoneNumber"`
	LocalID       string  `json:"localId"`
	EmailVerified bool    `json:"emailVerified"`
	Disabled      bool    `json:"disabled"`
	IDToken       string  `json:"idToken"`
}

func (s *Server) signUp(c *call) (any, error) {
	var req signUpRequest
	if err := decodeRequest(c.body, &req); err != nil {
		return nil, err
	}
	p, now := c.p, s.now()
	email := ""
	if req.Email != nil {
		email = *req.Email
	}
	fields := User{LastLoginAt: msString(now)}
	provider := ""
	if c.privileged {
		if req.IDToken != "" && req.LocalID != "" {
			return nil, badRequest("UNEXPECTED_PARAMETER : User ID")
		}
		if req.LocalID != "" {
			if len(req.LocalID) > 128 {
				return nil, badRequest("INVALID_LOCAL_ID")
			}
			if p.users[req.LocalID] != nil {
				return nil, badRequest("DUPLICATE_LOCAL_ID")
			}
		}
		fields.DisplayName, fields.PhotoURL = req.DisplayName, req.PhotoURL
		fields.EmailVerified, fields.Disabled = req.EmailVerified, req.Disabled
		if req.PhoneNumber != "" {
			if !validPhone(req.PhoneNumber) {
				return nil, badRequest("INVALID_PHONE_NUMBER : Invalid format.")
			}
			if p.userByPhone(req.PhoneNumber) != nil {
				return nil, badRequest("PHONE_NUMBER_EXISTS")
			}
			fields.PhoneNumber = req.PhoneNumber
		}
	} else {
		if req.LocalID != "" {
			return nil, badRequest("UNEXPECTED_PARAMETER : User ID")
		}
		if req.IDToken != "" || req.Password != "" || req.Email != nil {
			fields.DisplayName = req.DisplayName
			if email == "" {
				return nil, badRequest("MISSING_EMAIL")
			}
			if req.Password == "" {
				return nil, badRequest("MISSING_PASSWORD")
			}
			provider = providerPassword
		} else {
			provider = providerAnonymous
		}
	}
	if email != "" || (req.Email != nil && provider != "") {
		if !validEmail(email) {
			return nil, badRequest("INVALID_EMAIL")
		}
		email = canonicalEmail(email)
		if p.userByEmail(email) != nil {
			return nil, badRequest("EMAIL_EXISTS")
		}
		fields.Email = email
	}
	if req.Password != "" && len([]rune(req.Password)) < minPasswordLen {
		return nil, badRequest(msgWeakPassword)
	}

	var u *User
	if req.IDToken != "" {
		linked, _, err := s.userFromIDToken(p, req.IDToken)
		if err != nil {
			return nil, err
		}
		u = linked
		if fields.Email != "" {
			u.Email, u.EmailVerified = fields.Email, false
		}
		if fields.DisplayName != "" {
			u.DisplayName = fields.DisplayName
		}
		u.LastLoginAt = fields.LastLoginAt
	} else {
		u = &fields
		u.LocalID = req.LocalID
		if u.LocalID == "" {
			u.LocalID = p.newLocalID()
		}
		u.CreatedAt = msString(now)
	}
	if req.Password != "" {
		setPassword(u, req.Password, now)
		u.ValidSince = secString(now)
	}
	p.put(u)

	resp := map[string]any{"kind": "identitytoolkit#SignupNewUserResponse", "localId": u.LocalID}
	setIf(resp, "email", u.Email)
	setIf(resp, "displayName", u.DisplayName)
	if provider != "" {
		toks, err := s.issueTokens(p, u, provider, nil)
		if err != nil {
			return nil, err
		}
		merge(resp, toks)
	}
	return resp, nil
}

type signInWithPasswordRequest struct {
	Email    *string `json:"email"`
	Password string  `json:"password"`
}

func (s *Server) signInWithPassword(c *call) (any, error) {
	var req signInWithPasswordRequest
	if err := decodeRequest(c.body, &req); err != nil {
		return nil, err
	}
	if req.Email == nil {
		return nil, badRequest("MISSING_EMAIL")
	}
	if !validEmail(*req.Email) {
		return nil, badRequest("INVALID_EMAIL")
	}
	if req.Password == "" {
		return nil, badRequest("MISSING_PASSWORD")
	}
	u := c.p.userByEmail(*req.Email)
	if u == nil {
		return nil, badRequest("EMAIL_NOT_FOUND")
	}
	if u.Disabled {
		return nil, badRequest("USER_DISABLED")
	}
	if !checkPassword(u, req.Password) {
		return nil, badRequest("INVALID_PASSWORD")
	}
	u.LastLoginAt = msString(s.now())
	toks, err := s.issueTokens(c.p, u, providerPassword, nil)
	if err != nil {
		return nil, err
	}
	resp := map[string]any{
		"kind": "identitytoolkit#VerifyPasswordResponse", "registered": true,
		"localId": u.LocalID, "email": u.Email,
	}
	setIf(resp, "displayName", u.DisplayName)
	return merge(resp, toks), nil
}

type signInWithCustomTokenRequest struct {
	Token string `json:"token"`
}

// signInWithCustomToken accepts the Admin SDK's custom tokens (unsigned in
// emulator mode) and, like Google's emulator, plain JSON {"uid":…,"claims":…}.
func (s *Server) signInWithCustomToken(c *call) (any, error) {
	var req signInWithCustomTokenRequest
	if err := decodeRequest(c.body, &req); err != nil {
		return nil, err
	}
	if req.Token == "" {
		return nil, badRequest("MISSING_CUSTOM_TOKEN")
	}
	var payload struct {
		Aud    string          `json:"aud"`
		UID    json.RawMessage `json:"uid"`
		UserID json.RawMessage `json:"user_id"`
		Claims json.RawMessage `json:"claims"`
	}
	if strings.HasPrefix(req.Token, "{") {
		if err := json.Unmarshal([]byte(req.Token), &payload); err != nil {
			return nil, badRequest("INVALID_CUSTOM_TOKEN : ((Auth Emulator only accepts strict JSON or JWTs as fake custom tokens.))")
		}
	} else {
		h, err := decodeJWT(req.Token, &payload)
		if err != nil {
			return nil, badRequest("INVALID_CUSTOM_TOKEN : Invalid assertion format")
		}
		if h.Alg != "none" {
			slog.Warn("auth emulator: received a signed custom token; signatures are not verified")
		}
		if payload.Aud != customTokenAudience {
			return nil, badRequest("INVALID_CUSTOM_TOKEN : ((Invalid aud (audience). Note: Firebase ID Tokens / third-party tokens cannot be used with signInWithCustomToken.))")
		}
	}
	uid := primitiveString(payload.UID)
	if uid == "" {
		uid = primitiveString(payload.UserID)
	}
	if uid == "" || len(uid) > 128 {
		return nil, badRequest("MISSING_IDENTIFIER")
	}
	var extra map[string]any
	if len(payload.Claims) > 0 && string(payload.Claims) != "null" {
		var v any
		if err := json.Unmarshal(payload.Claims, &v); err != nil {
			return nil, badRequest("INVALID_CLAIMS")
		}
		if err := validateClaimsMap(v); err != nil {
			return nil, err
		}
		extra = v.(map[string]any)
	}
	p, now := c.p, s.now()
	u := p.users[uid]
	isNew := u == nil
	if isNew {
		u = &User{LocalID: uid, CreatedAt: msString(now)}
	} else if u.Disabled {
		return nil, badRequest("USER_DISABLED")
	}
	u.LastLoginAt = msString(now)
	p.put(u)
	toks, err := s.issueTokens(p, u, providerCustom, extra)
	if err != nil {
		return nil, err
	}
	return merge(map[string]any{"kind": "identitytoolkit#VerifyCustomTokenResponse", "isNewUser": isNew}, toks), nil
}

func primitiveString(raw json.RawMessage) string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

type lookupRequest struct {
	IDToken     string   `json:"idToken"`
	LocalID     []string `json:"localId"`
	Email       []string `json:"email"`
	PhoneNumber []string `json:"phoneNumber"`
}

func (s *Server) lookup(c *call) (any, error) {
	var req lookupRequest
	if err := decodeRequest(c.body, &req); err != nil {
		return nil, err
	}
	var users []User
	seen := map[string]bool{}
	add := func(u *User) {
		if u != nil && !seen[u.LocalID] {
			seen[u.LocalID] = true
			users = append(users, u.redacted())
		}
	}
	if c.privileged && req.IDToken == "" {
		for _, id := range req.LocalID {
			add(c.p.users[id])
		}
		for _, e := range req.Email {
			add(c.p.userByEmail(e))
		}
		for _, ph := range req.PhoneNumber {
			add(c.p.userByPhone(ph))
		}
	} else {
		if req.IDToken == "" {
			return nil, badRequest("MISSING_ID_TOKEN")
		}
		u, _, err := s.userFromIDToken(c.p, req.IDToken)
		if err != nil {
			return nil, err
		}
		add(u)
	}
	resp := map[string]any{"kind": "identitytoolkit#GetAccountInfoResponse"}
	if len(users) > 0 { // omitted when empty, as the Admin SDKs expect
		resp["users"] = users
	}
	return resp, nil
}

type updateRequest struct {
	IDToken          string   `json:"idToken"`
	LocalID          string   `json:"localId"`
	OOBCode          string   `json:"oobCode"`
	Email            *string  `json:"email"`
	Password         string   `json:"password"`
	DisplayName      *string  `json:"displayName"`
	PhotoURL         *string  `json:"photoUrl"`
	PhoneNumber      *string  `json:"phoneNumber"`
	EmailVerified    *bool    `json:"emailVerified"`
	DisableUser      *bool    `json:"disableUser"`
	CustomAttributes *string  `json:"customAttributes"`
	ValidSince       *flexInt `json:"validSince"`
	CreatedAt        *flexInt `json:"createdAt"`
	LastLoginAt      *flexInt `json:"lastLoginAt"`
	DeleteAttribute  []string `json:"deleteAttribute"`
	DeleteProvider   []string `json:"deleteProvider"`
}

func (s *Server) update(c *call) (any, error) {
	var req updateRequest
	if err := decodeRequest(c.body, &req); err != nil {
		return nil, err
	}
	p, now := c.p, s.now()
	if !c.privileged {
		if req.IDToken == "" && req.OOBCode == "" {
			return nil, badRequest("INVALID_REQ_TYPE : Unsupported request parameters.")
		}
		if req.CustomAttributes != nil {
			return nil, badRequest("INSUFFICIENT_PERMISSION")
		}
	} else if req.LocalID == "" && req.IDToken == "" && req.OOBCode == "" {
		return nil, badRequest("MISSING_LOCAL_ID")
	}
	if req.CustomAttributes != nil {
		if err := validateCustomClaims(*req.CustomAttributes); err != nil {
			return nil, err
		}
	}
	if req.OOBCode != "" {
		return s.applyOOB(p, req.OOBCode, req.Password)
	}

	var u *User
	provider := ""
	if req.IDToken != "" {
		tu, claims, err := s.userFromIDToken(p, req.IDToken)
		if err != nil {
			return nil, err
		}
		if req.DisableUser != nil {
			return nil, badRequest("OPERATION_NOT_ALLOWED")
		}
		u, provider = tu, claims.Firebase.SignInProvider
	} else {
		u = p.users[req.LocalID]
		if u == nil {
			return nil, badRequest("USER_NOT_FOUND")
		}
	}
	// Validate everything before changing anything: no partial updates.
	next := u.clone()
	emailChanged := false
	if req.Email != nil && *req.Email != "" {
		if !validEmail(*req.Email) {
			return nil, badRequest("INVALID_EMAIL")
		}
		e := canonicalEmail(*req.Email)
		if e != u.Email {
			if p.userByEmail(e) != nil {
				return nil, badRequest("EMAIL_EXISTS")
			}
			next.Email, next.EmailVerified, emailChanged = e, false, true
		}
	}
	if req.Password != "" {
		if len([]rune(req.Password)) < minPasswordLen {
			return nil, badRequest(msgWeakPassword)
		}
		setPassword(&next, req.Password, now)
		provider = providerPassword
	}
	if req.Password != "" || req.ValidSince != nil || emailChanged {
		next.ValidSince = secString(now)
	}
	if req.DisplayName != nil {
		next.DisplayName = *req.DisplayName
	}
	if req.PhotoURL != nil {
		next.PhotoURL = *req.PhotoURL
	}
	if c.privileged {
		if req.DisableUser != nil {
			next.Disabled = *req.DisableUser
		}
		if req.PhoneNumber != nil && *req.PhoneNumber != "" && *req.PhoneNumber != u.PhoneNumber {
			if !validPhone(*req.PhoneNumber) {
				return nil, badRequest("INVALID_PHONE_NUMBER : Invalid format.")
			}
			if p.userByPhone(*req.PhoneNumber) != nil {
				return nil, badRequest("PHONE_NUMBER_EXISTS")
			}
			next.PhoneNumber = *req.PhoneNumber
		}
		if req.EmailVerified != nil {
			next.EmailVerified = *req.EmailVerified
		}
		if req.CustomAttributes != nil {
			next.CustomAttributes = *req.CustomAttributes
		}
		if req.CreatedAt != nil {
			next.CreatedAt = strconv.FormatInt(int64(*req.CreatedAt), 10)
		}
		if req.LastLoginAt != nil {
			next.LastLoginAt = strconv.FormatInt(int64(*req.LastLoginAt), 10)
		}
		if req.ValidSince != nil {
			next.ValidSince = strconv.FormatInt(int64(*req.ValidSince), 10)
		}
	}
	for _, attr := range req.DeleteAttribute {
		switch attr {
		case "USER_ATTRIBUTE_NAME_UNSPECIFIED":
		case "DISPLAY_NAME":
			next.DisplayName = ""
		case "PHOTO_URL":
			next.PhotoURL = ""
		case "PASSWORD":
			next.PasswordHash, next.Salt = "", ""
		case "EMAIL":
			next.Email, next.EmailVerified = "", false
		default:
			return nil, badRequest("INVALID_ARGUMENT : ((unsupported deleteAttribute " + strconv.Quote(attr) + "))")
		}
	}
	for _, prov := range req.DeleteProvider {
		switch prov {
		case providerPassword:
			next.Email, next.EmailVerified, next.PasswordHash, next.Salt = "", false, "", ""
		case providerPhone:
			next.PhoneNumber = ""
		}
	}
	*u = next
	p.put(u)

	resp := map[string]any{
		"kind": "identitytoolkit#SetAccountInfoResponse", "localId": u.LocalID,
		"emailVerified": u.EmailVerified, "providerUserInfo": u.clone().ProviderUserInfo,
	}
	setIf(resp, "email", u.Email)
	setIf(resp, "displayName", u.DisplayName)
	setIf(resp, "photoUrl", u.PhotoURL)
	if u.PasswordHash != "" {
		resp["passwordHash"] = redactedHash
	}
	if (req.Password != "" || req.ValidSince != nil || emailChanged) && provider != "" {
		toks, err := s.issueTokens(p, u, provider, nil)
		if err != nil {
			return nil, err
		}
		merge(resp, toks)
	}
	return resp, nil
}

// applyOOB redeems a VERIFY_EMAIL or PASSWORD_RESET code through accounts:update.
func (s *Server) applyOOB(p *project, code, newPassword string) (any, error) {
	oob := p.oobs[code]
	if oob == nil {
		return nil, badRequest("INVALID_OOB_CODE")
	}
	u := p.userByEmail(oob.Email)
	if u == nil {
		p.deleteOOB(code)
		return nil, badRequest("INVALID_OOB_CODE")
	}
	now := s.now()
	switch oob.RequestType {
	case "VERIFY_EMAIL":
		u.EmailVerified = true
	case "PASSWORD_RESET":
		if newPassword == "" {
			return nil, badRequest("MISSING_PASSWORD")
		}
		if len([]rune(newPassword)) < minPasswordLen {
			return nil, badRequest(msgWeakPassword)
		}
		setPassword(u, newPassword, now)
		u.EmailVerified = true
		u.ValidSince = secString(now)
	default:
		return nil, badRequest("INVALID_OOB_CODE")
	}
	p.deleteOOB(code)
	p.put(u)
	return map[string]any{
		"kind": "identitytoolkit#SetAccountInfoResponse", "localId": u.LocalID, "email": u.Email,
		"emailVerified": u.EmailVerified, "providerUserInfo": u.clone().ProviderUserInfo,
	}, nil
}

type deleteRequest struct {
	IDToken string `json:"idToken"`
	LocalID string `json:"localId"`
}

func (s *Server) deleteAccount(c *call) (any, error) {
	var req deleteRequest
	if err := decodeRequest(c.body, &req); err != nil {
		return nil, err
	}
	var u *User
	if c.privileged && req.IDToken == "" {
		if req.LocalID == "" {
			return nil, badRequest("MISSING_LOCAL_ID")
		}
		if u = c.p.users[req.LocalID]; u == nil {
			return nil, badRequest("USER_NOT_FOUND")
		}
	} else {
		if req.IDToken == "" {
			return nil, badRequest("MISSING_ID_TOKEN")
		}
		var err error
		if u, _, err = s.userFromIDToken(c.p, req.IDToken); err != nil {
			return nil, err
		}
	}
	c.p.remove(u)
	return map[string]any{"kind": "identitytoolkit#DeleteAccountResponse"}, nil
}

type batchDeleteRequest struct {
	LocalIDs []string `json:"localIds"`
	Force    bool     `json:"force"`
}

func (s *Server) batchDelete(c *call) (any, error) {
	if !c.privileged {
		return nil, &apiError{status: 401, message: "UNAUTHENTICATED : ((batchDelete needs an OAuth2 bearer token))"}
	}
	var req batchDeleteRequest
	if err := decodeRequest(c.body, &req); err != nil {
		return nil, err
	}
	if len(req.LocalIDs) == 0 || len(req.LocalIDs) > 1000 {
		return nil, badRequest("LOCAL_ID_LIST_EXCEEDS_LIMIT")
	}
	var errs []map[string]any
	for i, id := range req.LocalIDs {
		u := c.p.users[id]
		switch {
		case u == nil:
		case !u.Disabled && !req.Force:
			errs = append(errs, map[string]any{"index": i, "localId": id, "message": "NOT_DISABLED : Disable the account before batch deletion."})
		default:
			c.p.remove(u)
		}
	}
	resp := map[string]any{}
	if len(errs) > 0 {
		resp["errors"] = errs
	}
	return resp, nil
}

func (s *Server) batchGet(c *call) (any, error) {
	if !c.privileged {
		return nil, &apiError{status: 401, message: "UNAUTHENTICATED : ((batchGet needs an OAuth2 bearer token))"}
	}
	q := c.r.URL.Query()
	max, err := strconv.Atoi(q.Get("maxResults"))
	if err != nil || max == 0 {
		max = 20
	}
	if max > 1000 {
		max = 1000
	}
	start := q.Get("nextPageToken")
	users := []User{}
	next := ""
	for _, u := range c.p.sortedUsers() {
		if start != "" && u.LocalID <= start {
			continue
		}
		// As in Google's emulator, a negative maxResults returns everything.
		if max > 0 && len(users) == max {
			next = users[len(users)-1].LocalID
			break
		}
		users = append(users, u.clone())
	}
	resp := map[string]any{"kind": "identitytoolkit#DownloadAccountResponse", "users": users}
	setIf(resp, "nextPageToken", next)
	return resp, nil
}

type sendOobCodeRequest struct {
	RequestType   string `json:"requestType"`
	Email         string `json:"email"`
	IDToken       string `json:"idToken"`
	ReturnOobLink bool   `json:"returnOobLink"`
	ContinueURL   string `json:"continueUrl"`
}

func (s *Server) sendOobCode(c *call) (any, error) {
	var req sendOobCodeRequest
	if err := decodeRequest(c.body, &req); err != nil {
		return nil, err
	}
	if req.RequestType == "" || req.RequestType == "OOB_REQ_TYPE_UNSPECIFIED" {
		return nil, badRequest("MISSING_REQ_TYPE")
	}
	if req.ReturnOobLink && !c.privileged {
		return nil, badRequest("INSUFFICIENT_PERMISSION")
	}
	if req.ContinueURL != "" {
		if u, err := url.Parse(req.ContinueURL); err != nil || u.Scheme == "" || u.Host == "" {
			return nil, badRequest("INVALID_CONTINUE_URI : ((expected an absolute URI with valid scheme and host))")
		}
	}
	var email, mode string
	switch req.RequestType {
	case "PASSWORD_RESET":
		mode = "resetPassword"
		if req.Email == "" {
			return nil, badRequest("MISSING_EMAIL")
		}
		email = canonicalEmail(req.Email)
		if c.p.userByEmail(email) == nil {
			return nil, badRequest("EMAIL_NOT_FOUND")
		}
	case "VERIFY_EMAIL":
		mode = "verifyEmail"
		if req.ReturnOobLink && req.IDToken == "" {
			if req.Email == "" {
				return nil, badRequest("MISSING_EMAIL")
			}
			email = canonicalEmail(req.Email)
			if c.p.userByEmail(email) == nil {
				return nil, badRequest("USER_NOT_FOUND")
			}
		} else {
			if req.IDToken == "" {
				return nil, badRequest("INVALID_ID_TOKEN")
			}
			u, _, err := s.userFromIDToken(c.p, req.IDToken)
			if err != nil {
				return nil, err
			}
			if u.Email == "" {
				return nil, badRequest("MISSING_EMAIL")
			}
			email = u.Email
		}
	case "EMAIL_SIGNIN", "VERIFY_AND_CHANGE_EMAIL", "RECOVER_EMAIL", "REVERT_SECOND_FACTOR_ADDITION":
		return nil, notImplemented("((" + req.RequestType + " is not implemented in this Auth emulator))")
	default:
		return nil, badRequest("INVALID_REQ_TYPE : Unsupported request parameters.")
	}

	code := randomString(54)
	link := url.URL{Scheme: "http", Host: c.r.Host, Path: "/emulator/action"}
	q := url.Values{"mode": {mode}, "lang": {"en"}, "oobCode": {code}, "apiKey": {"fake-api-key"}}
	if req.ContinueURL != "" {
		q.Set("continueUrl", req.ContinueURL)
	}
	link.RawQuery = q.Encode()
	oob := &OOBCode{Email: email, OOBCode: code, OOBLink: link.String(), RequestType: req.RequestType}
	c.p.addOOB(oob)

	resp := map[string]any{"kind": "identitytoolkit#GetOobConfirmationCodeResponse", "email": email}
	if req.ReturnOobLink {
		resp["oobCode"], resp["oobLink"] = code, oob.OOBLink
	} else {
		// Instead of mailing it: the link is logged (never the address) and
		// listed at /emulator/v1/projects/{p}/oobCodes.
		slog.Info("auth emulator: out-of-band link issued", "project", c.p.id,
			"requestType", req.RequestType, "link", oob.OOBLink)
	}
	return resp, nil
}

type resetPasswordRequest struct {
	OOBCode     string `json:"oobCode"`
	NewPassword string `json:"newPassword"`
}

func (s *Server) resetPassword(c *call) (any, error) {
	var req resetPasswordRequest
	if err := decodeRequest(c.body, &req); err != nil {
		return nil, err
	}
	if req.OOBCode == "" {
		return nil, badRequest("MISSING_OOB_CODE")
	}
	oob := c.p.oobs[req.OOBCode]
	if oob == nil {
		return nil, badRequest("INVALID_OOB_CODE")
	}
	if req.NewPassword != "" {
		if oob.RequestType != "PASSWORD_RESET" {
			return nil, badRequest("INVALID_OOB_CODE")
		}
		if len([]rune(req.NewPassword)) < minPasswordLen {
			return nil, badRequest(msgWeakPassword)
		}
		if _, err := s.applyOOB(c.p, req.OOBCode, req.NewPassword); err != nil {
			return nil, err
		}
	}
	return map[string]any{"kind": "identitytoolkit#ResetPasswordResponse", "requestType": oob.RequestType, "email": oob.Email}, nil
}

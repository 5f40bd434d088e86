package auth

import (
	"errors"
	"html"
	"mime"
	"net/http"
	"net/url"
	"strconv"
)

type grantRequest struct {
	GrantType         string `json:"grant_type"`
	GrantTypeCamel    string `json:"grantType"`
	RefreshToken      string `json:"refresh_token"`
	RefreshTokenCamel string `json:"refreshToken"`
}

// serveSecureToken exchanges a refresh token for new tokens
// (POST /securetoken.googleapis.com/v1/token, form or JSON body).
func (s *Server) serveSecureToken(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return &apiError{status: http.StatusMethodNotAllowed, message: "((method " + r.Method + " is not allowed here))"}
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req grantRequest
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return badRequest("INVALID_ARGUMENT : ((the form body could not be parsed))")
		}
		req.GrantType, req.RefreshToken = form.Get("grant_type"), form.Get("refresh_token")
	} else if err := decodeRequest(body, &req); err != nil {
		return err
	}
	// Query parameters are accepted too, as by production.
	q := r.URL.Query()
	grant := firstNonEmpty(req.GrantType, req.GrantTypeCamel, q.Get("grant_type"))
	refresh := firstNonEmpty(req.RefreshToken, req.RefreshTokenCamel, q.Get("refresh_token"))
	if grant == "" {
		return badRequest("MISSING_GRANT_TYPE")
	}
	if grant != "refresh_token" {
		return badRequest("INVALID_GRANT_TYPE")
	}
	if refresh == "" {
		return badRequest("MISSING_REFRESH_TOKEN")
	}
	rec, err := decodeRefreshToken(refresh)
	if err != nil || !validProjectID(rec.ProjectID) {
		return badRequest("INVALID_REFRESH_TOKEN")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[rec.ProjectID]
	if p == nil {
		return badRequest("INVALID_REFRESH_TOKEN")
	}
	u := p.users[rec.LocalID]
	switch {
	case u == nil:
		return badRequest("INVALID_REFRESH_TOKEN")
	case u.Disabled:
		return badRequest("USER_DISABLED")
	case rec.IssuedAt < u.validSinceSeconds():
		return badRequest("TOKEN_EXPIRED") // revoked, as in production
	}
	toks, err := s.issueTokens(p, u, rec.Provider, rec.ExtraClaims)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id_token":      toks["idToken"],
		"access_token":  toks["idToken"],
		"expires_in":    toks["expiresIn"],
		"refresh_token": toks["refreshToken"],
		"token_type":    "Bearer",
		"user_id":       u.LocalID,
		"project_id":    projectNumber,
	})
	return nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// serveAction is the out-of-band link target opened in a browser:
// mode=verifyEmail applies the code; mode=resetPassword needs newPassword.
// The code is looked up in every project, since the link names none.
func (s *Server) serveAction(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, mode := q.Get("oobCode"), q.Get("mode")
	page := func(status int, msg string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<!doctype html><title>Auth emulator</title><p>" + html.EscapeString(msg) + "</p>\n"))
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		page(http.StatusMethodNotAllowed, "Method not allowed.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var p *project
	for _, cand := range s.projects {
		if cand.oobs[code] != nil {
			p = cand
			break
		}
	}
	if code == "" || p == nil {
		page(http.StatusBadRequest, "This link is invalid, expired or already used.")
		return
	}
	oob := p.oobs[code]
	switch {
	case mode == "verifyEmail" && oob.RequestType == "VERIFY_EMAIL":
		if _, err := s.applyOOB(p, code, ""); err != nil {
			page(http.StatusBadRequest, "This link is invalid, expired or already used.")
			return
		}
		page(http.StatusOK, "Your email address has been verified.")
	case mode == "resetPassword" && oob.RequestType == "PASSWORD_RESET":
		pw := q.Get("newPassword")
		if pw == "" {
			page(http.StatusBadRequest, "Add &newPassword=… to this link to choose the new password.")
			return
		}
		if _, err := s.applyOOB(p, code, pw); err != nil {
			var e *apiError
			msg := "This link is invalid, expired or already used."
			if errors.As(err, &e) && e.message == msgWeakPassword {
				msg = "The password must be at least " + strconv.Itoa(minPasswordLen) + " characters."
			}
			page(http.StatusBadRequest, msg)
			return
		}
		page(http.StatusOK, "Your password has been changed.")
	default:
		page(http.StatusBadRequest, "This link's mode does not match its code.")
	}
}

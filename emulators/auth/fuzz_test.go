package auth

import (
	"errors"
	"testing"
	"time"
)

func FuzzParseIDToken(f *testing.F) {
	u := &User{LocalID: "uid-1", Email: "f@example.com", CustomAttributes: `{"role":"facilitator"}`}
	tok, err := mintIDToken("demo-fuzz", u, providerPassword, nil, time.Unix(1_700_000_000, 0))
	if err != nil {
		f.Fatal(err)
	}
	rt, err := encodeRefreshToken(refreshRecord{LocalID: "uid-1", Provider: providerPassword, ProjectID: "demo-fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{tok, rt, "", "a.b.c", "..", "eyJhbGciOiJub25lIn0.e30.", "eyJhbGciOiJub25lIn0.eyJzdWIiOjF9.", "e30=.e30=.x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := parseIDToken(s); err == nil {
			if c.UserID == "" || len(c.UserID) > 128 {
				t.Fatalf("accepted a token without a valid uid: %+v", c)
			}
		}
		if r, err := decodeRefreshToken(s); err == nil && (r.LocalID == "" || r.ProjectID == "") {
			t.Fatalf("accepted a refresh token without ids: %+v", r)
		}
	})
}

func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.c","password":"secret1","returnSecureToken":true}`,
		`{"localId":["a","b"],"email":["x@y.z"]}`,
		`{"localId":"u","customAttributes":"{\"role\":\"x\"}","validSince":"1700000000","disableUser":true}`,
		`{"validSince":1.5e3,"deleteAttribute":["DISPLAY_NAME"]}`,
		`{"token":"{\"uid\":1}"}`, `[]`, `null`, `{"email":null}`, `{`, ``, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		dsts := []any{
			&signUpRequest{}, &signInWithPasswordRequest{}, &lookupRequest{}, &updateRequest{},
			&deleteRequest{}, &batchDeleteRequest{}, &sendOobCodeRequest{}, &resetPasswordRequest{},
			&signInWithCustomTokenRequest{}, &grantRequest{},
		}
		for _, dst := range dsts {
			err := decodeRequest(body, dst)
			var e *apiError
			if err != nil && (!errors.As(err, &e) || e.status != 400) {
				t.Fatalf("decode %T: %v is not a 400", dst, err)
			}
		}
		if err := validateCustomClaims(string(body)); err != nil {
			var e *apiError
			if !errors.As(err, &e) || e.status != 400 {
				t.Fatalf("validateCustomClaims: %v", err)
			}
		}
	})
}

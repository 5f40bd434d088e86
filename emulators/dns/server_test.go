package dns

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func newTestServer(t *testing.T) *Server {
	t.Helper()
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestResolverReadsRecords(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	if err := s.SetTXT("Studio.Test.", "poy-site-verification=abc", "v=spf1 -all"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r := Resolver(s.Addr)
	got, err := r.LookupTXT(ctx, "studio.test.")
	if err != nil || strings.Join(got, "|") != "poy-site-verification=abc|v=spf1 -all" {
		t.Fatalf("LookupTXT = %q, %v", got, err)
	}
	_, err = r.LookupTXT(ctx, "unknown.test.")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Fatalf("unknown name: %v", err)
	}
	// Over TCP as well (the resolver falls back to it for long answers).
	tcp := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", s.Addr)
	}}
	if got, err := tcp.LookupTXT(ctx, "studio.test."); err != nil || len(got) != 2 {
		t.Fatalf("TCP LookupTXT = %q, %v", got, err)
	}
	if err := s.SetTXT("studio.test"); err != nil || s.TXT("studio.test") != nil {
		t.Fatalf("remove: %v %q", err, s.TXT("studio.test"))
	}
}

func TestSetTXTRefusesBadInput(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, c := range []struct {
		name   string
		values []string
	}{
		{"", []string{"x"}},
		{"bad name.test", []string{"x"}},
		{"a..test", []string{"x"}},
		{"ok.test", []string{strings.Repeat("x", 256)}},
		{"ok.test", []string{"new\nline"}},
		{"ok.test", make([]string, maxValues+1)},
	} {
		if err := s.SetTXT(c.name, c.values...); err == nil {
			t.Errorf("SetTXT(%q, %q) accepted", c.name, c.values)
		}
	}
}

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	base := "http://" + s.Addr + "/_admin/txt/"
	do := func(method, url, ct, body, host string, origin ...string) int {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		for _, o := range origin {
			req.Header.Set("Origin", o)
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name                   string
		method, ct, body, host string
		want                   int
	}{
		{"set", "PUT", "application/json", `{"values":["poy-site-verification=x"]}`, "", 200},
		{"form content type", "PUT", "text/plain", `{"values":["y"]}`, "", 415},
		{"no content type", "PUT", "", `{"values":["y"]}`, "", 415},
		{"rebinding host", "PUT", "application/json", `{"values":["y"]}`, "evil.example:8053", 403},
		{"unknown field", "PUT", "application/json", `{"values":["y"],"ttl":1}`, "", 400},
		{"bad value", "PUT", "application/json", `{"values":["\u0001"]}`, "", 400},
	} {
		if got := do(c.method, base+"admin.test", c.ct, c.body, c.host); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if got := do("PUT", base+"admin.test", "application/json", `{"values":["y"]}`, "", "https://evil.example"); got != 403 {
		t.Errorf("cross-site write: %d", got)
	}
	if got := s.TXT("admin.test"); len(got) != 1 || got[0] != "poy-site-verification=x" {
		t.Fatalf("records = %q", got)
	}
	if got := do("DELETE", base+"admin.test", "", "", ""); got != 204 || s.TXT("admin.test") != nil {
		t.Fatalf("delete: %d %q", got, s.TXT("admin.test"))
	}
}

package guard

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	tests := []struct {
		name   string
		listen []string
		method string
		host   string
		header map[string]string
		want   int
	}{
		{name: "loopback address", listen: []string{"127.0.0.1:5000"}, host: "127.0.0.1:5000", want: 204},
		{name: "other loopback address", listen: []string{"127.0.0.1:5000"}, host: "127.0.0.2:5000", want: 204},
		{name: "localhost", listen: []string{"127.0.0.1:5000"}, host: "localhost:5000", want: 204},
		{name: "localhost, upper case and dot", listen: []string{"127.0.0.1:5000"}, host: "LOCALHOST.:5000", want: 204},
		{name: "a .localhost name", listen: []string{"127.0.0.1:5000"}, host: "app.localhost:5000", want: 204},
		{name: "IPv6 loopback", listen: []string{"[::1]:5000"}, host: "[::1]:5000", want: 204},
		{name: "no Host (HTTP/1.0)", listen: []string{"127.0.0.1:5000"}, host: "", want: 204},
		{name: "rebound name", listen: []string{"127.0.0.1:5000"}, host: "attacker.example:5000", want: 403},
		{name: "rebound name without port", listen: []string{"127.0.0.1:5000"}, host: "attacker.example", want: 403},
		{name: "localhost as a prefix", listen: []string{"127.0.0.1:5000"}, host: "localhost.attacker.example", want: 403},
		{name: "virtual-hosted bucket on loopback", listen: []string{"127.0.0.1:9199"}, host: "media.127.0.0.1:9199", want: 204},
		{name: "virtual-hosted on a foreign address", listen: []string{"127.0.0.1:9199"}, host: "media.192.0.2.9:9199", want: 403},
		{name: "address-like foreign name", listen: []string{"127.0.0.1:9199"}, host: "127.0.0.1.attacker.example", want: 403},
		{name: "a LAN address when bound to loopback", listen: []string{"127.0.0.1:5000"}, host: "192.0.2.7:5000", want: 403},
		{name: "the configured listen address", listen: []string{"192.0.2.7:5000"}, host: "192.0.2.7:5000", want: 204},
		{name: "the configured listen name", listen: []string{"devbox.lan:5000", "192.0.2.7:5000"}, host: "devbox.lan:5000", want: 204},
		{name: "any address when bound to all", listen: []string{"0.0.0.0:5000"}, host: "192.0.2.7:5000", want: 204},
		{name: "still no foreign name when bound to all", listen: []string{"0.0.0.0:5000"}, host: "attacker.example:5000", want: 403},
		{name: "same-machine origin", listen: []string{"127.0.0.1:9099"}, method: "POST", host: "127.0.0.1:9099",
			header: map[string]string{"Origin": "http://localhost:5000"}, want: 204},
		{name: "cross-site origin", listen: []string{"127.0.0.1:9099"}, method: "POST", host: "127.0.0.1:9099",
			header: map[string]string{"Origin": "https://attacker.example"}, want: 403},
		{name: "cross-site origin on GET", listen: []string{"127.0.0.1:9099"}, host: "127.0.0.1:9099",
			header: map[string]string{"Origin": "https://attacker.example"}, want: 403},
		{name: "cross-site preflight", listen: []string{"127.0.0.1:9099"}, method: "OPTIONS", host: "127.0.0.1:9099",
			header: map[string]string{"Origin": "https://attacker.example", "Access-Control-Request-Method": "POST"}, want: 403},
		{name: "null origin", listen: []string{"127.0.0.1:4400"}, method: "POST", host: "127.0.0.1:4400",
			header: map[string]string{"Origin": "null"}, want: 403},
		{name: "cross-site form without Origin", listen: []string{"127.0.0.1:4400"}, method: "POST", host: "127.0.0.1:4400",
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: 403},
		{name: "cross-site navigation", listen: []string{"127.0.0.1:5000"}, host: "127.0.0.1:5000",
			header: map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, want: 204},
		{name: "same-site fetch", listen: []string{"127.0.0.1:9199"}, method: "PUT", host: "127.0.0.1:9199",
			header: map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:5000"}, want: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			r := httptest.NewRequest(method, "/x", nil)
			r.Host = tt.host
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			Wrap(ok, tt.listen...).ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if tt.want == 403 {
				var p struct{ Status int }
				if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Status != 403 {
					t.Errorf("refusal is %q %s", ct, w.Body)
				}
			}
		})
	}
}

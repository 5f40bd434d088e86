//go:build unix

package functions

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestForwardedForIsAppended: like Google's front end in front of Cloud
// Run, the emulator appends its caller's address to what the caller sent,
// so a function behind Hosting sees "<sent…>, <client>, <Hosting>".
func TestForwardedForIsAppended(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, testTopology())
	for _, tt := range []struct {
		sent []string
		want string
	}{
		{nil, "127.0.0.1"},
		{[]string{"203.0.113.9, 127.0.0.1"}, "203.0.113.9, 127.0.0.1, 127.0.0.1"},
		{[]string{"198.51.100.1", "203.0.113.9"}, "198.51.100.1, 203.0.113.9, 127.0.0.1"},
	} {
		req, _ := http.NewRequest(http.MethodGet, s.URL("echo")+"/x", nil)
		for _, v := range tt.sent {
			req.Header.Add("X-Forwarded-For", v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var sn seen
		if err := json.Unmarshal(body, &sn); err != nil {
			t.Fatalf("%v in %s", err, body)
		}
		if got := strings.Join(sn.Header.Values("X-Forwarded-For"), ", "); got != tt.want {
			t.Errorf("sent %q: the function saw %q, want %q", tt.sent, got, tt.want)
		}
	}
}

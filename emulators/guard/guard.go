// Package guard keeps web pages of other sites away from the local
// emulators. The emulators hold no real data but trust whoever reaches them
// (the Auth emulator mints unsigned tokens with any claims, the hub writes
// exports), so a page in the developer's browser must not be able to drive
// them:
//
//   - DNS rebinding: a page on attacker.example re-resolves its own name to
//     127.0.0.1 and then calls the emulator as "same-origin". Its requests
//     still carry Host: attacker.example, so the Host must name this machine
//     (a loopback name or address, or the address the emulator was told to
//     listen on).
//   - Cross-site requests: a page elsewhere posts a form or fires a fetch at
//     http://127.0.0.1:PORT. Browsers say where such a request comes from
//     (Origin, Sec-Fetch-Site), so one from a page not served by this
//     machine is refused.
//
// Refusals are 403 problem+json. Non-browser clients (Google's client
// libraries, curl, the e2e tests) send Host 127.0.0.1:PORT or localhost:PORT
// and no Origin, and pass. Browsers cannot speak gRPC to these ports, so the
// gRPC check (GRPC) is the same Host rule applied to :authority, for
// completeness.
package guard

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"

	"pointsofyou.ai/studio/shared/httpapi"
)

// Policy says which hosts name this machine.
type Policy struct {
	names map[string]bool // lower-case host names and canonical IP strings
	anyIP bool            // listening on every interface: any address literal is us
}

// New builds the policy of a server listening on addrs ("host:port" or a
// bare host, as given to net.Listen and as bound). Loopback names and
// addresses are always allowed.
func New(addrs ...string) *Policy {
	p := &Policy{names: map[string]bool{"localhost": true}}
	for _, a := range addrs {
		host := a
		if h, _, err := net.SplitHostPort(a); err == nil {
			host = h
		}
		host = strings.ToLower(strings.Trim(host, "[]"))
		if ip := net.ParseIP(host); ip != nil {
			if ip.IsUnspecified() {
				p.anyIP = true
				continue
			}
			host = ip.String()
		}
		if host == "" {
			p.anyIP = true
			continue
		}
		p.names[host] = true
	}
	if p.anyIP {
		// Reachable from the network: the machine's own name is how a
		// colleague would address it, and no other site can own that name.
		if h, err := os.Hostname(); err == nil && h != "" {
			p.names[strings.ToLower(h)] = true
		}
	}
	return p
}

// Wrap is New(addrs...).Handler(next).
func Wrap(next http.Handler, addrs ...string) http.Handler { return New(addrs...).Handler(next) }

// AllowsHost reports whether a Host header (or :authority) names this machine.
func (p *Policy) AllowsHost(hostport string) bool {
	if hostport == "" {
		return true // HTTP/1.0 without Host: not a browser
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false
	}
	if p.allowsIP(host) || p.names[host] || strings.HasSuffix(host, ".localhost") { // RFC 6761: *.localhost is loopback
		return true
	}
	// Virtual-hosted style ("bucket.127.0.0.1"): nobody can register a name
	// under an address literal.
	if i := strings.IndexByte(host, '.'); i > 0 {
		rest := host[i+1:]
		for j := strings.IndexByte(rest, '.'); ; j = strings.IndexByte(rest, '.') {
			if ip := net.ParseIP(rest); ip != nil && ip.To4() != nil {
				return p.allowsIP(rest)
			}
			if j < 0 {
				break
			}
			rest = rest[j+1:]
		}
	}
	return false
}

func (p *Policy) allowsIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || p.anyIP || p.names[ip.String()])
}

// allowsOrigin reports whether an Origin header names a page served by this
// machine. "null" (sandboxed frames, file: pages) is nobody we know.
func (p *Policy) allowsOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return p.AllowsHost(u.Host)
}

// Check is the decision for one request: nil to serve it, or the problem
// to answer with.
func (p *Policy) Check(r *http.Request) *httpapi.Error {
	if !p.AllowsHost(r.Host) {
		return httpapi.Forbidden("the Host %q does not name this machine; the local emulators answer only to loopback names and their listen address", r.Host)
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !p.allowsOrigin(origin) {
			return httpapi.Forbidden("requests from pages of other sites are refused")
		}
		return nil
	}
	// Browsers send Origin with every unsafe method; Sec-Fetch-Site covers
	// the rest of what a cross-site page can trigger without one.
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" && !safeMethod(r.Method) {
		return httpapi.Forbidden("requests from pages of other sites are refused")
	}
	return nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// Handler refuses requests Check refuses and serves the rest with next.
func (p *Policy) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.Check(r); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// GRPC is the server option applying the Host rule to each stream's
// :authority (PermissionDenied otherwise).
func (p *Policy) GRPC() grpc.ServerOption {
	return grpc.InTapHandle(func(ctx context.Context, info *tap.Info) (context.Context, error) {
		var authority string
		if v := info.Header.Get(":authority"); len(v) > 0 {
			authority = v[0]
		}
		if !p.AllowsHost(authority) {
			return ctx, status.Errorf(codes.PermissionDenied, "the authority %q does not name this machine", authority)
		}
		return ctx, nil
	})
}

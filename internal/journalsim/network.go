package journalsim

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Faults are the chances (0..1) of each misfortune of one request.
type Faults struct {
	DropRequest  float64 // lost before the server
	DropResponse float64 // applied by the server, the answer lost
	Duplicate    float64 // delivered twice
	Hold         float64 // delivered later, after newer requests
}

// DefaultFaults make about one request in three go wrong.
var DefaultFaults = Faults{DropRequest: 0.08, DropResponse: 0.08, Duplicate: 0.08, Hold: 0.08}

// ErrLost is a request or answer the network lost.
var ErrLost = errors.New("journalsim: lost on the network")

// Network carries the devices' requests to the current server. Its
// random choices follow its own seeded source.
type Network struct {
	mu     sync.Mutex
	r      *rand.Rand
	server http.Handler
	faults Faults
	held   []held
	// Delivered counts the requests the server received.
	Delivered int
}

type held struct {
	token, path string
	body        []byte
}

// NewNetwork carries requests to server with faults.
func NewNetwork(r *rand.Rand, server http.Handler, faults Faults) *Network {
	return &Network{r: r, server: server, faults: faults}
}

// Restart replaces the server (a new instance over the same database).
func (n *Network) Restart(server http.Handler) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.server = server
}

// SetFaults changes the chances of faults (zero: a perfect network).
func (n *Network) SetFaults(f Faults) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults = f
}

// For is the transport of the device of the person with token.
func (n *Network) For(token string) Transport { return transport{n, token} }

type transport struct {
	n     *Network
	token string
}

func (t transport) Post(ctx context.Context, path string, body []byte) (int, []byte, error) {
	return t.n.post(ctx, t.token, path, body)
}

func (n *Network) post(ctx context.Context, token, path string, body []byte) (int, []byte, error) {
	n.mu.Lock()
	f := n.faults
	roll := func(p float64) bool { return p > 0 && n.r.Float64() < p }
	dropReq, hold, dup, dropResp := roll(f.DropRequest), roll(f.Hold), roll(f.Duplicate), roll(f.DropResponse)
	var late []held
	if len(n.held) > 0 && n.r.IntN(2) == 0 { // some held requests arrive now
		k := n.r.IntN(len(n.held))
		late = append(late, n.held[k])
		n.held = append(n.held[:k], n.held[k+1:]...)
	}
	if hold && !dropReq {
		n.held = append(n.held, held{token, path, bytes.Clone(body)})
	}
	n.mu.Unlock()
	for _, h := range late {
		n.deliver(ctx, h.token, h.path, h.body)
	}
	if dropReq || hold {
		return 0, nil, ErrLost
	}
	code, answer := n.deliver(ctx, token, path, body)
	if dup {
		code, answer = n.deliver(ctx, token, path, body)
	}
	if dropResp {
		return 0, nil, ErrLost
	}
	return code, answer, nil
}

// Flush delivers every held request now.
func (n *Network) Flush(ctx context.Context) {
	n.mu.Lock()
	late := n.held
	n.held = nil
	n.mu.Unlock()
	for _, h := range late {
		n.deliver(ctx, h.token, h.path, h.body)
	}
}

func (n *Network) deliver(ctx context.Context, token, path string, body []byte) (int, []byte) {
	n.mu.Lock()
	h := n.server
	n.Delivered++
	n.mu.Unlock()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

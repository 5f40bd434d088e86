package realtime

import (
	"testing"
	"time"
)

// FuzzFrame feeds arbitrary frames to an authenticated socket's decoder:
// no input panics, and every frame gets at most a bounded answer.
func FuzzFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"ping"}`, `{"type":"auth","token":"owner"}`, `{"type":"subscribe","channel":"canvas:c1","since":5}`,
		`{"type":"op","channel":"canvas:c1","op_id":"1","action":"create","element_id":"e","kind":"note","props":{"x":1,"y":2}}`,
		`{"type":"cursor","channel":"canvas:c1","x":1e308,"y":-1}`, `{"type":"follow","channel":"session:s","mode":"stop","viewport":{"x":0,"y":0,"zoom":1}}`,
		`{"type":"undo","channel":"canvas:c1"}`, `{"type":"unsubscribe","channel":"canvas:c1"}`, `[]`, `null`, `{"type":7}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	w := newWorld(f)
	w.seedCanvas(f, sharedCanvas("c1"))
	g, err := New(Deps{Verifier: testUsers.Verifier(), Firestore: w.fs, Instance: "fz", Node: 9, Limits: fastLimits()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(g.Close)
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newConn(g, nil, nil)
		p := testUsers[tokOwner]
		c.p, c.expires, c.bucket = &p, time.Now().Add(time.Hour), g.bucket(p.UID)
		defer g.releaseBucket(p.UID)
		c.handle(data)
		c.mu.Lock()
		subs := c.subs
		c.subs = map[string]*sub{}
		c.mu.Unlock()
		for _, s := range subs {
			s.ch.leave(s)
		}
		if n := c.queued(); n > 4 {
			t.Fatalf("%d answers to one frame", n)
		}
	})
}

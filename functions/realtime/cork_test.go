package realtime

import (
	"bytes"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
)

// writeLog is a connection that records each write(2) it would make.
type writeLog struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

// A burst written while corked leaves in one write, in order; uncorked
// writes pass straight through; a burst larger than the cork's bound is
// written in bounded pieces.
func TestCorkOneWritePerBurst(t *testing.T) {
	t.Parallel()
	log := &writeLog{}
	c := &corkConn{Conn: log}
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	c.cork()
	var want []byte
	for i := range 50 {
		f := []byte{byte('a' + i%26), '-'}
		want = append(want, f...)
		if _, err := c.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if len(log.writes) != 1 {
		t.Fatalf("%d writes while corked, want none after the first", len(log.writes)-1)
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	if len(log.writes) != 2 || !bytes.Equal(log.writes[1], want) {
		t.Fatalf("writes %q, want ping then the burst in one", log.writes)
	}
	if c.buf != nil {
		t.Error("an uncorked socket keeps its buffer")
	}
	c.cork()
	big := bytes.Repeat([]byte("x"), corkMax/2+1)
	for range 3 {
		if _, err := c.Write(big); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	for _, w := range log.writes[2:] {
		if len(w) > corkMax {
			t.Errorf("a write of %d bytes, over the cork's %d", len(w), corkMax)
		}
	}
	if got := len(slices.Concat(log.writes[2:]...)); got != 3*len(big) {
		t.Errorf("%d bytes written, want %d", got, 3*len(big))
	}
}

// An idle socket runs no writer: it starts with a frame and ends once
// the queue is empty.
func TestWriterOnlyWhileFramesWait(t *testing.T) {
	t.Parallel()
	c := sinkPair(t, DefaultLimits)
	for i := range 20 {
		c.enqueue([]byte(`{"type":"pong","n":` + string(rune('0'+i%10)) + `}`))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.qmu.Lock()
		idle := !c.writing && len(c.q) == 0
		c.qmu.Unlock()
		if idle {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer still runs with nothing queued")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Presence frames list at most PresenceList people, the first by join
// time, and count everyone present; expired people are neither.
func TestPresenceListCapped(t *testing.T) {
	t.Parallel()
	d, err := Deps{Verifier: testUsers.Verifier(), Firestore: &firestore.Client{}, Limits: Limits{PresenceList: 3}}.check()
	if err != nil {
		t.Fatal(err)
	}
	p := newPresence(&channel{g: &Gateway{d: d}})
	now := d.Now()
	for i, uid := range []string{"e", "d", "c", "b", "a"} {
		p.docs[uid] = presenceDoc{Name: uid, Joined: now.Add(time.Duration(i) * time.Second), Expire: now.Add(time.Minute)}
	}
	p.docs["z"] = presenceDoc{Joined: now.Add(time.Second), Expire: now.Add(time.Minute)} // joined with d: uid decides
	p.docs["old"] = presenceDoc{Joined: now.Add(-time.Hour), Expire: now.Add(-time.Second)}
	list, count := p.listLocked()
	var uids []string
	for _, x := range list {
		uids = append(uids, x.UID)
	}
	if !slices.Equal(uids, []string{"e", "d", "z"}) || count != 6 {
		t.Errorf("list %v count %d, want [e d z] and 6", uids, count)
	}
}

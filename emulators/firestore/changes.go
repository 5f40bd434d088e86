package firestore

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/protobuf/proto"
)

// Change is one document write of a committed request, as a change feed
// subscriber (such as the Eventarc emulator's Firestore triggers) sees it.
type Change struct {
	// Database is "projects/{p}/databases/{d}".
	Database string
	// Name is the document's full resource name.
	Name string
	// Old and New are the document before and after the write; Old is nil
	// when the write created the document, New when it deleted it.
	Old, New *pb.Document
	// Time is the commit time.
	Time time.Time
}

// changeBacklogWarn is the subscriber backlog at which a warning is logged
// (and again at each doubling): a subscriber that far behind is stuck.
const changeBacklogWarn = 10000

// changeHub fans committed writes out to OnChange subscribers. Its zero
// value is ready to use.
type changeHub struct {
	n    atomic.Int32 // subscriber count, read on every commit
	mu   sync.Mutex
	subs map[*changeSub]struct{}
}

// changeSub is one subscriber: an unbounded queue drained by its own
// goroutine. The queue is unbounded rather than dropping on overflow
// because production delivers every document change to triggers at least
// once; the commit path only appends to it, so it is never blocked by a
// slow subscriber.
type changeSub struct {
	fn     func(Change)
	wake   chan struct{} // capacity 1
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	queue  []Change
	warnAt int
}

// OnChange calls fn, on a goroutine of its own, once for every document a
// later Commit, BatchWrite, CreateDocument, UpdateDocument or
// DeleteDocument changed, after the write is applied and in commit order
// (per database, the order of commit times). Writes that change nothing
// (same fields), Import and Clear are not reported. fn must treat the
// documents as read-only copies it may keep.
//
// cancel stops the calls; it waits for a call under way to return, so it
// must not be called from fn. Closing the server stops them too.
func (s *Server) OnChange(fn func(Change)) (cancel func()) {
	sub := &changeSub{
		fn:     fn,
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		warnAt: changeBacklogWarn,
	}
	h := &s.changes
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[*changeSub]struct{}{}
	}
	h.subs[sub] = struct{}{}
	h.n.Add(1)
	h.mu.Unlock()
	go sub.run(s.closed)
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, sub)
			h.n.Add(-1)
			h.mu.Unlock()
			close(sub.stop)
			<-sub.done
		})
	}
}

// publishChanges reports the documents one commit just installed. It runs
// on the commit path with db.mu held for writing, which keeps every
// subscriber's queue in commit order; it only appends to queues.
func (s *Server) publishChanges(db *database, t time.Time, names []string) {
	h := &s.changes
	if h.n.Load() == 0 {
		return
	}
	batch := make([]Change, 0, len(names))
	for _, name := range names {
		e := db.docs[name]
		if e == nil {
			continue
		}
		c := Change{Database: string(db.path), Name: name, Time: t, New: e.current().doc}
		// install keeps the version before the newest one, so the previous
		// state is at hand; a first version means the document was absent.
		if n := len(e.versions); n > 1 {
			c.Old = e.versions[n-2].doc
		}
		batch = append(batch, c)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		sub.push(batch, s.log)
	}
}

func (sub *changeSub) push(batch []Change, log *slog.Logger) {
	sub.mu.Lock()
	sub.queue = append(sub.queue, batch...)
	backlog := len(sub.queue)
	warn := backlog >= sub.warnAt
	if warn {
		sub.warnAt *= 2
	}
	sub.mu.Unlock()
	if warn {
		log.Warn("firestore change subscriber is falling behind", "backlog", backlog)
	}
	select {
	case sub.wake <- struct{}{}:
	default:
	}
}

func (sub *changeSub) run(closed <-chan struct{}) {
	defer close(sub.done)
	for {
		select {
		case <-sub.stop:
			return
		case <-closed:
			return
		case <-sub.wake:
		}
		sub.mu.Lock()
		batch := sub.queue
		sub.queue = nil
		if len(batch) < sub.warnAt/4 && sub.warnAt > changeBacklogWarn {
			sub.warnAt = changeBacklogWarn
		}
		sub.mu.Unlock()
		for _, c := range batch {
			select {
			case <-sub.stop:
				return
			case <-closed:
				return
			default:
			}
			// Stored documents are shared by every reader; the subscriber
			// gets its own copies, made here rather than on the commit path.
			if c.Old != nil {
				c.Old = proto.Clone(c.Old).(*pb.Document)
			}
			if c.New != nil {
				c.New = proto.Clone(c.New).(*pb.Document)
			}
			sub.fn(c)
		}
	}
}

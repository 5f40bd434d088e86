package firestore

import (
	"strings"
	"sync"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
)

// versionRetention is how far back reads with read_time can see, like
// production without point-in-time recovery.
const versionRetention = time.Hour

// changeLogLen bounds the change log kept for listeners; a listener that
// falls further behind re-evaluates its targets from scratch.
const changeLogLen = 4096

// version is one state of a document; doc is nil when it did not exist.
// Stored documents are immutable: writers replace, never mutate, them.
type version struct {
	seq uint64
	t   time.Time
	doc *pb.Document
}

type entry struct {
	name     string
	versions []version // ascending by seq
}

func (e *entry) current() *version { return &e.versions[len(e.versions)-1] }

// at returns the document as of time t, or nil.
func (e *entry) at(t time.Time) *pb.Document {
	for i := len(e.versions) - 1; i >= 0; i-- {
		if !e.versions[i].t.After(t) {
			return e.versions[i].doc
		}
	}
	return nil
}

// change lists the documents one commit touched.
type change struct {
	seq   uint64
	t     time.Time
	names []string
}

// database is the in-memory state of one projects/{p}/databases/{d}.
type database struct {
	path dbPath

	mu    sync.RWMutex
	docs  map[string]*entry
	colls map[string]map[string]*entry // collection path -> documents in it
	last  time.Time                    // latest commit time
	seq   uint64                       // latest commit sequence number

	changes []change // the most recent commits, oldest first
	notify  chan struct{}

	locks lockTable
}

func newDatabase(p dbPath) *database {
	return &database{
		path:   p,
		docs:   map[string]*entry{},
		colls:  map[string]map[string]*entry{},
		notify: make(chan struct{}),
	}
}

// readTime is the snapshot time of a read made now. It stays below any
// later commit time, even with a frozen clock, so a read at it can never
// half-see a later commit. Call with mu held.
func (db *database) readTime(now time.Time) time.Time {
	now = now.Add(-time.Microsecond)
	if db.last.After(now) {
		return db.last
	}
	return now
}

// nextCommitTime returns a commit time strictly after every earlier one, so
// versions stay ordered even with a frozen clock. Call with mu held.
func (db *database) nextCommitTime(now time.Time) time.Time {
	if !now.After(db.last) {
		now = db.last.Add(time.Microsecond)
	}
	return now
}

// get returns the document as of t (nil if missing). Call with mu held.
func (db *database) get(name string, t time.Time, latest bool) *pb.Document {
	e := db.docs[name]
	if e == nil {
		return nil
	}
	if latest {
		return e.current().doc
	}
	return e.at(t)
}

// seqOf returns the sequence number of the current version of name (0 if the
// document was never written). Call with mu held.
func (db *database) seqOf(name string) uint64 {
	if e := db.docs[name]; e != nil {
		return e.current().seq
	}
	return 0
}

// install records new states for documents at commit time t, prunes old
// versions, and publishes the change to listeners. Call with mu held for
// writing.
func (db *database) install(t time.Time, docs map[string]*pb.Document, order []string) {
	db.seq++
	db.last = t
	cutoff := t.Add(-versionRetention)
	for _, name := range order {
		e := db.docs[name]
		if e == nil {
			e = &entry{name: name}
			db.docs[name] = e
			coll, _ := splitDocName(name)
			m := db.colls[coll]
			if m == nil {
				m = map[string]*entry{}
				db.colls[coll] = m
			}
			m[name] = e
		}
		e.versions = append(e.versions, version{seq: db.seq, t: t, doc: docs[name]})
		// Keep the newest version older than the cutoff: it is the state
		// seen by reads at times just after the cutoff.
		drop := 0
		for drop+1 < len(e.versions) && e.versions[drop+1].t.Before(cutoff) {
			drop++
		}
		if drop > 0 {
			e.versions = append([]version(nil), e.versions[drop:]...)
		}
	}
	db.changes = append(db.changes, change{seq: db.seq, t: t, names: order})
	if len(db.changes) > changeLogLen {
		db.changes = append([]change(nil), db.changes[len(db.changes)-changeLogLen/2:]...)
	}
	close(db.notify)
	db.notify = make(chan struct{})
}

// clear drops every document. Call with mu held for writing.
func (db *database) clear() {
	var names []string
	for name, e := range db.docs {
		if e.current().doc != nil {
			names = append(names, name)
		}
	}
	db.docs = map[string]*entry{}
	db.colls = map[string]map[string]*entry{}
	// Listeners see the removals as an ordinary commit.
	db.seq++
	db.changes = append(db.changes, change{seq: db.seq, t: db.last, names: names})
	close(db.notify)
	db.notify = make(chan struct{})
}

// scan calls fn for every document that exists at t in collection coll
// (a collection path), or, when group is set, in every collection named
// group below the parent path coll. Call with mu held.
func (db *database) scan(coll string, group string, t time.Time, latest bool, fn func(*pb.Document) bool) {
	visit := func(e *entry) bool {
		var d *pb.Document
		if latest {
			d = e.current().doc
		} else {
			d = e.at(t)
		}
		if d == nil {
			return true
		}
		return fn(d)
	}
	if group == "" {
		for _, e := range db.colls[coll] {
			if !visit(e) {
				return
			}
		}
		return
	}
	prefix := coll + "/"
	for c, m := range db.colls {
		if !strings.HasPrefix(c, prefix) {
			continue
		}
		if _, id := splitDocName(c); id != group {
			continue
		}
		for _, e := range m {
			if !visit(e) {
				return
			}
		}
	}
}

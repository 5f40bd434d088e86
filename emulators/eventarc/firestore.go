package eventarc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/firestoreevent"
	"pointsofyou.ai/studio/shared/topology"
)

// ChangeFeed reports committed Firestore document writes;
// *firestore.Server is one. cancel stops the calls and is never called
// from fn.
type ChangeFeed interface {
	OnChange(fn func(firestore.Change)) (cancel func())
}

// FirestoreOptions configure a FirestoreSource.
type FirestoreOptions struct {
	// Project is the project whose databases the triggers watch; default
	// config.DefaultProject.
	Project string
	// Location is the location extension of the events (the database's
	// location); default config.DefaultRegion.
	Location string
	// Topology declares the functions; those with a firestore trigger are
	// served. Required.
	Topology *topology.Topology
	// Feed is the Firestore emulator's change feed. Required.
	Feed ChangeFeed
}

// FirestoreSource turns Firestore document changes into the
// google.cloud.firestore.document.v1.* CloudEvents of the topology's
// firestore triggers. It subscribes to the feed when created, so no change
// committed after NewFirestoreSource returns is missed while the server
// starts; changes wait until Run hands them to the dispatcher.
type FirestoreSource struct {
	opts     FirestoreOptions
	triggers []firestoreTrigger
	cancel   func()

	ready   chan struct{} // closed when Run has a dispatcher
	stopped chan struct{} // closed by Close
	once    sync.Once

	mu      sync.Mutex
	ctx     context.Context
	d       Dispatcher
	running bool
	wg      sync.WaitGroup // deliveries under way
}

type firestoreTrigger struct {
	fn       string
	pattern  string
	event    string // created, updated, deleted, written
	ceType   string
	database string // database id
}

// NewFirestoreSource builds the source for the topology's firestore
// triggers and subscribes to the feed.
func NewFirestoreSource(opts FirestoreOptions) (*FirestoreSource, error) {
	if opts.Topology == nil {
		return nil, errors.New("eventarc: FirestoreOptions.Topology is required")
	}
	if opts.Feed == nil {
		return nil, errors.New("eventarc: FirestoreOptions.Feed is required")
	}
	if opts.Project == "" {
		opts.Project = config.DefaultProject
	}
	if opts.Location == "" {
		opts.Location = config.DefaultRegion
	}
	s := &FirestoreSource{opts: opts, ready: make(chan struct{}), stopped: make(chan struct{})}
	for _, fn := range opts.Topology.Functions {
		tr := fn.Trigger.Firestore
		if tr == nil {
			continue
		}
		ceType, ok := firestoreevent.TypeOf(tr.Event)
		if !ok {
			return nil, fmt.Errorf("eventarc: function %s: unknown firestore event %q", fn.Name, tr.Event)
		}
		if err := firestoreevent.ValidPattern(tr.Document); err != nil {
			return nil, fmt.Errorf("eventarc: function %s: %w", fn.Name, err)
		}
		db := tr.Database
		if db == "" {
			db = firestoreevent.DefaultDatabase
		}
		s.triggers = append(s.triggers, firestoreTrigger{
			fn: fn.Name, pattern: tr.Document, event: tr.Event, ceType: ceType, database: db,
		})
	}
	s.cancel = func() {}
	if len(s.triggers) > 0 {
		s.cancel = opts.Feed.OnChange(s.onChange)
	}
	return s, nil
}

// Run delivers changes through d until ctx ends, then waits for the
// deliveries under way (which end with ctx) and unsubscribes.
func (s *FirestoreSource) Run(ctx context.Context, d Dispatcher) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("eventarc: FirestoreSource is already running")
	}
	s.running, s.ctx, s.d = true, ctx, d
	s.mu.Unlock()
	close(s.ready)
	<-ctx.Done()
	s.Close()
	s.wg.Wait()
	return nil
}

// Close unsubscribes from the feed; Run calls it when it ends. Use it for a
// source that never ran.
func (s *FirestoreSource) Close() {
	s.once.Do(func() {
		close(s.stopped)
		// After cancel returns the feed makes no more calls, so no delivery
		// starts after this point.
		s.cancel()
	})
}

// onChange runs on the feed's goroutine: it may wait for Run, but it never
// waits for a delivery, so a function that keeps failing holds up only its
// own event (each event is retried independently, as in production).
func (s *FirestoreSource) onChange(c firestore.Change) {
	select {
	case <-s.ready:
	case <-s.stopped:
		return
	}
	s.mu.Lock()
	ctx, d := s.ctx, s.d
	s.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	for _, t := range s.triggers {
		ev, ok, err := s.event(t, c)
		if err != nil {
			slog.Error("eventarc could not build a firestore event", "function", t.fn, "error", err.Error())
			continue
		}
		if !ok {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := d.Deliver(ctx, t.fn, ev)
			if err != nil && !errors.Is(err, ErrDropped) && ctx.Err() == nil {
				slog.Warn("eventarc firestore delivery failed", "function", t.fn, "eventId", ev.ID(), "error", err.Error())
			}
		}()
	}
}

// event builds the CloudEvent trigger t receives for c; ok is false when
// the change does not concern t.
func (s *FirestoreSource) event(t firestoreTrigger, c firestore.Change) (ev cloudevents.Event, ok bool, err error) {
	project, database, path, ok := splitDocumentName(c.Name)
	if !ok || project != s.opts.Project || database != t.database {
		return ev, false, nil
	}
	kind := (&firestoreevent.DocumentEventData{Value: c.New, OldValue: c.Old}).Kind()
	if kind == "" || (t.event != firestoreevent.Written && t.event != kind) {
		return ev, false, nil
	}
	if _, ok := firestoreevent.Match(t.pattern, path); !ok {
		return ev, false, nil
	}
	data := &firestoreevent.DocumentEventData{Value: c.New, OldValue: c.Old}
	if kind == firestoreevent.Updated {
		data.UpdateMask = firestoreevent.ChangedFields(c.Old, c.New)
	}
	ev, err = firestoreevent.NewCloudEvent(firestoreevent.Event{
		ID:   firestoreevent.EventID(c.Name, c.Time),
		Type: t.ceType, Project: project, Database: database, Location: s.opts.Location,
		Document: path, Time: c.Time, Data: data,
	})
	return ev, err == nil, err
}

// wiredTriggers lists the triggers for GET /_internal/triggers, with the
// event filters production's trigger would have.
func (s *FirestoreSource) wiredTriggers() []wiredTrigger {
	out := make([]wiredTrigger, 0, len(s.triggers))
	for _, t := range s.triggers {
		out = append(out, wiredTrigger{
			Function: t.fn, Kind: "firestore",
			Filter: fmt.Sprintf("type = %q AND database = %q AND document match-path-pattern %q", t.ceType, t.database, t.pattern),
		})
	}
	return out
}

// splitDocumentName splits projects/{p}/databases/{d}/documents/{path}.
func splitDocumentName(name string) (project, database, path string, ok bool) {
	parts := strings.SplitN(name, "/", 6)
	if len(parts) != 6 || parts[0] != "projects" || parts[2] != "databases" || parts[4] != "documents" {
		return "", "", "", false
	}
	return parts[1], parts[3], parts[5], true
}

package journalsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"pointsofyou.ai/studio/shared/textmerge"
)

// Transport carries one POST of a device to the journal API (paths as the
// function sees them, /v1/push and /v1/pull). An error is a request or an
// answer lost on the way: the device cannot tell which.
type Transport interface {
	Post(ctx context.Context, path string, body []byte) (status int, answer []byte, err error)
}

// ErrRefused is a 4xx answer the model never expects (invalid request, a
// limit): the test is wrong or the server is.
var ErrRefused = errors.New("journalsim: request refused")

// maxPush is the contract's limit of mutations a push.
const maxPush = 500

// Device is one client of one person.
type Device struct {
	ID string // client id
	r  *rand.Rand
	w  *Words
	tr Transport

	next   int64 // id of the next mutation
	acked  int64 // the server applied every mutation up to this one
	sent   int64 // the last mutation sent in a push
	cookie int64
	pulled map[string]*Entry // as last pulled
	queue  []queued          // not yet seen applied in a pull
	// offline: every request fails at once.
	offline bool
	// Created lists the ids of the entries this device created.
	Created []string

	Stats Stats
	// Trace, when set, is told every mutation queued and every answer.
	Trace func(format string, args ...any)
}

func (d *Device) trace(format string, args ...any) {
	if d.Trace != nil {
		d.Trace(d.ID[:4]+" "+format, args...)
	}
}

// Stats count what a device did.
type Stats struct {
	Mutations, Pushes, Pulls, Failures, Gaps int
}

// queued is a mutation with its decoded args, applied to the view.
type queued struct {
	Mutation
	entry string
	apply func(e *Entry) *Entry
}

// NewDevice makes a device whose random choices follow r, whose typing
// w records and which talks through tr.
func NewDevice(r *rand.Rand, w *Words, tr Transport) *Device {
	return &Device{ID: uuidFrom(r), r: r, w: w, tr: tr, next: 1, pulled: map[string]*Entry{}}
}

// uuidFrom is a UUID v4 made from r, so a seeded history is the same every run.
func uuidFrom(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return uuid.UUID(b).String()
}

// Pending is how many mutations wait for a pull that shows them applied.
func (d *Device) Pending() int { return len(d.queue) }

// Pulled returns the entries as last pulled, by id.
func (d *Device) Pulled() map[string]*Entry { return maps.Clone(d.pulled) }

// View returns the entry as the device shows it: pulled, with the queued
// mutations on top (nil when the device knows no such entry).
func (d *Device) View(id string) *Entry {
	var e *Entry
	if p := d.pulled[id]; p != nil {
		e = clone(p)
	}
	for _, q := range d.queue {
		if q.entry == id {
			e = q.apply(e)
		}
	}
	return e
}

// ids lists the entries the device knows, in a stable order.
func (d *Device) ids() []string {
	set := map[string]bool{}
	for id := range d.pulled {
		set[id] = true
	}
	for _, q := range d.queue {
		set[q.entry] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// enqueue adds the next mutation.
func (d *Device) enqueue(name, entry string, args any, apply func(*Entry) *Entry) {
	b, err := json.Marshal(args)
	if err != nil {
		panic(err) // our own types
	}
	d.trace("queue %d %s %s", d.next, name, b)
	d.queue = append(d.queue, queued{Mutation: Mutation{ID: d.next, Name: name, Args: b}, entry: entry, apply: apply})
	d.next++
	d.Stats.Mutations++
}

// Push sends queued mutations: from the first the server may lack, or,
// at times, only those never sent (as an app pipelining its pushes does,
// which meets a gap when an earlier push was lost). It returns whether
// the push was answered.
func (d *Device) Push(ctx context.Context) (bool, error) {
	from := d.acked
	if d.sent > d.acked && d.sent < d.lastQueued() && d.r.IntN(3) == 0 {
		from = d.sent
	}
	var muts []Mutation
	for _, q := range d.queue {
		if q.ID > from && len(muts) < maxPush {
			muts = append(muts, q.Mutation)
		}
	}
	if len(muts) == 0 {
		return true, nil
	}
	d.Stats.Pushes++
	d.sent = max(d.sent, muts[len(muts)-1].ID)
	code, body, err := d.post(ctx, "/v1/push", pushRequest{ClientID: d.ID, Mutations: muts})
	d.trace("push %d..%d: %d %v %s", muts[0].ID, muts[len(muts)-1].ID, code, err, body)
	switch {
	case err != nil:
		d.Stats.Failures++
		return false, nil
	case code == http.StatusOK:
		var out pushResponse
		if err := json.Unmarshal(body, &out); err != nil {
			return false, fmt.Errorf("push answer: %w", err)
		}
		if len(out.Errors) > 0 {
			return false, fmt.Errorf("%w: mutations refused as invalid: %s", ErrRefused, body)
		}
		d.acked = max(d.acked, out.LastMutationID)
		return true, nil
	case code == http.StatusConflict:
		var p problem
		if err := json.Unmarshal(body, &p); err != nil || p.LastMutationID == nil {
			return false, fmt.Errorf("gap answer: %s", body)
		}
		// Resend from the server's position (the next push starts there).
		d.Stats.Gaps++
		d.acked = max(d.acked, *p.LastMutationID)
		d.sent = d.acked
		return true, nil
	case code >= 500:
		d.Stats.Failures++
		return false, nil
	default:
		return false, fmt.Errorf("%w: push %d %s", ErrRefused, code, body)
	}
}

// Pull fetches what changed since the cookie, page by page. It returns
// whether every page was answered.
func (d *Device) Pull(ctx context.Context) (bool, error) {
	for {
		d.Stats.Pulls++
		code, body, err := d.post(ctx, "/v1/pull", pullRequest{ClientID: d.ID, Cookie: d.cookie, Limit: 1 + d.r.IntN(20)})
		switch {
		case err != nil || code >= 500:
			d.Stats.Failures++
			return false, nil
		case code != http.StatusOK:
			return false, fmt.Errorf("%w: pull %d %s", ErrRefused, code, body)
		}
		var out pullResponse
		if err := json.Unmarshal(body, &out); err != nil {
			return false, fmt.Errorf("pull answer: %w", err)
		}
		d.trace("pull from %d: %s", d.cookie, body)
		for i := range out.Entries {
			e := out.Entries[i]
			d.pulled[e.ID] = &e
		}
		d.cookie = out.Cookie
		d.acked = max(d.acked, out.LastMutationID)
		d.sent = max(d.sent, d.acked)
		// What the server applied is in the pulled entries now.
		d.queue = slices.DeleteFunc(d.queue, func(q queued) bool { return q.ID <= out.LastMutationID })
		if !out.More {
			return true, nil
		}
	}
}

// Sync pushes until the queue is sent and pulls; it returns whether both
// were answered.
func (d *Device) Sync(ctx context.Context) (bool, error) {
	for range 10 {
		ok, err := d.Push(ctx)
		if err != nil || !ok {
			return false, err
		}
		if d.lastQueued() <= d.acked {
			break
		}
	}
	return d.Pull(ctx)
}

func (d *Device) lastQueued() int64 {
	if len(d.queue) == 0 {
		return 0
	}
	return d.queue[len(d.queue)-1].ID
}

// SetOffline takes the device off the network (true) or back.
func (d *Device) SetOffline(off bool) { d.offline = off }

// Offline reports whether the device is off the network.
func (d *Device) Offline() bool { return d.offline }

func (d *Device) post(ctx context.Context, path string, v any) (int, []byte, error) {
	if d.offline {
		return 0, nil, ErrLost
	}
	b, err := json.Marshal(v)
	if err != nil {
		return 0, nil, err
	}
	return d.tr.Post(ctx, path, b)
}

func clone(e *Entry) *Entry {
	c := *e
	c.Tags = slices.Clone(e.Tags)
	c.CardRefs = slices.Clone(e.CardRefs)
	c.Conflicts = slices.Clone(e.Conflicts)
	return &c
}

// applyBody is the server's rule for a body change, as the view shows it
// before the server has applied it: a clean merge of the change onto what
// the view shows, else the view's body with the change kept as a
// conflict version.
func applyBody(e *Entry, base, body string, conflictID string) {
	merged, clean := textmerge.Merge(base, e.Body, body)
	if clean {
		e.Body = merged
		return
	}
	e.Conflicts = append(e.Conflicts, Conflict{ID: conflictID, Title: e.Title, Body: body})
}

// words splits a body the way actions edit it: lines, then words.
func words(body string) [][]string {
	lines := strings.Split(body, "\n")
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Split(l, " ")
	}
	return out
}

func join(ws [][]string) string {
	lines := make([]string, len(ws))
	for i, l := range ws {
		lines[i] = strings.Join(l, " ")
	}
	return strings.Join(lines, "\n")
}

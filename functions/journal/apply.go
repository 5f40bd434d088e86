package journal

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"pointsofyou.ai/studio/shared/textmerge"
	"pointsofyou.ai/studio/shared/validate"
)

// book is the part of a person's journal one push chunk touches, in
// memory: the entries its mutations name (nil: no such entry) and the
// usage counters. apply changes it; the caller writes what changed.
type book struct {
	entries map[string]*Entry
	count   int   // live (not deleted) entries
	bytes   int64 // their size
	limits  limits
	now     time.Time
	client  string
	// version is the user's version cookie; every mutation that changes an
	// entry bumps it and stamps the entry, so each change has its own.
	version int64
	dirty   map[string]bool
}

// outcome is what one mutation did.
type outcome struct {
	changed  bool
	conflict bool // a body kept as a conflict version
	merged   bool // a concurrent body edit merged cleanly
	invalid  error
}

// overLimit refuses a mutation (and everything after it) that would take
// the journal over its tier's limit.
type overLimit struct {
	what string // "entries" or "bytes"
}

func (e *overLimit) Error() string { return "journal limit reached: " + e.what }

// errNotFound is a mutation of an entry that does not exist: a no-op.
var errNotFound = validate.Invalid(validate.Field("id", "no such entry"))

// apply applies m to b. It returns an *overLimit error when m must be
// refused; an invalid m is reported in outcome.invalid and changes nothing.
func (b *book) apply(m Mutation) (outcome, error) {
	args, err := decodeArgs(m)
	if err != nil {
		return outcome{invalid: err}, nil
	}
	switch a := args.(type) {
	case *CreateArgs:
		return b.create(a)
	case *UpdateArgs:
		return b.update(m.ID, a)
	case *DeleteArgs:
		return b.delete(a)
	case *RestoreArgs:
		return b.restore(a)
	case *ResolveArgs:
		return b.resolve(m.ID, a)
	}
	return outcome{invalid: fmt.Errorf("unhandled %T", args)}, nil
}

// MaxEntryBytes bounds one entry's title, body and conflict versions, so
// its document stays well inside Firestore's 1 MiB: a conflict version
// that would go over it is refused like a limit (the client keeps it and
// the person resolves the entry's conflicts first).
const MaxEntryBytes = 800_000

// admitEntry refuses an entry grown over MaxEntryBytes.
func admitEntry(e *Entry, before int) error {
	if e.Bytes > MaxEntryBytes && e.Bytes > before {
		return &overLimit{what: "bytes"}
	}
	return nil
}

// admit checks that a live size change of dEntries entries and dBytes
// bytes stays within the limits (shrinking always passes).
func (b *book) admit(dEntries int, dBytes int64) error {
	if dEntries > 0 && b.count+dEntries > b.limits.entries {
		return &overLimit{what: "entries"}
	}
	if dBytes > 0 && b.bytes+dBytes > b.limits.bytes {
		return &overLimit{what: "bytes"}
	}
	return nil
}

// commit stamps e as changed by this mutation (its derived fields are
// up to date: text changes normalize before they are admitted).
func (b *book) commit(e *Entry, sizeBefore int, liveBefore bool) {
	e.Rev++
	e.UpdatedAt = b.now
	b.version++
	e.Version = b.version
	if liveBefore {
		b.count--
		b.bytes -= int64(sizeBefore)
	}
	if !e.Deleted {
		b.count++
		b.bytes += int64(e.Bytes)
	}
	b.entries[e.ID] = e
	b.dirty[e.ID] = true
}

func (b *book) create(a *CreateArgs) (outcome, error) {
	if b.entries[a.ID] != nil {
		return outcome{}, nil // ids are never reused: a replayed create
	}
	e := &Entry{ID: a.ID, Title: a.Title, Body: a.Body, Mode: a.Mode, SessionID: a.SessionID, Visibility: a.Visibility,
		Tags: slices.Clone(a.Tags), CardRefs: slices.Clone(a.CardRefs), Mood: a.Mood, PromptID: a.PromptID, CreatedAt: a.CreatedAt}
	if e.Mode == "" {
		e.Mode = ModeStandalone
	}
	// Private by default, in a session too: sharing is the person's choice.
	if e.Visibility == "" {
		e.Visibility = VisibilityPrivate
	}
	if e.CreatedAt.IsZero() || e.CreatedAt.After(b.now) {
		e.CreatedAt = b.now
	}
	e.CreatedAt = e.CreatedAt.UTC()
	e.normalize()
	if err := b.admit(1, int64(e.Bytes)); err != nil {
		return outcome{}, err
	}
	e.BodyRev = 1
	b.commit(e, 0, false)
	return outcome{changed: true}, nil
}

func (b *book) update(mid int64, a *UpdateArgs) (outcome, error) {
	cur := b.entries[a.ID]
	if cur == nil {
		return outcome{invalid: errNotFound}, nil
	}
	e := cloneEntry(cur)
	liveBefore, sizeBefore := !cur.Deleted, cur.Bytes
	var out outcome
	if e.Deleted {
		// Only words typed concurrently with the delete bring it back.
		if a.Body == nil || a.BaseRev >= e.DeletedRev || *a.Body == e.Body {
			return outcome{}, nil
		}
		e.Deleted, e.ExpireAt = false, nil
	}
	changed := e.Deleted != cur.Deleted
	set := func(dst *string, v *string) {
		if v != nil && *dst != *v {
			*dst, changed = *v, true
		}
	}
	set(&e.Title, a.Title)
	set(&e.Visibility, a.Visibility)
	set(&e.Mode, a.Mode)
	set(&e.SessionID, a.SessionID)
	set(&e.PromptID, a.PromptID)
	if a.Tags != nil && !slices.Equal(e.Tags, *a.Tags) {
		e.Tags, changed = slices.Clone(*a.Tags), true
	}
	if a.CardRefs != nil && !slices.Equal(e.CardRefs, *a.CardRefs) {
		e.CardRefs, changed = slices.Clone(*a.CardRefs), true
	}
	if a.Mood != nil && e.Mood != *a.Mood {
		e.Mood, changed = *a.Mood, true
	}
	if a.Body != nil && *a.Body != e.Body {
		switch {
		case a.BaseRev == cur.Rev:
			e.Body = *a.Body
		case a.BaseBody != nil:
			merged, clean := textmerge.Merge(*a.BaseBody, e.Body, *a.Body)
			if clean {
				e.Body, out.merged = merged, true
			} else {
				e.Conflicts = append(e.Conflicts, b.conflict(mid, e.Title, *a.Body))
				out.conflict = true
			}
		default: // no base to merge from: keep both
			e.Conflicts = append(e.Conflicts, b.conflict(mid, e.Title, *a.Body))
			out.conflict = true
		}
		if e.Body != cur.Body {
			e.BodyRev = cur.Rev + 1
		}
		changed = true
	}
	if !changed {
		return outcome{}, nil
	}
	e.normalize()
	if err := admitEntry(e, cur.Bytes); err != nil {
		return outcome{}, err
	}
	dEntries := 0
	if !liveBefore {
		dEntries = 1
		sizeBefore = 0
	}
	if err := b.admit(dEntries, int64(e.Bytes-sizeBefore)); err != nil {
		return outcome{}, err
	}
	b.commit(e, cur.Bytes, liveBefore)
	out.changed = true
	return out, nil
}

// conflict is the version of a body that could not be merged; its id is
// made from the client and the mutation, so every replica names it alike.
func (b *book) conflict(mid int64, title, body string) Conflict {
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte(b.client+"/"+strconv.FormatInt(mid, 10))).String()
	return Conflict{ID: id, Title: title, Body: body, ClientID: b.client, CreatedAt: b.now}
}

func (b *book) delete(a *DeleteArgs) (outcome, error) {
	cur := b.entries[a.ID]
	if cur == nil {
		return outcome{invalid: errNotFound}, nil
	}
	// Already gone, or words were written that the delete never saw.
	if cur.Deleted || a.BaseRev < cur.BodyRev {
		return outcome{}, nil
	}
	e := cloneEntry(cur)
	exp := b.now.Add(TombstoneTTL)
	e.Deleted, e.ExpireAt, e.DeletedRev = true, &exp, cur.Rev+1
	b.commit(e, cur.Bytes, true)
	return outcome{changed: true}, nil
}

func (b *book) restore(a *RestoreArgs) (outcome, error) {
	cur := b.entries[a.ID]
	if cur == nil {
		return outcome{invalid: errNotFound}, nil
	}
	if !cur.Deleted {
		return outcome{}, nil
	}
	if cur.ExpireAt != nil && !b.now.Before(*cur.ExpireAt) {
		return outcome{invalid: validate.Invalid(validate.Field("id", "deleted more than 30 days ago"))}, nil
	}
	if err := b.admit(1, int64(cur.Bytes)); err != nil {
		return outcome{}, err
	}
	e := cloneEntry(cur)
	e.Deleted, e.ExpireAt = false, nil
	b.commit(e, cur.Bytes, false)
	return outcome{changed: true}, nil
}

// resolve sets the body the person chose and drops the conflict versions
// they resolved. A body changed since base_rev (words typed on another
// device meanwhile) is not overwritten: the chosen body is kept as a
// conflict version beside it, so neither loses a word.
func (b *book) resolve(mid int64, a *ResolveArgs) (outcome, error) {
	cur := b.entries[a.ID]
	if cur == nil {
		return outcome{invalid: errNotFound}, nil
	}
	if cur.Deleted {
		return outcome{}, nil
	}
	e := cloneEntry(cur)
	if a.Title != nil {
		e.Title = *a.Title
	}
	e.Conflicts = slices.DeleteFunc(e.Conflicts, func(c Conflict) bool { return slices.Contains(a.Resolved, c.ID) })
	var out outcome
	switch {
	case e.Body == a.Body:
	case a.BaseRev < cur.BodyRev:
		e.Conflicts = append(e.Conflicts, b.conflict(mid, e.Title, a.Body))
		out.conflict = true
	default:
		e.Body, e.BodyRev = a.Body, cur.Rev+1
	}
	if e.Body == cur.Body && e.Title == cur.Title && slices.Equal(e.Conflicts, cur.Conflicts) {
		return outcome{}, nil
	}
	e.normalize()
	if err := admitEntry(e, cur.Bytes); err != nil {
		return outcome{}, err
	}
	if err := b.admit(0, int64(e.Bytes-cur.Bytes)); err != nil {
		return outcome{}, err
	}
	b.commit(e, cur.Bytes, true)
	out.changed = true
	return out, nil
}

func cloneEntry(e *Entry) *Entry {
	c := *e
	c.Tags = slices.Clone(e.Tags)
	c.CardRefs = slices.Clone(e.CardRefs)
	c.Conflicts = slices.Clone(e.Conflicts)
	c.Terms = slices.Clone(e.Terms)
	if e.ExpireAt != nil {
		t := *e.ExpireAt
		c.ExpireAt = &t
	}
	return &c
}

// isOverLimit unwraps a refusal.
func isOverLimit(err error) (*overLimit, bool) {
	var ol *overLimit
	ok := errors.As(err, &ol)
	return ol, ok
}

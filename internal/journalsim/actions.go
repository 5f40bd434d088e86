package journalsim

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxEntries bounds the entries one history creates (the free tier
// allows 100).
const MaxEntries = 12

var tagPool = []string{"calm", "work", "family", "growth", "sea", "שקט", "ruhe"}

// Act does one thing a person does on this device at now: create an
// entry, edit a body (insert, delete and replace words), edit the title,
// tags or mood, delete or restore an entry, or resolve a conflict keeping
// every word of both versions. It returns the name of the mutation queued.
func (d *Device) Act(now time.Time) string {
	var live, dead, conflicted []string
	for _, id := range d.ids() {
		switch e := d.View(id); {
		case e == nil:
		case e.Deleted:
			dead = append(dead, id)
		default:
			live = append(live, id)
			if len(e.Conflicts) > 0 {
				conflicted = append(conflicted, id)
			}
		}
	}
	pick := func(ids []string) string { return ids[d.r.IntN(len(ids))] }
	switch p := d.r.IntN(100); {
	case len(conflicted) > 0 && p < 40:
		d.resolve(pick(conflicted))
		return Resolve
	case len(live) == 0 || p < 12 && len(live)+len(dead) < MaxEntries:
		d.create(now)
		return Create
	case p < 70:
		d.editBody(pick(live))
	case p < 85:
		d.editMeta(pick(live))
	case p < 92 || len(dead) == 0:
		d.delete(pick(live))
		return Delete
	default:
		d.restore(pick(dead))
		return Restore
	}
	return Update
}

// baseRev is the rev of the entry as last pulled (0: never pulled).
func (d *Device) baseRev(id string) int {
	if e := d.pulled[id]; e != nil {
		return e.Rev
	}
	return 0
}

func (d *Device) create(now time.Time) {
	id := uuidFrom(d.r)
	d.Created = append(d.Created, id)
	var b strings.Builder
	for i := range 3 + d.r.IntN(12) {
		if i > 0 {
			b.WriteString(" ")
			if d.r.IntN(6) == 0 {
				b.WriteString("\n")
			}
		}
		b.WriteString(d.w.New())
	}
	a := createArgs{ID: id, Title: d.w.Title(), Body: b.String(), Mode: "standalone", Visibility: "private",
		Tags: d.tags(), CardRefs: []CardRef{}, Mood: d.r.IntN(6), CreatedAt: now.UTC()}
	d.enqueue(Create, id, a, func(e *Entry) *Entry {
		if e != nil {
			return e
		}
		return &Entry{ID: id, Title: a.Title, Body: a.Body, Mode: a.Mode, Visibility: a.Visibility, Tags: slices.Clone(a.Tags),
			CardRefs: []CardRef{}, Mood: a.Mood, CreatedAt: a.CreatedAt, Conflicts: []Conflict{}}
	})
}

func (d *Device) tags() []string {
	var out []string
	for _, t := range tagPool {
		if d.r.IntN(4) == 0 {
			out = append(out, t)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// editBody inserts, deletes and replaces a few words of the body in view.
func (d *Device) editBody(id string) {
	before := d.View(id).Body
	ws := words(before)
	var typed []string
	word := func() string {
		s := d.w.New()
		typed = append(typed, s)
		return s
	}
	for range 1 + d.r.IntN(3) {
		l := d.r.IntN(len(ws))
		line := ws[l]
		at := d.r.IntN(len(line) + 1)
		switch op := d.r.IntN(10); {
		case op < 5 || at == len(line): // insert (a new paragraph at times)
			if d.r.IntN(8) == 0 {
				ws = slices.Insert(ws, l+1, []string{}, []string{word(), word()})
				continue
			}
			line = slices.Insert(line, at, word())
		case op < 8:
			line = slices.Delete(line, at, at+1)
		default:
			line[at] = word()
		}
		ws[l] = line
	}
	after := join(ws)
	d.w.edited(before, after, typed)
	if after == before {
		return
	}
	mid := d.next
	a := updateArgs{ID: id, BaseRev: d.baseRev(id), BaseBody: &before, Body: &after}
	d.enqueue(Update, id, a, func(e *Entry) *Entry {
		if e == nil {
			return nil
		}
		if e.Deleted && e.Body != after {
			e.Deleted = false // words typed concurrently win over a delete
		}
		applyBody(e, before, after, localConflict(mid))
		return e
	})
}

// localConflict names a conflict version the view made; the server names
// its own.
func localConflict(mid int64) string { return "local-" + strconv.FormatInt(mid, 10) }

// editMeta changes the title, the tags or the mood.
func (d *Device) editMeta(id string) {
	a := updateArgs{ID: id, BaseRev: d.baseRev(id)}
	switch d.r.IntN(3) {
	case 0:
		t := d.w.Title()
		a.Title = &t
	case 1:
		t := d.tags()
		a.Tags = &t
	default:
		m := d.r.IntN(6)
		a.Mood = &m
	}
	d.enqueue(Update, id, a, func(e *Entry) *Entry {
		if e == nil || e.Deleted {
			return e
		}
		if a.Title != nil {
			e.Title = *a.Title
		}
		if a.Tags != nil {
			e.Tags = slices.Clone(*a.Tags)
		}
		if a.Mood != nil {
			e.Mood = *a.Mood
		}
		return e
	})
}

func (d *Device) delete(id string) {
	d.enqueue(Delete, id, deleteArgs{ID: id, BaseRev: d.baseRev(id)}, func(e *Entry) *Entry {
		if e != nil {
			e.Deleted = true
		}
		return e
	})
}

func (d *Device) restore(id string) {
	d.enqueue(Restore, id, restoreArgs{ID: id}, func(e *Entry) *Entry {
		if e != nil {
			e.Deleted = false
		}
		return e
	})
}

// resolve keeps the body in view and adds every word of the conflict
// versions it lacks, as a careful person does, and drops the versions
// the server has sent.
func (d *Device) resolve(id string) {
	e := d.View(id)
	have := fieldSet(e.Body)
	var add []string
	for _, c := range e.Conflicts {
		for _, s := range strings.Fields(c.Body) {
			if !have[s] {
				have[s] = true
				add = append(add, s)
			}
		}
	}
	body := e.Body
	if len(add) > 0 {
		body += "\n" + strings.Join(add, " ")
	}
	var ids []string
	if p := d.pulled[id]; p != nil {
		for _, c := range p.Conflicts {
			ids = append(ids, c.ID)
		}
	}
	if ids == nil {
		ids = []string{}
	}
	a := resolveArgs{ID: id, BaseRev: d.baseRev(id), Body: body, Resolved: ids}
	d.enqueue(Resolve, id, a, func(e *Entry) *Entry {
		if e == nil || e.Deleted {
			return e
		}
		e.Body = body
		e.Conflicts = slices.DeleteFunc(e.Conflicts, func(c Conflict) bool { return slices.Contains(ids, c.ID) || strings.HasPrefix(c.ID, "local-") })
		return e
	})
}

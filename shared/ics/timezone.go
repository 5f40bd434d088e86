package ics

import (
	"fmt"
	"strconv"
	"time"
)

// zoneSpan is a named location and the time range its VTIMEZONE must cover.
type zoneSpan struct {
	loc      *time.Location
	from, to time.Time
}

// coverage is how far around the events the observances reach, so that a
// client converting nearby times (a moved event, an alarm) stays right.
const coverage = 366 * 24 * time.Hour

// collectZones lists the named zones of the events' times, in order of
// first use, each with the span to describe.
func collectZones(evs []Event) ([]zoneSpan, error) {
	var out []zoneSpan
	idx := map[string]int{}
	add := func(t time.Time) error {
		if t.IsZero() || !zoned(t) {
			return nil
		}
		name := t.Location().String()
		i, ok := idx[name]
		if !ok {
			idx[name] = len(out)
			out = append(out, zoneSpan{loc: t.Location(), from: t, to: t})
			return nil
		}
		// Locations loaded twice are distinct pointers with one name:
		// the first one describes both.
		z := &out[i]
		if t.Before(z.from) {
			z.from = t
		}
		if t.After(z.to) {
			z.to = t
		}
		return nil
	}
	for _, ev := range evs {
		if err := add(ev.Start); err != nil {
			return nil, err
		}
		if err := add(ev.End); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// observance is one STANDARD or DAYLIGHT sub-component: from its start
// the zone's offset is to (it was from before).
type observance struct {
	dst      bool
	name     string
	from, to int // seconds east of UTC
	start    time.Time
}

// epoch starts the first observance of a zone that has never changed.
var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// observances walks the zone's periods (time.Time.ZoneBounds) across the
// span, one observance per period, the first being the period in force at
// the span's start.
func observances(z zoneSpan) []observance {
	from, to := z.from.Add(-coverage).In(z.loc), z.to.Add(coverage)
	var out []observance
	cur := from
	for range 1000 { // a bound in case zoneinfo is pathological
		name, off := cur.Zone()
		start, end := cur.ZoneBounds()
		prev := off
		if start.IsZero() {
			start = epoch.Add(-time.Duration(off) * time.Second)
		} else {
			_, prev = start.Add(-time.Second).Zone()
		}
		out = append(out, observance{dst: cur.IsDST(), name: name, from: prev, to: off, start: start})
		if end.IsZero() || end.After(to) {
			break
		}
		cur = end.In(z.loc)
	}
	return out
}

func (e *encoder) timezone(z zoneSpan) error {
	tz, err := paramValue(z.loc.String(), false)
	if err != nil {
		return fmt.Errorf("ics: TZID: %w", err)
	}
	e.line("BEGIN:VTIMEZONE")
	e.line("TZID:" + tz)
	for _, o := range observances(z) {
		kind := "STANDARD"
		if o.dst {
			kind = "DAYLIGHT"
		}
		e.line("BEGIN:" + kind)
		// DTSTART is the local wall time of the change, in the offset
		// in force before it (RFC 5545 §3.6.5).
		e.line("DTSTART:" + o.start.UTC().Add(time.Duration(o.from)*time.Second).Format(localLayout))
		e.line("TZOFFSETFROM:" + utcOffset(o.from))
		e.line("TZOFFSETTO:" + utcOffset(o.to))
		if o.name != "" {
			e.line("TZNAME:" + escapeText(o.name))
		}
		e.line("END:" + kind)
	}
	e.line("END:VTIMEZONE")
	return nil
}

// utcOffset writes a utc-offset value: +0100, -0500, +0530, +002030.
func utcOffset(secs int) string {
	sign := "+"
	if secs < 0 {
		sign = "-"
		secs = -secs
	}
	h, m, s := secs/3600, secs/60%60, secs%60
	out := sign + pad2(h) + pad2(m)
	if s != 0 {
		out += pad2(s)
	}
	return out
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

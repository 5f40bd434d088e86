package eventarc

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed standard 5-field cron expression (minute hour
// day-of-month month day-of-week), the unix-cron format Cloud Scheduler
// accepts.
type Cron struct {
	expr                          string
	minute, hour, dom, month, dow uint64 // bit i set: value i matches
	// domStar and dowStar record a day field starting with '*'. As in
	// Vixie cron, when both day fields are restricted a day matches if
	// either does; otherwise both must (a '*' field matches every day).
	domStar, dowStar bool
}

// cronField describes one field's bounds and value names.
type cronField struct {
	name     string
	min, max int
	names    []string // names[i] is value min+i
}

var (
	minuteField = cronField{name: "minute", min: 0, max: 59}
	hourField   = cronField{name: "hour", min: 0, max: 23}
	domField    = cronField{name: "day-of-month", min: 1, max: 31}
	monthField  = cronField{name: "month", min: 1, max: 12,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	// Day-of-week accepts 0-7; 7 is Sunday too and is folded onto 0.
	dowField = cronField{name: "day-of-week", min: 0, max: 7,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
)

// ParseCron parses a 5-field cron expression: each field is "*", a value,
// a range "a-b", a step "*/n" or "a-b/n" ("a/n" runs from a to the field's
// maximum), or a comma-separated list of those. Months and days of week
// also take three-letter English names (JAN-DEC, SUN-SAT), in any case.
func ParseCron(expr string) (Cron, error) {
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return Cron{}, fmt.Errorf("cron %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", expr, len(fields))
	}
	c := Cron{expr: strings.Join(fields, " ")}
	specs := []struct {
		f   cronField
		dst *uint64
	}{{minuteField, &c.minute}, {hourField, &c.hour}, {domField, &c.dom}, {monthField, &c.month}, {dowField, &c.dow}}
	for i, sp := range specs {
		bits, err := parseCronField(fields[i], sp.f)
		if err != nil {
			return Cron{}, fmt.Errorf("cron %q: %w", expr, err)
		}
		*sp.dst = bits
	}
	if c.dow&(1<<7) != 0 {
		c.dow = c.dow&^(1<<7) | 1
	}
	c.domStar = strings.HasPrefix(fields[2], "*")
	c.dowStar = strings.HasPrefix(fields[4], "*")
	return c, nil
}

// String returns the expression with normalised spacing.
func (c Cron) String() string { return c.expr }

func parseCronField(s string, f cronField) (uint64, error) {
	var bits uint64
	for part := range strings.SplitSeq(s, ",") {
		if part == "" {
			return 0, fmt.Errorf("%s: empty list element in %q", f.name, s)
		}
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n <= 0 || n > f.max-f.min+1 {
				return 0, fmt.Errorf("%s: invalid step %q", f.name, stepStr)
			}
			step = n
		}
		var lo, hi int
		switch {
		case rng == "*":
			lo, hi = f.min, f.max
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = f.value(a); err != nil {
				return 0, err
			}
			if hi, err = f.value(b); err != nil {
				return 0, err
			}
			if lo > hi {
				return 0, fmt.Errorf("%s: range %q runs backwards", f.name, rng)
			}
		default:
			v, err := f.value(rng)
			if err != nil {
				return 0, err
			}
			lo, hi = v, v
			if hasStep {
				hi = f.max
			}
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, nil
}

// value parses a number or a name within the field's bounds.
func (f cronField) value(s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < f.min || v > f.max || strings.HasPrefix(s, "+") {
		return 0, fmt.Errorf("%s: invalid value %q (want %d-%d)", f.name, s, f.min, f.max)
	}
	return v, nil
}

// cronHorizon bounds the search for a matching time; an expression that
// never matches (e.g. 30 February) yields no next time.
const cronHorizon = 5

// Next returns the first whole minute strictly after after whose wall
// clock in loc (UTC when nil) matches, or the zero time when none does
// within five years. Wall times skipped by a DST change never match; wall
// times repeated by one match in both occurrences.
func (c Cron) Next(after time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	// Minutes and hours are stepped in absolute time, never through
	// time.Date, so that DST-ambiguous wall times are visited in both
	// occurrences and none is skipped.
	a := after.In(loc)
	t := a.Add(-time.Duration(a.Second())*time.Second - time.Duration(a.Nanosecond())).Add(time.Minute)
	limit := a.Year() + cronHorizon
	// advance moves to cand (a local midnight), or one minute on if a
	// DST-ambiguous midnight would not move forward.
	advance := func(cand time.Time) time.Time {
		if !cand.After(t) {
			return t.Add(time.Minute)
		}
		return cand
	}
	for t.Year() <= limit {
		switch {
		case c.month&(1<<uint(t.Month())) == 0:
			t = advance(time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc))
		case !c.dayMatches(t):
			t = advance(time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc))
		case c.hour&(1<<uint(t.Hour())) == 0:
			t = t.Add(time.Duration(60-t.Minute()) * time.Minute)
		case c.minute&(1<<uint(t.Minute())) == 0:
			t = t.Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

func (c Cron) dayMatches(t time.Time) bool {
	dom := c.dom&(1<<uint(t.Day())) != 0
	dow := c.dow&(1<<uint(t.Weekday())) != 0
	if c.domStar || c.dowStar {
		return dom && dow
	}
	return dom || dow
}

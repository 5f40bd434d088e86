package eventarc

import (
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func TestParseCronErrors(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
		"* * * 13 *", "* * * * 8", "*/0 * * * *", "*/61 * * * *", "5-1 * * * *", "a * * * *",
		"1,,2 * * * *", "* * * FOO *", "* * * * MON-", "-1 * * * *", "+1 * * * *", "1-2-3 * * * *",
	} {
		if _, err := ParseCron(expr); err == nil {
			t.Errorf("ParseCron(%q) succeeded, want an error", expr)
		}
	}
}

func TestCronNext(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	ny := mustLoc(t, "America/New_York")
	at := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		expr  string
		loc   *time.Location
		after string
		want  []string // successive next times, in loc
	}{
		{"*/15 * * * *", utc, "2026-01-05 10:07", []string{"2026-01-05 10:15", "2026-01-05 10:30", "2026-01-05 10:45", "2026-01-05 11:00"}},
		{"*/15 * * * *", utc, "2026-01-05 10:15", []string{"2026-01-05 10:30"}},
		{"0 3 * * *", utc, "2026-01-05 03:00", []string{"2026-01-06 03:00", "2026-01-07 03:00"}},
		{"30 3 * * *", utc, "2026-12-31 04:00", []string{"2027-01-01 03:30"}},
		// 2026-01-09 is a Friday.
		{"0 9 * * MON-FRI", utc, "2026-01-09 09:00", []string{"2026-01-12 09:00", "2026-01-13 09:00"}},
		{"0 9 * * mon-fri", utc, "2026-01-10 12:00", []string{"2026-01-12 09:00"}},
		{"0 0 1,15 * *", utc, "2026-01-15 00:00", []string{"2026-02-01 00:00", "2026-02-15 00:00", "2026-03-01 00:00"}},
		{"0 12 * JAN,JUL *", utc, "2026-01-31 12:00", []string{"2026-07-01 12:00"}},
		{"10-20/5 8-9 * * *", utc, "2026-01-05 08:20", []string{"2026-01-05 09:10", "2026-01-05 09:15"}},
		{"5/20 * * * *", utc, "2026-01-05 08:00", []string{"2026-01-05 08:05", "2026-01-05 08:25", "2026-01-05 08:45", "2026-01-05 09:05"}},
		// Sunday as 0 and as 7. 2026-01-11 is a Sunday.
		{"0 0 * * 7", utc, "2026-01-05 00:00", []string{"2026-01-11 00:00", "2026-01-18 00:00"}},
		{"0 0 * * SUN", utc, "2026-01-05 00:00", []string{"2026-01-11 00:00"}},
		// Both day fields restricted: either matches (the 13th, or a Friday).
		{"0 0 13 * FRI", utc, "2026-01-01 00:00", []string{"2026-01-02 00:00", "2026-01-09 00:00", "2026-01-13 00:00", "2026-01-16 00:00"}},
		// A '*'-started day field keeps AND semantics.
		{"0 0 */2 * FRI", utc, "2026-01-01 00:00", []string{"2026-01-09 00:00", "2026-01-23 00:00"}},
		{"0 0 29 2 *", utc, "2026-01-01 00:00", []string{"2028-02-29 00:00"}},
		// Time zones: 03:00 New York is 08:00 UTC in winter, 07:00 in summer.
		{"0 3 * * *", ny, "2026-01-05 12:00", []string{"2026-01-06 03:00"}},
		// DST start (2026-03-08 02:00 -> 03:00): 02:30 does not exist that day.
		{"30 2 * * *", ny, "2026-03-07 12:00", []string{"2026-03-09 02:30"}},
		{"*/30 * * * *", ny, "2026-03-08 01:15", []string{"2026-03-08 01:30", "2026-03-08 03:00", "2026-03-08 03:30"}},
	}
	for _, tt := range tests {
		c, err := ParseCron(tt.expr)
		if err != nil {
			t.Errorf("ParseCron(%q): %v", tt.expr, err)
			continue
		}
		cur := at(tt.loc, tt.after)
		for _, w := range tt.want {
			got := c.Next(cur, tt.loc)
			if want := at(tt.loc, w); !got.Equal(want) {
				t.Errorf("%q.Next(%s) = %s, want %s", tt.expr, cur, got.In(tt.loc), want)
				break
			}
			cur = got
		}
	}
}

func TestCronNextFallBack(t *testing.T) {
	t.Parallel()
	ny := mustLoc(t, "America/New_York")
	c, err := ParseCron("30 1 * * *")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-11-01 01:00-02:00 happens twice (EDT, then EST): both match.
	start := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC) // 00:00 EDT
	first := c.Next(start, ny)
	second := c.Next(first, ny)
	third := c.Next(second, ny)
	if got, want := first.UTC(), time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("first = %s, want %s", got, want)
	}
	if got, want := second.UTC(), time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("second = %s, want %s", got, want)
	}
	if got, want := third.UTC(), time.Date(2026, 11, 2, 6, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("third = %s, want %s", got, want)
	}
}

func TestCronNeverMatches(t *testing.T) {
	t.Parallel()
	c, err := ParseCron("0 0 30 2 *")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), nil); !got.IsZero() {
		t.Errorf("Next = %s, want zero time", got)
	}
}

func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"*/15 * * * *", "0 3 * * *", "0 9 * * MON-FRI", "0 0 1,15 * *", "0 0 13 * FRI", "5/20 1-3 */2 JAN-MAR 0-7"} {
		f.Add(s, int64(1767225600), uint8(0))
	}
	zones := []string{"UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe"}
	locs := make([]*time.Location, len(zones))
	for i, z := range zones {
		locs[i] = mustLoc(f, z)
	}
	f.Fuzz(func(t *testing.T, expr string, unix int64, zone uint8) {
		c, err := ParseCron(expr)
		if err != nil {
			return
		}
		// Keep times in a sane range (years 1970-2200).
		after := time.Unix(unix%(230*365*86400), 0)
		if unix < 0 {
			after = time.Unix(-unix%(230*365*86400), 0)
		}
		loc := locs[int(zone)%len(locs)]
		next := c.Next(after, loc)
		if next.IsZero() {
			return
		}
		if !next.After(after) {
			t.Fatalf("%q.Next(%s) = %s, not after", expr, after, next)
		}
		if l := next.In(loc); l.Second() != 0 || c.minute&(1<<uint(l.Minute())) == 0 || c.hour&(1<<uint(l.Hour())) == 0 ||
			c.month&(1<<uint(l.Month())) == 0 || !c.dayMatches(l) {
			t.Fatalf("%q.Next(%s) = %s, which does not match", expr, after, l)
		}
	})
}

package ics

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ical "github.com/arran4/golang-ical"
)

// icsParse reads data back with an independent parser.
func icsParse(t testing.TB, data []byte) *ical.Calendar {
	t.Helper()
	cal, err := ical.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, data)
	}
	return cal
}

// icsCheckLines asserts CRLF line ends, no line over 75 octets and no
// line cut inside a UTF-8 sequence.
func icsCheckLines(t testing.TB, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Fatalf("no final CRLF")
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i, l)
		}
		if len(l) > maxLine {
			t.Fatalf("line %d is %d octets: %q", i, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line %d is cut inside a UTF-8 sequence: %q", i, l)
		}
	}
}

func icsProp(t testing.TB, c ical.Component, name string) *ical.IANAProperty {
	t.Helper()
	var found *ical.IANAProperty
	for _, p := range c.UnknownPropertiesIANAProperties() {
		if p.IANAToken == name {
			p := p
			found = &p
			break
		}
	}
	if found == nil {
		t.Fatalf("no %s", name)
	}
	return found
}

func icsOffset(t testing.TB, s string) int {
	t.Helper()
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	sec := 0
	if len(s) == 7 {
		sec, _ = strconv.Atoi(s[5:7])
	}
	return sign * (h*3600 + m*60 + sec)
}

func icsEvent(loc *time.Location) Event {
	start := time.Date(2026, 12, 3, 18, 30, 0, 0, loc)
	return Event{
		UID: "s-123@pointsofyou.ai", Sequence: 2, Start: start, End: start.Add(90 * time.Minute),
		Summary: "Pause, then expand; a session", Description: "Line one\nLine two, with \\ backslash",
		Location: "Online", URL: "https://studio.test/join/s-123",
		Organizer: Person{Name: "Dana \"The\" Facilitator", Email: "fac@a.test"},
		Attendees: []Person{{Name: "Lee; Kim", Email: "p1@a.test", RSVP: true}, {Email: "p2@a.test"}},
		Stamp:     time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), Created: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC),
		LastModified: time.Date(2026, 10, 2, 9, 0, 0, 0, time.UTC), Alarms: []time.Duration{15 * time.Minute},
	}
}

func TestEncodeZones(t *testing.T) {
	t.Parallel()
	cases := []struct {
		zone        string
		wantTZ      bool
		wantDST     bool   // the VTIMEZONE has DAYLIGHT observances
		startOffset string // the TZOFFSETTO in force at the start
	}{
		{"Europe/Berlin", true, true, "+0100"},
		{"Asia/Jerusalem", true, true, "+0200"},
		{"America/New_York", true, true, "-0500"},
		{"Asia/Kolkata", true, false, "+0530"},
		{"UTC", false, false, ""},
	}
	for _, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			t.Parallel()
			loc, err := time.LoadLocation(c.zone)
			if err != nil {
				t.Skipf("no zoneinfo: %v", err)
			}
			ev := icsEvent(loc)
			data, err := (&Calendar{Method: MethodRequest, Events: []Event{ev}}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			icsCheckLines(t, data)
			cal := icsParse(t, data)
			var method string
			for _, p := range cal.CalendarProperties {
				if p.IANAToken == "METHOD" {
					method = p.Value
				}
			}
			if method != MethodRequest {
				t.Errorf("METHOD %q", method)
			}
			evs := cal.Events()
			if len(evs) != 1 {
				t.Fatalf("%d events", len(evs))
			}
			got := evs[0]
			for name, want := range map[string]string{
				"UID": ev.UID, "SEQUENCE": "2", "STATUS": "CONFIRMED", "SUMMARY": ev.Summary,
				"DESCRIPTION": ev.Description, "LOCATION": ev.Location, "URL": ev.URL,
				"DTSTAMP": "20261101T090000Z", "CREATED": "20261001T090000Z", "LAST-MODIFIED": "20261002T090000Z",
				"ORGANIZER": "mailto:fac@a.test",
			} {
				if v := icsProp(t, got, name).Value; v != want {
					t.Errorf("%s = %q, want %q", name, v, want)
				}
			}
			org := icsProp(t, got, "ORGANIZER")
			if cn := org.ICalParameters["CN"]; len(cn) != 1 || cn[0] != "Dana ^'The^' Facilitator" {
				t.Errorf("organizer CN %q (RFC 6868 escapes)", cn)
			}
			att := got.Attendees()
			if len(att) != 2 || att[0].Email() != "p1@a.test" || att[1].Email() != "p2@a.test" {
				t.Fatalf("attendees %+v", att)
			}
			if cn := att[0].ICalParameters["CN"]; len(cn) != 1 || cn[0] != "Lee; Kim" {
				t.Errorf("attendee CN %q", cn)
			}
			if r := att[0].ICalParameters["RSVP"]; len(r) != 1 || r[0] != "TRUE" {
				t.Errorf("RSVP %q", r)
			}
			start, err := got.GetStartAt()
			if err != nil || !start.Equal(ev.Start) {
				t.Errorf("start %v %v, want %v", start, err, ev.Start)
			}
			end, err := got.GetEndAt()
			if err != nil || !end.Equal(ev.End) {
				t.Errorf("end %v %v, want %v", end, err, ev.End)
			}
			if al := got.Alarms(); len(al) != 1 || icsProp(t, al[0], "TRIGGER").Value != "-PT15M" || icsProp(t, al[0], "ACTION").Value != "DISPLAY" {
				t.Errorf("alarms %+v", al)
			}
			tzs := cal.Timezones()
			dtstart := icsProp(t, got, "DTSTART")
			if !c.wantTZ {
				if len(tzs) != 0 || !strings.HasSuffix(dtstart.Value, "Z") || len(dtstart.ICalParameters["TZID"]) != 0 {
					t.Fatalf("UTC event: %d VTIMEZONEs, DTSTART %+v", len(tzs), dtstart)
				}
				return
			}
			if tz := dtstart.ICalParameters["TZID"]; len(tz) != 1 || tz[0] != c.zone || dtstart.Value != "20261203T183000" {
				t.Fatalf("DTSTART %+v", dtstart)
			}
			if len(tzs) != 1 || icsProp(t, tzs[0], "TZID").Value != c.zone {
				t.Fatalf("VTIMEZONE %+v", tzs)
			}
			// The observance in force at the start gives the real offset.
			var inForce string
			var best time.Time
			dst := false
			for _, sub := range tzs[0].SubComponents() {
				if _, ok := sub.(*ical.Daylight); ok {
					dst = true
				}
				local, err := time.Parse(localLayout, icsProp(t, sub, "DTSTART").Value)
				if err != nil {
					t.Fatal(err)
				}
				from := icsOffset(t, icsProp(t, sub, "TZOFFSETFROM").Value)
				at := local.Add(-time.Duration(from) * time.Second)
				if !at.After(ev.Start) && at.After(best) {
					best, inForce = at, icsProp(t, sub, "TZOFFSETTO").Value
				}
			}
			if inForce != c.startOffset {
				t.Errorf("offset in force %q, want %q", inForce, c.startOffset)
			}
			if dst != c.wantDST {
				t.Errorf("DAYLIGHT present %v, want %v", dst, c.wantDST)
			}
		})
	}
}

func TestObservancesCoverTransitions(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	at := time.Date(2026, 7, 1, 12, 0, 0, 0, loc)
	obs := observances(zoneSpan{loc: loc, from: at, to: at})
	// From July 2025 to July 2027: the period in force, then the changes
	// of Nov 2025, Mar 2026, Nov 2026, Mar 2027.
	if len(obs) != 5 {
		t.Fatalf("%d observances: %+v", len(obs), obs)
	}
	for i, o := range obs[1:] {
		if o.from != obs[i].to {
			t.Errorf("observance %d starts from %d, previous ends at %d", i+1, o.from, obs[i].to)
		}
		if _, off := o.start.In(loc).Zone(); off != o.to {
			t.Errorf("observance %d: offset %d at its start, want %d", i+1, off, o.to)
		}
	}
	// March 8 2026, 02:00 local (EST) is the spring change.
	if got := obs[2].start.UTC().Add(time.Duration(obs[2].from) * time.Second).Format(localLayout); got != "20260308T020000" || !obs[2].dst {
		t.Errorf("spring change %s dst=%v", got, obs[2].dst)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ev := icsEvent(time.UTC)
	ev.Status, ev.Sequence = StatusCancelled, 3
	data, err := (&Calendar{Method: MethodCancel, Events: []Event{ev}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	lines := Lines(data)
	for _, want := range []string{"METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:3", "UID:s-123@pointsofyou.ai"} {
		found := false
		for _, l := range lines {
			found = found || l == want
		}
		if !found {
			t.Errorf("no line %q in\n%s", want, data)
		}
	}
}

func TestFoldAndEscape(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"ascii exactly at the fold":   strings.Repeat("a", maxLine-len("SUMMARY:")),
		"ascii one past the fold":     strings.Repeat("a", maxLine-len("SUMMARY:")+1),
		"long ascii":                  strings.Repeat("abcdefghij", 40),
		"hebrew":                      strings.Repeat("שלום עולם, ", 20),
		"emoji on the boundary":       strings.Repeat("x", maxLine-len("SUMMARY:")-2) + strings.Repeat("🙂", 30),
		"combining marks":             strings.Repeat("e\u0301", 60),
		"escapes at the fold":         strings.Repeat(`;,\`, 60),
		"newlines and CR":             "a\r\nb\rc\nd",
		"controls dropped":            "a\x00b\x07c\x7fd\te",
		"invalid utf-8":               "ok\xff\xfeok",
		"leading and trailing spaces": "  spaced  ",
		"escaped-looking text":        `\n is not a newline, \N neither`,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ev := icsEvent(time.UTC)
			ev.Summary, ev.Description, ev.Location = text, text+"\n"+text, text
			ev.Organizer.Name = strings.Repeat("Ä", 50)
			data, err := (&Calendar{Method: MethodRequest, Events: []Event{ev}}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			icsCheckLines(t, data)
			got := icsParse(t, data).Events()[0]
			want := NormalizeText(text)
			for _, p := range []string{"SUMMARY", "LOCATION"} {
				if v := icsProp(t, got, p).Value; v != want {
					t.Errorf("%s = %q, want %q", p, v, want)
				}
			}
			if v := icsProp(t, got, "DESCRIPTION").Value; v != want+"\n"+want {
				t.Errorf("DESCRIPTION = %q", v)
			}
			if cn := icsProp(t, got, "ORGANIZER").ICalParameters["CN"]; len(cn) != 1 || cn[0] != ev.Organizer.Name {
				t.Errorf("CN %q", cn)
			}
		})
	}
}

func TestRefusesWhatWouldBreakTheFormat(t *testing.T) {
	t.Parallel()
	cases := map[string]func(c *Calendar){
		"empty UID":           func(c *Calendar) { c.Events[0].UID = " " },
		"CR in UID":           func(c *Calendar) { c.Events[0].UID = "a\rb" },
		"LF in CN":            func(c *Calendar) { c.Events[0].Organizer.Name = "a\nb" },
		"CR in attendee CN":   func(c *Calendar) { c.Events[0].Attendees[0].Name = "a\rb" },
		"not an address":      func(c *Calendar) { c.Events[0].Attendees[0].Email = "Lee <p@a.test>" },
		"CRLF in address":     func(c *Calendar) { c.Events[0].Organizer.Email = "p@a.test\r\nX-EVIL:1" },
		"unknown method":      func(c *Calendar) { c.Method = "DELETE" },
		"unknown status":      func(c *Calendar) { c.Events[0].Status = "MAYBE" },
		"end before start":    func(c *Calendar) { c.Events[0].End = c.Events[0].Start.Add(-time.Minute) },
		"no start":            func(c *Calendar) { c.Events[0].Start = time.Time{} },
		"no events":           func(c *Calendar) { c.Events = nil },
		"space in URL":        func(c *Calendar) { c.Events[0].URL = "https://x.test/a b" },
		"alarm after start":   func(c *Calendar) { c.Events[0].Alarms = []time.Duration{-time.Minute} },
		"negative sequence":   func(c *Calendar) { c.Events[0].Sequence = -1 },
		"invalid UTF-8 in CN": func(c *Calendar) { c.Events[0].Organizer.Name = "\xff" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := &Calendar{Method: MethodRequest, Events: []Event{icsEvent(time.UTC)}}
			mutate(c)
			var b bytes.Buffer
			if err := c.Encode(&b); err == nil {
				t.Fatalf("no error; wrote\n%s", b.Bytes())
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", b.Len())
			}
		})
	}
}

func TestValueFormats(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "PT0S", -15 * time.Minute: "-PT15M", -24 * time.Hour: "-P1D", -(26*time.Hour + 30*time.Minute): "-P1DT2H30M",
		90 * time.Second: "PT1M30S", -time.Hour: "-PT1H",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
	for secs, want := range map[int]string{3600: "+0100", -18000: "-0500", 19800: "+0530", 0: "+0000", 1230: "+002030", -1230: "-002030"} {
		if got := utcOffset(secs); got != want {
			t.Errorf("utcOffset(%d) = %q, want %q", secs, got, want)
		}
	}
}

type icsFailWriter struct{}

func (icsFailWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEncodeWriterError(t *testing.T) {
	t.Parallel()
	if err := (&Calendar{Events: []Event{icsEvent(time.UTC)}}).Encode(icsFailWriter{}); err == nil {
		t.Fatal("writer error lost")
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("Session", "Line\none", "Zoom", "Dana")
	f.Add(strings.Repeat("🙂", 40), `a\b;c,d`, "\r\n", "Ä;:,\"^")
	f.Add("\xff\x00", "\t", " ", "")
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.UTC
	}
	f.Fuzz(func(t *testing.T, summary, description, location, name string) {
		ev := icsEvent(berlin)
		ev.Summary, ev.Description, ev.Location, ev.Organizer.Name = summary, description, location, name
		data, err := (&Calendar{Method: MethodRequest, Events: []Event{ev}}).Marshal()
		if err != nil {
			if hasControl(name) || !utf8.ValidString(name) {
				return // refused on purpose
			}
			t.Fatalf("encode: %v", err)
		}
		icsCheckLines(t, data)
		got := icsParse(t, data).Events()
		if len(got) != 1 {
			t.Fatalf("%d events", len(got))
		}
		if name != "" {
			cn := icsProp(t, got[0], "ORGANIZER").ICalParameters["CN"]
			unescape := strings.NewReplacer("^^", "^", "^'", `"`, "^n", "\n")
			if len(cn) != 1 || unescape.Replace(cn[0]) != ParamText(name) {
				t.Fatalf("CN %q came back as %q", ParamText(name), cn)
			}
		}
		for prop, in := range map[string]string{"SUMMARY": summary, "DESCRIPTION": description, "LOCATION": location} {
			if NormalizeText(in) == "" {
				continue // empty values are left out
			}
			if v := icsProp(t, got[0], prop).Value; v != NormalizeText(in) {
				t.Fatalf("%s: %q came back as %q", prop, NormalizeText(in), v)
			}
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Skip(err)
	}
	c := &Calendar{Method: MethodRequest, Events: []Event{icsEvent(loc)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

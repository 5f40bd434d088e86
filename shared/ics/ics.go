// Package ics writes iCalendar files (RFC 5545) for invitations, updates
// and cancellations: one VCALENDAR with a METHOD (RFC 5546 iTIP) and its
// VEVENTs, each event's time zone described by a VTIMEZONE generated from
// Go's zoneinfo.
//
// What it guarantees, so that mail clients accept the file:
//   - CRLF line ends; lines folded at 75 octets, never inside a UTF-8
//     sequence;
//   - TEXT values escaped (backslash, semicolon, comma, newline); text is
//     first normalised by NormalizeText (valid UTF-8, CR and CRLF become
//     LF, other control characters except TAB are dropped, since TEXT may
//     not carry them);
//   - DTSTART/DTEND with TZID and a matching VTIMEZONE whose STANDARD and
//     DAYLIGHT observances are the zone's real offset transitions from a
//     year before the earliest event to a year after the latest (a zone
//     without transitions gets one STANDARD); UTC times (and time.Local,
//     whose name means nothing elsewhere) are written in the "Z" form
//     without a VTIMEZONE; DTSTAMP, CREATED and LAST-MODIFIED always UTC;
//   - parameter values (CN, TZID) quoted when they hold ";", ":" or ",",
//     with RFC 6868 caret escapes for "^" and DQUOTE; a backslash in a
//     parameter value is written as U+FF3C (see ParamText).
//
// Values that cannot be written faithfully are refused with an error
// rather than emitted: an empty UID, CR/LF or other controls in a
// parameter value, an address that is not a bare email, an unknown METHOD
// or STATUS, an end before the start.
package ics

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Methods (RFC 5546).
const (
	MethodPublish = "PUBLISH"
	MethodRequest = "REQUEST"
	MethodCancel  = "CANCEL"
)

// Event statuses.
const (
	StatusConfirmed = "CONFIRMED"
	StatusTentative = "TENTATIVE"
	StatusCancelled = "CANCELLED"
)

// DefaultProdID names the producer when Calendar.ProdID is empty.
const DefaultProdID = "-//Points of You//AI Studio//EN"

// maxLine is the longest line in octets, CRLF excluded (RFC 5545 §3.1).
const maxLine = 75

// Calendar is one iCalendar object.
type Calendar struct {
	ProdID string // DefaultProdID when empty
	Method string // MethodRequest, MethodCancel, MethodPublish or "" (none)
	Events []Event
}

// Person is an organizer or attendee.
type Person struct {
	Name  string // CN; may be empty
	Email string // a bare address, written as mailto:
	// RSVP asks an attendee to answer (ignored for the organizer).
	RSVP bool
}

// Event is one VEVENT.
type Event struct {
	UID      string // required, stable across updates of the same event
	Sequence int    // +1 on every significant change (RFC 5546)
	Status   string // StatusConfirmed (default) | StatusTentative | StatusCancelled
	// Start and End are written in their own location: a named zone gets
	// TZID and a VTIMEZONE, UTC the "Z" form.
	Start, End                     time.Time
	Summary, Description, Location string
	URL                            string
	Organizer                      Person // optional (Email empty: none)
	Attendees                      []Person
	// Stamp is DTSTAMP (time.Now when zero); Created and LastModified
	// are written when set.
	Stamp, Created, LastModified time.Time
	// Alarms are DISPLAY alarms this long before the start.
	Alarms []time.Duration
}

// Marshal encodes c.
func (c *Calendar) Marshal() ([]byte, error) {
	var b bytes.Buffer
	if err := c.Encode(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Encode writes c to w. Nothing is written when c is invalid.
func (c *Calendar) Encode(w io.Writer) error {
	e := &encoder{}
	if err := e.calendar(c); err != nil {
		return err
	}
	_, err := w.Write(e.buf.Bytes())
	return err
}

type encoder struct {
	buf bytes.Buffer
}

func (e *encoder) calendar(c *Calendar) error {
	switch c.Method {
	case "", MethodPublish, MethodRequest, MethodCancel:
	default:
		return fmt.Errorf("ics: unknown METHOD %q", c.Method)
	}
	if len(c.Events) == 0 {
		return errors.New("ics: a calendar needs at least one event")
	}
	prod := c.ProdID
	if prod == "" {
		prod = DefaultProdID
	}
	e.line("BEGIN:VCALENDAR")
	e.line("PRODID:" + escapeText(prod))
	e.line("VERSION:2.0")
	e.line("CALSCALE:GREGORIAN")
	if c.Method != "" {
		e.line("METHOD:" + c.Method)
	}
	zones, err := collectZones(c.Events)
	if err != nil {
		return err
	}
	for _, z := range zones {
		if err := e.timezone(z); err != nil {
			return err
		}
	}
	for i := range c.Events {
		if err := e.event(&c.Events[i]); err != nil {
			return fmt.Errorf("ics: event %d: %w", i, err)
		}
	}
	e.line("END:VCALENDAR")
	return nil
}

func (e *encoder) event(ev *Event) error {
	if strings.TrimSpace(ev.UID) == "" {
		return errors.New("empty UID")
	}
	if hasControl(ev.UID) {
		return errors.New("control characters in UID")
	}
	if ev.Sequence < 0 {
		return errors.New("negative SEQUENCE")
	}
	status := ev.Status
	switch status {
	case "":
		status = StatusConfirmed
	case StatusConfirmed, StatusTentative, StatusCancelled:
	default:
		return fmt.Errorf("unknown STATUS %q", ev.Status)
	}
	if ev.Start.IsZero() {
		return errors.New("no start")
	}
	if !ev.End.IsZero() && ev.End.Before(ev.Start) {
		return errors.New("the end is before the start")
	}
	stamp := ev.Stamp
	if stamp.IsZero() {
		stamp = time.Now()
	}
	e.line("BEGIN:VEVENT")
	e.line("UID:" + escapeText(ev.UID))
	e.line("DTSTAMP:" + utcStamp(stamp))
	start, err := dateTime("DTSTART", ev.Start)
	if err != nil {
		return err
	}
	e.line(start)
	if !ev.End.IsZero() {
		end, err := dateTime("DTEND", ev.End)
		if err != nil {
			return err
		}
		e.line(end)
	}
	e.line("SEQUENCE:" + strconv.Itoa(ev.Sequence))
	e.line("STATUS:" + status)
	if ev.Summary != "" {
		e.line("SUMMARY:" + escapeText(ev.Summary))
	}
	if ev.Description != "" {
		e.line("DESCRIPTION:" + escapeText(ev.Description))
	}
	if ev.Location != "" {
		e.line("LOCATION:" + escapeText(ev.Location))
	}
	if ev.URL != "" {
		if hasControl(ev.URL) || strings.ContainsAny(ev.URL, " \"") {
			return errors.New("URL with spaces, quotes or control characters")
		}
		e.line("URL:" + ev.URL)
	}
	if !ev.Created.IsZero() {
		e.line("CREATED:" + utcStamp(ev.Created))
	}
	if !ev.LastModified.IsZero() {
		e.line("LAST-MODIFIED:" + utcStamp(ev.LastModified))
	}
	if ev.Organizer.Email != "" {
		l, err := person("ORGANIZER", ev.Organizer, false)
		if err != nil {
			return err
		}
		e.line(l)
	}
	for i, a := range ev.Attendees {
		l, err := person("ATTENDEE", a, true)
		if err != nil {
			return fmt.Errorf("attendee %d: %w", i, err)
		}
		e.line(l)
	}
	for _, d := range ev.Alarms {
		if d < 0 {
			return errors.New("an alarm after the start")
		}
		e.line("BEGIN:VALARM")
		e.line("ACTION:DISPLAY")
		e.line("TRIGGER:" + duration(-d))
		desc := ev.Summary
		if desc == "" {
			desc = "Reminder"
		}
		e.line("DESCRIPTION:" + escapeText(desc))
		e.line("END:VALARM")
	}
	e.line("END:VEVENT")
	return nil
}

// person writes ORGANIZER or ATTENDEE.
func person(prop string, p Person, attendee bool) (string, error) {
	a, err := mail.ParseAddress(p.Email)
	if err != nil || a.Address != p.Email || hasControl(p.Email) || strings.ContainsAny(p.Email, " \"") {
		return "", fmt.Errorf("%s is not a bare email address", prop)
	}
	var b strings.Builder
	b.WriteString(prop)
	if p.Name != "" {
		cn, err := paramValue(p.Name, true)
		if err != nil {
			return "", fmt.Errorf("%s CN: %w", prop, err)
		}
		b.WriteString(";CN=" + cn)
	}
	if attendee {
		b.WriteString(";CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION")
		if p.RSVP {
			b.WriteString(";RSVP=TRUE")
		}
	}
	b.WriteString(":mailto:" + p.Email)
	return b.String(), nil
}

// ParamText is what a parameter value (a CN display name) reads as in
// any parser: v with each backslash replaced by U+FF3C FULLWIDTH REVERSE
// SOLIDUS. RFC 5545 gives a backslash no meaning inside a parameter, but
// widespread parsers treat it as an escape, so `CN="\"` is read as an
// unterminated quote there; a look-alike character reads the same in
// both. Display names only: addresses are never rewritten.
func ParamText(v string) string { return strings.ReplaceAll(v, `\`, "\uFF3C") }

// paramValue quotes v when asked or when it holds a character a bare
// parameter value may not (RFC 5545 §3.1), escaping "^" and DQUOTE as in
// RFC 6868. Controls, CR and LF included, are refused: they would end the
// line or break the parameter.
func paramValue(v string, quote bool) (string, error) {
	if !utf8.ValidString(v) {
		return "", errors.New("not valid UTF-8")
	}
	if hasControl(v) {
		return "", errors.New("control characters (CR, LF, …) are not allowed in a parameter value")
	}
	v = strings.NewReplacer("^", "^^", `"`, "^'").Replace(ParamText(v))
	if quote || strings.ContainsAny(v, ";:,") {
		return `"` + v + `"`, nil
	}
	return v, nil
}

// hasControl reports a control character other than TAB (RFC 5545 CONTROL).
func hasControl(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return true
		}
	}
	return false
}

// NormalizeText is what a TEXT value becomes before escaping: valid UTF-8
// (bad bytes become U+FFFD), CRLF and CR turned into LF, and control
// characters other than TAB and LF removed. A parser reading the file
// back gets exactly NormalizeText(s).
func NormalizeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)

// escapeText writes a TEXT value (RFC 5545 §3.3.11).
func escapeText(s string) string { return textEscaper.Replace(NormalizeText(s)) }

const (
	localLayout = "20060102T150405"
	utcLayout   = "20060102T150405Z"
)

func utcStamp(t time.Time) string { return t.UTC().Format(utcLayout) }

// zoned reports whether t is written with a TZID (a named zone other
// than UTC; time.Local's name is meaningless to another machine).
func zoned(t time.Time) bool {
	switch t.Location().String() {
	case "UTC", "Local", "":
		return false
	}
	return true
}

func dateTime(prop string, t time.Time) (string, error) {
	if !zoned(t) {
		return prop + ":" + utcStamp(t), nil
	}
	tz, err := paramValue(t.Location().String(), false)
	if err != nil {
		return "", fmt.Errorf("TZID: %w", err)
	}
	return prop + ";TZID=" + tz + ":" + t.Format(localLayout), nil
}

// duration writes a dur-value (RFC 5545 §3.3.6), e.g. -PT15M, -P1DT2H.
func duration(d time.Duration) string {
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	b.WriteByte('P')
	secs := int64(d / time.Second)
	days, secs := secs/86400, secs%86400
	h, secs := secs/3600, secs%3600
	m, s := secs/60, secs%60
	if days > 0 {
		b.WriteString(strconv.FormatInt(days, 10) + "D")
	}
	if h > 0 || m > 0 || s > 0 || days == 0 {
		b.WriteByte('T')
		if h > 0 {
			b.WriteString(strconv.FormatInt(h, 10) + "H")
		}
		if m > 0 {
			b.WriteString(strconv.FormatInt(m, 10) + "M")
		}
		if s > 0 || (h == 0 && m == 0) {
			b.WriteString(strconv.FormatInt(s, 10) + "S")
		}
	}
	return b.String()
}

// line writes one content line, folded at maxLine octets without
// splitting a UTF-8 sequence; continuation lines start with a space.
func (e *encoder) line(s string) {
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		e.buf.WriteString(s[:cut])
		e.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	e.buf.WriteString(s)
	e.buf.WriteString("\r\n")
}

// Lines splits an encoded calendar into its unfolded content lines (a
// helper for checks and tests).
func Lines(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), len(data)+1)
	for sc.Scan() {
		l := strings.TrimSuffix(sc.Text(), "\r")
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(out) > 0 {
			out[len(out)-1] += l[1:]
			continue
		}
		out = append(out, l)
	}
	return out
}

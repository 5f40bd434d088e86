package analytics

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"pointsofyou.ai/studio/shared/httpapi"
)

// Params is one validated report request.
type Params struct {
	Report string
	// Org is the org query parameter ("" when absent: the caller's own).
	Org string
	// From and To are the first days of the first and the last month,
	// inclusive, UTC.
	From, To time.Time
	Format   string
	Lang     string
}

// Period limits and defaults.
const (
	// MaxMonths is the longest period one report covers.
	MaxMonths = 36
	// DefaultMonths is the period without from/to: the last twelve
	// months, this one included.
	DefaultMonths = 12
)

// Formats and languages.
var (
	formats = []string{"json", "csv", "pdf"}
	langs   = []string{"en", "es", "fr", "de", "he"}
	monthRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}$`)
	orgRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
)

// knownParams are the query parameters a report takes; any other is
// refused, so a misspelt one ("form=") is not silently ignored.
var knownParams = []string{"org", "from", "to", "format", "lang"}

// parseParams validates the {report} path value and the query against now.
// Every problem is reported at once, by field; nothing else is read.
func parseParams(report string, q url.Values, now time.Time) (Params, error) {
	var fields []httpapi.FieldError
	bad := func(field, format string, args ...any) {
		fields = append(fields, httpapi.Field(field, format, args...))
	}
	p := Params{Report: report, Format: "json", Lang: "en"}
	if _, ok := reportByName(report); !ok {
		bad("report", "unknown report %q (one of: %s)", clip(report), reportNames())
	}
	for k, v := range q {
		switch {
		case !slices.Contains(knownParams, k):
			bad(clip(k), "unknown parameter (known: %s)", strings.Join(knownParams, ", "))
		case len(v) > 1:
			bad(k, "is given %d times; give it once", len(v))
		}
	}
	if v := q.Get("org"); v != "" {
		if !orgRE.MatchString(v) {
			bad("org", "is not an organisation id")
		}
		p.Org = v
	}
	if v := q.Get("format"); v != "" {
		if !slices.Contains(formats, v) {
			bad("format", "unknown format %q (one of: %s)", clip(v), strings.Join(formats, ", "))
		}
		p.Format = v
	}
	if v := q.Get("lang"); v != "" {
		if !slices.Contains(langs, v) {
			bad("lang", "unknown language %q (one of: %s)", clip(v), strings.Join(langs, ", "))
		}
		p.Lang = v
	}
	this := monthStart(now)
	p.To, p.From = this, this.AddDate(0, -(DefaultMonths-1), 0)
	fromOK, toOK := true, true
	if v := q.Get("from"); v != "" {
		if p.From, fromOK = parseMonth(v); !fromOK {
			bad("from", "must be a month YYYY-MM")
		}
	}
	if v := q.Get("to"); v != "" {
		if p.To, toOK = parseMonth(v); !toOK {
			bad("to", "must be a month YYYY-MM")
		}
	} else if q.Get("from") != "" && fromOK {
		// from alone: twelve months from there, not past this month.
		p.To = p.From.AddDate(0, DefaultMonths-1, 0)
		if p.To.After(this) {
			p.To = this
		}
	}
	if fromOK && toOK {
		switch n := months(p.From, p.To); {
		case p.From.After(p.To):
			bad("from", "is after to")
		case n > MaxMonths:
			bad("to", "the period is %d months; at most %d", n, MaxMonths)
		}
	}
	if len(fields) > 0 {
		return p, httpapi.Invalid(fields...)
	}
	return p, nil
}

// parseMonth reads YYYY-MM (years 2000-2999, months 01-12).
func parseMonth(s string) (time.Time, bool) {
	if !monthRE.MatchString(s) {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:])
	if y < 2000 || y > 2999 || m < 1 || m > 12 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), true
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// months counts the months from..to, both included.
func months(from, to time.Time) int {
	return (to.Year()-from.Year())*12 + int(to.Month()-from.Month()) + 1
}

// end is the first instant after the period.
func (p Params) end() time.Time { return p.To.AddDate(0, 1, 0) }

// clip keeps echoed input short in problem details.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return string(r)
}

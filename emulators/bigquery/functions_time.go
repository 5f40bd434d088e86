package bigquery

import "strings"

// Date and time functions. TIME values are placed on a fixed day where the
// engine only handles dates or timestamps.

var truncParts = map[string]string{
	"MICROSECOND": "microseconds", "MILLISECOND": "milliseconds", "SECOND": "second", "MINUTE": "minute",
	"HOUR": "hour", "DAY": "day", "WEEK(MONDAY)": "week", "ISOWEEK": "week", "MONTH": "month",
	"QUARTER": "quarter", "YEAR": "year", "ISOYEAR": "year",
}

// part reads a date part argument such as DAY or WEEK(MONDAY).
func part(arg []node) (string, error) {
	if len(arg) == 0 || arg[0].tok.kind != tkIdent {
		return "", errQuery("A valid date part name is required")
	}
	p := arg[0].tok.up
	if len(arg) == 2 && arg[1].isGroup("(") && len(arg[1].kids) == 1 {
		p += "(" + arg[1].kids[0].tok.up + ")"
	} else if len(arg) != 1 {
		return "", errQuery("A valid date part name is required")
	}
	return p, nil
}

// extract renders EXTRACT(part FROM x [AT TIME ZONE tz]); the zone is dropped.
func (r *rewriter) extract(_ string, kids []node) (string, error) {
	p, from, ok := splitAt(kids, "FROM")
	if !ok {
		return "", syntaxErr("Expected FROM in EXTRACT")
	}
	if e, _, ok := splitAt(from, "AT"); ok {
		from = e
	}
	x, err := r.seq(from)
	if err != nil {
		return "", err
	}
	pt, err := part(p)
	if err != nil {
		return "", err
	}
	switch pt {
	case "DAYOFWEEK":
		return "(dayofweek(" + x + ") + 1)", nil
	case "DAYOFYEAR":
		return "dayofyear(" + x + ")", nil
	case "DATE":
		return "CAST(" + x + " AS DATE)", nil
	case "TIME":
		return "CAST(" + x + " AS TIME)", nil
	case "DATETIME":
		return "CAST(" + x + " AS TIMESTAMP)", nil
	case "MILLISECOND":
		return "(millisecond(" + x + ") % 1000)", nil
	case "MICROSECOND":
		return "(microsecond(" + x + ") % 1000000)", nil
	case "WEEK", "WEEK(SUNDAY)":
		return "CAST(strftime(" + x + ", '%U') AS BIGINT)", nil
	case "ISOWEEK":
		return "week(" + x + ")", nil
	case "ISOYEAR":
		return "isoyear(" + x + ")", nil
	case "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "QUARTER":
		return "CAST(extract(" + strings.ToLower(pt) + " FROM " + x + ") AS BIGINT)", nil
	}
	return "", errQuery("Unsupported date part " + pt + " in EXTRACT")
}

// trunc renders the *_TRUNC family (x, part[, tz]).
func (r *rewriter) trunc(fn string, kids []node) (string, error) {
	args := splitArgs(kids)
	if len(args) < 2 || len(args) > 3 {
		return "", errQuery("No matching signature for function " + fn)
	}
	x, err := r.seq(args[0])
	if err != nil {
		return "", err
	}
	p, err := part(args[1])
	if err != nil {
		return "", err
	}
	if len(args) == 3 {
		tz, err := r.seq(args[2])
		if err != nil {
			return "", err
		}
		x = "timezone(" + tz + ", " + x + ")"
	}
	var s string
	if p == "WEEK" || p == "WEEK(SUNDAY)" {
		s = "(date_trunc('week', " + x + " + INTERVAL 1 DAY) - INTERVAL 1 DAY)"
	} else if dp, ok := truncParts[p]; ok {
		s = "date_trunc('" + dp + "', " + x + ")"
	} else {
		return "", errQuery("Unsupported date part " + p + " in " + fn)
	}
	switch fn {
	case "DATE_TRUNC":
		return "CAST(" + s + " AS DATE)", nil
	case "DATETIME_TRUNC":
		return "CAST(" + s + " AS TIMESTAMP)", nil
	case "TIME_TRUNC":
		return "CAST(" + strings.Replace(s, x, "(DATE '2000-01-01' + "+x+")", 1) + " AS TIME)", nil
	}
	if len(args) == 3 {
		tz, _ := r.seq(args[2])
		return "timezone(" + tz + ", " + s + ")", nil
	}
	return s, nil
}

// diff renders the *_DIFF family (a, b, part).
func (r *rewriter) diff(fn string, kids []node) (string, error) {
	args := splitArgs(kids)
	if len(args) != 3 {
		return "", errQuery("No matching signature for function " + fn)
	}
	a, err := r.seq(args[0])
	if err != nil {
		return "", err
	}
	b, err := r.seq(args[1])
	if err != nil {
		return "", err
	}
	p, err := part(args[2])
	if err != nil {
		return "", err
	}
	dp, ok := truncParts[p]
	if p == "WEEK" || p == "WEEK(SUNDAY)" {
		dp, ok = "week", true
	}
	if !ok {
		return "", errQuery("Unsupported date part " + p + " in " + fn)
	}
	dp = strings.TrimSuffix(dp, "s")
	if fn == "TIMESTAMP_DIFF" || fn == "TIME_DIFF" {
		// Whole elapsed units, truncated, as BigQuery counts them.
		if fn == "TIME_DIFF" {
			a, b = "(DATE '2000-01-01' + "+a+")", "(DATE '2000-01-01' + "+b+")"
		}
		return "date_sub('" + dp + "', " + b + ", " + a + ")", nil
	}
	return "date_diff('" + dp + "', " + b + ", " + a + ")", nil
}

// addSub renders the *_ADD and *_SUB families (x, INTERVAL n part).
func (r *rewriter) addSub(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 2, 2)
	if err != nil {
		return "", err
	}
	op := "+"
	if strings.HasSuffix(fn, "_SUB") {
		op = "-"
	}
	s := "(" + a[0] + " " + op + " " + a[1] + ")"
	switch {
	case strings.HasPrefix(fn, "DATE_"):
		return "CAST(" + s + " AS DATE)", nil
	case strings.HasPrefix(fn, "DATETIME_"):
		return "CAST(" + s + " AS TIMESTAMP)", nil
	}
	return s, nil
}

// formatAndValue renders the (format, x[, tz]) arguments the FORMAT_* and
// PARSE_* families share, handing back the optional time zone argument
// (none or one).
func (r *rewriter) formatAndValue(fn string, kids []node) (f, x string, tz [][]node, err error) {
	args := splitArgs(kids)
	if len(args) < 2 || len(args) > 3 {
		return "", "", nil, errQuery("No matching signature for function " + fn)
	}
	if f, err = r.formatArg(args[0]); err != nil {
		return "", "", nil, err
	}
	if x, err = r.seq(args[1]); err != nil {
		return "", "", nil, err
	}
	return f, x, args[2:], nil
}

// formatTime renders the FORMAT_* family (format, x[, tz]).
func (r *rewriter) formatTime(fn string, kids []node) (string, error) {
	f, x, tzArg, err := r.formatAndValue(fn, kids)
	if err != nil {
		return "", err
	}
	if fn == "FORMAT_TIME" {
		x = "(DATE '2000-01-01' + " + x + ")"
	}
	if len(tzArg) == 1 {
		tz, err := r.seq(tzArg[0])
		if err != nil {
			return "", err
		}
		x = "timezone(" + tz + ", " + x + ")"
	} else if fn == "FORMAT_TIMESTAMP" && utcWallClockFormat(f) {
		// In UTC a timestamp's wall clock is plain arithmetic on its
		// microseconds; formatting the engine's zoned type goes through
		// its calendar library per row, many times slower on large scans.
		x = "make_timestamp(epoch_us(" + x + "))"
	}
	return "strftime(" + x + ", " + f + ")", nil
}

// utcWallClockFormat reports a literal format that prints no time zone
// (%Z, %z), so a UTC wall-clock timestamp formats exactly as the zoned one.
func utcWallClockFormat(f string) bool {
	return strings.HasPrefix(f, "'") && !strings.Contains(f, "%Z") && !strings.Contains(f, "%z") && !strings.Contains(f, "%E")
}

// parseTypes are the engine types PARSE_* yields.
var parseTypes = map[string]string{"PARSE_TIMESTAMP": "TIMESTAMPTZ", "PARSE_DATE": "DATE", "PARSE_DATETIME": "TIMESTAMP", "PARSE_TIME": "TIME"}

// parseTime renders the PARSE_* family (format, s[, tz]).
func (r *rewriter) parseTime(fn string, kids []node) (string, error) {
	f, x, _, err := r.formatAndValue(fn, kids)
	if err != nil {
		return "", err
	}
	return "CAST(strptime(" + x + ", " + f + ") AS " + parseTypes[fn] + ")", nil
}

// current renders CURRENT_* from the emulator's clock.
func (r *rewriter) current(fn string, kids []node) (string, error) {
	if len(kids) > 0 {
		return "", errQuery(fn + " with a time zone is not supported")
	}
	return r.nowLiteral(fn), nil
}

// dateOf renders DATE(x), DATE(ts, tz) and DATE(y, m, d).
func (r *rewriter) dateOf(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 1, 3)
	if err != nil {
		return "", err
	}
	switch len(a) {
	case 3:
		return "make_date(" + strings.Join(a, ", ") + ")", nil
	case 2:
		return "CAST(timezone(" + a[1] + ", " + a[0] + ") AS DATE)", nil
	}
	return "CAST(" + a[0] + " AS DATE)", nil
}

// datetimeOf renders DATETIME(x), DATETIME(date, time) and DATETIME(y, m, d, h, mi, s).
func (r *rewriter) datetimeOf(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 1, 6)
	if err != nil {
		return "", err
	}
	switch len(a) {
	case 1:
		return "CAST(" + a[0] + " AS TIMESTAMP)", nil
	case 2:
		return "(CASE WHEN false THEN NULL ELSE " + a[0] + " + " + a[1] + " END)", nil
	case 6:
		return "make_timestamp(" + strings.Join(a, ", ") + ")", nil
	}
	return "", errQuery("No matching signature for function DATETIME")
}

// timestampOf renders TIMESTAMP(x[, tz]).
func (r *rewriter) timestampOf(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 1, 2)
	if err != nil {
		return "", err
	}
	if len(a) == 2 {
		return "timezone(" + a[1] + ", CAST(" + a[0] + " AS TIMESTAMP))", nil
	}
	return "CAST(" + a[0] + " AS TIMESTAMPTZ)", nil
}

// timeOf renders TIME(x) and TIME(h, m, s).
func (r *rewriter) timeOf(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 1, 3)
	if err != nil {
		return "", err
	}
	if len(a) == 3 {
		return "make_time(" + strings.Join(a, ", ") + ")", nil
	}
	return "CAST(" + a[0] + " AS TIME)", nil
}

var formatElems = strings.NewReplacer(
	"%F", "%Y-%m-%d", "%T", "%H:%M:%S", "%E6S", "%S.%f", "%E3S", "%S.%g", "%E*S", "%S.%f",
	"%Ez", "%z", "%R", "%H:%M", "%D", "%m/%d/%y", "%k", "%-H", "%e", "%-d", "%l", "%-I", "%Q", "Q",
)

// formatArg renders a format string, translating BigQuery's format elements.
func (r *rewriter) formatArg(arg []node) (string, error) {
	if len(arg) == 1 && arg[0].tok.kind == tkString {
		return quoteString(formatElems.Replace(arg[0].tok.text)), nil
	}
	return r.seq(arg)
}

package bigquery

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	bq "google.golang.org/api/bigquery/v2"
)

// encodeCell renders an engine value as a REST cell value: scalars as
// strings, records as {"f":[{"v":…}]}, repeated fields as [{"v":…}].
// int64TS selects int64 microsecond timestamps (formatOptions.useInt64Timestamp);
// otherwise timestamps are float seconds in scientific notation.
func encodeCell(v any, f *bq.TableFieldSchema, int64TS bool) (any, error) {
	if v == nil {
		if f.Mode == modeRepeated {
			return []any{}, nil
		}
		return nil, nil
	}
	if f.Mode == modeRepeated {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("field %s: expected a list, got %T", f.Name, v)
		}
		elem := *f
		elem.Mode = modeNullable
		out := make([]any, len(list))
		for i, e := range list {
			c, err := encodeCell(e, &elem, int64TS)
			if err != nil {
				return nil, err
			}
			out[i] = map[string]any{"v": c}
		}
		return out, nil
	}
	switch f.Type {
	case tRecord:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("field %s: expected a struct, got %T", f.Name, v)
		}
		cells := make([]any, len(f.Fields))
		for i, sf := range f.Fields {
			c, err := encodeCell(lookupField(m, sf.Name), sf, int64TS)
			if err != nil {
				return nil, err
			}
			cells[i] = map[string]any{"v": c}
		}
		return map[string]any{"f": cells}, nil
	case tJSON:
		if s, ok := v.(string); ok {
			return s, nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return scalarString(v, f.Type, int64TS)
}

func lookupField(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func scalarString(v any, typ string, int64TS bool) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return fmt.Sprint(x), nil
	case *big.Int:
		return x.String(), nil
	case float32:
		return formatFloat(float64(x)), nil
	case float64:
		return formatFloat(x), nil
	case duckdb.Decimal:
		return decimalString(x), nil
	case []byte:
		if typ == tString && len(x) == 16 {
			return formatUUID(x), nil
		}
		return base64.StdEncoding.EncodeToString(x), nil
	case duckdb.UUID:
		return formatUUID(x[:]), nil
	case duckdb.Interval:
		return intervalString(x), nil
	case time.Time:
		x = x.UTC()
		switch typ {
		case tTimestamp:
			if int64TS {
				return strconv.FormatInt(x.UnixMicro(), 10), nil
			}
			return strconv.FormatFloat(float64(x.UnixMicro())/1e6, 'E', -1, 64), nil
		case tDate:
			return x.Format("2006-01-02"), nil
		case tTime:
			return x.Format("15:04:05.999999"), nil
		default:
			return x.Format("2006-01-02T15:04:05.999999"), nil
		}
	case map[string]any, []any, duckdb.Map:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x), nil
		}
		return string(b), nil
	}
	return fmt.Sprint(v), nil
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func decimalString(d duckdb.Decimal) string {
	if d.Value == nil {
		return "0"
	}
	r := new(big.Rat).SetFrac(d.Value, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil))
	s := r.FloatString(int(d.Scale))
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// intervalString renders BigQuery's canonical interval format "Y-M D H:M:S[.F]".
func intervalString(iv duckdb.Interval) string {
	y, m := iv.Months/12, iv.Months%12
	sign := ""
	if iv.Months < 0 {
		sign = "-"
		y, m = -y, -m
	}
	us := iv.Micros
	tsign := ""
	if us < 0 {
		tsign = "-"
		us = -us
	}
	h := us / 3600e6
	mi := (us / 60e6) % 60
	sec := (us / 1e6) % 60
	frac := us % 1e6
	s := fmt.Sprintf("%s%d-%d %d %s%d:%d:%d", sign, y, m, iv.Days, tsign, h, mi, sec)
	if frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
	}
	return s
}

// rowError is a per-row insert problem: the offending field and why.
type rowError struct {
	location string
	message  string
}

func (e *rowError) Error() string { return e.message }

// literal renders a JSON-decoded value (numbers as json.Number) as an engine
// SQL literal of field f's type, validating it as BigQuery's streaming API
// does. Values always come back cast, so nested literals have exact types.
func literal(f *bq.TableFieldSchema, v any, path string, ignoreUnknown bool) (string, error) {
	if f.Mode == modeRepeated {
		if v == nil {
			return "CAST([] AS " + duckType(f) + ")", nil
		}
		list, ok := v.([]any)
		if !ok {
			return "", &rowError{path, fmt.Sprintf("Array specified for non-repeated field: %s.", path)}
		}
		elem := *f
		elem.Mode = modeNullable
		parts := make([]string, len(list))
		for i, e := range list {
			if e == nil {
				return "", &rowError{path, fmt.Sprintf("Null value in repeated field: %s.", path)}
			}
			s, err := literal(&elem, e, path, ignoreUnknown)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "CAST([" + strings.Join(parts, ", ") + "] AS " + duckType(f) + ")", nil
	}
	if v == nil {
		if f.Mode == modeRequired {
			return "", &rowError{path, fmt.Sprintf("Missing required field: %s.", path)}
		}
		return "CAST(NULL AS " + duckType(f) + ")", nil
	}
	if _, isList := v.([]any); isList && f.Type != tJSON {
		return "", &rowError{path, fmt.Sprintf("Array specified for non-repeated field: %s.", path)}
	}
	bad := func() error {
		return &rowError{path, fmt.Sprintf("Cannot convert value to %s: %s.", strings.ToLower(f.Type), short(v))}
	}
	switch f.Type {
	case tRecord:
		m, ok := v.(map[string]any)
		if !ok {
			return "", &rowError{path, fmt.Sprintf("This field: %s is not a record.", path)}
		}
		known := map[string]bool{}
		parts := make([]string, len(f.Fields))
		for i, sf := range f.Fields {
			known[strings.ToLower(sf.Name)] = true
			s, err := literal(sf, lookupField(m, sf.Name), path+"."+sf.Name, ignoreUnknown)
			if err != nil {
				return "", err
			}
			parts[i] = quoteString(sf.Name) + ": " + s
		}
		if !ignoreUnknown {
			for k := range m {
				if !known[strings.ToLower(k)] {
					return "", &rowError{path + "." + k, "no such field: " + k + "."}
				}
			}
		}
		return "CAST({" + strings.Join(parts, ", ") + "} AS " + duckType(f) + ")", nil
	case tJSON:
		var text string
		if s, ok := v.(string); ok {
			if !json.Valid([]byte(s)) {
				return "", &rowError{path, fmt.Sprintf("Invalid JSON value for field %s: %s.", path, short(v))}
			}
			text = s
		} else {
			b, err := json.Marshal(v)
			if err != nil {
				return "", bad()
			}
			text = string(b)
		}
		return "CAST(" + quoteString(text) + " AS JSON)", nil
	}
	s, ok := scalarText(v)
	if !ok {
		return "", bad()
	}
	switch f.Type {
	case tString, tGeography:
		return quoteString(s), nil
	case tBytes:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "", &rowError{path, fmt.Sprintf("Could not decode base64 string to bytes. Field: %s; Value: %s", path, short(v))}
		}
		return "unhex(" + quoteString(hex.EncodeToString(b)) + ")", nil
	case tInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			// Integral floats such as 1e3 are accepted, as in production.
			fl, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || fl != math.Trunc(fl) || math.Abs(fl) > 9.2e18 {
				return "", bad()
			}
			n = int64(fl)
		}
		return "CAST(" + strconv.FormatInt(n, 10) + " AS BIGINT)", nil
	case tFloat:
		fl, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "", bad()
		}
		switch {
		case math.IsNaN(fl):
			return "CAST('NaN' AS DOUBLE)", nil
		case math.IsInf(fl, 1):
			return "CAST('Infinity' AS DOUBLE)", nil
		case math.IsInf(fl, -1):
			return "CAST('-Infinity' AS DOUBLE)", nil
		}
		return "CAST(" + strconv.FormatFloat(fl, 'g', -1, 64) + " AS DOUBLE)", nil
	case tBoolean:
		b, err := strconv.ParseBool(strings.ToLower(s))
		if err != nil {
			return "", bad()
		}
		return strconv.FormatBool(b), nil
	case tNumeric, tBigNumeric:
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return "", bad()
		}
		scale, typ := 9, duckNumeric
		if f.Type == tBigNumeric {
			scale, typ = 18, duckBigNumeric
		}
		return "CAST(" + quoteString(r.FloatString(scale)) + " AS " + typ + ")", nil
	case tTimestamp:
		t, err := parseTimestamp(s)
		if err != nil {
			return "", bad()
		}
		return "CAST(" + quoteString(t.UTC().Format("2006-01-02 15:04:05.999999+00")) + " AS TIMESTAMPTZ)", nil
	case tDatetime:
		t, err := parseCivil(s, []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"})
		if err != nil {
			return "", bad()
		}
		return "CAST(" + quoteString(t.Format("2006-01-02 15:04:05.999999")) + " AS TIMESTAMP)", nil
	case tDate:
		t, err := parseCivil(s, []string{"2006-01-02"})
		if err != nil {
			return "", bad()
		}
		return "CAST(" + quoteString(t.Format("2006-01-02")) + " AS DATE)", nil
	case tTime:
		t, err := parseCivil(s, []string{"15:04:05.999999999", "15:04"})
		if err != nil {
			return "", bad()
		}
		return "CAST(" + quoteString(t.Format("15:04:05.999999")) + " AS TIME)", nil
	case tInterval:
		return "CAST(" + quoteString(s) + " AS INTERVAL)", nil
	}
	return "", bad()
}

// scalarText returns the text of a JSON scalar.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	}
	return "", false
}

// parseTimestamp accepts the forms the streaming API accepts: canonical
// "YYYY-MM-DD HH:MM:SS[.ffffff][±zz[:zz]| UTC]", RFC 3339, and epoch seconds.
func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), nil
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, " UTC"), "Z")
	s = strings.Replace(s, "T", " ", 1)
	for _, layout := range []string{
		"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999-07",
		"2006-01-02 15:04:05.999999999 -07:00", "2006-01-02 15:04:05.999999999-0700",
		"2006-01-02 15:04:05.999999999", "2006-01-02 15:04", "2006-01-02",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
}

func parseCivil(s string, layouts []string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid value %q", s)
}

func short(v any) string {
	var s string
	if t, ok := scalarText(v); ok {
		s = t
	} else {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return s
}

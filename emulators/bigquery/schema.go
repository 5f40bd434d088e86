package bigquery

import (
	"fmt"
	"strings"

	bq "google.golang.org/api/bigquery/v2"
)

// Canonical (legacy) type names, as the REST API and the Go client use them.
const (
	tString     = "STRING"
	tBytes      = "BYTES"
	tInteger    = "INTEGER"
	tFloat      = "FLOAT"
	tBoolean    = "BOOLEAN"
	tTimestamp  = "TIMESTAMP"
	tDate       = "DATE"
	tTime       = "TIME"
	tDatetime   = "DATETIME"
	tNumeric    = "NUMERIC"
	tBigNumeric = "BIGNUMERIC"
	tGeography  = "GEOGRAPHY"
	tJSON       = "JSON"
	tRecord     = "RECORD"
	tInterval   = "INTERVAL"

	modeNullable = "NULLABLE"
	modeRequired = "REQUIRED"
	modeRepeated = "REPEATED"
)

// Engine types chosen for NUMERIC and BIGNUMERIC. The engine's decimals stop
// at 38 digits, so BIGNUMERIC trades integer digits for scale; the distinct
// scales let result schemas tell the two apart.
const (
	duckNumeric    = "DECIMAL(38,9)"
	duckBigNumeric = "DECIMAL(38,18)"
)

// canonicalType maps GoogleSQL type names to the REST API's names.
func canonicalType(t string) (string, bool) {
	switch strings.ToUpper(t) {
	case "STRING":
		return tString, true
	case "BYTES":
		return tBytes, true
	case "INTEGER", "INT64", "INT", "SMALLINT", "BIGINT", "TINYINT", "BYTEINT":
		return tInteger, true
	case "FLOAT", "FLOAT64":
		return tFloat, true
	case "BOOLEAN", "BOOL":
		return tBoolean, true
	case "TIMESTAMP":
		return tTimestamp, true
	case "DATE":
		return tDate, true
	case "TIME":
		return tTime, true
	case "DATETIME":
		return tDatetime, true
	case "NUMERIC", "DECIMAL":
		return tNumeric, true
	case "BIGNUMERIC", "BIGDECIMAL":
		return tBigNumeric, true
	case "GEOGRAPHY":
		return tGeography, true
	case "JSON":
		return tJSON, true
	case "RECORD", "STRUCT":
		return tRecord, true
	case "INTERVAL":
		return tInterval, true
	}
	return "", false
}

// normalizeSchema validates a table schema and rewrites type and mode names
// to their canonical form, in place.
func normalizeSchema(fields []*bq.TableFieldSchema, path string) error {
	if len(fields) == 0 && path != "" {
		return errInvalid("Field %s is type RECORD but has no schema", path)
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if f == nil || !validFieldName(f.Name) {
			name := ""
			if f != nil {
				name = f.Name
			}
			return errInvalid("Invalid field name %q. Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.", name)
		}
		full := f.Name
		if path != "" {
			full = path + "." + f.Name
		}
		key := strings.ToLower(f.Name)
		if seen[key] {
			return errInvalid("Field %s already exists in schema", full)
		}
		seen[key] = true
		t, ok := canonicalType(f.Type)
		if !ok {
			return errInvalid("Invalid value for type: %s is not a valid value", f.Type)
		}
		f.Type = t
		switch strings.ToUpper(f.Mode) {
		case "", modeNullable:
			f.Mode = modeNullable
		case modeRequired, modeRepeated:
			f.Mode = strings.ToUpper(f.Mode)
		default:
			return errInvalid("Invalid value for mode: %s is not a valid value", f.Mode)
		}
		if t == tRecord {
			if err := normalizeSchema(f.Fields, full); err != nil {
				return err
			}
		} else if len(f.Fields) > 0 {
			return errInvalid("Field %s has type %s but has subfields", full, t)
		}
	}
	return nil
}

func validFieldName(n string) bool {
	if n == "" || len(n) > 300 || !isIdentStart(n[0]) {
		return false
	}
	for i := 1; i < len(n); i++ {
		if !isIdentPart(n[i]) {
			return false
		}
	}
	return true
}

// duckType is the engine column type of a (normalized) field.
func duckType(f *bq.TableFieldSchema) string {
	var t string
	switch f.Type {
	case tString, tGeography:
		t = "VARCHAR"
	case tBytes:
		t = "BLOB"
	case tInteger:
		t = "BIGINT"
	case tFloat:
		t = "DOUBLE"
	case tBoolean:
		t = "BOOLEAN"
	case tTimestamp:
		t = "TIMESTAMPTZ"
	case tDatetime:
		t = "TIMESTAMP"
	case tDate:
		t = "DATE"
	case tTime:
		t = "TIME"
	case tNumeric:
		t = duckNumeric
	case tBigNumeric:
		t = duckBigNumeric
	case tJSON:
		t = "JSON"
	case tInterval:
		t = "INTERVAL"
	case tRecord:
		parts := make([]string, len(f.Fields))
		for i, sf := range f.Fields {
			parts[i] = quoteIdent(sf.Name) + " " + duckType(sf)
		}
		t = "STRUCT(" + strings.Join(parts, ", ") + ")"
	default:
		t = "VARCHAR"
	}
	if f.Mode == modeRepeated {
		t += "[]"
	}
	return t
}

// quoteIdent quotes an engine identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString quotes an engine string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// fieldFromDuck derives the BigQuery field of a result column from the
// engine's type name, e.g. `STRUCT("a" INTEGER, "b" VARCHAR[])`.
func fieldFromDuck(name, typ string) (*bq.TableFieldSchema, error) {
	p := &typeParser{s: typ}
	f, err := p.parse()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q in type %q", p.s[p.i:], typ)
	}
	f.Name = name
	return f, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) ws() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *typeParser) name() string {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '"' {
		var b strings.Builder
		p.i++
		for p.i < len(p.s) {
			if p.s[p.i] == '"' {
				if p.i+1 < len(p.s) && p.s[p.i+1] == '"' {
					b.WriteByte('"')
					p.i += 2
					continue
				}
				p.i++
				break
			}
			b.WriteByte(p.s[p.i])
			p.i++
		}
		return b.String()
	}
	j := p.i
	for p.i < len(p.s) && isIdentPart(p.s[p.i]) {
		p.i++
	}
	const tz = " WITH TIME ZONE"
	if strings.HasPrefix(strings.ToUpper(p.s[p.i:]), tz) {
		p.i += len(tz)
	}
	return p.s[j:p.i]
}

// parse reads one type. Multi-word names ("TIMESTAMP WITH TIME ZONE") are
// read whole.
func (p *typeParser) parse() (*bq.TableFieldSchema, error) {
	p.ws()
	base := strings.ToUpper(p.name())
	f := &bq.TableFieldSchema{Mode: modeNullable}
	var args string
	if p.i < len(p.s) && p.s[p.i] == '(' {
		if base == "STRUCT" {
			p.i++
			for {
				fname := p.name()
				sub, err := p.parse()
				if err != nil {
					return nil, err
				}
				sub.Name = fname
				f.Fields = append(f.Fields, sub)
				p.ws()
				if p.i >= len(p.s) {
					return nil, fmt.Errorf("unterminated STRUCT in %q", p.s)
				}
				if p.s[p.i] == ',' {
					p.i++
					continue
				}
				if p.s[p.i] == ')' {
					p.i++
					break
				}
				return nil, fmt.Errorf("unexpected %q in %q", p.s[p.i], p.s)
			}
		} else {
			depth := 0
			j := p.i
			for p.i < len(p.s) {
				if p.s[p.i] == '(' {
					depth++
				} else if p.s[p.i] == ')' {
					depth--
					if depth == 0 {
						p.i++
						break
					}
				}
				p.i++
			}
			args = p.s[j:p.i]
		}
	}
	switch base {
	case "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "HUGEINT", "UHUGEINT", "INT", "INT8", "INT4":
		f.Type = tInteger
	case "DOUBLE", "FLOAT", "REAL":
		f.Type = tFloat
	case "DECIMAL", "NUMERIC":
		f.Type = tNumeric
		if strings.ReplaceAll(args, " ", "") == "(38,18)" {
			f.Type = tBigNumeric
		}
	case "VARCHAR", "UUID", "BIT", "ENUM", "TEXT", "STRING":
		f.Type = tString
	case "BLOB":
		f.Type = tBytes
	case "BOOLEAN":
		f.Type = tBoolean
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ":
		f.Type = tTimestamp
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATETIME":
		f.Type = tDatetime
	case "DATE":
		f.Type = tDate
	case "TIME", "TIME WITH TIME ZONE", "TIMETZ":
		f.Type = tTime
	case "JSON":
		f.Type = tJSON
	case "INTERVAL":
		f.Type = tInterval
	case "STRUCT":
		f.Type = tRecord
	case "NULL", "\"NULL\"":
		f.Type = tInteger
	case "MAP", "UNION":
		f.Type = tJSON
	default:
		f.Type = tString
	}
	// List suffixes: T[] or fixed T[n]. BigQuery has no nested arrays, so
	// an array of arrays keeps REPEATED once.
	for p.i < len(p.s) && p.s[p.i] == '[' {
		k := strings.IndexByte(p.s[p.i:], ']')
		if k < 0 {
			return nil, fmt.Errorf("unterminated list in %q", p.s)
		}
		p.i += k + 1
		f.Mode = modeRepeated
	}
	return f, nil
}

package bigquery

import (
	"fmt"
	"strings"
)

// Function calls are translated by table: a rename (same arguments, the
// engine's name), a one-argument template, or a callForm that builds the
// engine's expression. Anything else passes through under its own name.
// The forms are grouped by family: dates and times (functions_time.go),
// strings (functions_text.go), JSON (functions_json.go), aggregates and
// structs (functions_agg.go); conversions and arithmetic are below.

// renames are functions that differ from the engine's only by name.
var renames = map[string]string{
	"COUNTIF": "count_if", "APPROX_COUNT_DISTINCT": "approx_count_distinct", "LOGICAL_AND": "bool_and",
	"LOGICAL_OR": "bool_or", "REGEXP_CONTAINS": "regexp_matches", "ENDS_WITH": "suffix", "STARTS_WITH": "starts_with",
	"ARRAY_LENGTH": "len", "ARRAY_CONCAT": "list_concat", "GENERATE_ARRAY": "generate_series",
	"JSON_QUERY": "json_extract", "JSON_EXTRACT": "json_extract", "ANY_VALUE": "any_value",
	"BYTE_LENGTH": "octet_length", "CHAR_LENGTH": "length", "CHARACTER_LENGTH": "length",
	"UNIX_MILLIS": "epoch_ms", "UNIX_MICROS": "epoch_us", "TIMESTAMP_SECONDS": "to_timestamp",
	"FORMAT": "printf", "ARRAY_REVERSE": "list_reverse", "PARSE_JSON": "json", "TO_JSON": "to_json",
	"APPROX_QUANTILES": "approx_quantile", "ARRAY_TO_STRING": "array_to_string",
}

// unaryForms are one-argument functions rendered by a DuckDB expression
// template in which $1 stands for the argument.
var unaryForms = map[string]string{
	"FARM_FINGERPRINT": `CAST(CAST(hash($1) AS HUGEINT) - 9223372036854775808 AS BIGINT)`,
	"UNIX_SECONDS":     `CAST(floor(epoch($1)) AS BIGINT)`,
	"UNIX_DATE":        `date_diff('day', DATE '1970-01-01', $1)`,
	"TIMESTAMP_MILLIS": `to_timestamp(($1) / 1000)`,
	"TIMESTAMP_MICROS": `(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds($1))`,
	"TO_HEX":           `lower(hex($1))`,
	"OFFSET":           `($1) + 1`,
	"SAFE_OFFSET":      `($1) + 1`,
	"ORDINAL":          `$1`,
	"SAFE_ORDINAL":     `$1`,
}

// callForm renders fn(kids); fn is the upper-cased name.
type callForm func(r *rewriter, fn string, kids []node) (string, error)

// callForms is filled in init: the forms call back into the rewriter,
// which reads this table, and a package-level initializer cannot refer to
// itself.
var callForms map[string]callForm

func init() {
	callForms = map[string]callForm{}
	for _, f := range []struct {
		form  callForm
		names []string
	}{
		{(*rewriter).cast, []string{"CAST", "SAFE_CAST"}},
		{(*rewriter).safeDivide, []string{"SAFE_DIVIDE"}},
		{(*rewriter).ieeeDivide, []string{"IEEE_DIVIDE"}},
		{(*rewriter).div, []string{"DIV"}},
		{(*rewriter).ifForm, []string{"IF"}},
		{(*rewriter).generateUUID, []string{"GENERATE_UUID"}},
		{(*rewriter).extract, []string{"EXTRACT"}},
		{(*rewriter).trunc, []string{"TIMESTAMP_TRUNC", "DATETIME_TRUNC", "DATE_TRUNC", "TIME_TRUNC"}},
		{(*rewriter).diff, []string{"TIMESTAMP_DIFF", "TIME_DIFF", "DATE_DIFF", "DATETIME_DIFF"}},
		{(*rewriter).addSub, []string{"TIMESTAMP_ADD", "TIMESTAMP_SUB", "DATE_ADD", "DATE_SUB", "DATETIME_ADD", "DATETIME_SUB", "TIME_ADD", "TIME_SUB"}},
		{(*rewriter).formatTime, []string{"FORMAT_TIMESTAMP", "FORMAT_DATE", "FORMAT_DATETIME", "FORMAT_TIME"}},
		{(*rewriter).parseTime, []string{"PARSE_TIMESTAMP", "PARSE_DATE", "PARSE_DATETIME", "PARSE_TIME"}},
		{(*rewriter).current, []string{"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_DATETIME", "CURRENT_TIME"}},
		{(*rewriter).dateOf, []string{"DATE"}},
		{(*rewriter).datetimeOf, []string{"DATETIME"}},
		{(*rewriter).timestampOf, []string{"TIMESTAMP"}},
		{(*rewriter).timeOf, []string{"TIME"}},
		{(*rewriter).stringOf, []string{"STRING"}},
		{(*rewriter).split, []string{"SPLIT"}},
		{(*rewriter).regexpExtract, []string{"REGEXP_EXTRACT", "REGEXP_EXTRACT_ALL"}},
		{(*rewriter).regexpReplace, []string{"REGEXP_REPLACE"}},
		{(*rewriter).jsonValue, []string{"JSON_VALUE", "JSON_EXTRACT_SCALAR"}},
		{(*rewriter).jsonArray, []string{"JSON_QUERY_ARRAY", "JSON_EXTRACT_ARRAY"}},
		{(*rewriter).toJSONString, []string{"TO_JSON_STRING"}},
		{(*rewriter).structOf, []string{"STRUCT"}},
		{(*rewriter).arrayAgg, []string{"ARRAY_AGG"}},
		{(*rewriter).stringAgg, []string{"STRING_AGG"}},
	} {
		for _, n := range f.names {
			callForms[n] = f.form
		}
	}
}

// call renders a function call name(kids).
func (r *rewriter) call(name token, kids []node) (string, error) {
	fn := name.up
	if form, ok := unaryForms[fn]; ok {
		a, err := r.need(fn, kids, 1, 1)
		if err != nil {
			return "", err
		}
		return strings.ReplaceAll(form, "$1", a[0]), nil
	}
	if to, ok := renames[fn]; ok {
		a, err := r.seq(kids)
		if err != nil {
			return "", err
		}
		return to + "(" + a + ")", nil
	}
	if form, ok := callForms[fn]; ok {
		return form(r, fn, kids)
	}
	a, err := r.seq(kids)
	if err != nil {
		return "", err
	}
	return name.text + "(" + a + ")", nil
}

// need renders fn's arguments, refusing fewer than lo or more than hi.
func (r *rewriter) need(fn string, kids []node, lo, hi int) ([]string, error) {
	a, err := r.args(kids)
	if err != nil {
		return nil, err
	}
	if len(a) < lo || len(a) > hi {
		return nil, errQuery(fmt.Sprintf("No matching signature for function %s for %d arguments", fn, len(a)))
	}
	return a, nil
}

// cast renders CAST / SAFE_CAST(x AS type [FORMAT f]); the format is dropped.
func (r *rewriter) cast(fn string, kids []node) (string, error) {
	expr, typ, ok := splitAt(kids, "AS")
	if !ok {
		return "", syntaxErr("Expected AS in " + fn)
	}
	if f, _, ok := splitAt(typ, "FORMAT"); ok {
		typ = f
	}
	e, err := r.seq(expr)
	if err != nil {
		return "", err
	}
	t, k, err := r.typeAt(typ, 0)
	if err != nil {
		return "", err
	}
	if k != len(typ) {
		return "", syntaxErr("Unexpected tokens after type in " + fn)
	}
	op := "CAST"
	if fn == "SAFE_CAST" {
		op = "TRY_CAST"
	}
	return op + "(" + e + " AS " + t + ")", nil
}

func (r *rewriter) safeDivide(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 2, 2)
	if err != nil {
		return "", err
	}
	return "(CASE WHEN (" + a[1] + ") = 0 THEN NULL ELSE CAST((" + a[0] + ") AS DOUBLE) / (" + a[1] + ") END)", nil
}

func (r *rewriter) ieeeDivide(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 2, 2)
	if err != nil {
		return "", err
	}
	return "(CAST((" + a[0] + ") AS DOUBLE) / (" + a[1] + "))", nil
}

func (r *rewriter) div(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 2, 2)
	if err != nil {
		return "", err
	}
	return "CAST(trunc((" + a[0] + ") / (" + a[1] + ")) AS BIGINT)", nil
}

func (r *rewriter) ifForm(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 3, 3)
	if err != nil {
		return "", err
	}
	return "(CASE WHEN " + a[0] + " THEN " + a[1] + " ELSE " + a[2] + " END)", nil
}

func (r *rewriter) generateUUID(string, []node) (string, error) {
	return "CAST(gen_random_uuid() AS VARCHAR)", nil
}

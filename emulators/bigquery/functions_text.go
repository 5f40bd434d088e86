package bigquery

import "regexp"

// String functions.

var reCaptureGroup = regexp.MustCompile(`(^|[^\\])\((?:[^?]|$)`)

func (r *rewriter) stringOf(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 1, 2)
	if err != nil {
		return "", err
	}
	return "CAST(" + a[0] + " AS VARCHAR)", nil
}

func (r *rewriter) split(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 1, 2)
	if err != nil {
		return "", err
	}
	if len(a) == 1 {
		a = append(a, "','")
	}
	return "string_split(" + a[0] + ", " + a[1] + ")", nil
}

// regexpExtract renders REGEXP_EXTRACT[_ALL]: the first capture group when
// the literal pattern has one, else the whole match, as BigQuery does.
func (r *rewriter) regexpExtract(fn string, kids []node) (string, error) {
	args := splitArgs(kids)
	if len(args) != 2 {
		return "", errQuery("No matching signature for function " + fn)
	}
	a, err := r.args(kids)
	if err != nil {
		return "", err
	}
	group := "0"
	if len(args[1]) == 1 && args[1][0].tok.kind == tkString && reCaptureGroup.MatchString(args[1][0].tok.text) {
		group = "1"
	}
	if fn == "REGEXP_EXTRACT_ALL" {
		return "regexp_extract_all(" + a[0] + ", " + a[1] + ", " + group + ")", nil
	}
	return "(CASE WHEN regexp_matches(" + a[0] + ", " + a[1] + ") THEN regexp_extract(" + a[0] + ", " + a[1] + ", " + group + ") END)", nil
}

func (r *rewriter) regexpReplace(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 3, 3)
	if err != nil {
		return "", err
	}
	return "regexp_replace(" + a[0] + ", " + a[1] + ", " + a[2] + ", 'g')", nil
}

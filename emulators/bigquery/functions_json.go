package bigquery

// JSON functions.

// jsonValue renders JSON_VALUE / JSON_EXTRACT_SCALAR(json[, path]).
func (r *rewriter) jsonValue(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 1, 2)
	if err != nil {
		return "", err
	}
	if len(a) == 1 {
		a = append(a, "'$'")
	}
	// BigQuery yields NULL for objects and arrays.
	return "(CASE WHEN json_type(json_extract(" + a[0] + ", " + a[1] + ")) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(" + a[0] + ", " + a[1] + ") END)", nil
}

// jsonArray renders JSON_QUERY_ARRAY / JSON_EXTRACT_ARRAY(json[, 'path']).
func (r *rewriter) jsonArray(fn string, kids []node) (string, error) {
	args := splitArgs(kids)
	p := "$"
	if len(args) == 2 {
		if len(args[1]) != 1 || args[1][0].tok.kind != tkString {
			return "", errQuery(fn + " needs a literal JSON path")
		}
		p = args[1][0].tok.text
	}
	if len(args) == 0 || len(args) > 2 {
		return "", errQuery("No matching signature for function " + fn)
	}
	x, err := r.seq(args[0])
	if err != nil {
		return "", err
	}
	return "json_extract(" + x + ", " + quoteString(p+"[*]") + ")", nil
}

func (r *rewriter) toJSONString(fn string, kids []node) (string, error) {
	a, err := r.need(fn, kids, 1, 2)
	if err != nil {
		return "", err
	}
	return "CAST(to_json(" + a[0] + ") AS VARCHAR)", nil
}

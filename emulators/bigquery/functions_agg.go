package bigquery

import (
	"fmt"
	"strings"
)

// Aggregates and struct construction.

// structOf renders STRUCT(x [AS name], …): a field is named by its alias,
// else by the column it reads, else _field_N, as BigQuery names them.
func (r *rewriter) structOf(_ string, kids []node) (string, error) {
	var fields []string
	for k, arg := range splitArgs(kids) {
		expr, alias, ok := splitAt(arg, "AS")
		name := fmt.Sprintf("_field_%d", k+1)
		if ok && len(alias) == 1 {
			name = alias[0].tok.text
		} else {
			expr = arg
			if last := arg[len(arg)-1].tok; (last.kind == tkIdent || last.kind == tkQuoted) && (len(arg) == 1 || arg[len(arg)-2].tok.isPunct(".")) {
				name = last.text
			}
		}
		e, err := r.seq(expr)
		if err != nil {
			return "", err
		}
		fields = append(fields, quoteIdent(name)+" := "+e)
	}
	return "struct_pack(" + strings.Join(fields, ", ") + ")", nil
}

// stringAgg renders STRING_AGG(x[, sep] [ORDER BY …]); LIMIT is refused.
func (r *rewriter) stringAgg(_ string, kids []node) (string, error) {
	body, _, hasLimit := splitAt(kids, "LIMIT")
	s, err := r.seq(body)
	if err != nil {
		return "", err
	}
	if hasLimit {
		return "", errQuery("STRING_AGG with LIMIT is not supported")
	}
	return "string_agg(" + s + ")", nil
}

// arrayAgg renders ARRAY_AGG([DISTINCT] x [IGNORE|RESPECT NULLS] [ORDER BY …] [LIMIT n]).
func (r *rewriter) arrayAgg(_ string, kids []node) (string, error) {
	body, lim, hasLimit := splitAt(kids, "LIMIT")
	ignore := false
	var cleaned []node
	for i := 0; i < len(body); i++ {
		if (body[i].tok.is("IGNORE") || body[i].tok.is("RESPECT")) && i+1 < len(body) && body[i+1].tok.is("NULLS") {
			ignore = body[i].tok.is("IGNORE")
			i++
			continue
		}
		cleaned = append(cleaned, body[i])
	}
	s, err := r.seq(cleaned)
	if err != nil {
		return "", err
	}
	out := "array_agg(" + s + ")"
	if ignore {
		expr := cleaned
		if len(expr) > 0 && expr[0].tok.is("DISTINCT") {
			expr = expr[1:]
		}
		for i := range expr {
			if expr[i].tok.is("ORDER") {
				expr = expr[:i]
				break
			}
		}
		e, err := r.seq(expr)
		if err != nil {
			return "", err
		}
		out += " FILTER (WHERE (" + e + ") IS NOT NULL)"
	}
	if hasLimit {
		n, err := r.seq(lim)
		if err != nil {
			return "", err
		}
		out = "list_slice(" + out + ", 1, " + n + ")"
	}
	return out, nil
}

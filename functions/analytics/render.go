package analytics

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"pointsofyou.ai/studio/shared/httpapi"
)

// suppressedCell is how CSV and PDF write a withheld figure.
const suppressedCell = "<5"

// write renders res in p.Format. The whole body is built before the
// status is sent, so a failure is a clean problem, never a cut file.
func write(w http.ResponseWriter, p Params, res *Result) error {
	var buf bytes.Buffer
	var ctype string
	switch p.Format {
	case "csv":
		ctype = "text/csv; charset=utf-8"
		if err := writeCSV(&buf, res); err != nil {
			return httpapi.Internal(err)
		}
	case "pdf":
		ctype = "application/pdf"
		if err := writePDF(&buf, p, res); err != nil {
			return httpapi.Internal(err)
		}
	default:
		httpapi.WriteJSON(w, http.StatusOK, res)
		return nil
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, fileName(res, p.Format)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

func fileName(res *Result, ext string) string {
	return fmt.Sprintf("%s-%s-%s_%s.%s", res.Report, res.OrgID, res.From, res.To, ext)
}

// writeCSV writes a header row of column names and one line per row; a
// withheld figure is "<5", an unknown one empty.
func writeCSV(buf *bytes.Buffer, res *Result) error {
	cw := csv.NewWriter(buf)
	head := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		head[i] = c.Name
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range res.Rows {
		if err := cw.Write(cells(res, row)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cells renders one row as text, as CSV and PDF show it.
func cells(res *Result, row Row) []string {
	out := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		v := row[c.Name]
		if v == nil {
			if c.guard != "" {
				out[i] = suppressedCell
			}
			continue
		}
		out[i] = text(v)
	}
	return out
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return sanitizeCell(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// sanitizeCell keeps a text cell from being read as a formula by a
// spreadsheet (titles are typed by people).
func sanitizeCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	bq "google.golang.org/api/bigquery/v2"
)

// insertAllRequest mirrors tabledata.insertAll; rows are decoded with
// json.Number so integers keep their precision.
type insertAllRequest struct {
	Rows []struct {
		InsertID string         `json:"insertId"`
		JSON     map[string]any `json:"json"`
	} `json:"rows"`
	SkipInvalidRows     bool   `json:"skipInvalidRows"`
	IgnoreUnknownValues bool   `json:"ignoreUnknownValues"`
	TemplateSuffix      string `json:"templateSuffix"`
}

type insertError struct {
	Index  int64        `json:"index"`
	Errors []errorProto `json:"errors"`
}

func (s *Server) insertAll(w http.ResponseWriter, r *http.Request) {
	project, ds, id := r.PathValue("project"), r.PathValue("dataset"), r.PathValue("table")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, errInvalid("Request payload size exceeds the limit"))
		return
	}
	var in insertAllRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		writeError(w, errInvalid("Invalid JSON payload received. %v", err))
		return
	}
	if in.TemplateSuffix != "" {
		writeError(w, errInvalid("templateSuffix is not supported by the emulator"))
		return
	}
	rows := make([]pendingRow, len(in.Rows))
	for i, row := range in.Rows {
		rows[i] = pendingRow{insertID: row.InsertID, values: row.JSON}
	}
	errs, err := s.insertRows(r.Context(), project, ds, id, rows, in.IgnoreUnknownValues, in.SkipInvalidRows)
	if err != nil {
		writeError(w, err)
		return
	}
	out := map[string]any{"kind": "bigquery#tableDataInsertAllResponse"}
	if len(errs) > 0 {
		out["insertErrors"] = errs
	}
	writeJSON(w, http.StatusOK, out)
}

// pendingRow is one row to stream into a table.
type pendingRow struct {
	insertID string
	values   map[string]any
}

// insertRows streams rows into a table with production's semantics:
// insertIds seen within the de-duplication window are dropped; invalid rows
// are reported by index with reason "invalid" and, unless skipInvalid, the
// other rows are not written and reported as "stopped".
func (s *Server) insertRows(ctx context.Context, project, ds, id string, rows []pendingRow, ignoreUnknown, skipInvalid bool) ([]insertError, error) {
	s.mu.Lock()
	t, err := s.lookupTable(project, ds, id)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if t.meta.Type != "TABLE" {
		s.mu.Unlock()
		return nil, errInvalid("Cannot insert rows into %s %s:%s.%s", strings.ToLower(t.meta.Type), project, ds, id)
	}
	fields := t.meta.Schema.Fields
	s.mu.Unlock()
	if len(rows) == 0 {
		return nil, errInvalid("No rows present in the request.")
	}

	var errs []insertError
	lits := make([]string, len(rows))
	for i, row := range rows {
		lit, rerr := rowLiteral(fields, row.values, ignoreUnknown)
		if rerr != nil {
			errs = append(errs, insertError{Index: int64(i), Errors: []errorProto{{Reason: "invalid", Location: rerr.location, Message: rerr.message}}})
			continue
		}
		lits[i] = lit
	}
	if len(errs) > 0 && !skipInvalid {
		bad := map[int64]bool{}
		for _, e := range errs {
			bad[e.Index] = true
		}
		for i := range rows {
			if !bad[int64(i)] {
				errs = append(errs, insertError{Index: int64(i), Errors: []errorProto{{Reason: "stopped"}}})
			}
		}
		return errs, nil
	}

	s.mu.Lock()
	now := s.now()
	if s.dedupe > 0 {
		for k, seen := range s.insertIDs {
			if now.Sub(seen) > s.dedupe {
				delete(s.insertIDs, k)
			}
		}
	}
	var values []string
	var fresh []string
	batch := map[string]bool{}
	for i, row := range rows {
		if lits[i] == "" {
			continue
		}
		if row.insertID != "" && s.dedupe > 0 {
			k := project + ":" + ds + "." + id + "\x00" + row.insertID
			if _, dup := s.insertIDs[k]; dup || batch[k] {
				continue
			}
			batch[k] = true
			fresh = append(fresh, k)
		}
		values = append(values, lits[i])
	}
	s.mu.Unlock()
	if len(values) > 0 {
		q := "INSERT INTO " + engineName(project, ds, id) + " VALUES " + strings.Join(values, ", ")
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return nil, errInvalid("Insert failed: %v", queryError(err).Message)
		}
	}
	s.mu.Lock()
	for _, k := range fresh {
		s.insertIDs[k] = now
	}
	s.mu.Unlock()
	return errs, nil
}

// rowLiteral renders one row as "(v1, v2, …)" in column order.
func rowLiteral(fields []*bq.TableFieldSchema, values map[string]any, ignoreUnknown bool) (string, *rowError) {
	if len(fields) == 0 {
		return "(NULL)", nil
	}
	known := map[string]bool{}
	parts := make([]string, len(fields))
	for i, f := range fields {
		known[strings.ToLower(f.Name)] = true
		lit, err := literal(f, lookupField(values, f.Name), f.Name, ignoreUnknown)
		if err != nil {
			var re *rowError
			if errors.As(err, &re) {
				return "", re
			}
			return "", &rowError{f.Name, err.Error()}
		}
		parts[i] = lit
	}
	if !ignoreUnknown {
		for k := range values {
			if !known[strings.ToLower(k)] {
				return "", &rowError{k, "no such field: " + k + "."}
			}
		}
	}
	return "(" + strings.Join(parts, ", ") + ")", nil
}

func (s *Server) listTableData(w http.ResponseWriter, r *http.Request) {
	project, ds, id := r.PathValue("project"), r.PathValue("dataset"), r.PathValue("table")
	s.mu.Lock()
	t, err := s.lookupTable(project, ds, id)
	var fields []*bq.TableFieldSchema
	if err == nil {
		fields = t.meta.Schema.Fields
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	start, max, err := pageArgs(r)
	if err != nil {
		writeError(w, err)
		return
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = quoteIdent(f.Name)
	}
	res := &result{fields: fields}
	var total int64
	if len(cols) > 0 {
		if err := s.db.QueryRowContext(r.Context(), "SELECT count(*) FROM "+engineName(project, ds, id)).Scan(&total); err != nil {
			writeError(w, queryError(err))
			return
		}
		if max < 0 {
			max = defaultPageRows
		}
		// rowid keeps insertion order stable across pages.
		q := fmt.Sprintf("SELECT %s FROM %s ORDER BY rowid LIMIT %d OFFSET %d", strings.Join(cols, ", "), engineName(project, ds, id), max, start)
		if t.meta.Type == "VIEW" {
			q = fmt.Sprintf("SELECT %s FROM %s LIMIT %d OFFSET %d", strings.Join(cols, ", "), engineName(project, ds, id), max, start)
		}
		rows, err := s.db.QueryContext(r.Context(), q)
		if err != nil {
			writeError(w, queryError(err))
			return
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				writeError(w, queryError(err))
				return
			}
			res.rows = append(res.rows, vals)
		}
		rows.Close()
	}
	int64TS := r.URL.Query().Get("formatOptions.useInt64Timestamp") == "true"
	page, err := s.page(res, 0, int64(len(res.rows)), int64TS)
	if err != nil {
		writeError(w, err)
		return
	}
	out := &bq.TableDataList{Kind: "bigquery#tableDataList", Rows: page.rows, TotalRows: total,
		Etag: fmt.Sprintf("%q", t.meta.Etag), ForceSendFields: []string{"TotalRows"}}
	if next := start + int64(len(res.rows)); next < total && len(res.rows) > 0 {
		out.PageToken = fmt.Sprint(next)
	}
	writeJSON(w, http.StatusOK, out)
}

package bigquery

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	bq "google.golang.org/api/bigquery/v2"
)

// dataset is a BigQuery dataset: an engine schema inside the engine
// catalog named after its project.
type dataset struct {
	meta   *bq.Dataset
	tables map[string]*table
}

// table holds a table's BigQuery metadata; its rows live in the engine.
type table struct {
	meta *bq.Table
}

var (
	reDatasetID = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	reTableID   = regexp.MustCompile(`^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]+$`)
	reProjectID = regexp.MustCompile(`^[a-z][a-z0-9-]{0,61}[a-z0-9]$|^[a-zA-Z0-9._:-]{1,128}$`)
)

func dsKey(project, ds string) string { return project + ":" + ds }

// engineName is the engine's fully qualified name of a table.
func engineName(project, ds, tbl string) string {
	return quoteIdent(project) + "." + quoteIdent(ds) + "." + quoteIdent(tbl)
}

// ensureCatalog attaches the engine catalog of a project. Callers hold s.mu.
func (s *Server) ensureCatalog(ctx context.Context, project string) error {
	if s.attached[project] {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, "ATTACH ':memory:' AS "+quoteIdent(project)); err != nil {
		return fmt.Errorf("attach %s: %w", project, err)
	}
	s.attached[project] = true
	return nil
}

func (s *Server) datasetResource(project string, d *bq.Dataset) *bq.Dataset {
	d.Kind = "bigquery#dataset"
	d.Id = project + ":" + d.DatasetReference.DatasetId
	d.SelfLink = fmt.Sprintf("http://%s/bigquery/v2/projects/%s/datasets/%s", s.Addr, project, d.DatasetReference.DatasetId)
	return d
}

func (s *Server) insertDataset(w http.ResponseWriter, r *http.Request) {
	project := r.PathValue("project")
	var d bq.Dataset
	if err := decode(r, &d); err != nil {
		writeError(w, err)
		return
	}
	if d.DatasetReference == nil || d.DatasetReference.DatasetId == "" {
		writeError(w, errInvalid("Required parameter is missing: datasetReference.datasetId"))
		return
	}
	if d.DatasetReference.ProjectId == "" {
		d.DatasetReference.ProjectId = project
	}
	id := d.DatasetReference.DatasetId
	if !reDatasetID.MatchString(id) {
		writeError(w, errInvalid("Invalid dataset ID %q. Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.", id))
		return
	}
	if !reProjectID.MatchString(project) {
		writeError(w, errInvalid("Invalid project ID %q", project))
		return
	}
	out, err := s.createDataset(r.Context(), project, &d)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createDataset(ctx context.Context, project string, d *bq.Dataset) (*bq.Dataset, error) {
	id := d.DatasetReference.DatasetId
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.datasets[dsKey(project, id)]; ok {
		return nil, errDuplicate("Dataset %s:%s", project, id)
	}
	if err := s.ensureCatalog(ctx, project); err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(project)+"."+quoteIdent(id)); err != nil {
		return nil, fmt.Errorf("create schema: %w", err)
	}
	now := msString(s.now())
	if d.Location == "" {
		d.Location = defaultLocation
	}
	d.CreationTime, _ = strconv.ParseInt(now, 10, 64)
	d.LastModifiedTime = d.CreationTime
	d.Etag = fmt.Sprintf("etag-%d", s.nextID())
	s.datasets[dsKey(project, id)] = &dataset{meta: d, tables: map[string]*table{}}
	return s.datasetResource(project, d), nil
}

// lookupDataset returns a dataset; callers hold s.mu.
func (s *Server) lookupDataset(project, ds string) (*dataset, error) {
	d, ok := s.datasets[dsKey(project, ds)]
	if !ok {
		return nil, errNotFound("Dataset %s:%s", project, ds)
	}
	return d, nil
}

// lookupTable returns a table; callers hold s.mu.
func (s *Server) lookupTable(project, ds, tbl string) (*table, error) {
	d, err := s.lookupDataset(project, ds)
	if err != nil {
		return nil, err
	}
	// Partition decorators (t$20240101) address the whole table here.
	if i := strings.IndexByte(tbl, '$'); i > 0 {
		tbl = tbl[:i]
	}
	t, ok := d.tables[tbl]
	if !ok {
		return nil, errNotFound("Table %s:%s.%s", project, ds, tbl)
	}
	return t, nil
}

func (s *Server) getDataset(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookupDataset(r.PathValue("project"), r.PathValue("dataset"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.datasetResource(r.PathValue("project"), d.meta))
}

func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request) {
	project := r.PathValue("project")
	s.mu.Lock()
	var ids []string
	for _, d := range s.datasets {
		if d.meta.DatasetReference.ProjectId == project {
			ids = append(ids, d.meta.DatasetReference.DatasetId)
		}
	}
	sort.Strings(ids)
	var items []*bq.DatasetListDatasets
	for _, id := range ids {
		d := s.datasets[dsKey(project, id)]
		items = append(items, &bq.DatasetListDatasets{
			Kind: "bigquery#dataset", Id: project + ":" + id, DatasetReference: d.meta.DatasetReference,
			Labels: d.meta.Labels, Location: d.meta.Location, FriendlyName: d.meta.FriendlyName,
		})
	}
	s.mu.Unlock()
	page, next := paginate(items, r)
	writeJSON(w, http.StatusOK, &bq.DatasetList{Kind: "bigquery#datasetList", Datasets: page, NextPageToken: next})
}

// paginate applies maxResults / pageToken (an offset) to a listing.
func paginate[T any](items []T, r *http.Request) ([]T, string) {
	start := 0
	if tok := r.URL.Query().Get("pageToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err == nil && n >= 0 && n <= len(items) {
			start = n
		}
	}
	end := len(items)
	if m, err := strconv.Atoi(r.URL.Query().Get("maxResults")); err == nil && m > 0 && start+m < end {
		end = start + m
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next
}

func (s *Server) checkEtag(r *http.Request, etag string) error {
	if m := r.Header.Get("If-Match"); m != "" && m != "*" && m != etag {
		return &apiError{Code: http.StatusPreconditionFailed, Reason: "conditionNotMet", Message: "Precondition check failed."}
	}
	return nil
}

func (s *Server) patchDataset(w http.ResponseWriter, r *http.Request) {
	var in bq.Dataset
	if err := decode(r, &in); err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookupDataset(r.PathValue("project"), r.PathValue("dataset"))
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.checkEtag(r, d.meta.Etag); err != nil {
		writeError(w, err)
		return
	}
	m := d.meta
	if in.Description != "" || r.Method == http.MethodPut {
		m.Description = in.Description
	}
	if in.FriendlyName != "" || r.Method == http.MethodPut {
		m.FriendlyName = in.FriendlyName
	}
	if in.DefaultTableExpirationMs != 0 || r.Method == http.MethodPut {
		m.DefaultTableExpirationMs = in.DefaultTableExpirationMs
	}
	if in.Labels != nil {
		if m.Labels == nil || r.Method == http.MethodPut {
			m.Labels = map[string]string{}
		}
		for k, v := range in.Labels {
			m.Labels[k] = v
		}
	}
	if in.Access != nil {
		m.Access = in.Access
	}
	m.LastModifiedTime = s.now().UnixMilli()
	m.Etag = fmt.Sprintf("etag-%d", s.nextID())
	writeJSON(w, http.StatusOK, s.datasetResource(r.PathValue("project"), m))
}

func (s *Server) deleteDataset(w http.ResponseWriter, r *http.Request) {
	project, id := r.PathValue("project"), r.PathValue("dataset")
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookupDataset(project, id)
	if err != nil {
		writeError(w, err)
		return
	}
	if len(d.tables) > 0 && r.URL.Query().Get("deleteContents") != "true" {
		writeError(w, errInvalid("Dataset %s:%s is still in use", project, id))
		return
	}
	if _, err := s.db.ExecContext(r.Context(), "DROP SCHEMA "+quoteIdent(project)+"."+quoteIdent(id)+" CASCADE"); err != nil {
		writeError(w, err)
		return
	}
	delete(s.datasets, dsKey(project, id))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) tableResource(t *bq.Table) *bq.Table {
	ref := t.TableReference
	t.Kind = "bigquery#table"
	t.Id = fmt.Sprintf("%s:%s.%s", ref.ProjectId, ref.DatasetId, ref.TableId)
	t.SelfLink = fmt.Sprintf("http://%s/bigquery/v2/projects/%s/datasets/%s/tables/%s", s.Addr, ref.ProjectId, ref.DatasetId, ref.TableId)
	if t.Location == "" {
		t.Location = defaultLocation
	}
	return t
}

func (s *Server) insertTable(w http.ResponseWriter, r *http.Request) {
	project, ds := r.PathValue("project"), r.PathValue("dataset")
	var t bq.Table
	if err := decode(r, &t); err != nil {
		writeError(w, err)
		return
	}
	if t.TableReference == nil || t.TableReference.TableId == "" {
		writeError(w, errInvalid("Required parameter is missing: tableReference.tableId"))
		return
	}
	t.TableReference.ProjectId, t.TableReference.DatasetId = project, ds
	out, err := s.createTable(r.Context(), &t)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// createTable creates a table (or view) from its resource.
func (s *Server) createTable(ctx context.Context, t *bq.Table) (*bq.Table, error) {
	ref := t.TableReference
	if !reTableID.MatchString(ref.TableId) {
		return nil, errInvalid("Invalid table ID %q.", ref.TableId)
	}
	if t.Schema == nil {
		t.Schema = &bq.TableSchema{}
	}
	if err := normalizeSchema(t.Schema.Fields, ""); err != nil {
		return nil, err
	}
	if t.View == nil && len(t.Schema.Fields) == 0 && t.ExternalDataConfiguration == nil {
		// Production allows schemaless tables; the engine needs a column.
		t.Schema.Fields = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.lookupDataset(ref.ProjectId, ref.DatasetId)
	if err != nil {
		return nil, err
	}
	if _, ok := d.tables[ref.TableId]; ok {
		return nil, errDuplicate("Table %s:%s.%s", ref.ProjectId, ref.DatasetId, ref.TableId)
	}
	name := engineName(ref.ProjectId, ref.DatasetId, ref.TableId)
	if t.View != nil && t.View.Query != "" {
		res, err := rewrite(t.View.Query, rewriteOpts{now: s.now()})
		if err != nil {
			return nil, err
		}
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "USE "+quoteIdent(ref.ProjectId)+"."+quoteIdent(ref.DatasetId)); err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, "CREATE VIEW "+name+" AS "+res.sql); err != nil {
			return nil, queryError(err)
		}
		fields, err := describe(ctx, conn, "SELECT * FROM "+name)
		if err != nil {
			return nil, queryError(err)
		}
		t.Schema.Fields = fields
		t.Type = "VIEW"
	} else {
		var cols []string
		for _, f := range t.Schema.Fields {
			cols = append(cols, quoteIdent(f.Name)+" "+duckType(f))
		}
		if len(cols) == 0 {
			cols = []string{`"_empty" BOOLEAN`}
		}
		if _, err := s.db.ExecContext(ctx, "CREATE TABLE "+name+" ("+strings.Join(cols, ", ")+")"); err != nil {
			return nil, fmt.Errorf("create table: %w", err)
		}
		if t.Type == "" {
			t.Type = "TABLE"
		}
	}
	now := s.now().UnixMilli()
	t.CreationTime, t.LastModifiedTime = now, uint64(now)
	t.Etag = fmt.Sprintf("etag-%d", s.nextID())
	d.tables[ref.TableId] = &table{meta: t}
	return s.tableResource(t), nil
}

// queryer is *sql.DB or *sql.Conn.
type queryer interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

// describe returns the BigQuery schema of a query's result.
func describe(ctx context.Context, q queryer, sqlText string) ([]*bq.TableFieldSchema, error) {
	rows, err := q.QueryContext(ctx, "DESCRIBE "+sqlText)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var fields []*bq.TableFieldSchema
	cols, _ := rows.Columns()
	anon := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		name, _ := vals[0].(string)
		typ, _ := vals[1].(string)
		name = bqColumnName(name, &anon)
		f, err := fieldFromDuck(name, typ)
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
	return fields, rows.Err()
}

func (s *Server) getTable(w http.ResponseWriter, r *http.Request) {
	project, ds, id := r.PathValue("project"), r.PathValue("dataset"), r.PathValue("table")
	s.mu.Lock()
	t, err := s.lookupTable(project, ds, id)
	if err != nil {
		s.mu.Unlock()
		writeError(w, err)
		return
	}
	m := *t.meta
	s.mu.Unlock()
	if m.Type == "TABLE" {
		var n int64
		if err := s.db.QueryRowContext(r.Context(), "SELECT count(*) FROM "+engineName(project, ds, m.TableReference.TableId)).Scan(&n); err == nil {
			m.NumRows = uint64(n)
			m.ForceSendFields = append(m.ForceSendFields, "NumRows", "NumBytes")
		}
	}
	writeJSON(w, http.StatusOK, s.tableResource(&m))
}

func (s *Server) listTables(w http.ResponseWriter, r *http.Request) {
	project, ds := r.PathValue("project"), r.PathValue("dataset")
	s.mu.Lock()
	d, err := s.lookupDataset(project, ds)
	if err != nil {
		s.mu.Unlock()
		writeError(w, err)
		return
	}
	var ids []string
	for id := range d.tables {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var items []*bq.TableListTables
	for _, id := range ids {
		m := d.tables[id].meta
		items = append(items, &bq.TableListTables{
			Kind: "bigquery#table", Id: fmt.Sprintf("%s:%s.%s", project, ds, id), TableReference: m.TableReference,
			Type: m.Type, Labels: m.Labels, FriendlyName: m.FriendlyName, TimePartitioning: m.TimePartitioning,
			Clustering: m.Clustering, CreationTime: m.CreationTime, ExpirationTime: m.ExpirationTime,
		})
	}
	s.mu.Unlock()
	page, next := paginate(items, r)
	writeJSON(w, http.StatusOK, &bq.TableList{Kind: "bigquery#tableList", Tables: page, NextPageToken: next, TotalItems: int64(len(items))})
}

func (s *Server) patchTable(w http.ResponseWriter, r *http.Request) {
	project, ds, id := r.PathValue("project"), r.PathValue("dataset"), r.PathValue("table")
	var in bq.Table
	if err := decode(r, &in); err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookupTable(project, ds, id)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.checkEtag(r, t.meta.Etag); err != nil {
		writeError(w, err)
		return
	}
	m := t.meta
	if in.Schema != nil && t.meta.Type == "TABLE" {
		if err := normalizeSchema(in.Schema.Fields, ""); err != nil {
			writeError(w, err)
			return
		}
		add, err := schemaAdditions(m.Schema.Fields, in.Schema.Fields)
		if err != nil {
			writeError(w, err)
			return
		}
		for _, f := range add {
			if _, err := s.db.ExecContext(r.Context(), "ALTER TABLE "+engineName(project, ds, id)+" ADD COLUMN "+quoteIdent(f.Name)+" "+duckType(f)); err != nil {
				writeError(w, err)
				return
			}
		}
		m.Schema = in.Schema
	}
	if in.Description != "" || r.Method == http.MethodPut {
		m.Description = in.Description
	}
	if in.FriendlyName != "" || r.Method == http.MethodPut {
		m.FriendlyName = in.FriendlyName
	}
	if in.ExpirationTime != 0 || r.Method == http.MethodPut {
		m.ExpirationTime = in.ExpirationTime
	}
	if in.Labels != nil {
		m.Labels = in.Labels
	}
	if in.TimePartitioning != nil {
		m.TimePartitioning = in.TimePartitioning
	}
	if in.Clustering != nil {
		m.Clustering = in.Clustering
	}
	m.LastModifiedTime = uint64(s.now().UnixMilli())
	m.Etag = fmt.Sprintf("etag-%d", s.nextID())
	writeJSON(w, http.StatusOK, s.tableResource(m))
}

// schemaAdditions checks a schema update the way production does (existing
// columns keep their types; REQUIRED may relax to NULLABLE; new columns are
// NULLABLE or REPEATED) and returns the new top-level columns.
func schemaAdditions(old, upd []*bq.TableFieldSchema) ([]*bq.TableFieldSchema, error) {
	byName := map[string]*bq.TableFieldSchema{}
	for _, f := range upd {
		byName[strings.ToLower(f.Name)] = f
	}
	for _, f := range old {
		n, ok := byName[strings.ToLower(f.Name)]
		if !ok {
			return nil, errInvalid("Provided Schema does not match Table. Field %s is missing in new schema", f.Name)
		}
		if n.Type != f.Type {
			return nil, errInvalid("Provided Schema does not match Table. Field %s has changed type from %s to %s", f.Name, f.Type, n.Type)
		}
		if n.Mode != f.Mode && !(f.Mode == modeRequired && n.Mode == modeNullable) {
			return nil, errInvalid("Provided Schema does not match Table. Field %s has changed mode from %s to %s", f.Name, f.Mode, n.Mode)
		}
		if f.Type == tRecord && len(n.Fields) != len(f.Fields) {
			return nil, errInvalid("Adding fields to RECORD %s is not supported by the emulator", f.Name)
		}
		delete(byName, strings.ToLower(f.Name))
	}
	var add []*bq.TableFieldSchema
	for _, f := range upd {
		if _, ok := byName[strings.ToLower(f.Name)]; !ok {
			continue
		}
		if f.Mode == modeRequired {
			return nil, errInvalid("Provided Schema does not match Table. Cannot add required field %s", f.Name)
		}
		add = append(add, f)
	}
	return add, nil
}

func (s *Server) deleteTable(w http.ResponseWriter, r *http.Request) {
	project, ds, id := r.PathValue("project"), r.PathValue("dataset"), r.PathValue("table")
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookupTable(project, ds, id)
	if err != nil {
		writeError(w, err)
		return
	}
	kind := "TABLE"
	if t.meta.Type == "VIEW" {
		kind = "VIEW"
	}
	if _, err := s.db.ExecContext(r.Context(), "DROP "+kind+" IF EXISTS "+engineName(project, ds, id)); err != nil {
		writeError(w, err)
		return
	}
	delete(s.datasets[dsKey(project, ds)].tables, id)
	w.WriteHeader(http.StatusNoContent)
}

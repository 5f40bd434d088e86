package bigquery

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	bq "google.golang.org/api/bigquery/v2"
)

// defaultPageRows bounds a result page when the caller sets no maxResults
// (production bounds pages by 10 MB instead).
const defaultPageRows = 10000

// defaultWait is how long jobs.query and getQueryResults wait for a job
// when the request sets no timeoutMs (production's default is 10 s).
const defaultWait = 10 * time.Second

// job is a query job and, once done, its result.
type job struct {
	ref     *bq.JobReference
	config  *bq.JobConfiguration
	created time.Time
	started time.Time
	ended   time.Time
	done    chan struct{}
	cancel  context.CancelFunc

	// Set before done is closed.
	err *apiError
	res *result
}

// result is a finished statement.
type result struct {
	statementType string
	fields        []*bq.TableFieldSchema
	rows          [][]any // engine values
	affected      int64
	dml           bool
}

// qparam mirrors QueryParameter with nullable values, which the generated
// types cannot tell apart from empty strings.
type qparam struct {
	Name           string   `json:"name"`
	ParameterType  *qptype  `json:"parameterType"`
	ParameterValue *qpvalue `json:"parameterValue"`
}

type qptype struct {
	Type        string  `json:"type"`
	ArrayType   *qptype `json:"arrayType"`
	StructTypes []struct {
		Name string  `json:"name"`
		Type *qptype `json:"type"`
	} `json:"structTypes"`
}

type qpvalue struct {
	Value        *string             `json:"value"`
	ArrayValues  []*qpvalue          `json:"arrayValues"`
	StructValues map[string]*qpvalue `json:"structValues"`
}

// paramField turns a parameter type into the field whose literal renders it.
func paramField(name string, t *qptype) (*bq.TableFieldSchema, error) {
	if t == nil {
		return nil, errQuery(fmt.Sprintf("Query parameter '%s' has no type", name))
	}
	switch strings.ToUpper(t.Type) {
	case "ARRAY":
		elem, err := paramField(name, t.ArrayType)
		if err != nil {
			return nil, err
		}
		if elem.Mode == modeRepeated {
			return nil, errQuery("Arrays of arrays are not supported")
		}
		elem.Mode = modeRepeated
		return elem, nil
	case "STRUCT", "RECORD":
		f := &bq.TableFieldSchema{Name: name, Type: tRecord, Mode: modeNullable}
		for i, st := range t.StructTypes {
			fn := st.Name
			if fn == "" {
				fn = fmt.Sprintf("_field_%d", i+1)
			}
			sub, err := paramField(fn, st.Type)
			if err != nil {
				return nil, err
			}
			f.Fields = append(f.Fields, sub)
		}
		return f, nil
	}
	ct, ok := canonicalType(t.Type)
	if !ok || ct == tRecord {
		return nil, errQuery(fmt.Sprintf("Unsupported query parameter type %s", t.Type))
	}
	return &bq.TableFieldSchema{Name: name, Type: ct, Mode: modeNullable}, nil
}

// paramValue converts a parameter value to the JSON-like form literal takes.
func paramValue(f *bq.TableFieldSchema, v *qpvalue) any {
	if v == nil {
		return nil
	}
	if f.Mode == modeRepeated {
		elem := *f
		elem.Mode = modeNullable
		out := make([]any, 0, len(v.ArrayValues))
		for _, e := range v.ArrayValues {
			out = append(out, paramValue(&elem, e))
		}
		return out
	}
	if f.Type == tRecord {
		if v.StructValues == nil {
			return nil
		}
		m := map[string]any{}
		for _, sf := range f.Fields {
			m[sf.Name] = paramValue(sf, v.StructValues[sf.Name])
		}
		return m
	}
	if v.Value == nil {
		return nil
	}
	return *v.Value
}

// paramLiterals renders query parameters as engine literals.
func paramLiterals(params []qparam) (map[string]string, []string, error) {
	named := map[string]string{}
	var positional []string
	for i, p := range params {
		label := p.Name
		if label == "" {
			label = fmt.Sprintf("#%d", i+1)
		}
		f, err := paramField(label, p.ParameterType)
		if err != nil {
			return nil, nil, err
		}
		lit, err := literal(f, paramValue(f, p.ParameterValue), label, false)
		if err != nil {
			return nil, nil, errQuery(fmt.Sprintf("Invalid value for query parameter %s: %v", label, err))
		}
		if p.Name == "" {
			positional = append(positional, lit)
		} else {
			named[strings.ToUpper(p.Name)] = lit
		}
	}
	return named, positional, nil
}

// statement is one query to run.
type statement struct {
	project    string
	defaultDS  *bq.DatasetReference
	sql        string
	params     []qparam
	legacy     bool
	dryRun     bool
	dest       *bq.TableReference
	writeDisp  string
	createDisp string
}

// conn returns an engine connection whose default catalog (and schema) are
// the statement's project (and default dataset), so unqualified
// dataset.table names resolve as BigQuery resolves them.
func (s *Server) conn(ctx context.Context, st *statement) (*sql.Conn, error) {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	use := "memory"
	s.mu.Lock()
	if st.defaultDS != nil && st.defaultDS.DatasetId != "" {
		p := st.defaultDS.ProjectId
		if p == "" {
			p = st.project
		}
		if _, err := s.lookupDataset(p, st.defaultDS.DatasetId); err != nil {
			s.mu.Unlock()
			c.Close()
			return nil, err
		}
		use = quoteIdent(p) + "." + quoteIdent(st.defaultDS.DatasetId)
	} else if s.attached[st.project] {
		use = quoteIdent(st.project)
	}
	s.mu.Unlock()
	if _, err := c.ExecContext(ctx, "USE "+use); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// execute runs a statement to completion.
func (s *Server) execute(ctx context.Context, st *statement) (*result, error) {
	if st.legacy {
		return nil, errInvalid("Legacy SQL is not supported by the emulator; set useLegacySql to false")
	}
	named, positional, err := paramLiterals(st.params)
	if err != nil {
		return nil, err
	}
	rw, err := rewrite(st.sql, rewriteOpts{now: s.now(), named: named, positional: positional})
	if err != nil {
		return nil, err
	}
	c, err := s.conn(ctx, st)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	res := &result{statementType: rw.statementType}
	if st.dryRun {
		if rw.statementType == "SELECT" {
			res.fields, err = describe(ctx, c, rw.sql)
			if err != nil {
				return nil, queryError(err)
			}
			return res, nil
		}
		stmt, err := c.PrepareContext(ctx, rw.sql)
		if err != nil {
			return nil, queryError(err)
		}
		stmt.Close()
		return res, nil
	}
	if st.dest != nil {
		return s.executeInto(ctx, c, st, rw, res)
	}
	rows, err := c.QueryContext(ctx, rw.sql)
	if err != nil {
		return nil, queryError(err)
	}
	defer rows.Close()
	switch rw.statementType {
	case "INSERT", "UPDATE", "DELETE", "MERGE":
		res.dml = true
		for rows.Next() {
			var n any
			if err := rows.Scan(&n); err == nil {
				res.affected, _ = strconv.ParseInt(fmt.Sprint(n), 10, 64)
			}
		}
		return res, queryErrOrNil(rows.Err())
	}
	if err := readRows(rows, res); err != nil {
		return nil, err
	}
	if strings.HasPrefix(rw.statementType, "CREATE_") || strings.HasPrefix(rw.statementType, "DROP_") || strings.HasPrefix(rw.statementType, "ALTER_") {
		res.fields, res.rows = nil, nil
		if err := s.syncCatalog(ctx); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func queryErrOrNil(err error) error {
	if err == nil {
		return nil
	}
	return queryError(err)
}

// readRows materialises a result set and its BigQuery schema.
func readRows(rows *sql.Rows, res *result) error {
	cts, err := rows.ColumnTypes()
	if err != nil {
		return queryError(err)
	}
	anon := 0
	for _, ct := range cts {
		f, err := fieldFromDuck(bqColumnName(ct.Name(), &anon), ct.DatabaseTypeName())
		if err != nil {
			return err
		}
		res.fields = append(res.fields, f)
	}
	for rows.Next() {
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return queryError(err)
		}
		res.rows = append(res.rows, vals)
	}
	return queryErrOrNil(rows.Err())
}

// bqColumnName names a result column as BigQuery would: expressions
// without an alias (whose engine names are not identifiers) become f0_, f1_, ….
func bqColumnName(name string, anon *int) string {
	if validFieldName(name) && !isLiteralName(name) {
		return name
	}
	n := fmt.Sprintf("f%d_", *anon)
	*anon++
	return n
}

func isLiteralName(n string) bool {
	switch strings.ToUpper(n) {
	case "TRUE", "FALSE", "NULL":
		return true
	}
	return false
}

// executeInto runs a SELECT into a destination table, honouring the
// write and create dispositions.
func (s *Server) executeInto(ctx context.Context, c *sql.Conn, st *statement, rw rewriteResult, res *result) (*result, error) {
	if rw.statementType != "SELECT" {
		return nil, errInvalid("Cannot set destination table for %s statements", rw.statementType)
	}
	d := st.dest
	if d.ProjectId == "" {
		d.ProjectId = st.project
	}
	name := engineName(d.ProjectId, d.DatasetId, d.TableId)
	s.mu.Lock()
	_, dsErr := s.lookupDataset(d.ProjectId, d.DatasetId)
	t, tErr := s.lookupTable(d.ProjectId, d.DatasetId, d.TableId)
	s.mu.Unlock()
	if dsErr != nil {
		return nil, dsErr
	}
	fields, err := describe(ctx, c, rw.sql)
	if err != nil {
		return nil, queryError(err)
	}
	aliases := make([]string, len(fields))
	for i, f := range fields {
		aliases[i] = quoteIdent(f.Name)
	}
	src := "SELECT * FROM (" + rw.sql + ") AS _src(" + strings.Join(aliases, ", ") + ")"
	var sqlText string
	switch {
	case tErr != nil && st.createDisp == "CREATE_NEVER":
		return nil, tErr
	case tErr != nil || st.writeDisp == "WRITE_TRUNCATE":
		sqlText = "CREATE OR REPLACE TABLE " + name + " AS " + src
	case st.writeDisp == "WRITE_APPEND":
		sqlText = "INSERT INTO " + name + " BY NAME " + src
	default: // WRITE_EMPTY
		var n int64
		if err := c.QueryRowContext(ctx, "SELECT count(*) FROM "+name).Scan(&n); err != nil {
			return nil, queryError(err)
		}
		if n > 0 {
			return nil, errDuplicate("Table %s:%s.%s", d.ProjectId, d.DatasetId, d.TableId)
		}
		sqlText = "INSERT INTO " + name + " BY NAME " + src
	}
	if _, err := c.ExecContext(ctx, sqlText); err != nil {
		return nil, queryError(err)
	}
	rows, err := c.QueryContext(ctx, "SELECT * FROM "+name)
	if err != nil {
		return nil, queryError(err)
	}
	defer rows.Close()
	if err := readRows(rows, res); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ds, err := s.lookupDataset(d.ProjectId, d.DatasetId)
	if err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	if tErr != nil || st.writeDisp == "WRITE_TRUNCATE" {
		meta := &bq.Table{TableReference: &bq.TableReference{ProjectId: d.ProjectId, DatasetId: d.DatasetId, TableId: d.TableId},
			Schema: &bq.TableSchema{Fields: res.fields}, Type: "TABLE", CreationTime: now}
		if t != nil {
			meta.CreationTime = t.meta.CreationTime
			meta.TimePartitioning, meta.Clustering, meta.Labels, meta.Description = t.meta.TimePartitioning, t.meta.Clustering, t.meta.Labels, t.meta.Description
		}
		t = &table{meta: meta}
		ds.tables[d.TableId] = t
	}
	t.meta.LastModifiedTime = uint64(now)
	t.meta.Etag = fmt.Sprintf("etag-%d", s.nextID())
	// Rows come back with the table's own schema (JSON, GEOGRAPHY, modes).
	if len(t.meta.Schema.Fields) == len(res.fields) {
		res.fields = t.meta.Schema.Fields
	}
	return res, nil
}

// syncCatalog registers tables that DDL statements created and forgets
// those they dropped.
func (s *Server) syncCatalog(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT database_name, schema_name, table_name, 'TABLE' FROM duckdb_tables() WHERE NOT internal
		UNION ALL SELECT database_name, schema_name, view_name, 'VIEW' FROM duckdb_views() WHERE NOT internal`)
	if err != nil {
		return err
	}
	type ent struct{ p, d, t, kind string }
	var found []ent
	for rows.Next() {
		var e ent
		if err := rows.Scan(&e.p, &e.d, &e.t, &e.kind); err != nil {
			rows.Close()
			return err
		}
		found = append(found, e)
	}
	rows.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, e := range found {
		ds, ok := s.datasets[dsKey(e.p, e.d)]
		if !ok {
			continue
		}
		seen[e.p+":"+e.d+"."+e.t] = true
		name := engineName(e.p, e.d, e.t)
		fields, err := describe(ctx, s.db, "SELECT * FROM "+name)
		if err != nil {
			return err
		}
		if t, ok := ds.tables[e.t]; ok {
			if sameColumns(t.meta.Schema.Fields, fields) {
				continue
			}
			t.meta.Schema = &bq.TableSchema{Fields: fields}
			t.meta.LastModifiedTime = uint64(s.now().UnixMilli())
			continue
		}
		now := s.now().UnixMilli()
		ds.tables[e.t] = &table{meta: &bq.Table{
			TableReference: &bq.TableReference{ProjectId: e.p, DatasetId: e.d, TableId: e.t},
			Schema:         &bq.TableSchema{Fields: fields}, Type: e.kind, CreationTime: now, LastModifiedTime: uint64(now),
			Etag: fmt.Sprintf("etag-%d", s.nextID()),
		}}
	}
	for _, ds := range s.datasets {
		ref := ds.meta.DatasetReference
		for id := range ds.tables {
			if !seen[ref.ProjectId+":"+ref.DatasetId+"."+id] {
				delete(ds.tables, id)
			}
		}
	}
	return nil
}

func sameColumns(a, b []*bq.TableFieldSchema) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i].Name, b[i].Name) {
			return false
		}
	}
	return true
}

func newJobID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "job_" + hex.EncodeToString(b)
}

func jobKey(project, id string) string { return project + ":" + id }

// start registers and launches a job.
func (s *Server) start(ref *bq.JobReference, cfg *bq.JobConfiguration, st *statement) (*job, error) {
	ctx, cancel := context.WithCancel(context.Background())
	j := &job{ref: ref, config: cfg, created: s.now(), done: make(chan struct{}), cancel: cancel}
	s.mu.Lock()
	if _, dup := s.jobs[jobKey(ref.ProjectId, ref.JobId)]; dup {
		s.mu.Unlock()
		cancel()
		return nil, errDuplicate("Job %s:%s.%s", ref.ProjectId, ref.Location, ref.JobId)
	}
	if !st.dryRun {
		s.jobs[jobKey(ref.ProjectId, ref.JobId)] = j
	}
	s.mu.Unlock()
	go func() {
		defer cancel()
		j.started = s.now()
		res, err := s.execute(ctx, st)
		j.ended = s.now()
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				ae = queryError(err)
			}
			j.err = ae
		} else {
			j.res = res
		}
		close(j.done)
	}()
	return j, nil
}

func (j *job) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-j.done:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (j *job) isDone() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

// resource renders the job as jobs.get returns it.
func (s *Server) jobResource(j *job) *bq.Job {
	out := &bq.Job{
		Kind:          "bigquery#job",
		Id:            fmt.Sprintf("%s:%s.%s", j.ref.ProjectId, j.ref.Location, j.ref.JobId),
		SelfLink:      fmt.Sprintf("http://%s/bigquery/v2/projects/%s/jobs/%s?location=%s", s.Addr, j.ref.ProjectId, j.ref.JobId, j.ref.Location),
		JobReference:  j.ref,
		Configuration: j.config,
		Status:        &bq.JobStatus{State: "RUNNING"},
		Statistics:    &bq.JobStatistics{CreationTime: j.created.UnixMilli(), StartTime: j.created.UnixMilli()},
		UserEmail:     "emulator@localhost",
	}
	if !j.isDone() {
		return out
	}
	out.Status.State = "DONE"
	out.Statistics.StartTime = j.started.UnixMilli()
	out.Statistics.EndTime = j.ended.UnixMilli()
	out.Statistics.ForceSendFields = []string{"TotalBytesProcessed"}
	if j.err != nil {
		ep := j.err.proto()
		out.Status.ErrorResult = &bq.ErrorProto{Reason: ep.Reason, Location: ep.Location, Message: ep.Message}
		out.Status.Errors = []*bq.ErrorProto{out.Status.ErrorResult}
		return out
	}
	q := &bq.JobStatistics2{StatementType: j.res.statementType, ForceSendFields: []string{"TotalBytesProcessed", "TotalBytesBilled", "CacheHit"}}
	if j.res.dml {
		q.NumDmlAffectedRows = j.res.affected
		q.ForceSendFields = append(q.ForceSendFields, "NumDmlAffectedRows")
		q.DmlStats = dmlStats(j.res)
	}
	if j.config != nil && j.config.DryRun {
		q.Schema = &bq.TableSchema{Fields: j.res.fields}
		q.TotalBytesProcessedAccuracy = "PRECISE"
	}
	out.Statistics.Query = q
	return out
}

func dmlStats(r *result) *bq.DmlStatistics {
	st := &bq.DmlStatistics{}
	switch r.statementType {
	case "INSERT":
		st.InsertedRowCount = r.affected
	case "DELETE":
		st.DeletedRowCount = r.affected
	default:
		st.UpdatedRowCount = r.affected
	}
	st.ForceSendFields = []string{"InsertedRowCount", "DeletedRowCount", "UpdatedRowCount"}
	return st
}

func (s *Server) insertJob(w http.ResponseWriter, r *http.Request) {
	project := r.PathValue("project")
	var in bq.Job
	var raw struct {
		Configuration struct {
			Query struct {
				QueryParameters []qparam `json:"queryParameters"`
			} `json:"query"`
		} `json:"configuration"`
	}
	if err := decode(r, &in, &raw); err != nil {
		writeError(w, err)
		return
	}
	if in.Configuration == nil || in.Configuration.Query == nil {
		writeError(w, errInvalid("Only query jobs are supported by the emulator"))
		return
	}
	q := in.Configuration.Query
	if in.JobReference == nil {
		in.JobReference = &bq.JobReference{}
	}
	ref := in.JobReference
	ref.ProjectId = project
	if ref.JobId == "" {
		ref.JobId = newJobID()
	}
	if ref.Location == "" {
		ref.Location = defaultLocation
	}
	st := &statement{
		project: project, defaultDS: q.DefaultDataset, sql: q.Query, params: raw.Configuration.Query.QueryParameters,
		legacy: q.UseLegacySql != nil && *q.UseLegacySql, dryRun: in.Configuration.DryRun,
		dest: q.DestinationTable, writeDisp: q.WriteDisposition, createDisp: q.CreateDisposition,
	}
	if st.dest != nil && st.writeDisp == "" {
		st.writeDisp = "WRITE_EMPTY"
	}
	j, err := s.start(ref, in.Configuration, st)
	if err != nil {
		writeError(w, err)
		return
	}
	// Most statements finish at once; reporting them DONE saves polling.
	j.wait(r.Context(), 5*time.Second)
	writeJSON(w, http.StatusOK, s.jobResource(j))
}

func (s *Server) findJob(project, id string) (*job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[jobKey(project, id)]
	if !ok {
		return nil, errNotFound("Job %s:%s.%s", project, defaultLocation, id)
	}
	return j, nil
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.findJob(r.PathValue("project"), r.PathValue("job"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.jobResource(j))
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.findJob(r.PathValue("project"), r.PathValue("job"))
	if err != nil {
		writeError(w, err)
		return
	}
	j.cancel()
	j.wait(r.Context(), 5*time.Second)
	writeJSON(w, http.StatusOK, &bq.JobCancelResponse{Kind: "bigquery#jobCancelResponse", Job: s.jobResource(j)})
}

func (s *Server) deleteJob(w http.ResponseWriter, r *http.Request) {
	project, id := r.PathValue("project"), r.PathValue("job")
	if _, err := s.findJob(project, id); err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	delete(s.jobs, jobKey(project, id))
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	project := r.PathValue("project")
	s.mu.Lock()
	var js []*job
	for _, j := range s.jobs {
		if j.ref.ProjectId == project {
			js = append(js, j)
		}
	}
	s.mu.Unlock()
	sort.Slice(js, func(a, b int) bool { return js[a].created.After(js[b].created) })
	var items []*bq.JobListJobs
	for _, j := range js {
		jr := s.jobResource(j)
		items = append(items, &bq.JobListJobs{
			Kind: jr.Kind, Id: jr.Id, JobReference: jr.JobReference, Configuration: jr.Configuration,
			Status: jr.Status, Statistics: jr.Statistics, State: jr.Status.State, ErrorResult: jr.Status.ErrorResult,
			UserEmail: jr.UserEmail,
		})
	}
	page, next := paginate(items, r)
	writeJSON(w, http.StatusOK, &bq.JobList{Kind: "bigquery#jobList", Jobs: page, NextPageToken: next})
}

// query is jobs.query: run a statement and return its first page.
func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	project := r.PathValue("project")
	var in bq.QueryRequest
	var raw struct {
		QueryParameters []qparam `json:"queryParameters"`
	}
	if err := decode(r, &in, &raw); err != nil {
		writeError(w, err)
		return
	}
	if strings.TrimSpace(in.Query) == "" {
		writeError(w, errInvalid("Required parameter is missing: query"))
		return
	}
	loc := in.Location
	if loc == "" {
		loc = defaultLocation
	}
	ref := &bq.JobReference{ProjectId: project, JobId: newJobID(), Location: loc}
	cfg := &bq.JobConfiguration{DryRun: in.DryRun, JobType: "QUERY", Query: &bq.JobConfigurationQuery{
		Query: in.Query, DefaultDataset: in.DefaultDataset, UseLegacySql: in.UseLegacySql, QueryParameters: in.QueryParameters,
		ParameterMode: in.ParameterMode,
	}}
	st := &statement{project: project, defaultDS: in.DefaultDataset, sql: in.Query, params: raw.QueryParameters,
		legacy: in.UseLegacySql != nil && *in.UseLegacySql, dryRun: in.DryRun}
	j, err := s.start(ref, cfg, st)
	if err != nil {
		writeError(w, err)
		return
	}
	wait := defaultWait
	if in.TimeoutMs > 0 {
		wait = time.Duration(in.TimeoutMs) * time.Millisecond
	}
	resp := &bq.QueryResponse{Kind: "bigquery#queryResponse", JobReference: ref, QueryId: ref.JobId}
	if !j.wait(r.Context(), wait) {
		resp.ForceSendFields = []string{"JobComplete"}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	if j.err != nil {
		writeError(w, j.err)
		return
	}
	int64TS := in.FormatOptions != nil && in.FormatOptions.UseInt64Timestamp
	max := int64(-1)
	if in.MaxResults > 0 {
		max = in.MaxResults
	}
	page, err := s.page(j.res, 0, max, int64TS)
	if err != nil {
		writeError(w, err)
		return
	}
	resp.JobComplete = true
	resp.Schema = &bq.TableSchema{Fields: j.res.fields}
	resp.Rows = page.rows
	resp.PageToken = page.token
	resp.TotalRows = uint64(len(j.res.rows))
	resp.ForceSendFields = []string{"JobComplete", "TotalRows", "TotalBytesProcessed", "CacheHit"}
	if j.res.dml {
		resp.NumDmlAffectedRows = j.res.affected
		resp.DmlStats = dmlStats(j.res)
		resp.ForceSendFields = append(resp.ForceSendFields, "NumDmlAffectedRows")
	}
	if in.DryRun {
		resp.Rows, resp.PageToken = nil, ""
	}
	writeJSON(w, http.StatusOK, resp)
}

type pageOut struct {
	rows  []*bq.TableRow
	token string
}

// page renders rows [start, start+max) of a result; max < 0 means the
// default page size.
func (s *Server) page(res *result, start, max int64, int64TS bool) (pageOut, error) {
	if max < 0 {
		max = defaultPageRows
	}
	n := int64(len(res.rows))
	if start > n {
		start = n
	}
	end := start + max
	if end > n {
		end = n
	}
	var out pageOut
	out.rows = make([]*bq.TableRow, 0, end-start)
	for _, row := range res.rows[start:end] {
		tr, err := encodeRow(row, res.fields, int64TS)
		if err != nil {
			return out, err
		}
		out.rows = append(out.rows, tr)
	}
	if end < n {
		out.token = strconv.FormatInt(end, 10)
	}
	return out, nil
}

func encodeRow(row []any, fields []*bq.TableFieldSchema, int64TS bool) (*bq.TableRow, error) {
	tr := &bq.TableRow{F: make([]*bq.TableCell, len(fields))}
	for i, f := range fields {
		v, err := encodeCell(row[i], f, int64TS)
		if err != nil {
			return nil, err
		}
		tr.F[i] = &bq.TableCell{V: v, ForceSendFields: []string{"V"}}
	}
	return tr, nil
}

// pageArgs reads maxResults, pageToken and startIndex.
func pageArgs(r *http.Request) (start, max int64, err error) {
	q := r.URL.Query()
	max = -1
	if v := q.Get("maxResults"); v != "" {
		max, err = strconv.ParseInt(v, 10, 64)
		if err != nil || max < 0 {
			return 0, 0, errInvalid("Invalid value for maxResults: %s", v)
		}
	}
	if tok := q.Get("pageToken"); tok != "" {
		start, err = strconv.ParseInt(tok, 10, 64)
		if err != nil || start < 0 {
			return 0, 0, errInvalid("Invalid page token")
		}
		return start, max, nil
	}
	if v := q.Get("startIndex"); v != "" {
		start, err = strconv.ParseInt(v, 10, 64)
		if err != nil || start < 0 {
			return 0, 0, errInvalid("Invalid value for startIndex: %s", v)
		}
	}
	return start, max, nil
}

func (s *Server) getQueryResults(w http.ResponseWriter, r *http.Request) {
	project, id := r.PathValue("project"), r.PathValue("job")
	j, err := s.findJob(project, id)
	if err != nil {
		writeError(w, err)
		return
	}
	start, max, err := pageArgs(r)
	if err != nil {
		writeError(w, err)
		return
	}
	wait := defaultWait
	if v, err := strconv.ParseInt(r.URL.Query().Get("timeoutMs"), 10, 64); err == nil && v >= 0 {
		wait = time.Duration(v) * time.Millisecond
	}
	resp := &bq.GetQueryResultsResponse{Kind: "bigquery#getQueryResultsResponse", JobReference: j.ref}
	if !j.wait(r.Context(), wait) {
		resp.ForceSendFields = []string{"JobComplete"}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	if j.err != nil {
		writeError(w, j.err)
		return
	}
	int64TS := r.URL.Query().Get("formatOptions.useInt64Timestamp") == "true"
	page, err := s.page(j.res, start, max, int64TS)
	if err != nil {
		writeError(w, err)
		return
	}
	resp.JobComplete = true
	resp.Schema = &bq.TableSchema{Fields: j.res.fields}
	resp.Rows = page.rows
	resp.PageToken = page.token
	resp.TotalRows = uint64(len(j.res.rows))
	resp.Etag = fmt.Sprintf("%q", j.ref.JobId)
	resp.ForceSendFields = []string{"JobComplete", "TotalRows", "TotalBytesProcessed", "CacheHit"}
	if j.res.dml {
		resp.NumDmlAffectedRows = j.res.affected
		resp.ForceSendFields = append(resp.ForceSendFields, "NumDmlAffectedRows")
	}
	writeJSON(w, http.StatusOK, resp)
}

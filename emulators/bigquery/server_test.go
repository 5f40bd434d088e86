package bigquery

import (
	"errors"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
)

var eventSchema = bigquery.Schema{
	{Name: "event_id", Type: bigquery.StringFieldType, Required: true},
	{Name: "n", Type: bigquery.IntegerFieldType},
	{Name: "score", Type: bigquery.FloatFieldType},
	{Name: "ok", Type: bigquery.BooleanFieldType},
	{Name: "at", Type: bigquery.TimestampFieldType},
	{Name: "day", Type: bigquery.DateFieldType},
	{Name: "local", Type: bigquery.DateTimeFieldType},
	{Name: "clock", Type: bigquery.TimeFieldType},
	{Name: "amount", Type: bigquery.NumericFieldType},
	{Name: "big", Type: bigquery.BigNumericFieldType},
	{Name: "raw", Type: bigquery.BytesFieldType},
	{Name: "place", Type: bigquery.GeographyFieldType},
	{Name: "payload", Type: bigquery.JSONFieldType},
	{Name: "tags", Type: bigquery.StringFieldType, Repeated: true},
	{Name: "actor", Type: bigquery.RecordFieldType, Schema: bigquery.Schema{
		{Name: "id", Type: bigquery.StringFieldType},
		{Name: "roles", Type: bigquery.StringFieldType, Repeated: true},
	}},
	{Name: "items", Type: bigquery.RecordFieldType, Repeated: true, Schema: bigquery.Schema{
		{Name: "sku", Type: bigquery.StringFieldType},
		{Name: "qty", Type: bigquery.IntegerFieldType},
	}},
}

type actor struct {
	ID    string   `bigquery:"id"`
	Roles []string `bigquery:"roles"`
}

type item struct {
	SKU string `bigquery:"sku"`
	Qty int64  `bigquery:"qty"`
}

type event struct {
	EventID string             `bigquery:"event_id"`
	N       int64              `bigquery:"n"`
	Score   float64            `bigquery:"score"`
	OK      bool               `bigquery:"ok"`
	At      time.Time          `bigquery:"at"`
	Day     civil.Date         `bigquery:"day"`
	Local   civil.DateTime     `bigquery:"local"`
	Clock   civil.Time         `bigquery:"clock"`
	Amount  *big.Rat           `bigquery:"amount"`
	Big     *big.Rat           `bigquery:"big"`
	Raw     []byte             `bigquery:"raw"`
	Place   string             `bigquery:"place"`
	Payload string             `bigquery:"payload"`
	Tags    []string           `bigquery:"tags"`
	Actor   actor              `bigquery:"actor"`
	Items   []item             `bigquery:"items"`
	Extra   bigquery.NullInt64 `bigquery:"-"`
}

var t0 = time.Date(2024, 3, 5, 10, 30, 15, 123456000, time.UTC)

func sampleEvent(id string, n int64) *event {
	return &event{
		EventID: id, N: n, Score: float64(n) / 2, OK: n%2 == 0, At: t0.Add(time.Duration(n) * time.Hour),
		Day: civil.Date{Year: 2024, Month: 3, Day: 5}, Local: civil.DateTime{Date: civil.Date{Year: 2024, Month: 3, Day: 5}, Time: civil.Time{Hour: 8, Minute: 1, Second: 2}},
		Clock: civil.Time{Hour: 23, Minute: 59, Second: 1, Nanosecond: 500000000}, Amount: big.NewRat(12345, 100), Big: big.NewRat(1, 4),
		Raw: []byte{0, 1, 2, 255}, Place: "POINT(1 2)", Payload: `{"kind":"card","n":1}`, Tags: []string{"a", "b"},
		Actor: actor{ID: "u1", Roles: []string{"facilitator"}}, Items: []item{{"x", 1}, {"y", 2}},
	}
}

func TestTablesInsertAndRead(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := newClient(t, s)
	ctx := testCtx(t)
	ds := mustDataset(t, c, "analytics")
	tbl := ds.Table("events")
	if err := tbl.Create(ctx, &bigquery.TableMetadata{Schema: eventSchema,
		TimePartitioning: &bigquery.TimePartitioning{Field: "at", Type: bigquery.DayPartitioningType},
		Clustering:       &bigquery.Clustering{Fields: []string{"event_id"}}}); err != nil {
		t.Fatal(err)
	}
	// Creating again is a 409.
	err := tbl.Create(ctx, &bigquery.TableMetadata{Schema: eventSchema})
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) || gerr.Code != http.StatusConflict {
		t.Fatalf("duplicate create: %v", err)
	}

	ins := tbl.Inserter()
	savers := func() []*bigquery.StructSaver {
		var out []*bigquery.StructSaver
		for i := int64(0); i < 3; i++ {
			out = append(out, &bigquery.StructSaver{Schema: eventSchema, InsertID: "id-" + string(rune('a'+i)), Struct: sampleEvent("e"+string(rune('a'+i)), i)})
		}
		return out
	}
	for range 2 {
		if err := ins.Put(ctx, savers()); err != nil {
			t.Fatal(err)
		}
	}

	// A bad row fails with its index; the others are not written.
	bad := []bigquery.ValueSaver{
		&bigquery.ValuesSaver{Schema: bigquery.Schema{{Name: "event_id", Type: bigquery.StringFieldType}}, InsertID: "ok-1", Row: []bigquery.Value{"fine"}},
		mapSaver{"event_id": "x", "n": "not-a-number"},
	}
	err = ins.Put(ctx, bad)
	var multi bigquery.PutMultiError
	if !errors.As(err, &multi) {
		t.Fatalf("bad row: %v", err)
	}
	found := false
	for _, re := range multi {
		if re.RowIndex == 1 && len(re.Errors) > 0 && strings.Contains(re.Errors[0].(*bigquery.Error).Reason, "invalid") {
			found = true
		}
	}
	if !found {
		t.Fatalf("row errors: %v", multi)
	}

	md, err := tbl.Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if md.NumRows != 3 || md.TimePartitioning == nil || md.Clustering == nil || md.ETag == "" {
		t.Fatalf("metadata: rows=%d tp=%v cl=%v etag=%q", md.NumRows, md.TimePartitioning, md.Clustering, md.ETag)
	}
	if !reflect.DeepEqual(md.Schema[14].Schema[1].Repeated, true) || md.Schema[12].Type != bigquery.JSONFieldType {
		t.Fatalf("schema round trip: %+v", md.Schema)
	}

	// Read the table back through tabledata.list into structs.
	it := tbl.Read(ctx)
	var got []event
	for {
		var e event
		err := it.Next(&e)
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if len(got) != 3 {
		t.Fatalf("got %d rows", len(got))
	}
	want := sampleEvent("ea", 0)
	g := got[0]
	if g.EventID != want.EventID || !g.At.Equal(want.At) || g.Day != want.Day || g.Local != want.Local || g.Clock != want.Clock ||
		g.Amount.Cmp(want.Amount) != 0 || g.Big.Cmp(want.Big) != 0 || string(g.Raw) != string(want.Raw) || g.Place != want.Place ||
		!reflect.DeepEqual(g.Tags, want.Tags) || !reflect.DeepEqual(g.Actor, want.Actor) || !reflect.DeepEqual(g.Items, want.Items) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", g, *want)
	}
	if !strings.Contains(g.Payload, `"kind":"card"`) {
		t.Fatalf("json: %s", g.Payload)
	}

	// Listing and patching.
	tit := ds.Tables(ctx)
	if tb, err := tit.Next(); err != nil || tb.TableID != "events" {
		t.Fatalf("list tables: %v %v", tb, err)
	}
	upd := append(bigquery.Schema{}, md.Schema...)
	upd = append(upd, &bigquery.FieldSchema{Name: "extra", Type: bigquery.IntegerFieldType})
	md2, err := tbl.Update(ctx, bigquery.TableMetadataToUpdate{Schema: upd, Description: "events"}, md.ETag)
	if err != nil {
		t.Fatal(err)
	}
	if len(md2.Schema) != len(eventSchema)+1 || md2.Description != "events" {
		t.Fatalf("update: %+v", md2)
	}
	if _, err := tbl.Update(ctx, bigquery.TableMetadataToUpdate{Description: "stale"}, md.ETag); err == nil {
		t.Fatal("stale etag accepted")
	}
}

type mapSaver map[string]bigquery.Value

func (m mapSaver) Save() (map[string]bigquery.Value, string, error) { return m, "", nil }

func TestNotFoundAndDatasets(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := newClient(t, s)
	ctx := testCtx(t)
	_, err := c.Dataset("nope").Table("t").Metadata(ctx)
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) || gerr.Code != http.StatusNotFound || !strings.Contains(gerr.Message, "Not found: Dataset") {
		t.Fatalf("missing dataset: %v", err)
	}
	ds := mustDataset(t, c, "d1")
	_, err = ds.Table("t").Metadata(ctx)
	if !errors.As(err, &gerr) || gerr.Code != http.StatusNotFound || gerr.Message != "Not found: Table demo-test:d1.t" {
		t.Fatalf("missing table: %v", err)
	}
	if err := ds.Create(ctx, nil); !errors.As(err, &gerr) || gerr.Code != http.StatusConflict {
		t.Fatalf("duplicate dataset: %v", err)
	}
	if err := ds.Table("t").Create(ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{{Name: "a", Type: bigquery.StringFieldType}}}); err != nil {
		t.Fatal(err)
	}
	if err := ds.Delete(ctx); err == nil {
		t.Fatal("deleting a non-empty dataset succeeded")
	}
	if err := ds.DeleteWithContents(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Metadata(ctx); !errors.As(err, &gerr) || gerr.Code != http.StatusNotFound {
		t.Fatalf("deleted dataset: %v", err)
	}
	_, err = c.Query("SELECT * FROM d1.t").Read(ctx)
	if !errors.As(err, &gerr) || gerr.Code != http.StatusNotFound {
		t.Fatalf("query of missing table: %v", err)
	}
}

func TestInvalidSQL(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := newClient(t, s)
	for _, q := range []string{"SELEC 1", "SELECT 'unclosed", "SELECT nope FROM (SELECT 1 AS a)", "SELECT @missing"} {
		_, err := c.Query(q).Read(testCtx(t))
		var gerr *googleapi.Error
		if !errors.As(err, &gerr) || gerr.Code != http.StatusBadRequest || len(gerr.Errors) != 1 || gerr.Errors[0].Reason != "invalidQuery" {
			t.Fatalf("%q: %#v", q, err)
		}
	}
	// The job path reports the error in the job status.
	job, err := c.Query("SELECT syntax error here").Run(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	// Waiting reads the query results, which fail like the query did.
	if _, err := job.Wait(testCtx(t)); err == nil || !strings.Contains(err.Error(), "Syntax error") {
		t.Fatalf("wait: %v", err)
	}
	st, err := job.Status(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Err() == nil || !strings.Contains(st.Err().Error(), "Syntax error") {
		t.Fatalf("job status: %v", st.Err())
	}
}

func TestParameters(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := newClient(t, s)
	type pair struct {
		A int64  `bigquery:"a"`
		B string `bigquery:"b"`
	}
	q := c.Query("SELECT @n + 1 AS n, @s AS s, @ts AS ts, ARRAY_LENGTH(@arr) AS len, @st.b AS b, @d AS d, @nul IS NULL AS isnull, (SELECT SUM(x) FROM UNNEST(@arr) AS x) AS total")
	q.Parameters = []bigquery.QueryParameter{
		{Name: "n", Value: 41},
		{Name: "s", Value: "it's"},
		{Name: "ts", Value: t0},
		{Name: "arr", Value: []int64{1, 2, 3}},
		{Name: "st", Value: pair{A: 1, B: "bee"}},
		{Name: "d", Value: civil.Date{Year: 2020, Month: 2, Day: 29}},
		{Name: "nul", Value: bigquery.NullString{}},
	}
	rows, _ := readAll(t, q)
	want := []bigquery.Value{int64(42), "it's", t0, int64(3), "bee", civil.Date{Year: 2020, Month: 2, Day: 29}, true, int64(6)}
	if !reflect.DeepEqual(rows[0], want) {
		t.Fatalf("got %#v\nwant %#v", rows[0], want)
	}
	q = c.Query("SELECT ? * 2, ?")
	q.Parameters = []bigquery.QueryParameter{{Value: 21}, {Value: "x"}}
	rows, _ = readAll(t, q)
	if rows[0][0] != int64(42) || rows[0][1] != "x" {
		t.Fatalf("positional: %v", rows)
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := newClient(t, s)
	ctx := testCtx(t)
	q := c.Query("SELECT x, CAST(x AS STRING) AS s FROM UNNEST(GENERATE_ARRAY(1, 10000)) AS x ORDER BY x")
	it, err := q.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	it.PageInfo().MaxSize = 999
	n := int64(0)
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if row[0] != n {
			t.Fatalf("row %d: %v", n, row)
		}
	}
	if n != 10000 || it.TotalRows != 10000 {
		t.Fatalf("read %d rows, total %d", n, it.TotalRows)
	}
	// Job path with an explicit start index.
	job, err := q.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	it, err = job.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	it.StartIndex = 9990
	var row []bigquery.Value
	if err := it.Next(&row); err != nil || row[0] != int64(9991) {
		t.Fatalf("start index: %v %v", row, err)
	}
}

func TestDMLAndMerge(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := newClient(t, s)
	ctx := testCtx(t)
	mustDataset(t, c, "d")
	run := func(sql string) *bigquery.QueryStatistics {
		t.Helper()
		job, err := c.Query(sql).Run(ctx)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		st, err := job.Wait(ctx)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if st.Err() != nil {
			t.Fatalf("%s: %v", sql, st.Err())
		}
		return st.Statistics.Details.(*bigquery.QueryStatistics)
	}
	run("CREATE TABLE d.accounts (id INT64, name STRING, tags ARRAY<STRING>, meta STRUCT<tier STRING, n INT64>)")
	if st := run("INSERT d.accounts (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')"); st.NumDMLAffectedRows != 3 {
		t.Fatalf("insert: %d", st.NumDMLAffectedRows)
	}
	if st := run("UPDATE `d.accounts` SET name = UPPER(name) WHERE id >= 2"); st.NumDMLAffectedRows != 2 || st.StatementType != "UPDATE" {
		t.Fatalf("update: %+v", st)
	}
	if st := run("DELETE d.accounts WHERE id = 1"); st.NumDMLAffectedRows != 1 {
		t.Fatalf("delete: %d", st.NumDMLAffectedRows)
	}
	st := run(`MERGE d.accounts T USING (SELECT 2 AS id, 'z' AS name UNION ALL SELECT 4, 'd') S ON T.id = S.id
		WHEN MATCHED THEN UPDATE SET name = S.name
		WHEN NOT MATCHED THEN INSERT (id, name) VALUES (S.id, S.name)`)
	if st.NumDMLAffectedRows != 2 {
		t.Fatalf("merge: %d", st.NumDMLAffectedRows)
	}
	rows, _ := readAll(t, c.Query("SELECT id, name FROM `demo-test.d.accounts` ORDER BY id"))
	want := [][]bigquery.Value{{int64(2), "z"}, {int64(3), "C"}, {int64(4), "d"}}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("after merge: %v", rows)
	}
	// The DDL-created table is visible through the API.
	md, err := c.Dataset("d").Table("accounts").Metadata(ctx)
	if err != nil || len(md.Schema) != 4 || !md.Schema[2].Repeated || md.Schema[3].Type != bigquery.RecordFieldType {
		t.Fatalf("ddl table: %+v %v", md, err)
	}
}

func TestDestinationAndDryRun(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := newClient(t, s)
	ctx := testCtx(t)
	ds := mustDataset(t, c, "d")
	runTo := func(sql string, disp bigquery.TableWriteDisposition) error {
		q := c.Query(sql)
		q.Dst = ds.Table("out")
		q.WriteDisposition = disp
		job, err := q.Run(ctx)
		if err != nil {
			return err
		}
		st, err := job.Wait(ctx)
		if err != nil {
			return err
		}
		return st.Err()
	}
	if err := runTo("SELECT 1 AS a, 'x' AS b", ""); err != nil {
		t.Fatal(err)
	}
	if err := runTo("SELECT 2 AS a, 'y' AS b", bigquery.WriteEmpty); err == nil {
		t.Fatal("WRITE_EMPTY into a non-empty table succeeded")
	}
	if err := runTo("SELECT 2 AS a, 'y' AS b", bigquery.WriteAppend); err != nil {
		t.Fatal(err)
	}
	rows, _ := readAll(t, c.Query("SELECT COUNT(*) FROM d.out"))
	if rows[0][0] != int64(2) {
		t.Fatalf("append: %v", rows)
	}
	if err := runTo("SELECT 3 AS a, 'z' AS b", bigquery.WriteTruncate); err != nil {
		t.Fatal(err)
	}
	rows, _ = readAll(t, c.Query("SELECT a, b FROM d.out"))
	if !reflect.DeepEqual(rows, [][]bigquery.Value{{int64(3), "z"}}) {
		t.Fatalf("truncate: %v", rows)
	}

	q := c.Query("SELECT a, b FROM d.out")
	q.DryRun = true
	job, err := q.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	qs := job.LastStatus().Statistics.Details.(*bigquery.QueryStatistics)
	if len(qs.Schema) != 2 || qs.Schema[0].Type != bigquery.IntegerFieldType || qs.Schema[1].Name != "b" {
		t.Fatalf("dry run schema: %+v", qs.Schema)
	}
}

package bigquery

import (
	"context"
	"math/big"
	"reflect"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestFunctions(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Now: func() time.Time { return fixedNow }})
	c := newClient(t, s)
	ctx := testCtx(t)
	ds := mustDataset(t, c, "f")
	tbl := ds.Table("t")
	schema := bigquery.Schema{
		{Name: "id", Type: bigquery.IntegerFieldType},
		{Name: "ts", Type: bigquery.TimestampFieldType},
		{Name: "j", Type: bigquery.JSONFieldType},
		{Name: "arr", Type: bigquery.StringFieldType, Repeated: true},
	}
	if err := tbl.Create(ctx, &bigquery.TableMetadata{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	var rows []*bigquery.ValuesSaver
	for i := int64(1); i <= 4; i++ {
		rows = append(rows, &bigquery.ValuesSaver{Schema: schema, Row: []bigquery.Value{i, t0.Add(time.Duration(i) * time.Hour), `{"a":{"b":"x"},"n":` + string(rune('0'+i)) + `}`, []string{"p", "q"}}})
	}
	if err := tbl.Inserter().Put(ctx, rows); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sql  string
		want bigquery.Value
		typ  bigquery.FieldType
	}{
		{"SELECT COUNTIF(id > 2) FROM f.t", int64(2), bigquery.IntegerFieldType},
		{"SELECT SAFE_DIVIDE(1, 0)", nil, bigquery.FloatFieldType},
		{"SELECT SAFE_DIVIDE(3, 2)", 1.5, bigquery.FloatFieldType},
		{"SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-05 10:30:15+00', DAY)", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), bigquery.TimestampFieldType},
		{"SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-05 10:30:15+00', HOUR)", time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC), bigquery.TimestampFieldType},
		{"SELECT DATE_TRUNC(DATE '2024-03-05', MONTH)", civil.Date{Year: 2024, Month: 3, Day: 1}, bigquery.DateFieldType},
		{"SELECT DATE_TRUNC(DATE '2024-03-06', WEEK)", civil.Date{Year: 2024, Month: 3, Day: 3}, bigquery.DateFieldType},
		{"SELECT FORMAT_TIMESTAMP('%F %T', TIMESTAMP '2024-03-05 10:30:15+00')", "2024-03-05 10:30:15", bigquery.StringFieldType},
		{"SELECT FORMAT_TIMESTAMP('%Y-%m', TIMESTAMP '2024-12-31 23:59:59.999999+00')", "2024-12", bigquery.StringFieldType},
		{"SELECT FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%E6S', TIMESTAMP '1969-12-31 23:59:59.5+00')", "1969-12-31 23:59:59.500000", bigquery.StringFieldType},
		{"SELECT FORMAT_TIMESTAMP('%F %T %Z', TIMESTAMP '2024-03-05 10:30:15+00')", "2024-03-05 10:30:15 UTC", bigquery.StringFieldType},
		{"SELECT FORMAT_TIMESTAMP('%F %H', TIMESTAMP '2024-03-05 10:30:15+00', 'Asia/Jerusalem')", "2024-03-05 12", bigquery.StringFieldType},
		{"SELECT APPROX_COUNT_DISTINCT(id) FROM f.t", int64(4), bigquery.IntegerFieldType},
		{"SELECT id FROM f.t QUALIFY ROW_NUMBER() OVER (ORDER BY id DESC) = 1", int64(4), bigquery.IntegerFieldType},
		{"SELECT IFNULL(NULL, 'x')", "x", bigquery.StringFieldType},
		{`SELECT JSON_VALUE(j, '$.a.b') FROM f.t LIMIT 1`, "x", bigquery.StringFieldType},
		{`SELECT JSON_EXTRACT_SCALAR(j, '$.n') FROM f.t WHERE id = 3`, "3", bigquery.StringFieldType},
		{`SELECT JSON_VALUE(j, '$.a') FROM f.t LIMIT 1`, nil, bigquery.StringFieldType},
		{`SELECT JSON_QUERY(j, '$.a') FROM f.t LIMIT 1`, `{"b":"x"}`, bigquery.JSONFieldType},
		{"SELECT CURRENT_TIMESTAMP()", fixedNow, bigquery.TimestampFieldType},
		{"SELECT CURRENT_DATE()", civil.Date{Year: 2025, Month: 6, Day: 1}, bigquery.DateFieldType},
		{"SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-01-01 02:59:00+00', TIMESTAMP '2024-01-01 01:00:00+00', HOUR)", int64(1), bigquery.IntegerFieldType},
		{"SELECT DATE_DIFF(DATE '2024-03-01', DATE '2024-02-01', DAY)", int64(29), bigquery.IntegerFieldType},
		{"SELECT TIMESTAMP_SUB(TIMESTAMP '2024-01-01 00:00:00+00', INTERVAL 90 MINUTE)", time.Date(2023, 12, 31, 22, 30, 0, 0, time.UTC), bigquery.TimestampFieldType},
		{"SELECT TIMESTAMP_ADD(TIMESTAMP '2024-01-01 00:00:00+00', INTERVAL 2 DAY)", time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC), bigquery.TimestampFieldType},
		{"SELECT TIMESTAMP_ADD(TIMESTAMP '2024-01-01 00:00:00+00', INTERVAL MOD(7, 4) * 2 SECOND)", time.Date(2024, 1, 1, 0, 0, 6, 0, time.UTC), bigquery.TimestampFieldType},
		{"SELECT TIMESTAMP_SUB(TIMESTAMP '2024-01-01 00:00:00+00', INTERVAL (1 + 1) HOUR)", time.Date(2023, 12, 31, 22, 0, 0, 0, time.UTC), bigquery.TimestampFieldType},
		{"SELECT DATE_ADD(DATE '2024-01-31', INTERVAL 1 DAY)", civil.Date{Year: 2024, Month: 2, Day: 1}, bigquery.DateFieldType},
		{"SELECT SAFE_CAST('x' AS INT64)", nil, bigquery.IntegerFieldType},
		{"SELECT CAST('42' AS INT64)", int64(42), bigquery.IntegerFieldType},
		{"SELECT CAST(1 AS FLOAT64)", 1.0, bigquery.FloatFieldType},
		{"SELECT CAST(42 AS STRING)", "42", bigquery.StringFieldType},
		{"SELECT CAST('true' AS BOOL)", true, bigquery.BooleanFieldType},
		{"SELECT CAST('1.25' AS NUMERIC)", big.NewRat(5, 4), bigquery.NumericFieldType},
		{"SELECT ARRAY_LENGTH(GENERATE_ARRAY(1, 5))", int64(5), bigquery.IntegerFieldType},
		{"SELECT GENERATE_ARRAY(1, 3)", []bigquery.Value{int64(1), int64(2), int64(3)}, bigquery.IntegerFieldType},
		{"SELECT ARRAY_AGG(id ORDER BY id DESC LIMIT 2) FROM f.t", []bigquery.Value{int64(4), int64(3)}, bigquery.IntegerFieldType},
		{"SELECT STRING_AGG(CAST(id AS STRING), '-' ORDER BY id) FROM f.t", "1-2-3-4", bigquery.StringFieldType},
		{"SELECT ANY_VALUE(arr[OFFSET(1)]) FROM f.t", "q", bigquery.StringFieldType},
		{"SELECT LOGICAL_AND(id > 0) FROM f.t", true, bigquery.BooleanFieldType},
		{"SELECT LOGICAL_OR(id > 3) FROM f.t", true, bigquery.BooleanFieldType},
		{"SELECT EXTRACT(HOUR FROM ts) FROM f.t WHERE id = 1", int64(11), bigquery.IntegerFieldType},
		{"SELECT EXTRACT(DAYOFWEEK FROM DATE '2024-03-03')", int64(1), bigquery.IntegerFieldType},
		{"SELECT EXTRACT(YEAR FROM DATE '2024-03-03')", int64(2024), bigquery.IntegerFieldType},
		{`SELECT REGEXP_CONTAINS('abc123', r'\d+')`, true, bigquery.BooleanFieldType},
		{`SELECT REGEXP_EXTRACT('user-42', r'user-(\d+)')`, "42", bigquery.StringFieldType},
		{"SELECT STARTS_WITH('points', 'po')", true, bigquery.BooleanFieldType},
		{"SELECT ENDS_WITH('points', 'ts')", true, bigquery.BooleanFieldType},
		{"SELECT FARM_FINGERPRINT('a') = FARM_FINGERPRINT('a')", true, bigquery.BooleanFieldType},
		{"SELECT LENGTH(GENERATE_UUID())", int64(36), bigquery.IntegerFieldType},
		{"SELECT SUM(x) FROM UNNEST([1, 2, 3]) AS x", int64(6), bigquery.IntegerFieldType},
		{"SELECT SUM(x * o) FROM UNNEST([10, 20, 30]) AS x WITH OFFSET AS o", int64(80), bigquery.IntegerFieldType},
		{"SELECT COUNT(*) FROM f.t, UNNEST(arr) AS a WHERE a = 'p'", int64(4), bigquery.IntegerFieldType},
		{"SELECT STRUCT(1 AS a, 'x' AS b).b", "x", bigquery.StringFieldType},
		{"SELECT 2 IN UNNEST([1, 2])", true, bigquery.BooleanFieldType},
		{"SELECT * EXCEPT (id, ts, j) FROM f.t LIMIT 1", []bigquery.Value{"p", "q"}, bigquery.StringFieldType},
		{`SELECT "double \"quoted\""`, `double "quoted"`, bigquery.StringFieldType},
		{"SELECT IF(1 < 2, 'y', 'n')", "y", bigquery.StringFieldType},
		{"SELECT DATE(TIMESTAMP '2024-03-05 23:00:00+00')", civil.Date{Year: 2024, Month: 3, Day: 5}, bigquery.DateFieldType},
		{"SELECT UNIX_SECONDS(TIMESTAMP '1970-01-01 00:01:00+00')", int64(60), bigquery.IntegerFieldType},
		{"SELECT TO_JSON_STRING(STRUCT(1 AS a))", `{"a":1}`, bigquery.StringFieldType},
	} {
		q := c.Query(tc.sql)
		rows, schema := readAll(t, q)
		if len(rows) != 1 || len(rows[0]) != 1 && tc.sql[:8] != "SELECT *" {
			t.Errorf("%s: rows %v", tc.sql, rows)
			continue
		}
		got := rows[0][0]
		if tc.sql[:8] == "SELECT *" {
			got = rows[0][0]
		}
		if !valueEqual(got, tc.want) {
			t.Errorf("%s: got %#v (%T), want %#v", tc.sql, got, got, tc.want)
		}
		if schema[0].Type != tc.typ {
			t.Errorf("%s: type %s, want %s", tc.sql, schema[0].Type, tc.typ)
		}
	}
}

func valueEqual(got, want bigquery.Value) bool {
	switch w := want.(type) {
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w)
	case *big.Rat:
		g, ok := got.(*big.Rat)
		return ok && g.Cmp(w) == 0
	}
	return reflect.DeepEqual(got, want)
}

func TestWriteMessages(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := newClient(t, s)
	ctx := testCtx(t)
	ds := mustDataset(t, c, "events")
	typed := bigquery.Schema{
		{Name: "event_id", Type: bigquery.StringFieldType},
		{Name: "n", Type: bigquery.IntegerFieldType},
		{Name: "subscription_name", Type: bigquery.StringFieldType},
		{Name: "message_id", Type: bigquery.StringFieldType},
		{Name: "publish_time", Type: bigquery.TimestampFieldType},
		{Name: "attributes", Type: bigquery.JSONFieldType},
	}
	raw := bigquery.Schema{{Name: "data", Type: bigquery.BytesFieldType}}
	for name, sc := range map[string]bigquery.Schema{"typed": typed, "raw": raw} {
		if err := ds.Table(name).Create(ctx, &bigquery.TableMetadata{Schema: sc}); err != nil {
			t.Fatal(err)
		}
	}
	pt := timestamppb.New(t0)
	msg := func(id, data string) *pb.PubsubMessage {
		return &pb.PubsubMessage{MessageId: id, Data: []byte(data), PublishTime: pt, Attributes: map[string]string{"k": "v"}}
	}
	sub := "projects/demo-test/subscriptions/bq"
	for _, tc := range []struct {
		name     string
		cfg      *pb.BigQueryConfig
		msgs     []*pb.PubsubMessage
		failed   []string
		table    string
		wantRows int64
	}{
		{"table schema with metadata", &pb.BigQueryConfig{Table: "demo-test:events.typed", UseTableSchema: true, WriteMetadata: true},
			[]*pb.PubsubMessage{msg("1", `{"event_id":"e1","n":1}`), msg("2", `{"event_id":"e2","n":2}`)}, nil, "typed", 2},
		{"redelivery is de-duplicated", &pb.BigQueryConfig{Table: "demo-test.events.typed", UseTableSchema: true, WriteMetadata: true},
			[]*pb.PubsubMessage{msg("1", `{"event_id":"e1","n":1}`)}, nil, "typed", 2},
		{"unknown field fails", &pb.BigQueryConfig{Table: "demo-test:events.typed", UseTableSchema: true},
			[]*pb.PubsubMessage{msg("3", `{"event_id":"e3","bogus":1}`), msg("4", `not json`), msg("5", `{"n":"x"}`)}, []string{"3", "4", "5"}, "typed", 2},
		{"unknown field dropped", &pb.BigQueryConfig{Table: "demo-test:events.typed", UseTableSchema: true, DropUnknownFields: true},
			[]*pb.PubsubMessage{msg("6", `{"event_id":"e6","bogus":1}`)}, nil, "typed", 3},
		{"raw data column", &pb.BigQueryConfig{Table: "demo-test:events.raw"},
			[]*pb.PubsubMessage{msg("7", "hello")}, nil, "raw", 1},
	} {
		err := s.WriteMessages(ctx, sub, tc.cfg, tc.msgs)
		if len(tc.failed) == 0 && err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(tc.failed) > 0 {
			we, ok := err.(*WriteError)
			if !ok || len(we.Failed) != len(tc.failed) {
				t.Fatalf("%s: %v", tc.name, err)
			}
			for _, id := range tc.failed {
				if _, ok := we.Failed[id]; !ok {
					t.Fatalf("%s: message %s not reported: %v", tc.name, id, err)
				}
			}
		}
		rows, _ := readAll(t, c.Query("SELECT COUNT(*) FROM events."+tc.table))
		if rows[0][0] != tc.wantRows {
			t.Fatalf("%s: %v rows, want %d", tc.name, rows[0][0], tc.wantRows)
		}
	}
	rows, _ := readAll(t, c.Query("SELECT subscription_name, message_id, publish_time, JSON_VALUE(attributes, '$.k') FROM events.typed WHERE event_id = 'e1'"))
	if !reflect.DeepEqual(rows, [][]bigquery.Value{{sub, "1", t0, "v"}}) {
		t.Fatalf("metadata: %v", rows)
	}
	rows, _ = readAll(t, c.Query("SELECT data FROM events.raw"))
	if string(rows[0][0].([]byte)) != "hello" {
		t.Fatalf("raw: %v", rows)
	}
	if err := s.WriteMessages(ctx, sub, &pb.BigQueryConfig{Table: "demo-test:events.missing"}, []*pb.PubsubMessage{msg("9", "x")}); err == nil {
		t.Fatal("missing table accepted")
	}
}

func TestExportImport(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := newClient(t, s)
	ctx := testCtx(t)
	ds := mustDataset(t, c, "keep")
	if err := ds.Table("events").Create(ctx, &bigquery.TableMetadata{Schema: eventSchema}); err != nil {
		t.Fatal(err)
	}
	if err := ds.Table("events").Inserter().Put(ctx, []*bigquery.StructSaver{{Schema: eventSchema, Struct: sampleEvent("e1", 1)}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := s.Export(dir); err != nil {
		t.Fatal(err)
	}
	s2 := newTestServer(t, Options{})
	if err := s2.Import(dir); err != nil {
		t.Fatal(err)
	}
	c2 := newClient(t, s2)
	rows, _ := readAll(t, c2.Query("SELECT event_id, actor.id, items[OFFSET(1)].qty, JSON_VALUE(payload, '$.kind'), `at` FROM keep.events"))
	want := [][]bigquery.Value{{"e1", "u1", int64(2), "card", t0.Add(time.Hour)}}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("imported: %v", rows)
	}
}

func BenchmarkAggregate100k(b *testing.B) {
	s := newTestServer(b, Options{})
	c := newClient(b, s)
	ctx := context.Background()
	ds := mustDataset(b, c, "bench")
	schema := bigquery.Schema{
		{Name: "org", Type: bigquery.StringFieldType},
		{Name: "kind", Type: bigquery.StringFieldType},
		{Name: "n", Type: bigquery.IntegerFieldType},
		{Name: "at", Type: bigquery.TimestampFieldType},
	}
	tbl := ds.Table("events")
	if err := tbl.Create(ctx, &bigquery.TableMetadata{Schema: schema}); err != nil {
		b.Fatal(err)
	}
	ins := tbl.Inserter()
	batch := make([]*bigquery.ValuesSaver, 0, 5000)
	for i := 0; i < 100000; i++ {
		batch = append(batch, &bigquery.ValuesSaver{Schema: schema, Row: []bigquery.Value{
			"org" + string(rune('a'+i%7)), "kind" + string(rune('a'+i%13)), int64(i), t0.Add(time.Duration(i) * time.Second)}})
		if len(batch) == cap(batch) {
			if err := ins.Put(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	q := c.Query("SELECT org, kind, COUNT(*) AS c, SUM(n) AS s, APPROX_COUNT_DISTINCT(n) AS d, MAX(at) AS last FROM bench.events GROUP BY org, kind ORDER BY org, kind")
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		rows, _ := readAll(b, q)
		if len(rows) != 7*13 {
			b.Fatalf("%d groups", len(rows))
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/op")
}

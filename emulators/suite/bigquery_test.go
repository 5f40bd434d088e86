package suite

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/fstest"
	"time"

	bq "cloud.google.com/go/bigquery"
	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/option"

	"pointsofyou.ai/studio/emulators/bigquery"
	"pointsofyou.ai/studio/emulators/pubsub"
	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/shared/topology"
)

func TestBigQueryTablesAndWriter(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := bigquery.NewServer(bigquery.Options{Project: "demo-x"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	topo, err := topology.Parse([]byte(`
datasets:
  - name: analytics
    tables:
      - name: events
        schema: bigquery/analytics/events.json
        partition_field: at
        cluster_by: [id]
`))
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{"bigquery/analytics/events.json": {Data: []byte(
		`[{"name":"id","type":"STRING","mode":"REQUIRED"},{"name":"at","type":"TIMESTAMP"},{"name":"message_id","type":"STRING"}]`)}}
	for i := range 2 { // existing datasets and tables are left alone
		if err := applyBigQuery(ctx, srv, topo, "demo-x", files); err != nil {
			t.Fatalf("apply %d: %v", i+1, err)
		}
	}

	w := bigQueryWriter{srv}
	cfg := &pb.BigQueryConfig{Table: "demo-x.analytics.events", UseTableSchema: true}
	msgs := []*pb.PubsubMessage{
		{MessageId: "1", Data: []byte(`{"id":"a","at":"2026-01-01T00:00:00Z"}`)},
		{MessageId: "2", Data: []byte(`not json`)},
		{MessageId: "3", Data: []byte(`{"id":"c","name":"unknown column"}`)},
		{MessageId: "4", Data: []byte(`{"id":"d"}`)},
	}
	err = w.WriteMessages(ctx, "projects/demo-x/subscriptions/s", cfg, msgs)
	var rows *pubsub.RowErrors
	if !errors.As(err, &rows) {
		t.Fatalf("err %v is not *pubsub.RowErrors", err)
	}
	if len(rows.Failed) != 2 || rows.Failed[1] == nil || rows.Failed[2] == nil {
		t.Fatalf("failed %v, want messages 1 and 2 (indexes)", rows.Failed)
	}
	// A missing table is not a per-message failure: the batch is retried.
	cfg.Table = "demo-x.analytics.missing"
	err = w.WriteMessages(ctx, "projects/demo-x/subscriptions/s", cfg, msgs[:1])
	if err == nil || errors.As(err, &rows) {
		t.Fatalf("missing table: %v", err)
	}
}

// The deployed views, from the deployed files, over the deployed table:
// applying twice keeps them, and a duplicate delivery counts once.
func TestBigQueryViewsFromTheTopology(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, err := bigquery.NewServer(bigquery.Options{Project: "demo-v"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	topo, err := infra.Topology()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := ApplyBigQuery(ctx, srv, topo, "demo-v", infra.FS()); err != nil {
			t.Fatalf("apply %d: %v", i+1, err)
		}
	}
	c, err := bq.NewClient(ctx, "demo-v", option.WithEndpoint(srv.Endpoint()), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	row := map[string]bq.Value{"event_id": "0b7e7c9e-4f1a-4c53-9c1e-1a2b3c4d5e6f", "type": "session.card_selected",
		"occurred_at": time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), "org_id": "org-a", "actor": "AAAAAAAAAAAAAAAAAAAAAA",
		"payload": `{"card_id":"pc-1"}`, "schema_version": 1}
	ins := c.Dataset("analytics").Table("events").Inserter()
	// Two deliveries of one event, with different insert ids (two messages).
	for i := range 2 {
		if err := ins.Put(ctx, mapSaver{row: row, id: fmt.Sprint("m", i)}); err != nil {
			t.Fatal(err)
		}
	}
	it, err := c.Query("SELECT card_id, COUNT(*) AS n FROM analytics.card_selections GROUP BY card_id").Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		CardID string `bigquery:"card_id"`
		N      int64  `bigquery:"n"`
	}
	if err := it.Next(&got); err != nil {
		t.Fatal(err)
	}
	if got.CardID != "pc-1" || got.N != 1 {
		t.Fatalf("card_selections = %+v, want pc-1 once", got)
	}
}

type mapSaver struct {
	row map[string]bq.Value
	id  string
}

func (m mapSaver) Save() (map[string]bq.Value, string, error) { return m.row, m.id, nil }

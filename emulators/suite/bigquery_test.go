package suite

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"
	"time"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"pointsofyou.ai/studio/emulators/bigquery"
	"pointsofyou.ai/studio/emulators/pubsub"
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

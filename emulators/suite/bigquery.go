package suite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	bq "cloud.google.com/go/bigquery"
	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"pointsofyou.ai/studio/emulators/bigquery"
	"pointsofyou.ai/studio/emulators/pubsub"
	"pointsofyou.ai/studio/shared/topology"
)

// bigQueryWriter hands BigQuery subscriptions' messages to the BigQuery
// emulator, reporting rejected messages by index as the Pub/Sub emulator
// expects (*pubsub.RowErrors) whichever form the writer uses.
type bigQueryWriter struct {
	srv *bigquery.Server
}

func (w bigQueryWriter) WriteMessages(ctx context.Context, sub string, cfg *pb.BigQueryConfig, msgs []*pb.PubsubMessage) error {
	err := w.srv.WriteMessages(ctx, sub, cfg, msgs)
	var we *bigquery.WriteError
	if !errors.As(err, &we) {
		return err
	}
	rows := &pubsub.RowErrors{Failed: map[int]error{}}
	for i, m := range msgs {
		if reason, ok := we.Failed[m.GetMessageId()]; ok {
			rows.Failed[i] = errors.New(reason)
		}
	}
	if len(rows.Failed) == 0 {
		return err // failures we cannot place: retry the whole batch
	}
	return rows
}

// applyBigQuery creates the topology's datasets and tables in the BigQuery
// emulator through the official client, reading table schemas from infra
// (paths relative to infra/). Existing ones are left as they are.
func applyBigQuery(ctx context.Context, srv *bigquery.Server, t *topology.Topology, project string, infra fs.FS) error {
	if len(t.Datasets) == 0 {
		return nil
	}
	c, err := bq.NewClient(ctx, project, option.WithEndpoint(srv.Endpoint()), option.WithoutAuthentication())
	if err != nil {
		return err
	}
	defer c.Close()
	var errs []error
	for _, d := range t.Datasets {
		ds := c.Dataset(d.Name)
		if err := ds.Create(ctx, &bq.DatasetMetadata{Location: d.Location}); err != nil && !alreadyExists(err) {
			errs = append(errs, fmt.Errorf("dataset %s: %w", d.Name, err))
			continue
		}
		for _, tb := range d.Tables {
			md, err := tableMetadata(tb, infra)
			if err == nil {
				err = ds.Table(tb.Name).Create(ctx, md)
			}
			if err != nil && !alreadyExists(err) {
				errs = append(errs, fmt.Errorf("table %s.%s: %w", d.Name, tb.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

func tableMetadata(tb topology.Table, infra fs.FS) (*bq.TableMetadata, error) {
	raw, err := fs.ReadFile(infra, tb.Schema)
	if err != nil {
		return nil, err
	}
	schema, err := bq.SchemaFromJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tb.Schema, err)
	}
	md := &bq.TableMetadata{Schema: schema}
	if tb.PartitionField != "" {
		md.TimePartitioning = &bq.TimePartitioning{Type: bq.DayPartitioningType, Field: tb.PartitionField}
		if tb.ExpirationDays > 0 {
			md.TimePartitioning.Expiration = time.Duration(tb.ExpirationDays) * 24 * time.Hour
		}
	}
	if len(tb.ClusterBy) > 0 {
		md.Clustering = &bq.Clustering{Fields: tb.ClusterBy}
	}
	return md, nil
}

func alreadyExists(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == http.StatusConflict
}

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

// applyBigQuery creates the topology's datasets, tables and views in the
// BigQuery emulator (see ApplyBigQuery).
func applyBigQuery(ctx context.Context, srv *bigquery.Server, t *topology.Topology, project string, infra fs.FS) error {
	return ApplyBigQuery(ctx, srv, t, project, infra)
}

// ApplyBigQuery creates the topology's datasets, tables and views in a
// BigQuery emulator through the official client, reading table schemas
// and view SQL from infra (paths relative to infra/), the SQL with
// topology.ViewSQL's placeholders replaced as Terraform replaces them.
// Existing tables are left as they are; existing views get the declared
// SQL, so an imported export follows the files. Tests of code that reads
// the views call it to get exactly the deployed layout.
func ApplyBigQuery(ctx context.Context, srv *bigquery.Server, t *topology.Topology, project string, infra fs.FS) error {
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
		// In order: a view reads the tables and the views before it.
		for _, v := range d.Views {
			if err := applyView(ctx, ds, v, project, d.Name, infra); err != nil {
				errs = append(errs, fmt.Errorf("view %s.%s: %w", d.Name, v.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

func applyView(ctx context.Context, ds *bq.Dataset, v topology.View, project, dataset string, infra fs.FS) error {
	raw, err := fs.ReadFile(infra, v.Query)
	if err != nil {
		return err
	}
	sql := topology.ViewSQL(string(raw), project, dataset)
	t := ds.Table(v.Name)
	err = t.Create(ctx, &bq.TableMetadata{ViewQuery: sql, Description: v.Description})
	if alreadyExists(err) {
		_, err = t.Update(ctx, bq.TableMetadataToUpdate{ViewQuery: sql, Description: v.Description}, "")
	}
	return err
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

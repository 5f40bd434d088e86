package bigquery

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
)

// WriteError reports the messages of a WriteMessages batch that could not
// be written, by message id. The other messages of the batch were written.
type WriteError struct {
	// Failed maps a message id to why it does not fit the table.
	Failed map[string]string
}

func (e *WriteError) Error() string {
	ids := make([]string, 0, len(e.Failed))
	for id := range e.Failed {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("message %s: %s", id, e.Failed[id])
	}
	return "bigquery: " + strings.Join(parts, "; ")
}

// ParseTableName splits a BigQuery subscription's table, "project:dataset.table"
// or "project.dataset.table".
func ParseTableName(name string) (project, dataset, table string, err error) {
	p, rest, ok := strings.Cut(name, ":")
	if !ok {
		p, rest, ok = strings.Cut(name, ".")
	}
	d, t, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || p == "" || d == "" || t == "" {
		return "", "", "", fmt.Errorf("bigquery: invalid table %q, want project:dataset.table", name)
	}
	return p, d, t, nil
}

// WriteMessages writes Pub/Sub messages into the table of a BigQuery
// subscription, as the subscription type does in production: with
// use_table_schema (or use_topic_schema) the JSON message data maps to
// columns (unknown fields fail unless drop_unknown_fields); otherwise the
// data goes to the "data" column (STRING or BYTES). write_metadata fills
// subscription_name, message_id, publish_time and attributes (JSON text).
// Message ids are the insertIds, so redelivered messages are written once
// within the de-duplication window. Messages that do not fit are reported
// in a *WriteError; the rest are written.
func (s *Server) WriteMessages(ctx context.Context, subscription string, cfg *pb.BigQueryConfig, msgs []*pb.PubsubMessage) error {
	if cfg == nil {
		return fmt.Errorf("bigquery: subscription %s has no BigQuery config", subscription)
	}
	project, ds, tbl, err := ParseTableName(cfg.GetTable())
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
	}
	s.mu.Lock()
	t, lerr := s.lookupTable(project, ds, tbl)
	var dataType string
	if lerr == nil {
		for _, f := range t.meta.Schema.Fields {
			if strings.EqualFold(f.Name, "data") {
				dataType = f.Type
			}
		}
	}
	s.mu.Unlock()
	if lerr != nil {
		return fmt.Errorf("bigquery: subscription %s: %w", subscription, lerr)
	}
	failed := map[string]string{}
	var rows []pendingRow
	var ids []string
	for _, m := range msgs {
		values := map[string]any{}
		if cfg.GetUseTableSchema() || cfg.GetUseTopicSchema() {
			dec := json.NewDecoder(bytes.NewReader(m.GetData()))
			dec.UseNumber()
			if err := dec.Decode(&values); err != nil || values == nil {
				failed[m.GetMessageId()] = "message data is not a JSON object"
				continue
			}
		} else {
			switch dataType {
			case tString, tJSON:
				values["data"] = string(m.GetData())
			case tBytes:
				values["data"] = base64.StdEncoding.EncodeToString(m.GetData())
			default:
				return fmt.Errorf("bigquery: subscription %s: table %s needs a STRING or BYTES column \"data\"", subscription, cfg.GetTable())
			}
		}
		if cfg.GetWriteMetadata() {
			attrs, _ := json.Marshal(m.GetAttributes())
			if m.GetAttributes() == nil {
				attrs = []byte("{}")
			}
			values["subscription_name"] = subscription
			values["message_id"] = m.GetMessageId()
			if pt := m.GetPublishTime(); pt != nil {
				values["publish_time"] = pt.AsTime().UTC().Format(time.RFC3339Nano)
			}
			values["attributes"] = string(attrs)
		}
		rows = append(rows, pendingRow{insertID: m.GetMessageId(), values: values})
		ids = append(ids, m.GetMessageId())
	}
	if len(rows) > 0 {
		errs, err := s.insertRows(ctx, project, ds, tbl, rows, cfg.GetDropUnknownFields(), true)
		if err != nil {
			return fmt.Errorf("bigquery: subscription %s: %w", subscription, err)
		}
		for _, e := range errs {
			msg := "does not fit the table"
			if len(e.Errors) > 0 {
				msg = e.Errors[0].Message
			}
			failed[ids[e.Index]] = msg
		}
	}
	if len(failed) > 0 {
		return &WriteError{Failed: failed}
	}
	return nil
}

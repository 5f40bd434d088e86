package infra

import (
	"encoding/json"
	"io/fs"
	"slices"
	"testing"
)

// schemaField is one column of a BigQuery table schema file.
type schemaField struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Mode        string `json:"mode"`
	Description string `json:"description"`
}

// TestBigQuerySchemas checks every declared table: its schema file is
// embedded and valid, and its partitioning and clustering columns exist
// with types BigQuery accepts for them.
func TestBigQuerySchemas(t *testing.T) {
	t.Parallel()
	topo, err := Topology()
	if err != nil {
		t.Fatal(err)
	}
	types := []string{"STRING", "BYTES", "INT64", "INTEGER", "FLOAT64", "FLOAT", "NUMERIC", "BIGNUMERIC",
		"BOOL", "BOOLEAN", "TIMESTAMP", "DATE", "TIME", "DATETIME", "GEOGRAPHY", "JSON", "RECORD", "STRUCT"}
	for _, d := range topo.Datasets {
		for _, tb := range d.Tables {
			raw, err := fs.ReadFile(FS(), tb.Schema)
			if err != nil {
				t.Errorf("%s.%s: schema %s: %v", d.Name, tb.Name, tb.Schema, err)
				continue
			}
			var fields []schemaField
			if err := json.Unmarshal(raw, &fields); err != nil {
				t.Errorf("%s: %v", tb.Schema, err)
				continue
			}
			cols := map[string]schemaField{}
			for _, f := range fields {
				if _, dup := cols[f.Name]; dup || f.Name == "" {
					t.Errorf("%s: empty or duplicate column %q", tb.Schema, f.Name)
				}
				if !slices.Contains(types, f.Type) {
					t.Errorf("%s: column %s has unknown type %q", tb.Schema, f.Name, f.Type)
				}
				switch f.Mode {
				case "", "NULLABLE", "REQUIRED", "REPEATED":
				default:
					t.Errorf("%s: column %s has unknown mode %q", tb.Schema, f.Name, f.Mode)
				}
				cols[f.Name] = f
			}
			if p := tb.PartitionField; p != "" {
				if f, ok := cols[p]; !ok || (f.Type != "TIMESTAMP" && f.Type != "DATE" && f.Type != "DATETIME") {
					t.Errorf("%s: partition field %s must be a TIMESTAMP, DATE or DATETIME column", tb.Schema, p)
				}
			}
			if len(tb.ClusterBy) > 4 {
				t.Errorf("%s: at most 4 clustering columns", tb.Schema)
			}
			for _, c := range tb.ClusterBy {
				if f, ok := cols[c]; !ok || f.Type == "JSON" || f.Mode == "REPEATED" {
					t.Errorf("%s: cluster column %s must be a scalar column", tb.Schema, c)
				}
			}
		}
	}
}

// TestBigQuerySubscriptionsHaveMetadataColumns: a subscription that writes
// metadata needs the columns Pub/Sub fills.
func TestBigQuerySubscriptionsHaveMetadataColumns(t *testing.T) {
	t.Parallel()
	topo, err := Topology()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"subscription_name": {"STRING"},
		"message_id":        {"STRING"},
		"publish_time":      {"TIMESTAMP"},
		"attributes":        {"JSON", "STRING"},
	}
	for _, s := range topo.Subscriptions {
		if s.BigQuery == nil || !s.BigQuery.WriteMetadata {
			continue
		}
		var schema string
		for _, d := range topo.Datasets {
			for _, tb := range d.Tables {
				if d.Name+"."+tb.Name == s.BigQuery.Table {
					schema = tb.Schema
				}
			}
		}
		raw, err := fs.ReadFile(FS(), schema)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		var fields []schemaField
		if err := json.Unmarshal(raw, &fields); err != nil {
			t.Fatal(err)
		}
		for col, typesOK := range want {
			found := false
			for _, f := range fields {
				found = found || (f.Name == col && slices.Contains(typesOK, f.Type) && f.Mode != "REQUIRED")
			}
			if !found {
				t.Errorf("subscription %s writes metadata but %s has no nullable %s column of type %v", s.Name, schema, col, typesOK)
			}
		}
	}
}

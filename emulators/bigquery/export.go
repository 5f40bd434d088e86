package bigquery

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	bq "google.golang.org/api/bigquery/v2"
)

// metadataFile lists the datasets and tables of an export; each table's rows
// are in tables/{project}/{dataset}/{table}.parquet beside it.
const metadataFile = "bigquery_export.json"

type exportMeta struct {
	Datasets []exportDataset `json:"datasets"`
}

type exportDataset struct {
	Dataset *bq.Dataset `json:"dataset"`
	Tables  []*bq.Table `json:"tables"`
}

// Export writes every dataset and table to dir, which is created if
// needed. Jobs and the insertId memory are not exported.
func (s *Server) Export(dir string) error {
	ctx := context.Background()
	s.mu.Lock()
	defer s.mu.Unlock()
	var meta exportMeta
	keys := make([]string, 0, len(s.datasets))
	for k := range s.datasets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d := s.datasets[k]
		ref := d.meta.DatasetReference
		ed := exportDataset{Dataset: d.meta}
		ids := make([]string, 0, len(d.tables))
		for id := range d.tables {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			t := d.tables[id]
			ed.Tables = append(ed.Tables, t.meta)
			if t.meta.Type != "TABLE" || len(t.meta.Schema.Fields) == 0 {
				continue
			}
			path := filepath.Join(dir, "tables", ref.ProjectId, ref.DatasetId, id+".parquet")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			q := fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (FORMAT parquet)", engineName(ref.ProjectId, ref.DatasetId, id), quoteString(path))
			if _, err := s.db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("bigquery export %s: %w", t.meta.Id, err)
			}
		}
		meta.Datasets = append(meta.Datasets, ed)
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, metadataFile), b, 0o644)
}

// Import loads an Export from dir into this server. A missing metadata file
// means an empty export. Datasets that already exist are an error.
func (s *Server) Import(dir string) error {
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join(dir, metadataFile))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var meta exportMeta
	if err := json.Unmarshal(b, &meta); err != nil {
		return fmt.Errorf("bigquery import: %w", err)
	}
	for _, ed := range meta.Datasets {
		if ed.Dataset == nil || ed.Dataset.DatasetReference == nil {
			return fmt.Errorf("bigquery import: dataset without reference")
		}
		ref := ed.Dataset.DatasetReference
		if _, err := s.createDataset(ctx, ref.ProjectId, ed.Dataset); err != nil {
			return fmt.Errorf("bigquery import %s: %w", ref.DatasetId, err)
		}
		for _, t := range ed.Tables {
			if t.Type != "TABLE" && t.Type != "VIEW" {
				continue
			}
			created, err := s.createTable(ctx, t)
			if err != nil {
				return fmt.Errorf("bigquery import %s: %w", t.Id, err)
			}
			if t.Type != "TABLE" {
				continue
			}
			path := filepath.Join(dir, "tables", ref.ProjectId, ref.DatasetId, t.TableReference.TableId+".parquet")
			if _, err := os.Stat(path); err != nil {
				continue
			}
			cols := make([]string, len(t.Schema.Fields))
			for i, f := range t.Schema.Fields {
				cols[i] = quoteIdent(f.Name)
			}
			q := fmt.Sprintf("INSERT INTO %s SELECT %s FROM read_parquet(%s)",
				engineName(ref.ProjectId, ref.DatasetId, t.TableReference.TableId), strings.Join(cols, ", "), quoteString(path))
			if _, err := s.db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("bigquery import %s: %w", created.Id, err)
			}
		}
	}
	return nil
}

package bigquery

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/option"
)

const testProject = "demo-test"

func newTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func newClient(t testing.TB, s *Server) *bigquery.Client {
	t.Helper()
	c, err := bigquery.NewClient(context.Background(), testProject,
		option.WithEndpoint(s.Endpoint()), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustDataset(t testing.TB, c *bigquery.Client, id string) *bigquery.Dataset {
	t.Helper()
	ds := c.Dataset(id)
	if err := ds.Create(testCtx(t), &bigquery.DatasetMetadata{Location: "US"}); err != nil {
		t.Fatal(err)
	}
	return ds
}

// readAll runs q and returns all rows.
func readAll(t testing.TB, q *bigquery.Query) ([][]bigquery.Value, bigquery.Schema) {
	t.Helper()
	it, err := q.Read(testCtx(t))
	if err != nil {
		t.Fatalf("query %q: %v", q.Q, err)
	}
	var rows [][]bigquery.Value
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if err != nil {
			if err.Error() == "no more items in iterator" {
				break
			}
			t.Fatalf("query %q: next: %v", q.Q, err)
		}
		rows = append(rows, row)
	}
	return rows, it.Schema
}

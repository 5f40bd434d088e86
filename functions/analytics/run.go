package analytics

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	bqfiles "pointsofyou.ai/studio/infra/bigquery"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/topology"
)

// Result is a report's answer before rendering; its JSON is the API's.
type Result struct {
	Report         string    `json:"report"`
	OrgID          string    `json:"org_id"`
	From           string    `json:"from"`
	To             string    `json:"to"`
	GeneratedAt    time.Time `json:"generated_at"`
	Cached         bool      `json:"cached"`
	K              int       `json:"k"`
	Columns        []Column  `json:"columns"`
	Rows           []Row     `json:"rows"`
	SuppressedRows int       `json:"suppressed_rows"`
}

// Row is one answered row: column name → value (nil when withheld or
// unknown), plus "suppressed".
type Row map[string]any

// querySQL reads a report's query from the embedded infra files, with the
// same placeholder rule as the views.
func querySQL(file, project string) (string, error) {
	raw, err := fs.ReadFile(bqfiles.FS(), "analytics/queries/"+file)
	if err != nil {
		return "", fmt.Errorf("analytics: query %s is not embedded: %w", file, err)
	}
	return topology.ViewSQL(string(raw), project, Dataset), nil
}

// scoped is what a report's query needs besides org and period.
type scoped struct {
	actor    string
	sessions []string
	items    []string
	// titles of sessions, by id (sessions are the caller's own).
	titles map[string]string
	// none: the caller has no sessions or items; the answer is empty
	// without asking BigQuery.
	none bool
}

// run executes rep's query and applies the k rule again in Go.
func (a *api) run(ctx context.Context, rep report, p Params, sc scoped) ([]Row, int, error) {
	if sc.none {
		return []Row{}, 0, nil
	}
	sql, err := querySQL(rep.Query, a.d.BigQuery.Project())
	if err != nil {
		return nil, 0, httpapi.Internal(err)
	}
	q := a.d.BigQuery.Query(sql)
	q.Parameters = []bigquery.QueryParameter{
		{Name: "org", Value: p.Org},
		{Name: "from", Value: p.From},
		{Name: "to", Value: p.end()},
	}
	switch rep.Scope {
	case scopeSelf:
		q.Parameters = append(q.Parameters, bigquery.QueryParameter{Name: "actor", Value: sc.actor})
	case scopeSessions:
		q.Parameters = append(q.Parameters, bigquery.QueryParameter{Name: "sessions", Value: sc.sessions})
	case scopeOwnedItems:
		q.Parameters = append(q.Parameters, bigquery.QueryParameter{Name: "items", Value: sc.items})
	}
	if !rep.Private {
		q.Parameters = append(q.Parameters, bigquery.QueryParameter{Name: "k", Value: K})
	}
	it, err := q.Read(ctx)
	if err != nil {
		return nil, 0, httpapi.Unavailable(fmt.Errorf("report %s: %w", rep.Name, err))
	}
	rows := []Row{}
	suppressed := 0
	for {
		var raw map[string]bigquery.Value
		err := it.Next(&raw)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, 0, httpapi.Unavailable(fmt.Errorf("report %s: %w", rep.Name, err))
		}
		row, ok := rep.row(raw)
		if !ok {
			suppressed++
			if rep.DropSuppressed {
				continue
			}
		}
		rows = append(rows, row)
	}
	return rows, suppressed, nil
}

// row turns one query row into an answered row, withholding every value
// whose people count (its guard) is under K — whatever the SQL did — and
// reports whether the row's main group passed.
func (rep report) row(raw map[string]bigquery.Value) (Row, bool) {
	row := Row{}
	passed := rep.Row == "" || count(raw[rep.Row]) >= K
	for _, c := range rep.Columns {
		v := value(c, raw[c.Name])
		if c.guard != "" && (!passed || count(raw[c.guard]) < K) {
			if v != nil && count(raw[c.guard]) < K {
				// The query let a small group through: a defect in its
				// SQL, caught here. Names no group, only the report.
				slog.Error("report query returned a value over fewer than k people; withheld", "report", rep.Name, "column", c.Name)
			}
			v = nil
		}
		row[c.Name] = v
	}
	row["suppressed"] = !passed
	return row, passed
}

// count reads a k_ column (nil counts as 0).
func count(v bigquery.Value) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

// value converts a BigQuery value to the column's JSON type.
func value(c Column, v bigquery.Value) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		if c.Type == typeInteger {
			return int64(x)
		}
		return x
	case int64:
		if c.Type == typeNumber {
			return float64(x)
		}
		return x
	case string:
		return x
	}
	return fmt.Sprint(v)
}

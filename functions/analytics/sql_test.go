package analytics

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"pointsofyou.ai/studio/infra"
	bqfiles "pointsofyou.ai/studio/infra/bigquery"
)

var tableRef = regexp.MustCompile("`\\{project\\}\\.\\{dataset\\}\\.([A-Za-z_][A-Za-z0-9_]*)`")

// The queries read the deployed views only, each report has its file and
// every file a report; every guard a column names is a column the query
// returns, and each view reads only tables and views declared before it.
func TestQueriesReadTheViews(t *testing.T) {
	t.Parallel()
	topo, err := infra.Topology()
	if err != nil {
		t.Fatal(err)
	}
	var views, tables []string
	for _, d := range topo.Datasets {
		if d.Name != Dataset {
			continue
		}
		for _, tb := range d.Tables {
			tables = append(tables, tb.Name)
		}
		for _, v := range d.Views {
			raw, err := fs.ReadFile(infra.FS(), v.Query)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range tableRef.FindAllStringSubmatch(string(raw), -1) {
				if !slices.Contains(tables, m[1]) && !slices.Contains(views, m[1]) {
					t.Errorf("view %s reads %s, which is not declared before it", v.Name, m[1])
				}
			}
			views = append(views, v.Name)
		}
	}
	files, err := fs.Glob(bqfiles.FS(), "analytics/queries/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimPrefix(f, "analytics/queries/")
		if !slices.ContainsFunc(reports, func(r report) bool { return r.Query == name }) {
			t.Errorf("%s belongs to no report", f)
		}
	}
	for _, r := range reports {
		sql, err := querySQL(r.Query, "p")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := fs.ReadFile(bqfiles.FS(), "analytics/queries/"+r.Query)
		refs := tableRef.FindAllStringSubmatch(string(raw), -1)
		if len(refs) == 0 {
			t.Errorf("%s reads nothing", r.Name)
		}
		for _, m := range refs {
			if !slices.Contains(views, m[1]) {
				t.Errorf("%s reads %s, not a view", r.Name, m[1])
			}
		}
		for _, c := range r.Columns {
			if c.Name != "title" && !strings.Contains(sql, " "+c.Name) {
				t.Errorf("%s: column %s is not in its query", r.Name, c.Name)
			}
		}
		for _, g := range r.guards() {
			if !strings.Contains(sql, g) {
				t.Errorf("%s: guard %s is not in its query", r.Name, g)
			}
		}
		if !r.Private && !strings.Contains(sql, "@k") {
			t.Errorf("%s suppresses nothing in SQL", r.Name)
		}
	}
}

// guards lists the distinct k_ columns of r.
func (r report) guards() []string {
	var out []string
	for _, c := range r.Columns {
		if c.guard != "" && !slices.Contains(out, c.guard) {
			out = append(out, c.guard)
		}
	}
	return out
}

package bigquery

import (
	"testing"
	"time"
)

// FuzzRewrite checks the rewriter never panics and is deterministic.
func FuzzRewrite(f *testing.F) {
	for _, seed := range []string{
		"SELECT 1",
		"SELECT COUNTIF(x > 1), SAFE_DIVIDE(a, b) FROM `p.d.t` WHERE ts > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)",
		"SELECT x, o FROM UNNEST([1,2]) AS x WITH OFFSET o",
		"MERGE d.t T USING s S ON T.id = S.id WHEN MATCHED THEN UPDATE SET a = S.a",
		"SELECT CAST(a AS ARRAY<STRUCT<x INT64, y STRING>>), r'\\d', b'\\x00', '''multi\nline'''",
		"SELECT EXTRACT(DAYOFWEEK FROM d), FORMAT_TIMESTAMP('%F', ts), @p, ?",
		"CREATE TABLE d.t (a INT64, b STRUCT<c STRING>) PARTITION BY DATE(ts) OPTIONS(description='x')",
		"SELECT * EXCEPT (a) FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY a) = 1",
	} {
		f.Add(seed)
	}
	opts := rewriteOpts{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), named: map[string]string{"P": "1"}, positional: []string{"2"}}
	f.Fuzz(func(t *testing.T, sql string) {
		a, errA := rewrite(sql, opts)
		b, errB := rewrite(sql, opts)
		if (errA == nil) != (errB == nil) || a != b {
			t.Fatalf("unstable rewrite of %q: %q / %q", sql, a.sql, b.sql)
		}
		if errA == nil {
			// Rewriting output again must not panic either.
			_, _ = rewrite(a.sql, opts)
		}
	})
}

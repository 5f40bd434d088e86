package analytics

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/httpapi"
)

// FuzzParams: any report name and query either parses into a period of 1
// to 36 whole months, a known format and language, or is a 400 naming
// fields — never a panic, never another status.
func FuzzParams(f *testing.F) {
	for _, s := range [][2]string{
		{"adoption", ""}, {"me", "from=2026-01&to=2026-03"}, {"content", "from=2026-13"}, {"x", "format=pdf&lang=he"},
		{"adoption", "from=2020-01&to=2026-01"}, {"adoption", "to=2026-02"}, {"me", "org=org-a&org=b"}, {"me", "%zz"},
		{"content-owner", "from=2999-12"}, {"adoption", "from=0000-00&to=9999-99"},
	} {
		f.Add(s[0], s[1])
	}
	now := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, report, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // the server answers 400 before the handler
		}
		p, err := parseParams(report, q, now)
		if err != nil {
			var he *httpapi.Error
			if !errors.As(err, &he) || he.Status != 400 || len(he.Fields) == 0 {
				t.Fatalf("error %v is not a 400 naming fields", err)
			}
			return
		}
		if _, ok := reportByName(p.Report); !ok {
			t.Fatalf("unknown report %q accepted", p.Report)
		}
		n := months(p.From, p.To)
		if n < 1 || n > MaxMonths || p.From.Day() != 1 || p.To.Day() != 1 || p.From.Location() != time.UTC {
			t.Fatalf("period %s..%s (%d months)", p.From, p.To, n)
		}
		if p.Format != "json" && p.Format != "csv" && p.Format != "pdf" {
			t.Fatalf("format %q", p.Format)
		}
	})
}

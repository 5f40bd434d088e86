// Package bigquery embeds the BigQuery declarations under infra/bigquery:
// table schemas, view SQL and the report queries. It is its own package
// so that function code can read the SQL that Terraform and the emulator
// suite deploy (the infra package embeds the same directory) without
// importing infra, whose tests import the functions.
package bigquery

import (
	"embed"
	"io/fs"
)

//go:embed analytics
var files embed.FS

// FS holds the files, with paths relative to infra/bigquery
// ("analytics/queries/adoption.sql").
func FS() fs.FS { return files }

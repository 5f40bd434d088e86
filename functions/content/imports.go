package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
)

// MaxImportBytes caps an import file.
const MaxImportBytes = 4 << 20

// ImportResponse answers a successful import.
type ImportResponse = library.ImportResult

// importItems reads a JSON or CSV file (by Content-Type), validates every
// row and writes all items in one transaction, or nothing: any row error
// is a 422 listing every bad row and field as "rows[N].field".
func (a *api) importItems(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	org, err := a.library(r, p)
	if err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "text/csv") {
		return httpapi.UnsupportedMediaType("send the file as application/json or text/csv")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxImportBytes))
	if err != nil {
		return httpapi.TooLarge("the file is larger than %d bytes", MaxImportBytes)
	}
	var items []library.Item
	var rowErrs []library.RowError
	if mt == "text/csv" {
		items, rowErrs, err = library.ParseCSV(bytesReader(body))
	} else {
		items, rowErrs, err = library.ParseJSON(body)
	}
	if errors.Is(err, library.ErrFormat) {
		return httpapi.BadRequest("%s", err.Error())
	}
	if err != nil {
		return httpapi.BadRequest("the file could not be read")
	}
	if len(rowErrs) > 0 {
		fields := make([]httpapi.FieldError, len(rowErrs))
		for i, e := range rowErrs {
			name := fmt.Sprintf("rows[%d]", e.Row)
			if e.Field != "" {
				name += "." + e.Field
			}
			fields[i] = httpapi.Field(name, "%s", e.Detail)
		}
		pe := httpapi.Unprocessable(fields...)
		pe.Detail = fmt.Sprintf("%d problems in the file; nothing was imported", len(rowErrs))
		return pe
	}
	if len(items) == 0 {
		return httpapi.BadRequest("the file holds no items")
	}
	res, err := Import(r.Context(), a.d.Firestore, org, items, p.UID, a.d.Now())
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
	return nil
}

// Import writes validated items into org's library ("" official) in one
// transaction (library.Import).
func Import(ctx context.Context, fs *firestore.Client, org string, items []library.Item, by string, now time.Time) (ImportResponse, error) {
	return library.Import(ctx, fs, org, items, by, now)
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

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
	"pointsofyou.ai/studio/shared/content"
	"pointsofyou.ai/studio/shared/httpapi"
)

// MaxImportBytes caps an import file.
const MaxImportBytes = 4 << 20

// ImportResponse answers a successful import.
type ImportResponse struct {
	Imported int `json:"imported"`
	Created  int `json:"created"`
	Updated  int `json:"updated"`
}

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
	var items []content.Item
	var rowErrs []content.RowError
	if mt == "text/csv" {
		items, rowErrs, err = content.ParseCSV(bytesReader(body))
	} else {
		items, rowErrs, err = content.ParseJSON(body)
	}
	if errors.Is(err, content.ErrFormat) {
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
		pe := httpapi.Invalid(fields...)
		pe.Status = http.StatusUnprocessableEntity
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
// transaction: new ids are created at version 1, existing ones replaced
// with their version bumped. The local suite seeds the demo library with it.
func Import(ctx context.Context, fs *firestore.Client, org string, items []content.Item, by string, now time.Time) (ImportResponse, error) {
	if len(items) > content.MaxImportRows {
		return ImportResponse{}, fmt.Errorf("content: %d items; at most %d per import", len(items), content.MaxImportRows)
	}
	col := fs.Collection(content.ItemsPath(org))
	refs := make([]*firestore.DocumentRef, len(items))
	for i, it := range items {
		refs[i] = col.Doc(it.ID)
	}
	var res ImportResponse
	err := fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		res = ImportResponse{}
		snaps, err := tx.GetAll(refs)
		if err != nil {
			return err
		}
		for i, it := range items {
			it.Version = 1
			if snaps[i].Exists() {
				var cur content.Item
				if err := snaps[i].DataTo(&cur); err == nil {
					it.Version = cur.Version + 1
				}
				res.Updated++
			} else {
				res.Created++
			}
			it.Org, it.UpdatedAt, it.UpdatedBy = org, now.UTC(), by
			it.Normalize()
			if err := tx.Set(refs[i], it); err != nil {
				return err
			}
		}
		return nil
	})
	res.Imported = res.Created + res.Updated
	return res, err
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

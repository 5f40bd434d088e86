package library

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"pointsofyou.ai/studio/shared/validate"
)

// MaxImportRows bounds one import file.
const MaxImportRows = 500 // one Firestore transaction: the import is all or nothing

// RowError is one problem of an import file: Row is the 1-based data row
// (the CSV header is not counted; for JSON, the position in the array).
type RowError struct {
	Row    int    `json:"row"`
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func (e RowError) String() string { return fmt.Sprintf("row %d, %s: %s", e.Row, e.Field, e.Detail) }

// wholeRow names a problem of the row itself rather than of one field.
const wholeRow = "(row)"

// ErrFormat is a file that cannot be read at all (not row errors).
var ErrFormat = errors.New("content: unreadable import file")

// ParseJSON reads a JSON import: an array of items, or {"items": [...]}.
// Each row is decoded strictly and validated; all row errors are returned.
func ParseJSON(b []byte) ([]Item, []RowError, error) {
	b = bytes.TrimSpace(b)
	var raws []json.RawMessage
	if len(b) > 0 && b[0] == '{' {
		var wrap struct {
			Items []json.RawMessage `json:"items"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&wrap); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		raws = wrap.Items
	} else if err := json.Unmarshal(b, &raws); err != nil {
		return nil, nil, fmt.Errorf("%w: the file must be a JSON array of items or {\"items\": [...]}: %v", ErrFormat, err)
	}
	if len(raws) > MaxImportRows {
		return nil, nil, fmt.Errorf("%w: %d rows; at most %d per file", ErrFormat, len(raws), MaxImportRows)
	}
	items := make([]Item, len(raws))
	var errs []RowError
	for i, raw := range raws {
		if err := validate.DecodeJSON(raw, &items[i]); err != nil {
			errs = append(errs, rowErrors(i+1, err)...)
			continue
		}
		errs = append(errs, checkRow(i+1, &items[i])...)
	}
	return items, append(errs, duplicates(items)...), nil
}

// rowErrors turns a decoding problem into row errors.
func rowErrors(row int, err error) []RowError {
	var ve *validate.Error
	if errors.As(err, &ve) && len(ve.Fields) > 0 {
		out := make([]RowError, len(ve.Fields))
		for i, f := range ve.Fields {
			out[i] = RowError{Row: row, Field: f.Field, Detail: f.Detail}
			if out[i].Field == "" {
				out[i].Field = wholeRow
			}
		}
		return out
	}
	detail := err.Error()
	if errors.As(err, &ve) {
		detail = ve.Detail
	}
	return []RowError{{Row: row, Field: wholeRow, Detail: detail}}
}

func checkRow(row int, it *Item) []RowError {
	var out []RowError
	if it.ID == "" {
		out = append(out, RowError{Row: row, Field: "id", Detail: "is required in an import"})
	}
	for _, f := range it.Validate() {
		out = append(out, RowError{Row: row, Field: f.Field, Detail: f.Detail})
	}
	it.Normalize()
	return out
}

func duplicates(items []Item) []RowError {
	var out []RowError
	seen := map[string]int{}
	for i, it := range items {
		if it.ID == "" {
			continue
		}
		if first, ok := seen[it.ID]; ok {
			out = append(out, RowError{Row: i + 1, Field: "id", Detail: fmt.Sprintf("repeats the id of row %d", first)})
			continue
		}
		seen[it.ID] = i + 1
	}
	return out
}

// CSV columns. Lists (themes, tags, prompts_*) are separated by "|";
// booleans are true/false (empty is false). Per-locale text uses
// title_<locale>, body_<locale> and prompts_<locale>.
var csvColumns = []string{"id", "type", "tier", "status", "phase", "category", "deck_id", "series",
	"duration_minutes", "themes", "tags", "license_type", "attribution_required", "commercial_usage",
	"modification_allowed", "redistribution_allowed", "ai_usage_allowed", "api_access_allowed",
	"attribution", "image_object"}

func knownColumn(c string) bool {
	if slices.Contains(csvColumns, c) {
		return true
	}
	for _, p := range []string{"title_", "body_", "prompts_"} {
		if l, ok := strings.CutPrefix(c, p); ok && slices.Contains(Locales, l) {
			return true
		}
	}
	return false
}

// ParseCSV reads a CSV import with a header row naming its columns (any
// order, unknown columns refused). All row errors are returned.
func ParseCSV(r io.Reader) ([]Item, []RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: no header row: %v", ErrFormat, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
		if !knownColumn(header[i]) {
			return nil, nil, fmt.Errorf("%w: unknown column %q", ErrFormat, header[i])
		}
	}
	var items []Item
	var errs []RowError
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				errs = append(errs, RowError{Row: row, Field: wholeRow, Detail: "has a different number of columns than the header"})
				items = append(items, Item{})
				continue
			}
			return nil, nil, fmt.Errorf("%w: row %d: %v", ErrFormat, row, err)
		}
		if row > MaxImportRows {
			return nil, nil, fmt.Errorf("%w: more than %d rows", ErrFormat, MaxImportRows)
		}
		it, rerrs := csvItem(row, header, rec)
		errs = append(errs, rerrs...)
		if len(rerrs) == 0 {
			errs = append(errs, checkRow(row, &it)...)
		}
		items = append(items, it)
	}
	return items, append(errs, duplicates(items)...), nil
}

func csvItem(row int, header, rec []string) (Item, []RowError) {
	it := Item{Text: map[string]Text{}}
	var errs []RowError
	boolean := func(col, v string) bool {
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, RowError{Row: row, Field: col, Detail: "must be true or false"})
		}
		return b
	}
	for i, col := range header {
		v := strings.TrimSpace(rec[i])
		switch col {
		case "id":
			it.ID = v
		case "type":
			it.Type = v
		case "tier":
			it.Tier = v
		case "status":
			it.Status = v
		case "phase":
			it.Phase = v
		case "category":
			it.Category = v
		case "deck_id":
			it.DeckID = v
		case "series":
			it.Series = v
		case "duration_minutes":
			if v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					errs = append(errs, RowError{Row: row, Field: col, Detail: "must be a whole number"})
				}
				it.DurationMin = n
			}
		case "themes":
			it.Themes = list(v)
		case "tags":
			it.Tags = list(v)
		case "license_type":
			it.License.Type = v
		case "attribution_required":
			it.License.AttributionRequired = boolean(col, v)
		case "commercial_usage":
			it.License.CommercialUsage = boolean(col, v)
		case "modification_allowed":
			it.License.ModificationAllowed = boolean(col, v)
		case "redistribution_allowed":
			it.License.RedistributionAllowed = boolean(col, v)
		case "ai_usage_allowed":
			it.License.AIUsageAllowed = boolean(col, v)
		case "api_access_allowed":
			it.License.APIAccessAllowed = boolean(col, v)
		case "attribution":
			it.Attribution = v
		case "image_object":
			if v != "" {
				it.Images = []Image{{Object: v}}
			}
		default:
			kind, l, _ := strings.Cut(col, "_")
			if v == "" {
				continue
			}
			t := it.Text[l]
			switch kind {
			case "title":
				t.Title = v
			case "body":
				t.Body = v
			case "prompts":
				t.Prompts = list(v)
			}
			it.Text[l] = t
		}
	}
	return it, errs
}

func list(v string) []string {
	if v == "" {
		return nil
	}
	parts := strings.Split(v, "|")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

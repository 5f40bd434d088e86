package library

import (
	"bytes"
	"errors"
	"testing"
)

// The import parsers read files uploaded by org staff: whatever the bytes,
// they return items, row errors or ErrFormat — never a panic, never items
// that fail validation.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"items":[{"id":"x"}]}`))
	f.Add([]byte(`[{"id":"wc-1","type":"word_card"}]`))
	f.Add([]byte(`{"items":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, rowErrs, err := ParseJSON(data)
		checkParsed(t, items, rowErrs, err)
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("id,type\nwc-1,word_card\n"))
	f.Add([]byte("id,type,text.en.title\n\"a,b\",x,\"\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, rowErrs, err := ParseCSV(bytes.NewReader(data))
		checkParsed(t, items, rowErrs, err)
	})
}

func checkParsed(t *testing.T, items []Item, rowErrs []RowError, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("error %v is not ErrFormat", err)
		}
		return
	}
	for _, e := range rowErrs {
		if e.Row < 1 || e.Field == "" || e.Detail == "" {
			t.Fatalf("imprecise row error %+v", e)
		}
	}
	if len(rowErrs) == 0 {
		for i := range items {
			if fs := items[i].Validate(); len(fs) > 0 {
				t.Fatalf("row %d accepted but invalid: %+v", i+1, fs)
			}
		}
	}
}

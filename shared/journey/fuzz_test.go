package journey

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"pointsofyou.ai/studio/shared/validate"
)

// Imports are user files: whatever the bytes, decoding returns a journey or
// an input error, never a panic; a decoded journey re-encodes to an equal one.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"format":"poy.journey","format_version":1,"journey":{"name":"x"}}`))
	f.Add([]byte(`{"format":"poy.journey","format_version":1,"journey":{"phases":[{"phase":"pause","elements":[{"id":"a","kind":"inline"}]}]}}`))
	f.Add([]byte(`{"journey":null}`))
	f.Add([]byte(`[`))
	if b, err := EncodeDocument(full()); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := DecodeDocument(data)
		if err != nil {
			var pe *validate.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not an input error", err)
			}
			return
		}
		if Validate(j, ModeDraft) != nil {
			return // invalid text may not survive a round trip (bad UTF-8)
		}
		b, err := EncodeDocument(*j)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeDocument(b)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if diff := cmp.Diff(*j, *again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

// Validate never panics, names a field in every error, and publish is
// stricter than draft: whatever publishes also saves.
func FuzzValidate(f *testing.F) {
	f.Add("Name", "single", 60, "pause", false, "lift", 10, "e1", "inline", "", "welcome", "Hi", 5)
	f.Add("", "weekly", 0, "focus", true, "", -1, "", "content", "pc-1", "", "", 241)
	f.Fuzz(func(t *testing.T, name, timeframe string, session int, phase string, skipped bool, energy string, phaseMin int,
		id, kind, item, typ, title string, elMin int) {
		j := full()
		j.Name, j.Timeframe, j.SessionMinutes = name, timeframe, session
		p := &j.Phases[1]
		p.Phase, p.Skipped, p.EnergyMode, p.DurationMinutes = phase, skipped, energy, phaseMin
		p.Elements[0] = Element{ID: id, Kind: kind, ItemID: item, Type: typ, Title: title, DurationMinutes: elMin}
		strict := Validate(&j, ModePublish)
		lenient := Validate(&j, ModeDraft)
		for _, e := range append(strict, lenient...) {
			if e.Field == "" || e.Detail == "" {
				t.Fatalf("imprecise error %+v", e)
			}
		}
		if len(strict) == 0 && len(lenient) > 0 {
			t.Fatalf("publishable but not saveable: %+v", lenient)
		}
	})
}

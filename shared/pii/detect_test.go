package pii

import (
	"slices"
	"sync"
	"testing"
)

// TestRedact pins the behaviour of each detector on small inputs,
// including the near misses that must stay.
func TestRedact(t *testing.T) {
	t.Parallel()
	known := []string{"Dana Levi", "María de la Cruz", "Will Turner", "נועה ברק", "Jean-Pierre Dubois", "Seán O'Brien"}
	tests := []struct {
		name, in, want string
	}{
		{"email plus", "a.b+c@sub.example.co.uk.", "[EMAIL_1]."},
		{"email idn", "jörg@müller.de", "[EMAIL_1]"},
		{"email spelled", "ana [at] example [dot] org", "[EMAIL_1]"},
		{"email spelled he", "ron שטרודל example נקודה com", "[EMAIL_1]"},
		{"not email", "meet at noon dot", "meet at noon dot"},
		{"phone intl", "call +33 6 12 34 56 78 now", "call [PHONE_1] now"},
		{"phone 00", "0044 20 7946 0958", "[PHONE_1]"},
		{"phone us", "(415) 555-2671", "[PHONE_1]"},
		{"phone il", "טלפון 052-123-4567", "טלפון [PHONE_1]"},
		{"year", "in 2024 and 2019-2024", "in 2024 and 2019-2024"},
		{"date", "on 12/03/2025 at 10:30", "on 12/03/2025 at 10:30"},
		{"price", "costs 1.500.000 € or $4155552671", "costs 1.500.000 € or $4155552671"},
		{"count", "3 cards, 15 people, room 204", "3 cards, 15 people, room 204"},
		{"card", "4111-1111-1111-1111", "[CARD_1]"},
		{"card amex", "3782 822463 10005", "[CARD_1]"},
		{"card with year", "4111 1111 1111 1111 2027", "[CARD_1] 2027"},
		{"card bad luhn", "4111 1111 1111 1112", "4111 1111 1111 1112"},
		{"iban", "DE89 3704 0044 0532 0130 00", "[IBAN_1]"},
		{"iban compact lower", "gb29nwbk60161331926819", "[IBAN_1]"},
		{"iban bad check", "DE88 3704 0044 0532 0130 00", "DE88 3704 0044 0532 0130 00"},
		{"address en", "at 221B Baker Street today", "at [ADDRESS_1] today"},
		{"address es", "en la calle Mayor 5", "en la [ADDRESS_1]"},
		{"address fr", "au 12 rue de la Paix", "au [ADDRESS_1]"},
		{"address de", "in der Hauptstraße 12", "in der [ADDRESS_1]"},
		{"address he", "ברחוב הרצל 12", "ב[ADDRESS_1]"},
		{"no address", "Baker Street is famous", "Baker Street is famous"},
		{"known full", "Dana Levi said", "[NAME_1] said"},
		{"known parts", "dana and LEVI", "[NAME_1] and [NAME_2]"},
		{"known particles", "María de la Cruz", "[NAME_1]"},
		{"known particle alone", "la casa de la playa", "la casa de la playa"},
		{"known diacritics", "MARIA asked", "[NAME_1] asked"},
		{"known common word", "will it work? Will said yes", "will it work? [NAME_1] said yes"},
		{"known hyphen", "Jean-Pierre called", "[NAME_1] called"},
		{"known apostrophe", "ask O'Brien", "ask O'[NAME_1]"},
		{"known hebrew prefix", "אמרתי לנועה ולברק", "אמרתי ל[NAME_1] ול[NAME_2]"},
		{"known whole word", "Danalyn is not Dana", "Danalyn is not [NAME_1]"},
		{"free list", "I met Rebecca today", "I met [NAME_1] today"},
		{"free surname", "I met Rebecca Stone today", "I met [NAME_1] today"},
		{"free cue", "my colleague Zoltan said", "my colleague [NAME_1] said"},
		{"free cue es", "mi jefa Itzel dijo", "mi jefa [NAME_1] dijo"},
		{"free naming fr", "il s'appelle Gaspard", "il s'appelle [NAME_1]"},
		{"free naming de", "Sie heißt Ayşe", "Sie heißt [NAME_1]"},
		{"free title", "Mrs. Okafor called", "Mrs. [NAME_1] called"},
		{"free he", "דיברתי עם יוסי", "דיברתי עם [NAME_1]"},
		{"free he cue", "קוראים לו זבולון", "קוראים לו [NAME_1]"},
		{"free he ambiguous", "ראיתי אור בקצה", "ראיתי אור בקצה"},
		{"free propagated", "my friend Zoltan. Zoltan is kind", "my friend [NAME_1]. [NAME_1] is kind"},
		{"card title", "the card Hope and the card Grace", "the card Hope and the card Grace"},
		{"called object", "an exercise called Balance", "an exercise called Balance"},
		{"ambiguous start", "Hope is what I need", "Hope is what I need"},
		{"ambiguous verb", "yesterday Paz dijo que no", "yesterday [NAME_1] dijo que no"},
		{"german noun after cue", "dass mein Chef Probleme macht", "dass mein Chef Probleme macht"},
		{"shared placeholder", "Dana, dana, Dana", "[NAME_1], [NAME_2], [NAME_1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			red := New(Options{Names: known}).Redact(tt.in)
			if red.Text != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, red.Text, tt.want)
			}
			if got := red.Restore(red.Text); got != tt.in {
				t.Errorf("Restore = %q, want %q", got, tt.in)
			}
		})
	}
}

func TestCounts(t *testing.T) {
	t.Parallel()
	red := New(Options{Names: []string{"Dana"}}).Redact("Dana, dana@example.com, Dana")
	want := map[Kind]int{Name: 2, Email: 1}
	if got := red.Counts(); !mapsEqual(got, want) {
		t.Errorf("Counts() = %v, want %v", got, want)
	}
}

func mapsEqual(a, b map[Kind]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestRegion(t *testing.T) {
	t.Parallel()
	// 0612345678 is not a valid number in the US or Israel alone but is
	// in France; the region given comes first, the others still apply.
	for _, region := range []string{"", "FR", "IL", "us"} {
		red := New(Options{Region: region}).Redact("call 06 12 34 56 78")
		if red.Text != "call [PHONE_1]" {
			t.Errorf("region %q: %q", region, red.Text)
		}
	}
}

// TestConcurrent runs one Redactor from many goroutines (the race
// detector checks it shares nothing mutable).
func TestConcurrent(t *testing.T) {
	t.Parallel()
	r := New(Options{Names: []string{"Dana Levi"}})
	want := r.Redact(benchMessage).Text
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if got := r.Redact(benchMessage).Text; got != want {
					t.Errorf("concurrent result differs")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSpansSorted(t *testing.T) {
	t.Parallel()
	red := New(Options{Names: []string{"Dana Levi"}}).Redact(benchMessage)
	if !slices.IsSortedFunc(red.Spans, func(a, b Span) int { return a.Start - b.Start }) {
		t.Fatal("spans not sorted")
	}
	if len(red.Spans) < 8 {
		t.Fatalf("only %d spans in %q", len(red.Spans), red.Text)
	}
}

// TestConversation: the turns of one conversation, redacted with one
// Redactor, share placeholders, and the answer's Restore knows them all.
func TestConversation(t *testing.T) {
	t.Parallel()
	r := New(Options{Names: []string{"Dana Levi"}})
	turn1 := r.Redact("My friend Zoltan and Dana argued.")
	turn2 := r.Redact("Dana called +44 20 7946 0958 today; my colleague Rebecca too.")
	if want := "My friend [NAME_1] and [NAME_2] argued."; turn1.Text != want {
		t.Errorf("turn 1 %q, want %q", turn1.Text, want)
	}
	if want := "[NAME_2] called [PHONE_1] today; my colleague [NAME_3] too."; turn2.Text != want {
		t.Errorf("turn 2 %q, want %q", turn2.Text, want)
	}
	answer := "[NAME_1] and [NAME_2] and [NAME_3] can talk; [PHONE_1]."
	if got, want := turn2.Restore(answer), "Zoltan and Dana and Rebecca can talk; +44 20 7946 0958."; got != want {
		t.Errorf("Restore %q, want %q", got, want)
	}
	// An earlier Redaction does not learn later placeholders.
	if got := turn1.Restore("[NAME_3]"); got != "[NAME_3]" {
		t.Errorf("turn 1 restored a later placeholder: %q", got)
	}
}

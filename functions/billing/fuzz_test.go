package billing

import (
	"errors"
	"testing"
)

// FuzzDecodeEvent: whatever a (correctly signed) body holds, decoding
// returns an event or a poison error, never panics, and an event's ids
// are fit to name Firestore documents.
func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		`{"id":"evt_1","object":"event","type":"customer.subscription.updated","created":1767225600,"data":{"object":{"id":"sub_1","object":"subscription","status":"active","customer":"cus_1","metadata":{"subject":"user:u1"},"items":{"object":"list","data":[{"id":"si_1","quantity":1,"price":{"id":"price_1","lookup_key":"professional_monthly"}}]}}}}`,
		`{"id":"evt_2","object":"event","type":"checkout.session.completed","created":1767225600,"data":{"object":{"id":"cs_test_1","object":"checkout.session","mode":"subscription","subscription":"sub_1","client_reference_id":"org:o1"}}}`,
		`{"id":"evt_3","object":"event","type":"invoice.payment_failed","created":1767225600,"data":{"object":{"id":"in_1","object":"invoice","amount_due":2900,"currency":"usd","customer":{"id":"cus_1"},"parent":{"type":"subscription_details","subscription_details":{"subscription":"sub_1","metadata":{"subject":"user:u1"}}}}}}`,
		`{"id":"evt_4","type":"customer.created","created":1,"data":{"object":{}}}`,
		`{"id":"evt_5","type":"invoice.paid","created":1,"data":{"object":null}}`,
		`{"id":"evt_6","type":"customer.subscription.deleted","created":1,"data":{"object":{"id":"sub_1","items":{"data":[null]}}}}`,
		`{"id":"../x","type":"invoice.paid","created":1}`,
		`[]`, `null`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeEvent(body)
		if err != nil {
			var p *poisonError
			if !errors.As(err, &p) {
				t.Fatalf("not a poison error: %v", err)
			}
			if !eventIDRE.MatchString(p.id) && len(p.id) != len("body_")+24 {
				t.Fatalf("dead-letter id %q", p.id)
			}
			return
		}
		if !eventIDRE.MatchString(in.ID) || in.Created <= 0 || !typeRE.MatchString(in.Type) {
			t.Fatalf("event %+v", in)
		}
		if in.Sub != nil && checkSub(in.Sub) != "" {
			t.Fatalf("unusable subscription passed: %+v", in.Sub)
		}
	})
}

func BenchmarkDecodeEvent(b *testing.B) {
	body := []byte(`{"id":"evt_1","object":"event","type":"customer.subscription.updated","created":1767225600,"data":{"object":{"id":"sub_1","object":"subscription","status":"active","customer":"cus_1","metadata":{"subject":"user:u1"},"items":{"object":"list","data":[{"id":"si_1","quantity":1,"price":{"id":"price_1","lookup_key":"professional_monthly"}}]}}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeEvent(body); err != nil {
			b.Fatal(err)
		}
	}
}

package consentvault

import (
	"context"
	"errors"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/events"
)

func TestDefaultIsEveryPurposeDenied(t *testing.T) {
	t.Parallel()
	s := NewStore(fsClient, nil)
	c := NewChecker(s, nil, CheckerOptions{})
	uid := newUID()
	st, err := s.State(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Purposes() {
		if st.Allowed(p, "") || st.Allowed(p, "org-x") {
			t.Errorf("%s allowed by default", p)
		}
		if ok, err := c.Allowed(context.Background(), uid, "org-x", string(p)); ok || err != nil {
			t.Errorf("checker: %s = %v, %v", p, ok, err)
		}
	}
	for _, e := range st.List() {
		if e.Granted {
			t.Errorf("listed as granted: %+v", e)
		}
	}
	if ok, _ := c.Allowed(context.Background(), uid, "", "no_such_purpose"); ok {
		t.Error("unknown purpose allowed")
	}
}

func TestGrantWithdrawLeavesTwoReceiptsAndIntactChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewStore(fsClient, nil)
	publishAll(t, s)
	uid := newUID()
	if _, _, _, err := s.Record(ctx, Change{UID: uid, Purpose: Analytics, Decision: Grant, Locale: "de", Mechanism: "settings"}); err != nil {
		t.Fatal(err)
	}
	st, _ := s.State(ctx, uid)
	if !st.Allowed(Analytics, "any-org") || st.Allowed(Research, "") {
		t.Fatalf("after grant: %+v", st)
	}
	// Repeating the same decision records nothing.
	if _, _, changed, err := s.Record(ctx, Change{UID: uid, Purpose: Analytics, Decision: Grant, Locale: "de", Mechanism: "settings"}); err != nil || changed {
		t.Fatalf("repeat: changed=%v err=%v", changed, err)
	}
	if _, _, _, err := s.Record(ctx, Change{UID: uid, Purpose: Analytics, Decision: Withdraw, Mechanism: "settings"}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Receipts(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Decision != Grant || rs[1].Decision != Withdraw || rs[1].PrevHash != rs[0].Hash || rs[0].PrevHash != GenesisHash {
		t.Fatalf("receipts %+v", rs)
	}
	if rs[0].PolicyLocale != "de" || rs[0].PolicyHash != TextHash("Wir nutzen analytics.") {
		t.Errorf("receipt policy: %s %s", rs[0].PolicyLocale, rs[0].PolicyHash)
	}
	v, err := s.Verify(ctx, uid)
	if err != nil || !v.Intact || v.Receipts != 2 {
		t.Fatalf("verify: %+v %v", v, err)
	}
	st, _ = s.State(ctx, uid)
	if st.Allowed(Analytics, "") {
		t.Error("still allowed after withdrawal")
	}
}

func TestTamperingBreaksVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewStore(fsClient, nil)
	publishAll(t, s)
	tamper := map[string]func(t *testing.T, uid string){
		"flip a decision": func(t *testing.T, uid string) {
			if _, err := s.receipts(uid).Doc(ReceiptID(1)).Update(ctx, []firestore.Update{{Path: "decision", Value: "withdraw"}}); err != nil {
				t.Fatal(err)
			}
		},
		"back-date": func(t *testing.T, uid string) {
			if _, err := s.receipts(uid).Doc(ReceiptID(2)).Update(ctx, []firestore.Update{{Path: "at", Value: time.Unix(0, 0)}}); err != nil {
				t.Fatal(err)
			}
		},
		"delete the last receipt": func(t *testing.T, uid string) {
			if _, err := s.receipts(uid).Doc(ReceiptID(3)).Delete(ctx); err != nil {
				t.Fatal(err)
			}
		},
		"delete a middle receipt": func(t *testing.T, uid string) {
			if _, err := s.receipts(uid).Doc(ReceiptID(2)).Delete(ctx); err != nil {
				t.Fatal(err)
			}
		},
		"edit the state": func(t *testing.T, uid string) {
			if _, err := s.StateRef(uid).Update(ctx, []firestore.Update{{Path: "entries.research.granted", Value: true}}); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, f := range tamper {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			uid := newUID()
			for _, c := range []Change{
				{UID: uid, Purpose: Analytics, Decision: Grant, Mechanism: "onboarding"},
				{UID: uid, Purpose: Research, Decision: Grant, Mechanism: "settings", Org: "org-a"},
				{UID: uid, Purpose: Research, Decision: Withdraw, Mechanism: "settings"},
			} {
				if _, _, _, err := s.Record(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			if v, err := s.Verify(ctx, uid); err != nil || !v.Intact {
				t.Fatalf("before: %+v %v", v, err)
			}
			f(t, uid)
			v, err := s.Verify(ctx, uid)
			if err != nil || v.Intact || v.Problem == "" {
				t.Fatalf("after tampering: %+v %v", v, err)
			}
		})
	}
}

func TestOrgScopedDecisionWins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewStore(fsClient, nil)
	publishAll(t, s)
	uid := newUID()
	for _, c := range []Change{
		{UID: uid, Purpose: FacilitatorVisibility, Decision: Grant, Mechanism: "settings"},
		{UID: uid, Purpose: FacilitatorVisibility, Org: "work", Decision: Withdraw, Mechanism: "settings"},
	} {
		if _, _, _, err := s.Record(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := s.State(ctx, uid)
	if !st.Allowed(FacilitatorVisibility, "club") || st.Allowed(FacilitatorVisibility, "work") {
		t.Fatalf("state %+v", st.Entries)
	}
}

func TestRecordRefusesBadChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewStore(fsClient, nil)
	uid := newUID()
	cases := []struct {
		name string
		c    Change
		want error
	}{
		{"unknown purpose", Change{UID: uid, Purpose: "emotions", Decision: Grant, Mechanism: "api"}, ErrUnknownPurpose},
		{"bad decision", Change{UID: uid, Purpose: Research, Decision: "maybe", Mechanism: "api"}, ErrInvalid},
		{"bad mechanism", Change{UID: uid, Purpose: Research, Decision: Grant, Mechanism: "pre-ticked"}, ErrInvalid},
		{"no uid", Change{Purpose: Research, Decision: Grant, Mechanism: "api"}, ErrInvalid},
	}
	for _, tc := range cases {
		if _, _, _, err := s.Record(ctx, tc.c); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestVerifyChainPure(t *testing.T) {
	t.Parallel()
	var rs []Receipt
	prev := GenesisHash
	for i := 1; i <= 3; i++ {
		r := Receipt{Seq: int64(i), UID: "u", Purpose: Analytics, Decision: Grant, Mechanism: "api", At: time.Unix(int64(i), 0), PrevHash: prev}
		r.Hash = r.ComputeHash()
		prev = r.Hash
		rs = append(rs, r)
	}
	if err := VerifyChain(rs, 3, prev); err != nil {
		t.Fatal(err)
	}
	if err := VerifyChain(rs[:2], 3, prev); !errors.Is(err, ErrBrokenChain) {
		t.Errorf("truncated: %v", err)
	}
	rs[1].Mechanism = "settings"
	if err := VerifyChain(rs, 3, prev); !errors.Is(err, ErrBrokenChain) {
		t.Errorf("altered: %v", err)
	}
}

// The checker is the event publisher's consent gate.
var _ events.ConsentGate = (*Checker)(nil)

package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	fsemu "pointsofyou.ai/studio/emulators/firestore"

	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/shared/mail"
)

func TestQuota(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := fstest.NewClient(t, "demo-mail-quota", fsemu.Options{})
	q := mail.NewQuota(client,
		mail.Limit{Scope: mail.ScopeUser, Max: 5, Window: time.Hour},
		mail.Limit{Scope: mail.ScopeOrg, Max: 8, Window: 24 * time.Hour})
	base := time.Date(2030, 1, 1, 10, 15, 0, 0, time.UTC)
	reserve := func(org, uid string, n int, at time.Time) error {
		return client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			return q.Reserve(tx, org, uid, n, at)
		})
	}
	steps := []struct {
		org, uid string
		n        int
		at       time.Time
		refused  mail.Scope // "" when allowed
		retry    time.Duration
	}{
		{"org-a", "u1", 3, base, "", 0},
		{"org-a", "u1", 2, base, "", 0},
		{"org-a", "u1", 1, base, mail.ScopeUser, 45 * time.Minute}, // 6 > 5 this hour
		{"org-a", "u2", 3, base, "", 0},                            // org at 8
		{"org-a", "u3", 1, base, mail.ScopeOrg, 13*time.Hour + 45*time.Minute},
		{"org-b", "u3", 1, base, "", 0}, // another organisation
		{"", "u4", 5, base, "", 0},      // no organisation: the person's limit only
		{"org-a", "u1", 1, base.Add(time.Hour), mail.ScopeOrg, 12*time.Hour + 45*time.Minute},
		{"org-c", "u1", 5, base.Add(time.Hour), "", 0},      // a new hour for u1
		{"org-a", "u1", 1, base.Add(14 * time.Hour), "", 0}, // a new day for org-a
	}
	for i, s := range steps {
		err := reserve(s.org, s.uid, s.n, s.at)
		var qe *mail.QuotaError
		switch {
		case s.refused == "" && err != nil:
			t.Fatalf("step %d: %v", i, err)
		case s.refused != "" && (!errors.As(err, &qe) || !errors.Is(err, mail.ErrQuota)):
			t.Fatalf("step %d: %v, want a quota refusal", i, err)
		case s.refused != "" && (qe.Limit.Scope != s.refused || qe.RetryAfter != s.retry || qe.RetryAfterSeconds() != int(s.retry.Seconds())):
			t.Fatalf("step %d: refused %+v, want scope %s retry %v", i, qe, s.refused, s.retry)
		}
	}
	// Counters name nobody in clear.
	snaps, err := client.Collection(mail.QuotaCollection).Documents(ctx).GetAll()
	if err != nil || len(snaps) == 0 {
		t.Fatalf("counters: %d %v", len(snaps), err)
	}
	for _, s := range snaps {
		if strings.Contains(s.Ref.ID, "u1") || strings.Contains(s.Ref.ID, "org-a") {
			t.Errorf("counter id %s names its sender", s.Ref.ID)
		}
		if _, ok := s.Data()["expires_at"]; !ok {
			t.Errorf("counter %s has no expires_at", s.Ref.ID)
		}
	}
}

func TestSubjectsHoldNoControlCharacters(t *testing.T) {
	t.Parallel()
	var m mail.Memory
	ctx := context.Background()
	if err := m.Send(ctx, mail.Message{To: "x@example.com", Subject: "Invitation: a\r\nBcc: victim@example.com\x00\x1b[2J\u0085ok\tnow"}); err != nil {
		t.Fatal(err)
	}
	if got := m.Sent()[0].Subject; got != "Invitation: a Bcc: victim@example.com[2Jok now" {
		t.Fatalf("subject %q", got)
	}
	for _, bad := range []mail.Message{
		{To: "x@example.com", Subject: "\x00\x1b"},
		{To: "x@example.com", Subject: "s", Attachments: []mail.Attachment{{Filename: "a\r\n.ics", ContentType: "text/calendar", Content: "x"}}},
		{To: "x@example.com", Subject: "s", Attachments: []mail.Attachment{{Filename: "a.ics", ContentType: "text/calendar\r\nX: y", Content: "x"}}},
	} {
		if err := m.Send(ctx, bad); !errors.Is(err, mail.ErrInvalid) {
			t.Errorf("Send(%q) = %v, want ErrInvalid", bad.Subject, err)
		}
	}
}

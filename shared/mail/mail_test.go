package mail_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	fsemu "pointsofyou.ai/studio/emulators/firestore"

	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/shared/mail"
)

func TestOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := fstest.NewClient(t, "demo-mail", fsemu.Options{})

	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	out := mail.NewOutbox(client, func() time.Time { at = at.Add(time.Second); return at })
	msgs := []mail.Message{
		{To: "a@example.com", Subject: "one", Text: "body 1", Kind: "invitation"},
		{To: "b@example.com", Subject: "two", Text: "body 2", Kind: "invitation"},
		{To: "a@example.com", Subject: "three", Text: "body 3", Kind: "notice",
			Attachments: []mail.Attachment{{Filename: "invite.ics", ContentType: "text/calendar; method=REQUEST", Content: "BEGIN:VCALENDAR\r\n"}}},
	}
	for _, m := range msgs {
		if err := out.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []mail.Message{{To: "Someone <a@example.com>", Subject: "x"}, {To: "nope", Subject: "x"}, {To: "a@example.com"},
		{To: "a@example.com", Subject: "x", Attachments: []mail.Attachment{{Content: "no name"}}},
		{To: "a@example.com", Subject: "x", Attachments: []mail.Attachment{{Filename: "big", ContentType: "text/plain", Content: strings.Repeat("x", mail.MaxAttachmentBytes+1)}}},
	} {
		if err := out.Send(ctx, bad); !errors.Is(err, mail.ErrInvalid) {
			t.Errorf("Send(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	got, err := mail.List(ctx, client, "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !reflect.DeepEqual(got[0].Message, msgs[0]) || !reflect.DeepEqual(got[1].Message, msgs[2]) || got[0].ID == "" {
		t.Fatalf("List = %+v", got)
	}
	all, err := mail.List(ctx, client, "")
	if err != nil || len(all) != 3 {
		t.Fatalf("List all = %d, %v", len(all), err)
	}
}

func TestMemory(t *testing.T) {
	t.Parallel()
	var m mail.Memory
	if err := m.Send(context.Background(), mail.Message{To: "x@example.com", Subject: "s"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), mail.Message{To: "", Subject: "s"}); err == nil {
		t.Fatal("empty recipient accepted")
	}
	if s := m.Sent(); len(s) != 1 || s[0].To != "x@example.com" {
		t.Fatalf("Sent = %+v", s)
	}
}

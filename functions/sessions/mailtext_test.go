package sessions

import (
	"strings"
	"testing"
)

// Session mail speaks the language the invitation was sent in, with the
// start in the session's zone; an unknown language falls back to English.
func TestMailLanguages(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	start := "2027-03-04T18:30"
	s := schedCreate(t, e, map[string]any{"start_at": start, "time_zone": "Europe/Berlin", "title": "Abendkreis"})
	cases := []struct {
		locale, addr string
		want         []string
	}{
		{"de", "p1@a.test", []string{"Einladung: Abendkreis", "Donnerstag, 4. März 2027, 18:30 Uhr CET (UTC+01:00, Europe/Berlin)", "Dauer: 60 Minuten", "Teilnehmen: "}},
		{"he", "p2@a.test", []string{"הזמנה: Abendkreis", "יום חמישי, 4 במרץ 2027, 18:30", "משך: 60 דקות"}},
		{"es", "p3@a.test", []string{"Invitación: Abendkreis", "jueves 4 de marzo de 2027, 18:30", "Unirse: "}},
		{"fr", "part-b@b.test", []string{"Invitation: Abendkreis", "jeudi 4 mars 2027, 18:30", "Rejoindre: "}},
		{"", "x@a.test", []string{"Invitation: Abendkreis", "Thursday 4 March 2027, 18:30 CET", "Join: "}},
	}
	for _, c := range cases {
		body := map[string]any{"emails": []string{c.addr}}
		if c.locale != "" {
			body["locale"] = c.locale
		}
		if r := e.do(t, "POST", "/v1/sessions/"+s.ID+"/invitations", tokFac, body); r.Code != 200 {
			t.Fatalf("invite %s: %d %s", c.locale, r.Code, r.Body)
		}
		ms := inviteMails(t, e, c.addr, "session_invitation")
		if len(ms) != 1 {
			t.Fatalf("%s: %d mails", c.locale, len(ms))
		}
		text := ms[0].Subject + "\n" + ms[0].Text
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%q mail lacks %q:\n%s", c.locale, w, text)
			}
		}
	}
	// Updates reach each invitee in their language.
	if r := e.do(t, "POST", "/v1/sessions/"+s.ID+"/reschedule", tokFac, map[string]any{"start_at": "2027-03-05T09:00"}); r.Code != 200 {
		t.Fatalf("reschedule: %d %s", r.Code, r.Body)
	}
	if ms := inviteMails(t, e, "p1@a.test", "session_update"); len(ms) != 1 || !strings.Contains(ms[0].Text, "Freitag, 5. März 2027, 09:00 Uhr") {
		t.Errorf("update mail %+v", ms)
	}
	for l := range mailTexts {
		mt := textsFor(l)
		if mt.date == nil || mt.when == "" || mt.kind(mailReminder)[1] == "" {
			t.Errorf("%s: incomplete wording", l)
		}
	}
	if textsFor("pt").when != "When" {
		t.Error("unknown language does not fall back to English")
	}
}

package canvas

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	meta := func(edit func(m *Meta)) *Meta {
		m := &Meta{ID: "c1", Org: "o1", Owner: "own", Visibility: Shared, SessionID: "s1"}
		if edit != nil {
			edit(m)
		}
		return m
	}
	share := func(uid, role string, until *time.Time) func(m *Meta) {
		return func(m *Meta) { m.Shares = map[string]Share{uid: {Role: role, Expires: until}} }
	}
	participant := Subject{UID: "p1", Session: SessionParticipant}
	facilitator := Subject{UID: "f1", Session: SessionFacilitator}
	for _, tc := range []struct {
		name      string
		m         *Meta
		s         Subject
		want      string
		wantUntil time.Time
	}{
		{"no canvas", nil, Subject{UID: "own"}, RoleNone, time.Time{}},
		{"no uid", meta(nil), Subject{}, RoleNone, time.Time{}},
		{"owner", meta(nil), Subject{UID: "own"}, RoleOwner, time.Time{}},
		{"owner of private", meta(func(m *Meta) { m.Visibility = Private }), Subject{UID: "own"}, RoleOwner, time.Time{}},
		{"owner of trashed", meta(func(m *Meta) { m.DeletedAt = &earlier }), Subject{UID: "own"}, RoleNone, time.Time{}},
		{"stranger", meta(nil), Subject{UID: "x"}, RoleNone, time.Time{}},
		{"private ignores shares", meta(func(m *Meta) { m.Visibility = Private; share("x", RoleEditor, nil)(m) }), Subject{UID: "x"}, RoleNone, time.Time{}},
		{"private ignores session role", meta(func(m *Meta) { m.Visibility = Private; m.SessionRole = RoleEditor }), participant, RoleNone, time.Time{}},
		{"private ignores facilitators", meta(func(m *Meta) { m.Visibility = Private }), Subject{UID: "f1", Session: SessionFacilitator, OwnerConsents: true, OwnerIsFacilitator: true}, RoleNone, time.Time{}},
		{"unknown visibility is private", meta(func(m *Meta) { m.Visibility = "public"; share("x", RoleViewer, nil)(m) }), Subject{UID: "x"}, RoleNone, time.Time{}},
		{"share viewer", meta(share("x", RoleViewer, nil)), Subject{UID: "x"}, RoleViewer, time.Time{}},
		{"share editor", meta(share("x", RoleEditor, nil)), Subject{UID: "x"}, RoleEditor, time.Time{}},
		{"share until", meta(share("x", RoleEditor, &later)), Subject{UID: "x"}, RoleEditor, later},
		{"share expired", meta(share("x", RoleEditor, &earlier)), Subject{UID: "x"}, RoleNone, time.Time{}},
		{"share expires now", meta(share("x", RoleEditor, &now)), Subject{UID: "x"}, RoleNone, time.Time{}},
		{"share owner role refused", meta(share("x", RoleOwner, nil)), Subject{UID: "x"}, RoleNone, time.Time{}},
		{"share of another", meta(share("y", RoleEditor, nil)), Subject{UID: "x"}, RoleNone, time.Time{}},
		{"trashed share", meta(func(m *Meta) { share("x", RoleEditor, nil)(m); m.DeletedAt = &earlier }), Subject{UID: "x"}, RoleNone, time.Time{}},
		{"session role viewer", meta(func(m *Meta) { m.SessionRole = RoleViewer }), participant, RoleViewer, time.Time{}},
		{"session role editor", meta(func(m *Meta) { m.SessionRole = RoleEditor }), participant, RoleEditor, time.Time{}},
		{"session role none", meta(nil), participant, RoleNone, time.Time{}},
		{"session role bogus", meta(func(m *Meta) { m.SessionRole = RoleOwner }), participant, RoleNone, time.Time{}},
		{"session role without session", meta(func(m *Meta) { m.SessionRole = RoleEditor; m.SessionID = "" }), participant, RoleNone, time.Time{}},
		{"session role is not for non-members", meta(func(m *Meta) { m.SessionRole = RoleEditor }), Subject{UID: "x"}, RoleNone, time.Time{}},
		{"share beats session role", meta(func(m *Meta) { m.SessionRole = RoleViewer; share("p1", RoleEditor, nil)(m) }), participant, RoleEditor, time.Time{}},
		{"session role beats expiring share", meta(func(m *Meta) { m.SessionRole = RoleEditor; share("p1", RoleViewer, &later)(m) }), participant, RoleEditor, time.Time{}},
		{"equal roles keep expiry", meta(func(m *Meta) { m.SessionRole = RoleViewer; share("p1", RoleViewer, &later)(m) }), participant, RoleViewer, later},
		{"expiring editor over session viewer", meta(func(m *Meta) { m.SessionRole = RoleViewer; share("p1", RoleEditor, &later)(m) }), participant, RoleEditor, later},
		{"expired share falls back to session", meta(func(m *Meta) { m.SessionRole = RoleViewer; share("p1", RoleEditor, &earlier)(m) }), participant, RoleViewer, time.Time{}},
		{"facilitator on facilitator canvas", meta(nil), Subject{UID: "f1", Session: SessionFacilitator, OwnerIsFacilitator: true}, RoleEditor, time.Time{}},
		{"facilitator with consent", meta(nil), Subject{UID: "f1", Session: SessionFacilitator, OwnerConsents: true}, RoleViewer, time.Time{}},
		{"facilitator without consent", meta(nil), facilitator, RoleNone, time.Time{}},
		{"facilitator of no session", meta(func(m *Meta) { m.SessionID = "" }), Subject{UID: "f1", Session: SessionFacilitator, OwnerConsents: true}, RoleNone, time.Time{}},
		{"facilitator with consent and editor share", meta(share("f1", RoleEditor, nil)), Subject{UID: "f1", Session: SessionFacilitator, OwnerConsents: true}, RoleEditor, time.Time{}},
		{"facilitator is not given session role", meta(func(m *Meta) { m.SessionRole = RoleEditor }), facilitator, RoleNone, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			role, until := Decide(tc.m, tc.s, now)
			if role != tc.want || !until.Equal(tc.wantUntil) {
				t.Errorf("Decide = %q until %v, want %q until %v", role, until, tc.want, tc.wantUntil)
			}
			if CanEdit(role) != (role == RoleEditor || role == RoleOwner) || CanView(role) != (role != RoleNone) {
				t.Errorf("CanEdit/CanView disagree with %q", role)
			}
		})
	}
}

func BenchmarkDecide(b *testing.B) {
	now := time.Now()
	later := now.Add(time.Hour)
	m := &Meta{Owner: "own", Visibility: Shared, SessionID: "s1", SessionRole: RoleViewer, Shares: map[string]Share{}}
	for i := range 50 {
		m.Shares[string(rune('a'+i%26))+string(rune('a'+i/26))] = Share{Role: RoleEditor, Expires: &later}
	}
	subjects := []Subject{{UID: "ab", Session: SessionParticipant}, {UID: "zz", Session: SessionParticipant}, {UID: "f", Session: SessionFacilitator, OwnerConsents: true}, {UID: "own"}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Decide(m, subjects[i%len(subjects)], now)
	}
}

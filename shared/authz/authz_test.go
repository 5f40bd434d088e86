package authz

import (
	"context"
	"errors"
	"testing"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// memStore is a MembershipStore over maps keyed by document path.
type memStore struct {
	docs map[string]string // path → role
	err  error
}

func (m memStore) OrgMember(_ context.Context, org, uid string) (Member, bool, error) {
	return m.get("orgs/" + org + "/members/" + uid)
}

func (m memStore) ResourceMember(_ context.Context, path, uid string) (Member, bool, error) {
	return m.get(path + "/members/" + uid)
}

func (m memStore) get(path string) (Member, bool, error) {
	if m.err != nil {
		return Member{}, false, m.err
	}
	r, ok := m.docs[path]
	return Member{Role: r}, ok, nil
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	const session = "orgs/a/sessions/s1"
	store := memStore{docs: map[string]string{
		"orgs/a/members/guest":          auth.RoleParticipant, // claims say org b
		session + "/members/p-other":    ResourceParticipant,  // participant of org c in a session of org a
		session + "/members/viewer-b":   ResourceViewer,
		"orgs/a/sessions/s2/members/pa": ResourceParticipant,
	}}
	var (
		admin       = &auth.Principal{UID: "admin", Org: "a", Role: auth.RoleOrgAdmin}
		facilitator = &auth.Principal{UID: "fac", Org: "a", Role: auth.RoleFacilitator}
		educator    = &auth.Principal{UID: "edu", Org: "a", Role: auth.RoleEducator}
		participant = &auth.Principal{UID: "pa", Org: "a", Role: auth.RoleParticipant}
		outsider    = &auth.Principal{UID: "out", Org: "b", Role: auth.RoleOrgAdmin}
		guest       = &auth.Principal{UID: "guest", Org: "b", Role: auth.RoleFacilitator}
		pOther      = &auth.Principal{UID: "p-other", Org: "c", Role: auth.RoleParticipant}
		viewerB     = &auth.Principal{UID: "viewer-b", Org: "b", Role: auth.RoleOrgAdmin}
		orgless     = &auth.Principal{UID: "none"}
	)
	orgA := Org("a")
	tests := []struct {
		name string
		p    *auth.Principal
		act  Action
		res  Resource
		want error
	}{
		{"admin invites staff", admin, InviteStaff, orgA, nil},
		{"participant reads org", participant, OrgRead, orgA, nil},
		{"participant cannot write org resources", participant, ResourceWrite, orgA, ErrForbidden},
		{"educator reads org resources", educator, ResourceRead, orgA, nil},
		{"facilitator cannot invite staff", facilitator, InviteStaff, orgA, ErrForbidden},
		{"educator cannot invite staff", educator, InviteStaff, orgA, ErrForbidden},
		{"participant cannot invite staff", participant, InviteStaff, orgA, ErrForbidden},
		{"outsider admin is not a member", outsider, OrgRead, orgA, ErrNotMember},
		{"outsider admin cannot invite", outsider, InviteStaff, orgA, ErrNotMember},
		{"outsider cannot write", outsider, ResourceWrite, orgA, ErrNotMember},
		{"orgless caller", orgless, OrgRead, orgA, ErrNotMember},
		{"nil principal", nil, OrgRead, orgA, ErrNotMember},
		{"unknown action", admin, Action("org.delete"), orgA, ErrNotMember},
		{"empty org", admin, OrgRead, Org(""), ErrNotMember},
		{"org id with slash", admin, OrgRead, Org("a/members"), ErrNotMember},
		{"membership doc grants another org's role", guest, OrgRead, orgA, nil},
		{"membership doc role is a participant's", guest, ResourceWrite, orgA, ErrForbidden},
		{"session participant of another org reads the session", pOther, ResourceRead, Resource{Org: "a", Path: session}, nil},
		{"session participant cannot write", pOther, ResourceWrite, Resource{Org: "a", Path: session}, ErrForbidden},
		{"same participant, other session", pOther, ResourceRead, Resource{Org: "a", Path: "orgs/a/sessions/s2"}, ErrNotMember},
		{"viewer from org b reads", viewerB, ResourceRead, Resource{Org: "a", Path: session}, nil},
		{"staff reads any session of the org", facilitator, ResourceRead, Resource{Org: "a", Path: session}, nil},
		{"org participant outside the session", participant, ResourceRead, Resource{Org: "a", Path: session}, ErrForbidden},
		{"org participant inside the session", participant, ResourceRead, Resource{Org: "a", Path: "orgs/a/sessions/s2"}, nil},
		{"resource path outside the org", pOther, ResourceRead, Resource{Org: "b", Path: session}, ErrNotMember},
	}
	az := New(store)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := az.Check(context.Background(), tt.p, tt.act, tt.res)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEveryActionHasARule(t *testing.T) {
	t.Parallel()
	for _, a := range []Action{OrgRead, InviteStaff, ResourceRead, ResourceWrite} {
		if r, ok := Policy[a]; !ok || len(r.OrgRoles) == 0 {
			t.Errorf("action %s has no rule", a)
		}
	}
}

func TestStoreErrorsAreNotDenials(t *testing.T) {
	t.Parallel()
	down := errors.New("unavailable")
	az := New(memStore{err: down})
	err := az.Check(context.Background(), &auth.Principal{UID: "x", Org: "b"}, OrgRead, Org("a"))
	if !errors.Is(err, down) || errors.Is(err, ErrDenied) {
		t.Fatalf("Check = %v", err)
	}
	var e *httpapi.Error
	if !errors.As(Problem(err, "organisation"), &e) || e.Status != 503 {
		t.Fatalf("Problem = %v", Problem(err, "organisation"))
	}
	for err, status := range map[error]int{ErrNotMember: 404, ErrForbidden: 403} {
		if !errors.As(Problem(err, "organisation"), &e) || e.Status != status {
			t.Errorf("Problem(%v) status %d, want %d", err, e.Status, status)
		}
	}
	if Problem(nil, "x") != nil {
		t.Fatal("Problem(nil) != nil")
	}
}

package sessionaccess

import (
	"testing"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	s := Session{Org: "o", Facilitator: "owner", CoFacilitators: []string{"co"}}
	for _, tt := range []struct {
		name, uid, orgRole, memberRole string
		want                           Relation
	}{
		{"owner while staff", "owner", auth.RoleFacilitator, "", Facilitator},
		{"co-facilitator while staff", "co", auth.RoleOrgAdmin, "", Facilitator},
		{"owner no longer a member of the org", "owner", "", "", None},
		{"owner demoted to participant of the org", "owner", auth.RoleParticipant, "", None},
		{"owner demoted but a participant of the session", "owner", auth.RoleParticipant, authz.ResourceParticipant, Participant},
		{"participant of the session", "p", auth.RoleParticipant, authz.ResourceParticipant, Participant},
		{"participant from another org", "p", "", authz.ResourceParticipant, Participant},
		{"other staff", "x", auth.RoleEducator, "", OrgStaff},
		{"staff who also takes part", "x", auth.RoleEducator, authz.ResourceParticipant, Participant},
		{"session member with another role", "v", "", "viewer", None},
		{"stranger", "y", "", "", None},
		{"no uid", "", auth.RoleFacilitator, "", OrgStaff},
	} {
		if got := Decide(s, tt.uid, tt.orgRole, tt.memberRole); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRelationNames(t *testing.T) {
	t.Parallel()
	for r, want := range map[Relation]string{None: "none", OrgStaff: "org_staff", Participant: "participant", Facilitator: "facilitator", 9: "none"} {
		if r.String() != want {
			t.Errorf("%d: %q, want %q", r, r.String(), want)
		}
	}
}

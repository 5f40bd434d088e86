package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Standing is what a person leaving for good (erasure, account deletion)
// does to their organisations. An organisation must neither lose its last
// admin while other people still depend on it, nor linger with no member
// at all (its domains would stay claimed and its SSO enforced, by nobody):
// Dissolve lists those the person is the only member of, which go with
// them; Blocked those they are the only org_admin of while others remain,
// which hold the departure up until they appoint another admin.
type Standing struct {
	Dissolve, Blocked []string
}

// StandingOf reads uid's organisation memberships (orgs/{org}/members/{uid},
// found through the members collection group's uid field).
func StandingOf(ctx context.Context, fs *firestore.Client, uid string) (Standing, error) {
	var s Standing
	members, err := fs.CollectionGroup("members").Where("uid", "==", uid).Documents(ctx).GetAll()
	if err != nil {
		return s, fmt.Errorf("memberships: %w", err)
	}
	for _, m := range members {
		org := MemberOrg(m.Ref)
		if org == "" || m.Ref.ID != uid {
			continue
		}
		col := m.Ref.Parent
		two, err := col.Limit(2).Documents(ctx).GetAll()
		if err != nil {
			return s, fmt.Errorf("members of %s: %w", org, err)
		}
		if len(two) < 2 {
			s.Dissolve = append(s.Dissolve, org)
			continue
		}
		if role, _ := m.Data()["role"].(string); role != auth.RoleOrgAdmin {
			continue
		}
		admins, err := col.Where("role", "==", auth.RoleOrgAdmin).Limit(2).Documents(ctx).GetAll()
		if err != nil {
			return s, fmt.Errorf("admins of %s: %w", org, err)
		}
		if len(admins) < 2 {
			s.Blocked = append(s.Blocked, org)
		}
	}
	slices.Sort(s.Dissolve)
	slices.Sort(s.Blocked)
	return s, nil
}

// Check is a SoleAdminError when the departure is blocked.
func (s Standing) Check() error {
	if len(s.Blocked) > 0 {
		return SoleAdminError{Org: s.Blocked[0]}
	}
	return nil
}

// SoleAdminError refuses the departure of the only admin of Org.
type SoleAdminError struct{ Org string }

func (e SoleAdminError) Error() string {
	return fmt.Sprintf("the only org_admin of organisation %s, which has other members", e.Org)
}

// SoleAdminProblem is the 409 problem (type sole-admin) for a
// SoleAdminError in err's chain, nil for any other error.
func SoleAdminProblem(err error) error {
	var sole SoleAdminError
	if !errors.As(err, &sole) {
		return nil
	}
	e := httpapi.Conflict("you are the only org_admin of organisation %s, which has other members: "+
		"appoint another org_admin (or remove the other members) before your account goes", sole.Org)
	e.Slug = "sole-admin"
	return e
}

// MemberOrg is the organisation of an organisation membership document
// (orgs/{org}/members/{uid}), or "" for any other members document.
func MemberOrg(ref *firestore.DocumentRef) string {
	col := ref.Parent
	if col == nil || col.ID != "members" || col.Parent == nil {
		return ""
	}
	org := col.Parent
	if org.Parent == nil || org.Parent.ID != "orgs" || org.Parent.Parent != nil {
		return ""
	}
	return org.ID
}

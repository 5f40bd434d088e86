package journeys

import (
	"context"
	"testing"
)

// A member's rights follow the membership document, not the token: once
// demoted or removed, the same token reaches none of the organisation's
// journeys or templates.
func TestRemovedOrDemotedStaffLoseJourneys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		change func(e *env) error
	}{
		{"demoted", func(e *env) error {
			_, err := e.fs.Doc("orgs/org-a/members/u-fac-a").Set(ctx, map[string]any{"role": "participant"})
			return err
		}},
		{"removed", func(e *env) error {
			_, err := e.fs.Doc("orgs/org-a/members/u-fac-a").Delete(ctx)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			d := e.create(t, tokFacA, sample())
			e.do(t, "GET", "/v1/journeys/"+d.ID, tokFacA, nil).Want(t, 200)
			if err := c.change(e); err != nil {
				t.Fatal(err)
			}
			for _, op := range []struct{ method, path string }{
				{"GET", "/v1/journeys"}, {"GET", "/v1/journeys/" + d.ID}, {"DELETE", "/v1/journeys/" + d.ID},
				{"POST", "/v1/journeys/" + d.ID + "/publish"}, {"GET", "/v1/templates"}, {"GET", "/v1/journeys/" + d.ID + "/export"},
			} {
				var body any
				if op.method == "POST" {
					body = map[string]any{}
				}
				if r := e.do(t, op.method, op.path, tokFacA, body); r.Code != 403 {
					t.Errorf("%s %s = %d %s, want 403", op.method, op.path, r.Code, r.Body)
				}
			}
			// The organisation's other staff keep them.
			e.do(t, "GET", "/v1/journeys/"+d.ID, tokAdminA, nil).Want(t, 200)
		})
	}
}

package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// field is one onboarding field: an enum (Values), a list of enum values
// (List), or a boolean (Bool). Every field of a step is required.
type field struct {
	Name   string   `json:"name"`
	Kind   string   `json:"kind"` // enum | list | bool
	Values []string `json:"values,omitempty"`
}

type step struct {
	Name   string  `json:"name"`
	Fields []field `json:"fields"`
}

var (
	useCase     = field{Name: "use_case", Kind: "enum", Values: []string{"personal_growth", "team", "coaching", "education", "wellbeing"}}
	experience  = field{Name: "experience", Kind: "enum", Values: []string{"none", "some", "experienced"}}
	video       = field{Name: "video_provider", Kind: "enum", Values: []string{"zoom", "teams", "both"}}
	privacy     = field{Name: "journal_privacy", Kind: "enum", Values: []string{"private", "shared_with_facilitator", "public"}}
	coachStyle  = field{Name: "coach_style", Kind: "enum", Values: []string{"supportive", "challenging", "balanced"}}
	orgType     = field{Name: "org_type", Kind: "enum", Values: orgTypes}
	ssoKind     = field{Name: "sso", Kind: "enum", Values: []string{"none", "saml", "oidc"}}
	groupSize   = field{Name: "group_size", Kind: "enum", Values: []string{"1-10", "11-50", "51-250", "250+"}}
	channels    = field{Name: "channels", Kind: "list", Values: []string{"email", "sms", "push"}}
	marketing   = field{Name: "marketing_opt_in", Kind: "bool"}
	notifyStep  = step{Name: "notifications", Fields: []field{channels, marketing}}
	onboardings = map[string][]step{
		auth.RoleParticipant: {
			{Name: "goals", Fields: []field{useCase, experience}},
			{Name: "journal", Fields: []field{privacy}},
			{Name: "coach", Fields: []field{coachStyle}},
			notifyStep,
		},
		auth.RoleFacilitator: {
			{Name: "practice", Fields: []field{useCase, experience}},
			{Name: "sessions", Fields: []field{video, groupSize}},
			{Name: "coach", Fields: []field{coachStyle}},
			notifyStep,
		},
		auth.RoleEducator: {
			{Name: "teaching", Fields: []field{useCase, experience}},
			{Name: "classroom", Fields: []field{video, groupSize}},
			{Name: "journal", Fields: []field{privacy}},
			notifyStep,
		},
		auth.RoleOrgAdmin: {
			{Name: "organisation", Fields: []field{orgType, groupSize}},
			{Name: "security", Fields: []field{ssoKind}},
			{Name: "sessions", Fields: []field{video}},
			notifyStep,
		},
	}
)

// stepsPerRole is the number of onboarding steps of every role.
const stepsPerRole = 4

func newOnboarding() OnboardingDoc {
	return OnboardingDoc{Step: 1, Data: map[string]map[string]any{}}
}

// OnboardingView answers GET /v1/me/onboarding.
type OnboardingView struct {
	Role      string                    `json:"role"`
	Step      int                       `json:"step"` // the step to fill next; stepsPerRole+1 when completed
	Total     int                       `json:"total"`
	Completed bool                      `json:"completed"`
	Steps     []StepView                `json:"steps"`
	Data      map[string]map[string]any `json:"data"`
}

// StepView describes one step for the client.
type StepView struct {
	Number int     `json:"number"`
	Name   string  `json:"name"`
	Fields []field `json:"fields"`
	Done   bool    `json:"done"`
}

func onboardingView(u *UserDoc) OnboardingView {
	v := OnboardingView{Role: u.Role, Step: u.Onboarding.Step, Total: stepsPerRole, Completed: u.Onboarding.Completed,
		Steps: []StepView{}, Data: u.Onboarding.Data}
	if v.Data == nil {
		v.Data = map[string]map[string]any{}
	}
	for i, s := range onboardings[u.Role] {
		v.Steps = append(v.Steps, StepView{Number: i + 1, Name: s.Name, Fields: s.Fields, Done: i+1 < u.Onboarding.Step})
	}
	return v
}

func (a *api) getOnboarding(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	u, err := a.loadUser(r.Context(), nil, p.UID)
	if err != nil {
		return txn.Problem(err)
	}
	if u == nil {
		return httpapi.Conflict("complete your profile first (PUT /v1/me/profile)")
	}
	httpapi.WriteJSON(w, http.StatusOK, onboardingView(u))
	return nil
}

// putOnboardingStep saves step n. Steps are filled in order: n may be the
// current step (which advances it) or an earlier one (which edits it).
func (a *api) putOnboardingStep(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	n, err := strconv.Atoi(r.PathValue("step"))
	if err != nil || n < 1 || n > stepsPerRole {
		return httpapi.NotFound("no onboarding step %q; steps are 1 to %d", r.PathValue("step"), stepsPerRole)
	}
	var body map[string]json.RawMessage
	if err := httpapi.DecodeJSON(w, r, &body, 4<<10); err != nil {
		return err
	}
	var view OnboardingView
	err = a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		u, err := a.loadUser(ctx, tx, p.UID)
		if err != nil {
			return err
		}
		if u == nil || u.Role == "" {
			return httpapi.Conflict("complete your profile first (PUT /v1/me/profile)")
		}
		steps := onboardings[u.Role]
		if n > u.Onboarding.Step {
			return httpapi.Conflict("complete step %d first", u.Onboarding.Step)
		}
		st := steps[n-1]
		values, err := validateStep(st, body)
		if err != nil {
			return err
		}
		if u.Onboarding.Data == nil {
			u.Onboarding.Data = map[string]map[string]any{}
		}
		u.Onboarding.Data[st.Name] = values
		if n == u.Onboarding.Step {
			u.Onboarding.Step++
			u.Onboarding.Completed = u.Onboarding.Step > stepsPerRole
		}
		u.UpdatedAt = a.d.Now().UTC()
		view = onboardingView(u)
		return tx.Update(a.userRef(p.UID), []firestore.Update{
			{Path: "onboarding", Value: u.Onboarding},
			{Path: "updated_at", Value: u.UpdatedAt},
		})
	})
	if err != nil {
		return txn.Problem(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, view)
	return nil
}

// validateStep checks body against the step's fields: every field present
// with its type and an allowed value, nothing else.
func validateStep(st step, body map[string]json.RawMessage) (map[string]any, error) {
	var errs []httpapi.FieldError
	out := map[string]any{}
	for name := range body {
		if !slices.ContainsFunc(st.Fields, func(f field) bool { return f.Name == name }) {
			errs = append(errs, httpapi.Field(name, "is not a field of step %q", st.Name))
		}
	}
	for _, f := range st.Fields {
		raw, ok := body[f.Name]
		if !ok {
			errs = append(errs, httpapi.Field(f.Name, "is required"))
			continue
		}
		switch f.Kind {
		case "bool":
			var b bool
			if json.Unmarshal(raw, &b) != nil {
				errs = append(errs, httpapi.Field(f.Name, "must be a boolean"))
				continue
			}
			out[f.Name] = b
		case "enum":
			var s string
			if json.Unmarshal(raw, &s) != nil || !slices.Contains(f.Values, s) {
				errs = append(errs, httpapi.Field(f.Name, "must be one of %v", f.Values))
				continue
			}
			out[f.Name] = s
		case "list":
			var l []string
			if json.Unmarshal(raw, &l) != nil || l == nil {
				errs = append(errs, httpapi.Field(f.Name, "must be an array of %v", f.Values))
				continue
			}
			seen := map[string]bool{}
			items := []any{}
			for i, s := range l {
				if !slices.Contains(f.Values, s) || seen[s] {
					errs = append(errs, httpapi.Field(fmt.Sprintf("%s[%d]", f.Name, i), "must be one of %v, once", f.Values))
					continue
				}
				seen[s] = true
				items = append(items, s)
			}
			out[f.Name] = items
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b httpapi.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return nil, httpapi.Invalid(errs...)
	}
	return out, nil
}

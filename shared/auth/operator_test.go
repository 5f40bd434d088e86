package auth

import (
	"testing"

	fbauth "firebase.google.com/go/v4/auth"
)

// Only a boolean true platform_operator claim makes an operator.
func TestPlatformOperatorClaim(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		claim any
		want  bool
	}{
		{"absent", nil, false},
		{"true", true, true},
		{"false", false, false},
		{"string", "true", false},
		{"number", 1, false},
	} {
		claims := map[string]any{"role": RoleOrgAdmin}
		if c.claim != nil {
			claims[ClaimPlatformOperator] = c.claim
		}
		if got := principalFromToken(&fbauth.Token{UID: "u", Claims: claims}).PlatformOperator; got != c.want {
			t.Errorf("%s: PlatformOperator = %v, want %v", c.name, got, c.want)
		}
	}
}

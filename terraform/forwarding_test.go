package terraform

import (
	"strconv"
	"testing"

	"pointsofyou.ai/studio/shared/config"
)

// TestFunctionsTrustTheFrontEndsHops: every deployed function is told how
// many X-Forwarded-For entries the platform's proxies append after the
// client's, and it is what the code assumes for Firebase Hosting.
func TestFunctionsTrustTheFrontEndsHops(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	for name, tc := range topologies(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := m.evaluate(t, tc.moduleDir, testVars("prod"))
			for fn, env := range e.local(t, "function_env").AsValueMap() {
				v, ok := env.AsValueMap()[config.EnvTrustedProxyHops]
				if !ok || v.AsString() != strconv.Itoa(config.DefaultTrustedProxyHops) {
					t.Errorf("function %s: %s = %v, want %d", fn, config.EnvTrustedProxyHops, v, config.DefaultTrustedProxyHops)
				}
			}
		})
	}
}

package terraform

import (
	"strings"
	"testing"
)

// TestServiceURLsAreTheServicesOwn: a function declaring `terraform:
// realtime_url` or `terraform: coach_stream_url` is deployed with that
// Cloud Run service's own URL (wss:// for the socket gateway). locals.tf
// cannot refer to the services, so env_inputs holds markers that
// functions.tf (deployed_env) replaces; this keeps the two ends of each
// hand-over together.
func TestServiceURLsAreTheServicesOwn(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	e := m.evaluate(t, ".", testVars("prod"))
	env := nestedAttr(t, m.resource(t, "google_cloudfunctions2_function.function").Body, "service_config.environment_variables")
	if got := m.text(env.Expr); got != "local.deployed_env[each.key]" {
		t.Errorf("Cloud Functions are deployed with %s, not local.deployed_env", got)
	}
	deployed := m.text(m.locals["deployed_env"].attr.Expr)
	for _, c := range []struct {
		input, marker, url, service, scheme string
	}{
		{"realtime_url", "realtime_url_marker", "realtime_ws_url", "realtime", "wss://"},
		{"coach_stream_url", "coach_stream_url_marker", "coach_stream_url", "coach-stream", "https://"},
	} {
		marker := e.local(t, c.marker).AsString()
		if got := e.local(t, "env_inputs").GetAttr(c.input).AsString(); got != marker || !strings.HasPrefix(marker, c.scheme) {
			t.Errorf("env_inputs.%s = %q, marker %q", c.input, got, marker)
		}
		if !strings.Contains(deployed, "local."+c.marker) || !strings.Contains(deployed, "local."+c.url) {
			t.Errorf("deployed_env does not replace %s: %s", c.marker, deployed)
		}
		url := m.text(m.locals[c.url].attr.Expr)
		if !strings.Contains(url, `google_cloud_run_v2_service.service["`+c.service+`"].uri`) {
			t.Errorf("%s is not the %s service's URL: %s", c.url, c.service, url)
		}
	}
}

package terraform

import (
	"strings"
	"testing"
)

// TestRealtimeURLIsTheServicesSocket: a function declaring `terraform:
// realtime_url` is deployed with the realtime Cloud Run service's own URL
// as wss://. locals.tf cannot refer to the service, so env_inputs holds a
// marker that functions.tf (deployed_env) replaces; this keeps the two
// ends of that hand-over together.
func TestRealtimeURLIsTheServicesSocket(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	e := m.evaluate(t, ".", testVars("prod"))
	marker := e.local(t, "realtime_url_marker").AsString()
	if got := e.local(t, "env_inputs").GetAttr("realtime_url").AsString(); got != marker || !strings.HasPrefix(marker, "wss://") {
		t.Errorf("env_inputs.realtime_url = %q, marker %q", got, marker)
	}
	env := nestedAttr(t, m.resource(t, "google_cloudfunctions2_function.function").Body, "service_config.environment_variables")
	if got := m.text(env.Expr); got != "local.deployed_env[each.key]" {
		t.Errorf("Cloud Functions are deployed with %s, not local.deployed_env", got)
	}
	deployed := m.text(m.locals["deployed_env"].attr.Expr)
	url := m.text(m.locals["realtime_ws_url"].attr.Expr)
	if !strings.Contains(deployed, "local.realtime_url_marker") || !strings.Contains(deployed, "local.realtime_ws_url") {
		t.Errorf("deployed_env does not replace the marker: %s", deployed)
	}
	if !strings.Contains(url, `google_cloud_run_v2_service.service["realtime"].uri`) || !strings.Contains(url, `"wss:"`) {
		t.Errorf("realtime_ws_url is not the realtime service's URL as wss://: %s", url)
	}
}

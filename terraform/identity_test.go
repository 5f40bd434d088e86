package terraform

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestEmailEnumerationProtection pins Identity Platform's improved email
// privacy: production sign-in must not reveal whether an address has an
// account. The provider cannot set it on google_identity_platform_config,
// so terraform_data.identity_email_privacy sets it through the admin API
// whenever the config is (re)created, and reads it back.
func TestEmailEnumerationProtection(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	m.resource(t, "google_identity_platform_config.default")
	r := m.resource(t, "terraform_data.identity_email_privacy")

	triggers := m.text(r.Body.Attributes["triggers_replace"].Expr)
	if !strings.Contains(triggers, "google_identity_platform_config.default.id") {
		t.Errorf("triggers_replace = %s; it must follow the Identity Platform config", triggers)
	}
	cmd := m.text(nestedAttr(t, r.Body, "provisioner.command").Expr)
	if !strings.Contains(cmd, "scripts/identity-email-privacy.sh") {
		t.Errorf("command = %s", cmd)
	}
	env := m.text(nestedAttr(t, r.Body, "provisioner.environment").Expr)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`ENABLE\s*=\s*"true"`),
		regexp.MustCompile(`PROJECT\s*=\s*var\.project`),
	} {
		if !want.MatchString(env) {
			t.Errorf("environment %s: want %s", env, want)
		}
	}

	script, err := os.ReadFile("scripts/identity-email-privacy.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"set -euo pipefail",
		"identitytoolkit.googleapis.com/admin/v2/projects/${PROJECT}/config",
		"-X PATCH",
		"updateMask=emailPrivacyConfig.enableImprovedEmailPrivacy",
		`\"enableImprovedEmailPrivacy\":${ENABLE}`,
		"--fail-with-body",
		"exit 1", // the read-back check fails the apply
	} {
		if !strings.Contains(string(script), want) {
			t.Errorf("scripts/identity-email-privacy.sh lacks %q", want)
		}
	}
}

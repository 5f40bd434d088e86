package config

import (
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"GCLOUD_PROJECT":          "demo-x",
		"FIRESTORE_EMULATOR_HOST": "127.0.0.1:8080",
		"STORAGE_EMULATOR_HOST":   "http://127.0.0.1:9199",
		"K_SERVICE":               "media",
	}
	c := FromEnv(func(k string) string { return env[k] })
	if c.Project != "demo-x" || c.Region != DefaultRegion || c.Service != "media" {
		t.Errorf("config %+v", c)
	}
	if c.StorageHost != "127.0.0.1:9199" || c.MediaBucket != "demo-x-media" {
		t.Errorf("storage %q bucket %q", c.StorageHost, c.MediaBucket)
	}
	if !c.IsDemo() || !c.Emulated() {
		t.Error("demo/emulated")
	}
	if err := c.Check(EnvFirestoreHost, EnvStorageHost); err != nil {
		t.Error(err)
	}
	if err := c.Check(EnvPubSubHost); err == nil {
		t.Error("a demo project without PUBSUB_EMULATOR_HOST must be refused")
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := FromEnv(func(string) string { return "" })
	if c.Project != DefaultProject || c.Emulated() {
		t.Errorf("%+v", c)
	}
	prod := FromEnv(func(k string) string {
		if k == "GOOGLE_CLOUD_PROJECT" {
			return "poy-prod"
		}
		return ""
	})
	if prod.IsDemo() || prod.Check(EnvFirestoreHost) != nil {
		t.Error("a real project needs no emulator")
	}
}

// TestCheckRefusesEmulatorsOnARealProject: a real project with any emulator
// variable set must not start, whatever the function needs.
func TestCheckRefusesEmulatorsOnARealProject(t *testing.T) {
	t.Parallel()
	vars := []string{EnvFirestoreHost, EnvPubSubHost, EnvStorageHost, EnvFirebaseStorage, EnvAuthHost,
		EnvEventarcHost, EnvBigQueryHost, EnvVertexHost, EnvHubHost}
	for _, v := range vars {
		for _, project := range []string{"poy-prod", "demo-poy"} {
			t.Run(v+"/"+project, func(t *testing.T) {
				t.Parallel()
				env := map[string]string{"GOOGLE_CLOUD_PROJECT": project, v: "127.0.0.1:9999"}
				c := FromEnv(func(k string) string { return env[k] })
				errCheck, errStart := c.Check(), c.CheckEmulators()
				if project == "demo-poy" {
					if errCheck != nil || errStart != nil {
						t.Errorf("a demo project with %s: %v / %v", v, errCheck, errStart)
					}
					return
				}
				for _, err := range []error{errCheck, errStart} {
					if err == nil || !strings.Contains(err.Error(), v) || !strings.Contains(err.Error(), "poy-prod") {
						t.Errorf("a real project with %s set: %v", v, err)
					}
				}
			})
		}
	}
}

func TestTrustedProxyHops(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  string
		want int
	}{{"", DefaultTrustedProxyHops}, {"0", 0}, {"2", 2}, {"-1", DefaultTrustedProxyHops}, {"x", DefaultTrustedProxyHops}, {"99", DefaultTrustedProxyHops}} {
		c := FromEnv(func(k string) string {
			if k == EnvTrustedProxyHops {
				return tt.env
			}
			return ""
		})
		if c.TrustedProxyHops != tt.want {
			t.Errorf("%s=%q: %d, want %d", EnvTrustedProxyHops, tt.env, c.TrustedProxyHops, tt.want)
		}
	}
}

// TestCheckSeesEveryEmulatorVariable: an emulator variable config does not
// name (a newer emulator) still stops a real project.
func TestCheckSeesEveryEmulatorVariable(t *testing.T) {
	t.Setenv("GOOGLE_CLOUD_PROJECT", "poy-prod")
	t.Setenv("SOMETHING_EMULATOR_HOST", "127.0.0.1:1")
	if err := FromEnv(nil).CheckEmulators(); err == nil || !strings.Contains(err.Error(), "SOMETHING_EMULATOR_HOST") {
		t.Errorf("CheckEmulators: %v", err)
	}
}

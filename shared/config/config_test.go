package config

import "testing"

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

package infra

import (
	"encoding/json"
	"testing"
)

// TestHostingRewritesEveryHTTPFunction keeps infra/firebase.json in step
// with the topology: every HTTP function is reachable at /api/{name}/**
// through Hosting, and no rewrite points at a function that does not exist.
func TestHostingRewritesEveryHTTPFunction(t *testing.T) {
	var cfg struct {
		Hosting struct {
			Rewrites []struct {
				Source   string `json:"source"`
				Regex    string `json:"regex"`
				Function *struct {
					FunctionID string `json:"functionId"`
				} `json:"function"`
				// Run rewrites reach Cloud Run services (topology kind run).
				Run *struct {
					ServiceID string `json:"serviceId"`
				} `json:"run"`
			} `json:"rewrites"`
		} `json:"hosting"`
	}
	if err := json.Unmarshal(FirebaseJSON(), &cfg); err != nil {
		t.Fatal(err)
	}
	topo, err := Topology()
	if err != nil {
		t.Fatal(err)
	}
	http := map[string]string{} // name → kind
	for _, f := range topo.Functions {
		if f.Trigger.HTTP != nil {
			http[f.Name] = f.Kind
		}
	}
	rewritten := map[string]bool{}
	for _, r := range cfg.Hosting.Rewrites {
		if (r.Function == nil && r.Run == nil) || r.Regex != "" {
			continue // the /api catch-all (emulators/hosting checks it)
		}
		id, kind := "", "function"
		if r.Function != nil {
			id = r.Function.FunctionID
		} else {
			id, kind = r.Run.ServiceID, "run"
		}
		if http[id] != kind {
			t.Errorf("rewrite %s points at %s %q, which is not an HTTP %s of the topology", r.Source, kind, id, kind)
		}
		if want := "/api/" + id + "/**"; r.Source != want {
			t.Errorf("function %s is rewritten from %q, want %q", id, r.Source, want)
		}
		rewritten[id] = true
	}
	for name := range http {
		if !rewritten[name] {
			t.Errorf("HTTP function %s has no Hosting rewrite /api/%s/** in firebase.json", name, name)
		}
	}
}

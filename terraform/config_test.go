package terraform

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"pointsofyou.ai/studio/shared/topology"
)

// platformEnv are the variables Terraform sets for every function besides
// its declared ones (locals.tf function_env).
var platformEnv = []string{"GOOGLE_CLOUD_PROJECT", "FUNCTION_REGION", "LOG_EXECUTION_ID", "TRUSTED_PROXY_HOPS"}

// TestDeclaredEnvIsDeployed: each function gets exactly its declared env
// (with the value of the environment being deployed) plus the platform's
// variables and one <NAME>_BUCKET per storage use; no secret travels as a
// plain variable.
func TestDeclaredEnvIsDeployed(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	for name, tc := range topologies(t) {
		for _, env := range []string{"dev", "prod"} {
			t.Run(name+"/"+env, func(t *testing.T) {
				t.Parallel()
				e := m.evaluate(t, tc.moduleDir, testVars(env))
				inputs := e.local(t, "env_inputs").AsValueMap()
				deployed := e.local(t, "function_env").AsValueMap()
				for _, fn := range tc.top.Functions {
					got := map[string]string{}
					for k, v := range deployed[fn.Name].AsValueMap() {
						got[k] = v.AsString()
					}
					want := map[string]bool{}
					for _, k := range platformEnv {
						want[k] = true
					}
					for _, u := range fn.Uses {
						if kind, arg, _ := strings.Cut(u, ":"); kind == "storage" {
							want[strings.ToUpper(strings.ReplaceAll(arg, "-", "_"))+"_BUCKET"] = true
						}
					}
					for k, v := range fn.Env {
						want[k] = true
						var w string
						switch {
						case v.Value != nil:
							w = *v.Value
						case v.PerEnvironment != nil:
							w = v.PerEnvironment[env]
						default:
							in, ok := inputs[v.Terraform]
							if !ok {
								t.Errorf("function %s: %s names env input %q, which locals.tf env_inputs lacks", fn.Name, k, v.Terraform)
								continue
							}
							w = in.AsString()
						}
						if got[k] != w {
							t.Errorf("function %s: %s = %q, want %q", fn.Name, k, got[k], w)
						}
					}
					sameKeys(t, "env of "+fn.Name, sortedKeys(got), want)
					for _, s := range fn.AllSecrets() {
						if _, plain := got[s]; plain {
							t.Errorf("function %s: secret %s is set as a plain variable", fn.Name, s)
						}
					}
				}
			})
		}
	}
}

// TestEverySecretIsMountedIntoItsFunctionOnly: each declared secret is
// mounted (as the variable of its name) into the functions that declare
// it, readable by their identities, and into no other function.
func TestEverySecretIsMountedIntoItsFunctionOnly(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	for name, tc := range topologies(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := m.evaluate(t, tc.moduleDir, testVars("prod"))
			fns := e.local(t, "functions").AsValueMap()
			grants := map[string]bool{}
			for _, k := range e.forEachKeys(t, "google_secret_manager_secret_iam_member.function") {
				grants[k] = true
			}
			wantGrants := map[string]bool{}
			for _, fn := range tc.top.Functions {
				want := fn.AllSecrets()
				sort.Strings(want)
				for _, s := range want {
					wantGrants[fn.Name+"/"+s] = true
				}
				var mounted []string
				switch fn.Kind {
				case topology.KindRun:
					mounted = e.dynamicKeys(t, "google_cloud_run_v2_service.service", fn.Name, fns[fn.Name],
						[]string{"template", "containers"}, "env", "value_source")
				default:
					mounted = e.dynamicKeys(t, "google_cloudfunctions2_function.function", fn.Name, fns[fn.Name],
						[]string{"service_config"}, "secret_environment_variables", "")
				}
				if strings.Join(mounted, ",") != strings.Join(want, ",") {
					t.Errorf("function %s mounts secrets %v, declares %v", fn.Name, mounted, want)
				}
			}
			sameKeys(t, "secret accessor grants", sortedKeys(grants), wantGrants)
		})
	}
}

// dynamicKeys evaluates, for one instance of a resource, the for_each of
// the dynamic block named label under the nested blocks path (the one
// whose content has a block named with, when given).
func (e *evaluation) dynamicKeys(t *testing.T, key, eachKey string, eachValue cty.Value, path []string, label, with string) []string {
	t.Helper()
	body := e.m.resource(t, key).Body
	for _, p := range path {
		var next *hclsyntax.Body
		for _, b := range body.Blocks {
			if b.Type == p {
				next = b.Body
			}
		}
		if next == nil {
			t.Fatalf("%s has no block %s", key, strings.Join(path, "."))
		}
		body = next
	}
	ctx := e.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(eachKey), "value": eachValue})}
	for _, b := range body.Blocks {
		if b.Type != "dynamic" || len(b.Labels) != 1 || b.Labels[0] != label {
			continue
		}
		if with != "" && !hasBlock(b.Body, with) {
			continue
		}
		v, diags := b.Body.Attributes["for_each"].Expr.Value(ctx)
		if diags.HasErrors() {
			t.Fatalf("%s[%q] dynamic %s: %s", key, eachKey, label, diags.Error())
		}
		out := keysOf(t, v)
		if v.Type().IsMapType() || v.Type().IsObjectType() {
			t.Fatalf("%s dynamic %s iterates a map; secrets are a set of names", key, label)
		}
		return out
	}
	t.Fatalf("%s has no dynamic %q block under %s", key, label, strings.Join(path, "."))
	return nil
}

func hasBlock(body *hclsyntax.Body, name string) bool {
	for _, b := range body.Blocks {
		if b.Type == name || (b.Type == "content" && hasBlock(b.Body, name)) {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

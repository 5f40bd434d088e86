package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/platform"
)

// TestFunctionsReadWhatTheyDeclare builds every declared function's root
// (all its clients, which only dial on first use) under a recording
// platform and compares what it read with its infra/topology.yaml entry:
// env, secrets and uses, both ways. A variable read but not declared would
// be missing in production; a declaration or grant not used is drift (or
// a privilege nobody needs).
func TestFunctionsReadWhatTheyDeclare(t *testing.T) {
	top, err := infra.Topology()
	if err != nil {
		t.Fatal(err)
	}
	// Emulator addresses nothing listens on: roots build clients, never call them.
	const project = "demo-declared"
	for k, v := range map[string]string{
		"GOOGLE_CLOUD_PROJECT": project, config.EnvFirestoreHost: "127.0.0.1:1", config.EnvPubSubHost: "127.0.0.1:1",
		config.EnvAuthHost: "127.0.0.1:1", config.EnvStorageHost: "http://127.0.0.1:1", config.EnvBigQueryHost: "127.0.0.1:1",
		config.EnvVertexHost: "127.0.0.1:1", platform.EnvDNSHost: "127.0.0.1:1", "SIGNER_EMAIL": "", "SIGNER_PRIVATE_KEY": "",
	} {
		t.Setenv(k, v)
	}
	local := map[string]string{"hosting_url": "http://127.0.0.1:5000", "functions_ws_url": "ws://127.0.0.1:5001/" + project + "/europe-west1", "project": project}
	roots := platform.Roots()
	served := map[string]bool{}
	for _, fn := range top.Functions {
		served[fn.Target()] = true
		t.Run(fn.Name, func(t *testing.T) {
			root, ok := roots[fn.Target()]
			if !ok {
				t.Fatalf("entry point %q is not registered through shared/platform", fn.Target())
			}
			rec := &platform.Record{}
			lookup := func(k string) string {
				if v, ok := fn.Env[k]; ok {
					return v.LocalValue(local)
				}
				return os.Getenv(k)
			}
			p := platform.New(platform.Options{Function: fn.Name, Lookup: lookup, Record: rec})
			defer p.Close()
			if _, err := root.Build(p); err != nil {
				t.Fatalf("root does not build with the suite's values: %v", err)
			}
			var env, uses []string
			for k := range fn.Env {
				env = append(env, k)
			}
			for _, u := range fn.Uses {
				if !strings.HasPrefix(u, "secret:") {
					uses = append(uses, u)
				}
			}
			compare(t, "env", rec.Env(), env)
			compare(t, "secrets", rec.Secrets(), fn.AllSecrets())
			compare(t, "uses", rec.Uses(), uses)
			var optional []string
			for k, v := range fn.Env {
				if v.Optional {
					optional = append(optional, k)
				}
			}
			compare(t, "optional env", rec.Optional(), optional)
		})
	}
	for name := range roots {
		if !served[name] {
			t.Errorf("entry point %q is registered but no function in infra/topology.yaml serves it", name)
		}
	}
}

func compare(t *testing.T, what string, read, declared []string) {
	t.Helper()
	for _, r := range read {
		if !slices.Contains(declared, r) {
			t.Errorf("%s: reads %s but does not declare it", what, r)
		}
	}
	for _, d := range declared {
		if !slices.Contains(read, d) {
			t.Errorf("%s: declares %s but does not read it", what, d)
		}
	}
}

// TestFunctionsReadConfigurationOnlyThroughThePlatform keeps the recording
// above complete: function code neither reads the environment nor builds a
// client itself.
func TestFunctionsReadConfigurationOnlyThroughThePlatform(t *testing.T) {
	t.Parallel()
	forbidden := map[string][]string{
		"os":        {"Getenv", "LookupEnv", "Environ"},
		"config":    {"FromEnv"},
		"ai":        {"FromEnv", "New"},
		"events":    {"PseudonymizerFromEnv", "NewPublisher"},
		"firestore": {"NewClient"}, "pubsub": {"NewClient"}, "storage": {"NewClient"}, "bigquery": {"NewClient"},
		"firebase": {"NewApp"},
		"auth":     {"NewFirebaseVerifier"},
	}
	files, err := filepath.Glob("../../functions/*/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no function sources: %v", err)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && slices.Contains(forbidden[pkg.Name], sel.Sel.Name) {
				t.Errorf("%s: %s.%s: read configuration and build clients through shared/platform", fset.Position(sel.Pos()), pkg.Name, sel.Sel.Name)
			}
			return true
		})
	}
}

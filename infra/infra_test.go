package infra

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestTopologyMatchesFunctions keeps infra/topology.yaml and functions/ in
// step: an undeclared package would never be deployed, and a declared
// function without code would fail the deploy.
func TestTopologyMatchesFunctions(t *testing.T) {
	topo, err := Topology()
	if err != nil {
		t.Fatalf("infra/topology.yaml: %v", err)
	}
	entries, err := os.ReadDir("../functions")
	if err != nil {
		t.Fatal(err)
	}
	onDisk := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() {
			onDisk["functions/"+e.Name()] = true
		}
	}
	declared := map[string]bool{}
	for _, s := range topo.Sources() {
		declared[s] = true
		if !onDisk[s] {
			t.Errorf("topology declares %s but there is no such package", s)
		}
	}
	for d := range onDisk {
		if !declared[d] {
			t.Errorf("package %s is not declared in infra/topology.yaml", d)
		}
	}
	// Every declared entry point is registered by its package.
	registered := map[string]map[string]string{} // source → name → kind
	for s := range onDisk {
		registered[s] = registrations(t, filepath.Join("..", s))
	}
	for _, f := range topo.Functions {
		kind, ok := registered[f.Source][f.Target()]
		if !ok {
			t.Errorf("function %s: %s registers no entry point %q", f.Name, f.Source, f.Target())
			continue
		}
		// Cloud Scheduler calls scheduled functions with a plain POST.
		wantHTTP := f.Trigger.HTTP != nil || f.Trigger.Schedule != nil
		if wantHTTP != (kind == "HTTP") {
			t.Errorf("function %s: trigger %s but registered with functions.%s", f.Name, f.Trigger.Type(), kind)
		}
	}
	// And nothing registered is left undeclared.
	for s, names := range registered {
		var list []string
		for n := range names {
			list = append(list, n)
		}
		sort.Strings(list)
		for _, n := range list {
			found := false
			for _, f := range topo.Functions {
				found = found || (f.Source == s && f.Target() == n)
			}
			if !found {
				t.Errorf("%s registers %q, which infra/topology.yaml does not declare", s, n)
			}
		}
	}
}

// registrations finds functions.HTTP("name", …) and functions.CloudEvent("name", …)
// calls with literal names in a package's non-test files.
func registrations(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var parsed []*ast.File
	consts := map[string]string{} // package-level string constants, for names given as constants
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "functions" {
				return true
			}
			var name string
			switch a := call.Args[0].(type) {
			case *ast.BasicLit:
				if a.Kind == token.STRING {
					name, _ = strconv.Unquote(a.Value)
				}
			case *ast.Ident:
				name = consts[a.Name]
			}
			if name != "" {
				out[name] = sel.Sel.Name
			}
			return true
		})
	}
	return out
}

package privacy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestStandardIsValid(t *testing.T) {
	t.Parallel()
	r := Standard()
	if len(r.Holders()) == 0 {
		t.Fatal("no holders")
	}
	again := &Registry{}
	for _, h := range r.Holders() {
		if err := again.Register(h); err != nil {
			t.Error(err)
		}
	}
}

func TestRegisterRefusesBadHolders(t *testing.T) {
	t.Parallel()
	cases := map[string]Holder{
		"bad name":         {Name: "Users", Owner: "x", Firestore: &Firestore{Path: "users/{uid}"}},
		"no owner":         {Name: "a.b", Firestore: &Firestore{Path: "users/{uid}"}},
		"no kind":          {Name: "a.b", Owner: "x"},
		"two kinds":        {Name: "a.b", Owner: "x", Firestore: &Firestore{Path: "users/{uid}"}, BigQuery: &BigQuery{Table: "a.b", Column: "c"}},
		"path without uid": {Name: "a.b", Owner: "x", Firestore: &Firestore{Path: "orgs/o"}},
		"group no field":   {Name: "a.b", Owner: "x", Firestore: &Firestore{Group: "members"}},
		"group by actor":   {Name: "a.b", Owner: "x", Firestore: &Firestore{Group: "m", Field: "f", By: ByActor}},
		"storage no uid":   {Name: "a.b", Owner: "x", Storage: &Storage{Bucket: "media", Prefix: "all/"}},
		"bad table":        {Name: "a.b", Owner: "x", BigQuery: &BigQuery{Table: "events", Column: "actor"}},
		"shared path":      {Name: "a.b", Owner: "x", Firestore: &Firestore{Path: "users/{uid}", Shared: true}},
	}
	for name, h := range cases {
		if err := (&Registry{}).Register(h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	r := &Registry{}
	r.MustRegister(Holder{Name: "a.b", Owner: "x", Firestore: &Firestore{Path: "users/{uid}"}})
	if err := r.Register(Holder{Name: "a.b", Owner: "y", Firestore: &Firestore{Path: "users/{uid}/x"}}); err == nil {
		t.Error("duplicate accepted")
	}
}

// TestFunctionsWritingUnderUsersAreRegistered fails when a function
// package names the users collection (a "users" or "users/…" string
// literal in non-test code) without owning a holder in Standard: data
// under users/{uid} would escape export and erasure.
func TestFunctionsWritingUnderUsersAreRegistered(t *testing.T) {
	t.Parallel()
	owners := Standard().Owners()
	dirs, err := os.ReadDir("../../functions")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		pkg := "functions/" + d.Name()
		files, _ := filepath.Glob(filepath.Join("../../functions", d.Name(), "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			checked++
			if lit := usersLiteral(t, f); lit != "" && !slices.Contains(owners, pkg) {
				t.Errorf("%s names %q (personal data under users/{uid}) but registers no holder in shared/privacy.Standard", f, lit)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no function sources found")
	}
}

func usersLiteral(t *testing.T, path string) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	found := ""
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING || found != "" {
			return found == ""
		}
		s, err := strconv.Unquote(lit.Value)
		if err == nil && (s == "users" || strings.HasPrefix(s, "users/")) {
			found = s
		}
		return true
	})
	return found
}

func TestExpand(t *testing.T) {
	t.Parallel()
	if got := Expand("users/{uid}/coach_memory", "u1"); got != "users/u1/coach_memory" {
		t.Fatal(got)
	}
}

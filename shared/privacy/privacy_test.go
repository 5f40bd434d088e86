package privacy

import (
	"errors"
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
		"normal by uid":    {Name: "a.b", Owner: "x", Firestore: &Firestore{Group: "m", Field: "uid", NormalField: "uid_lc"}},
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

func TestNormalEmail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Mixed.Case@Other.test": "mixed.case@other.test",
		" guest@outside.test\t": "guest@outside.test",
		"already@lower.test":    "already@lower.test",
		"":                      "",
	} {
		if got := NormalEmail(in); got != want {
			t.Errorf("NormalEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSubjectValues(t *testing.T) {
	t.Parallel()
	byEmail := Holder{Name: "a.mail", Owner: "x", Firestore: &Firestore{Group: "outbox", Field: "to", By: ByEmail}}
	byUID := Holder{Name: "a.uid", Owner: "x", Firestore: &Firestore{Group: "members", Field: "uid"}}
	path := Holder{Name: "a.path", Owner: "x", Firestore: &Firestore{Path: "users/{uid}"}}
	cases := []struct {
		name string
		s    Subject
		h    Holder
		want []string
		err  error
	}{
		{"uid", Subject{UID: "u1", Email: "a@b.test"}, byUID, []string{"u1"}, nil},
		{"uid of an unverified account", Subject{UID: "u1", Email: "a@b.test"}, byUID, []string{"u1"}, nil},
		{"email unverified", Subject{UID: "u1", Email: "a@b.test"}, byEmail, nil, ErrUnverifiedEmail},
		{"email verified", Subject{UID: "u1", Email: "a@b.test", EmailVerified: true, Spellings: []string{"A@B.test", "a@b.test"}},
			byEmail, []string{"a@b.test", "A@B.test"}, nil},
		{"no email", Subject{UID: "u1", EmailVerified: true}, byEmail, nil, nil},
		{"path holder", Subject{UID: "u1"}, path, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.s.Values(c.h)
			if !errors.Is(err, c.err) || !slices.Equal(got, c.want) {
				t.Errorf("Values = %v, %v; want %v, %v", got, err, c.want, c.err)
			}
		})
	}
	if w := Withheld(ErrUnverifiedEmail); !strings.Contains(w, "verified") {
		t.Errorf("Withheld: %q", w)
	}
}

// Every holder keyed by an email address is refused to an unverified
// account: none may opt out of the rule.
func TestStandardEmailHoldersNeedAVerifiedAddress(t *testing.T) {
	t.Parallel()
	s := Subject{UID: "u1", Email: "someone@else.test"}
	n := 0
	for _, h := range Standard().Holders() {
		if h.Firestore == nil || h.Firestore.By != ByEmail {
			continue
		}
		n++
		if _, err := s.Values(h); !errors.Is(err, ErrUnverifiedEmail) {
			t.Errorf("%s: %v", h.Name, err)
		}
	}
	if n == 0 {
		t.Fatal("no email-keyed holder")
	}
}

package canvas

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"
)

// propertiesSection is the "every kind: …" list through "Unknown
// properties are refused." of a doc comment.
func propertiesSection(t *testing.T, doc string) string {
	t.Helper()
	a := strings.Index(doc, "every kind:")
	b := strings.Index(doc, "Unknown properties are refused.")
	if a < 0 || b < a {
		t.Fatalf("no properties section in %q", doc)
	}
	return doc[a:b]
}

// TestPropertiesDocumented keeps the package doc's list equal to
// ValidateProps's, and both equal to what ValidateProps accepts.
func TestPropertiesDocumented(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	pkgDoc, err := parser.ParseFile(fset, "canvas.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	opFile, err := parser.ParseFile(fset, "op.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var fnDoc string
	for _, d := range opFile.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "ValidateProps" {
			fnDoc = fn.Doc.Text()
		}
	}
	pkg := propertiesSection(t, pkgDoc.Doc.Text())
	fn := propertiesSection(t, fnDoc)
	if pkg != fn {
		t.Fatalf("package doc and ValidateProps disagree:\n%s\n----\n%s", pkg, fn)
	}
	// Each kind's paragraph names exactly its properties.
	sections := map[string]string{}
	cur := ""
	head := regexp.MustCompile(`^\t?(every kind|[a-z]+):`)
	for _, line := range strings.Split(pkg, "\n") {
		if m := head.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "\t  ") {
			cur = m[1]
		}
		sections[cur] += line + "\n"
	}
	word := func(s, w string) bool {
		return regexp.MustCompile(`(^|[\s:,(])` + regexp.QuoteMeta(w) + `($|[\s,(])`).MatchString(s)
	}
	for k := range commonProps {
		if !word(sections["every kind"], k) {
			t.Errorf("common property %s is not documented", k)
		}
	}
	for _, kind := range Kinds {
		sec, ok := sections[kind]
		if !ok {
			t.Errorf("kind %s is not documented", kind)
			continue
		}
		for k, spec := range kindProps[kind] {
			if !word(sec, k) {
				t.Errorf("%s.%s is not documented", kind, k)
			}
			if spec.required != strings.Contains(sec, k+" (required)") {
				t.Errorf("%s.%s: required is %v in code", kind, k, spec.required)
			}
		}
	}
}

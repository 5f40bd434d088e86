package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const functionsPkg = "pointsofyou.ai/studio/functions/"

// TestImportsEveryFunction keeps main.go's blank imports equal to the Go
// packages under functions/: a function missing here would deploy but never
// run locally, and an import without a directory would not build.
func TestImportsEveryFunction(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(filepath.Join("..", "..", "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && hasGoFiles(t, filepath.Join("..", "..", "functions", e.Name())) {
			dirs = append(dirs, e.Name())
		}
	}

	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var imported []string
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			t.Fatal(err)
		}
		name, ok := strings.CutPrefix(p, functionsPkg)
		if !ok {
			continue
		}
		if imp.Name == nil || imp.Name.Name != "_" {
			t.Errorf("main.go imports %s by name; function packages are blank-imported", p)
		}
		if strings.Contains(name, "/") {
			t.Errorf("main.go imports %s; only top-level function packages are entry points", p)
		}
		imported = append(imported, name)
	}

	for _, d := range dirs {
		if !slices.Contains(imported, d) {
			t.Errorf("functions/%s is not blank-imported by cmd/functions/main.go", d)
		}
	}
	for _, name := range imported {
		if !slices.Contains(dirs, name) {
			t.Errorf("main.go imports functions/%s, which is not a Go package directory", name)
		}
	}
}

func hasGoFiles(t *testing.T, dir string) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			return true
		}
	}
	return false
}

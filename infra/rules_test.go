package infra

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "pointsofyou.ai/studio/"

// TestHouseRules enforces DESIGN §2: no function imports another function,
// functions never import the emulators (they reach them only over the
// network), and the emulator suite never links a function in (functions
// run as their own processes). Tests are exempt: they may start emulators.
func TestHouseRules(t *testing.T) {
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || n == "node_modules" || strings.HasPrefix(n, ".") && n != ".." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, "../"))
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			target := strings.TrimPrefix(p, module)
			switch {
			case strings.HasPrefix(rel, "functions/") && strings.HasPrefix(target, "functions/") &&
				strings.Split(rel, "/")[1] != strings.Split(target, "/")[1]:
				t.Errorf("%s imports another function, %s: share code through shared/", rel, target)
			case strings.HasPrefix(rel, "functions/") && strings.HasPrefix(target, "emulators"):
				t.Errorf("%s imports %s: functions reach emulators only over the network", rel, target)
			case strings.HasPrefix(rel, "shared/") && (strings.HasPrefix(target, "functions/") || strings.HasPrefix(target, "emulators")):
				t.Errorf("%s imports %s: shared/ must not depend on functions or emulators", rel, target)
			case strings.HasPrefix(rel, "emulators/") && strings.HasPrefix(target, "functions/"):
				t.Errorf("%s imports %s: the suite runs functions as processes, never links them", rel, target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

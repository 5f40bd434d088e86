// Package e2e runs the platform end to end on the local emulator suite:
// the functions as separate processes of the real binary, reached through
// Hosting, triggered by Eventarc, with the official Google clients.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"pointsofyou.ai/studio/emulators/suite"
	"pointsofyou.ai/studio/infra"
)

// env is the one suite every test in this package shares; starting the
// function processes is the slow part, so it happens once.
var env *suite.Suite

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "e2e-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "functions")
	build := exec.Command("go", "build", "-o", bin, "pointsofyou.ai/studio/cmd/functions")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build functions:", err)
		return 1
	}
	// stripe-mock beside the functions: the suite runs it behind the local Stripe.
	build = exec.Command("go", "build", "-o", filepath.Join(tmp, "stripe-mock"), "github.com/stripe/stripe-mock")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build stripe-mock:", err)
		return 1
	}
	topo, err := infra.Topology()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logs, _ := os.Create(filepath.Join(tmp, "functions.log"))
	env, err = suite.Start(ctx, suite.Options{
		RandomPorts: true, Fast: true, LocatorDir: "-",
		Topology: topo, FirebaseJSON: infra.FirebaseJSON(), FirestoreIndexes: infra.FirestoreIndexes(),
		FunctionsBinary: bin, WebRoot: "../emulators/hosting/testdata/site", Output: logs,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "suite:", err)
		return 1
	}
	if _, err := env.Seed(ctx, "../testdata/demo/users.json"); err != nil {
		env.Close()
		fmt.Fprintln(os.Stderr, "demo data:", err)
		return 1
	}
	// The official clients in the tests read the standard variables.
	for _, kv := range env.Env() {
		k, v, _ := cut(kv)
		os.Setenv(k, v)
	}
	code := m.Run()
	env.Close()
	if code != 0 {
		if b, err := os.ReadFile(filepath.Join(tmp, "functions.log")); err == nil {
			fmt.Fprintf(os.Stderr, "--- function logs ---\n%s\n", tail(b, 8000))
		}
	}
	return code
}

func cut(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

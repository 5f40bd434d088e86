// Package stripetest starts the local Stripe for tests: stripe-mock built
// once per test binary from the module cache (the version go.mod's tool
// line pins), behind emulators/stripe on a random port.
package stripetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"pointsofyou.ai/studio/emulators/stripe"
)

// Secret is the webhook endpoint secret tests sign with.
const Secret = "whsec_test_local"

// MockVersion is the stripe-mock of go.mod's tool line (a test keeps them equal); the built binary
// is kept per version in the temporary directory, shared by test
// processes (each one links it only when it is missing).
const MockVersion = "v0.203.0"

var build struct {
	once sync.Once
	path string
	err  error
}

// Binary is a built stripe-mock (STRIPE_MOCK_BINARY when set, else built
// once into the temporary directory).
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("STRIPE_MOCK_BINARY"); p != "" {
		return p
	}
	build.once.Do(func() {
		build.path = filepath.Join(os.TempDir(), "studio-stripe-mock-"+MockVersion)
		if st, err := os.Stat(build.path); err == nil && st.Mode().IsRegular() {
			return
		}
		tmp, err := os.MkdirTemp("", "stripe-mock-build-")
		if err != nil {
			build.err = err
			return
		}
		defer os.RemoveAll(tmp)
		out, err := exec.Command("go", "build", "-o", filepath.Join(tmp, "stripe-mock"), "github.com/stripe/stripe-mock").CombinedOutput()
		if err != nil {
			build.err = &buildError{out: string(out), err: err}
			return
		}
		// Atomic: a process that finds the file finds it whole.
		build.err = os.Rename(filepath.Join(tmp, "stripe-mock"), build.path)
	})
	if build.err != nil {
		t.Fatalf("build stripe-mock: %v", build.err)
	}
	return build.path
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// Start runs the local Stripe with stripe-mock, delivering webhooks to
// webhookURL (may be "" and set later with SetWebhook); closed with t.
func Start(t testing.TB, webhookURL string) *stripe.Server {
	t.Helper()
	s, err := stripe.NewServer(stripe.Options{Binary: Binary(t), WebhookURL: webhookURL, WebhookSecret: Secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

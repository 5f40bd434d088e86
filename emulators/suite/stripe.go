package suite

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	sg "github.com/stripe/stripe-go/v84"

	"pointsofyou.ai/studio/emulators/stripe"
	plans "pointsofyou.ai/studio/infra/billing"
)

// startStripe runs the local Stripe (stripe-mock behind it when built)
// and syncs the declared plans into it, as an operator syncs them into
// Stripe after a deploy. Its webhooks are signed with the secret the
// billing function of a demo project uses.
func (s *Suite) startStripe(ctx context.Context) error {
	bin := s.opts.StripeMockBinary
	if bin == "" && s.opts.FunctionsBinary != "" {
		if p := filepath.Join(filepath.Dir(s.opts.FunctionsBinary), "stripe-mock"); isFile(p) {
			bin = p
		}
	}
	srv, err := stripe.NewServer(stripe.Options{Addr: s.addr(Stripe), Binary: bin,
		WebhookSecret: plans.DevWebhookSecret, Output: s.opts.Output})
	if err != nil {
		return err
	}
	s.Stripe = srv
	s.closers = append(s.closers, srv.Close)
	s.Hub.Register(Stripe, srv.Addr, nil)
	sc := sg.NewClient(plans.DevSecretKey, sg.WithBackends(sg.NewBackendsWithConfig(&sg.BackendConfig{
		URL: sg.String(srv.URL()), HTTPClient: &http.Client{Timeout: 10 * time.Second},
		LeveledLogger: &sg.LeveledLogger{Level: sg.LevelNull},
	})))
	if _, err := plans.Sync(ctx, sc, plans.MustLoad()); err != nil {
		return fmt.Errorf("stripe: sync the plans: %w", err)
	}
	return nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

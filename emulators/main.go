// Command emulators runs the local emulator suite: every Google Cloud
// service the platform uses, on Firebase's conventional ports, wired from
// infra/topology.yaml and infra/firebase.json. `make dev` runs it with the
// functions and demo data.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"pointsofyou.ai/studio/emulators/hub"
	"pointsofyou.ai/studio/emulators/suite"
	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/logging"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "emulators:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("emulators", flag.ContinueOnError)
	project := fs.String("project", config.DefaultProject, "project id (a demo- project never reaches Google)")
	region := fs.String("region", config.DefaultRegion, "functions region")
	host := fs.String("host", "127.0.0.1", "address every emulator listens on")
	binary := fs.String("functions-binary", "", "built cmd/functions; runs every declared function (make dev builds it)")
	stripeMock := fs.String("stripe-mock", "", "built stripe-mock behind the local Stripe (default: stripe-mock beside --functions-binary, which make builds)")
	webRoot := fs.String("web-root", "", "Hosting public directory (the built app, web/dist); empty: no hosting emulator")
	demo := fs.Bool("demo", false, "create the demo organisation's users")
	demoData := fs.String("demo-data", "testdata/demo/users.json", "demo data file")
	importDir := fs.String("import", "", "restore state from an earlier export directory")
	exportDir := fs.String("export-on-exit", "", "write state to this directory on exit")
	randomPorts := fs.Bool("random-ports", false, "listen on free ports instead of the conventional ones (the banner names them)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logging.Setup(*project)

	topo, err := infra.Topology()
	if err != nil {
		return fmt.Errorf("infra/topology.yaml: %w", err)
	}
	if *binary != "" {
		if *binary, err = filepath.Abs(*binary); err != nil {
			return err
		}
	}
	// POST /_admin/export may write under the working directory and the
	// export-on-exit directory; the latter must be new, empty or an earlier
	// export, as the export replaces it.
	var exportRoots []string
	if wd, err := os.Getwd(); err == nil {
		exportRoots = append(exportRoots, wd)
	}
	if *exportDir != "" {
		if *exportDir, err = filepath.Abs(*exportDir); err != nil {
			return err
		}
		if err := hub.CheckExportDir(*exportDir); err != nil {
			return fmt.Errorf("--export-on-exit %s: %w", *exportDir, err)
		}
		exportRoots = append(exportRoots, *exportDir)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	s, err := suite.Start(ctx, suite.Options{
		Project: *project, Region: *region, Host: *host, RandomPorts: *randomPorts,
		Topology: topo, FirebaseJSON: infra.FirebaseJSON(), FirestoreIndexes: infra.FirestoreIndexes(),
		FunctionsBinary: *binary, StripeMockBinary: *stripeMock, WebRoot: *webRoot, ImportDir: *importDir, ExportRoots: exportRoots,
	})
	if err != nil {
		return err
	}
	var users []suite.DemoUser
	if *demo {
		d, err := s.Seed(ctx, *demoData)
		if err != nil {
			s.Close()
			return fmt.Errorf("demo data: %w", err)
		}
		users = d.Users
	}
	printBanner(out, s, users, time.Since(start))

	<-ctx.Done()
	stop()
	fmt.Fprintln(out, "\nshutting down…")
	if *exportDir != "" {
		dir := *exportDir
		ectx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := s.Export(ectx, dir)
		cancel()
		if err != nil {
			slog.Error("export on exit failed", "error", err.Error())
		} else {
			fmt.Fprintln(out, "exported to", dir)
		}
	}
	return s.Close()
}

func printBanner(out io.Writer, s *suite.Suite, users []suite.DemoUser, took time.Duration) {
	emus := s.Hub.Emulators()
	names := make([]string, 0, len(emus))
	for n := range emus {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(out, "\nPoints of You AI Studio — local emulator suite (project %s), up in %s\n\n", s.Project(), took.Round(time.Millisecond))
	for _, n := range names {
		e := emus[n]
		fmt.Fprintf(out, "  %-10s http://%s:%d\n", n, e.Host, e.Port)
	}
	fmt.Fprintln(out, "\nPoint clients and tools at the suite:")
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(out, "  export %s=%q\n", k, v)
	}
	if s.Hosting != nil {
		fmt.Fprintf(out, "\nWeb app:        http://%s/\n", s.Hosting.Addr)
	}
	if s.Functions != nil {
		fmt.Fprintf(out, "Functions:      http://%s/\n", s.Functions.Addr)
		if u := s.Functions.URL("realtime"); u != "" {
			// Hosting carries no WebSockets: the app opens this URL itself.
			fmt.Fprintf(out, "Realtime:       %s\n", "ws"+strings.TrimPrefix(u, "http"))
		}
	}
	if s.Stripe != nil {
		// Checkout and the customer portal open its pages; it signs the
		// webhooks it sends to the billing function.
		fmt.Fprintf(out, "Local Stripe:   %s (test mode: nothing is charged)\n", s.Stripe.URL())
	}
	fmt.Fprintf(out, "Emulator list:  http://%s/emulators\n", s.Hub.Addr)
	if len(users) > 0 {
		fmt.Fprintln(out, "\nDemo logins (fictional people, organisation org-lumen):")
		for _, u := range users {
			fmt.Fprintf(out, "  %-12s %-32s %s\n", u.Role, u.Email, u.Password)
		}
		if s.Hosting != nil {
			u := users[0]
			fmt.Fprintf(out, `
Try it — sign in as %s, then ask for a signed image upload URL through Hosting:
  TOKEN=$(curl -s 'http://%s/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo' \
    -H 'Content-Type: application/json' \
    -d '{"email":"%s","password":"%s","returnSecureToken":true}' | sed -E 's/.*"idToken": *"([^"]+)".*/\1/')
  curl -s -X POST 'http://%s/api/media/v1/uploads' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"content_type":"image/png","size":20480}'
Schedule a live session next week from the demo journey, then list it:
  curl -s -X POST 'http://%s/api/sessions/v1/sessions' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d '{"journey_id":"%s","start_at":"%s","time_zone":"Europe/Madrid"}'
  curl -s 'http://%s/api/sessions/v1/sessions' -H "Authorization: Bearer $TOKEN"
`, u.Role, s.Auth.Addr, u.Email, u.Password, s.Hosting.Addr,
				s.Hosting.Addr, suite.DemoJourneyID, time.Now().AddDate(0, 0, 7).Format("2006-01-02")+"T18:30", s.Hosting.Addr)
		}
	}
	fmt.Fprintln(out, "\nPress Ctrl-C to stop.")
}

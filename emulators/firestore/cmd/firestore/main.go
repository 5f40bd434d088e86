// Command firestore runs the Firestore emulator alone, for tools and test
// suites that need nothing else (scripts/firestore-integration.sh). It
// prints the bound address on the first line of stdout and serves until
// SIGINT or SIGTERM. With --indexes it enforces composite indexes like
// production.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"pointsofyou.ai/studio/emulators/firestore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "firestore:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("firestore", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on (port 0: a free port)")
	indexes := fs.String("indexes", "", "firestore.indexes.json to enforce, as production does; empty: any query runs")
	projects := fs.String("index-projects", "", "comma-separated projects whose queries --indexes governs; empty: every project")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := firestore.Options{Addr: *addr}
	if *projects != "" {
		opts.IndexProjects = strings.Split(*projects, ",")
	}
	if *indexes != "" {
		data, err := os.ReadFile(*indexes)
		if err != nil {
			return err
		}
		if opts.Indexes, err = firestore.ParseIndexConfig(data); err != nil {
			return err
		}
	}
	s, err := firestore.NewServer(opts)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(out, s.Addr); err != nil {
		s.Close()
		return err
	}
	<-ctx.Done()
	return s.Close()
}

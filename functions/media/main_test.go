package media

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		serveFramework() // child process of TestFunctionsFramework; never returns
	}
	if path := os.Getenv(rssChildEnv); path != "" {
		os.Exit(rssChild(path)) // child process of BenchmarkRenditionsPeakRSS
	}
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(discardLogger())
	}
	os.Exit(m.Run())
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

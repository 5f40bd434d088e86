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
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(discardLogger())
	}
	os.Exit(m.Run())
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

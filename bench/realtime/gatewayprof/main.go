// Command gatewayprof is cmd/functions with only the realtime gateway and
// Go's profiler: the load tool runs it instead of cmd/functions when asked
// for profiles (BENCH_PPROF=1), serving net/http/pprof on PPROF_ADDR.
package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	_ "pointsofyou.ai/studio/functions/realtime"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/logging"
)

func main() {
	cfg := config.FromEnv(nil)
	logging.Setup(cfg.Project)
	if !cfg.IsDemo() {
		slog.Error("gatewayprof serves profiles and trusts emulator tokens: demo projects only")
		os.Exit(1)
	}
	if addr := os.Getenv("PPROF_ADDR"); addr != "" {
		go func() {
			if err := http.ListenAndServe(addr, nil); err != nil {
				slog.Error("pprof", "error", err.Error())
			}
		}()
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if err := funcframework.StartHostPort("127.0.0.1", port); err != nil {
		slog.Error("functions framework stopped", "error", err.Error())
		os.Exit(1)
	}
}

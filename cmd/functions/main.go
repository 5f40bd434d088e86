// Command functions is the one binary that holds every function of the
// platform. Each package under functions/ registers its entry points with
// functions-framework-go in init(); with FUNCTION_TARGET set, the framework
// serves only that entry point at "/", so the same binary runs as any
// function, locally (emulators/functions starts one process per function)
// and in a container.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/logging"
	"pointsofyou.ai/studio/shared/platform"

	// Every function package, registered by init(). main_test.go keeps this
	// list equal to the directories under functions/.
	_ "pointsofyou.ai/studio/functions/accounts"
	_ "pointsofyou.ai/studio/functions/analytics"
	_ "pointsofyou.ai/studio/functions/billing"
	_ "pointsofyou.ai/studio/functions/canvas"
	_ "pointsofyou.ai/studio/functions/coach"
	_ "pointsofyou.ai/studio/functions/consent"
	_ "pointsofyou.ai/studio/functions/content"
	_ "pointsofyou.ai/studio/functions/insights"
	_ "pointsofyou.ai/studio/functions/journal"
	_ "pointsofyou.ai/studio/functions/journeys"
	_ "pointsofyou.ai/studio/functions/media"
	_ "pointsofyou.ai/studio/functions/realtime"
	_ "pointsofyou.ai/studio/functions/relay"
	_ "pointsofyou.ai/studio/functions/sessions"
)

func main() {
	cfg := config.FromEnv(nil)
	logging.Setup(cfg.Project)
	// A real project pointed at an emulator would trust unsigned tokens,
	// and one without a declared value (infra/topology.yaml env, secrets)
	// would answer every call with 503: the instance never starts, so the
	// deployment fails at once.
	top, err := infra.Topology()
	if err == nil {
		err = platform.Preflight(nil, top)
	}
	if err != nil {
		slog.Error("refusing to start: "+err.Error(), "target", os.Getenv("FUNCTION_TARGET"))
		os.Exit(1)
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	// A demo project trusts the Auth emulator's unsigned tokens, so it is
	// served to this machine only; on Google Cloud the container must listen
	// on every interface.
	host := ""
	if cfg.IsDemo() {
		host = "127.0.0.1"
	}
	// On SIGTERM (Cloud Run stops an instance; the suite stops a process)
	// entry points with long-lived work finish it before the process ends.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		defer cancel()
		if err := platform.Drain(ctx); err != nil {
			slog.Warn("drain incomplete", "error", err.Error(), "target", os.Getenv("FUNCTION_TARGET"))
		}
		os.Exit(0)
	}()
	if err := funcframework.StartHostPort(host, port); err != nil {
		slog.Error("functions framework stopped", "error", err.Error(), "target", os.Getenv("FUNCTION_TARGET"))
		os.Exit(1)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/config"
)

// TestRefusesEmulatorsOnARealProject runs the binary's main as a real
// project with an emulator variable set: it must exit at once, non-zero,
// saying why, instead of serving with unsigned tokens trusted.
func TestRefusesEmulatorsOnARealProject(t *testing.T) {
	if os.Getenv("FUNCTIONS_MAIN_UNDER_TEST") == "1" {
		main()
		return
	}
	t.Parallel()
	for _, v := range []string{config.EnvAuthHost, config.EnvFirestoreHost, config.EnvStorageHost} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRefusesEmulatorsOnARealProject$")
			cmd.Env = append(os.Environ(), "FUNCTIONS_MAIN_UNDER_TEST=1", "GOOGLE_CLOUD_PROJECT=poy-prod",
				"FUNCTION_TARGET=accounts", "PORT=0", v+"=127.0.0.1:1")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("still running after 20 s: it started serving; output:\n%s", out.String())
			}
			if err == nil || !strings.Contains(out.String(), "refusing to start") || !strings.Contains(out.String(), v) {
				t.Fatalf("exit %v; output:\n%s", err, out.String())
			}
		})
	}
}

// TestRefusesAMissingDeclaredValue: on a real project, a function whose
// declared configuration (infra/topology.yaml env or secrets) is missing
// exits before serving, naming what is missing.
func TestRefusesAMissingDeclaredValue(t *testing.T) {
	if os.Getenv("FUNCTIONS_MAIN_UNDER_TEST") == "1" {
		main()
		return
	}
	t.Parallel()
	for _, c := range []struct {
		target  string
		env     []string
		missing string
	}{
		{"sessions", []string{"PSEUDONYM_HMAC_KEY=" + strings.Repeat("k", 32)}, "PUBLIC_URL"},
		{"journeys", nil, "secret PSEUDONYM_HMAC_KEY"},
		{"accounts", nil, "PUBLIC_URL"},
	} {
		t.Run(c.target, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRefusesAMissingDeclaredValue$")
			cmd.Env = append(os.Environ(), "FUNCTIONS_MAIN_UNDER_TEST=1", "GOOGLE_CLOUD_PROJECT=poy-prod",
				"FUNCTION_TARGET="+c.target, "PORT=0", "PUBLIC_URL=", "PSEUDONYM_HMAC_KEY=")
			cmd.Env = append(cmd.Env, c.env...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("still running after 20 s: it started serving; output:\n%s", out.String())
			}
			if err == nil || !strings.Contains(out.String(), "refusing to start") || !strings.Contains(out.String(), c.missing) {
				t.Fatalf("exit %v; output:\n%s", err, out.String())
			}
		})
	}
}

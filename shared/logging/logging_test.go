package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestCloudLoggingFields(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := New(&buf, "demo-poy", slog.LevelDebug)
	ctx := WithTrace(context.Background(), "abc123/456;o=1", "exec-9")
	l.WarnContext(ctx, "hello", "org_id", "o1")
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"severity":                             "WARNING",
		"message":                              "hello",
		"org_id":                               "o1",
		"logging.googleapis.com/trace":         "projects/demo-poy/traces/abc123",
		"logging.googleapis.com/spanId":        "456",
		"logging.googleapis.com/trace_sampled": true,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v (line %s)", k, m[k], v, buf.String())
		}
	}
	labels, _ := m["logging.googleapis.com/labels"].(map[string]any)
	if labels["execution_id"] != "exec-9" {
		t.Errorf("labels %v", labels)
	}
	if _, ok := m["time"]; !ok {
		t.Error("no time")
	}
}

func TestSeverities(t *testing.T) {
	t.Parallel()
	for l, want := range map[slog.Level]string{slog.LevelDebug: "DEBUG", slog.LevelInfo: "INFO", slog.LevelWarn: "WARNING", slog.LevelError: "ERROR", slog.LevelError + 4: "ERROR"} {
		if got := severity(l); got != want {
			t.Errorf("%v → %s, want %s", l, got, want)
		}
	}
}

// Package logging configures log/slog to write JSON in Cloud Logging's
// structured format (severity, message, trace and execution ids), so that
// logs from functions, services and emulators read the same everywhere.
// Callers must never log personal data: ids, never names or emails.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
)

type ctxKey int

const traceKey ctxKey = iota

type trace struct {
	traceID, spanID, executionID string
	sampled                      bool
}

// WithTrace stores the X-Cloud-Trace-Context ("TRACE/SPAN;o=1") and the
// Function-Execution-Id of a request so that log lines carry them.
func WithTrace(ctx context.Context, header, executionID string) context.Context {
	if header == "" && executionID == "" {
		return ctx
	}
	t := trace{executionID: executionID}
	if header != "" {
		ids, opts, _ := strings.Cut(header, ";")
		t.traceID, t.spanID, _ = strings.Cut(ids, "/")
		t.sampled = strings.Contains(opts, "o=1")
	}
	return context.WithValue(ctx, traceKey, t)
}

// New returns a JSON logger in Cloud Logging's field names. project is used
// to qualify trace ids; it may be empty.
func New(w io.Writer, project string, level slog.Leveler) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       level,
		ReplaceAttr: replaceAttr,
	})
	return slog.New(&traceHandler{Handler: h, project: project})
}

// Setup installs New(os.Stderr, …) as the default logger. LOG_LEVEL
// (debug|info|warn|error) picks the level.
func Setup(project string) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(os.Getenv("LOG_LEVEL"))))
	l := New(os.Stderr, project, level)
	slog.SetDefault(l)
	return l
}

func replaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.LevelKey:
		return slog.String("severity", severity(a.Value.Any().(slog.Level)))
	case slog.MessageKey:
		a.Key = "message"
	case slog.TimeKey:
		a.Key = "time"
	case slog.SourceKey:
		a.Key = "logging.googleapis.com/sourceLocation"
	}
	return a
}

func severity(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	default:
		return "DEBUG"
	}
}

type traceHandler struct {
	slog.Handler
	project string
}

func (h *traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if t, ok := ctx.Value(traceKey).(trace); ok {
		if t.traceID != "" {
			id := t.traceID
			if h.project != "" {
				id = "projects/" + h.project + "/traces/" + id
			}
			r.AddAttrs(slog.String("logging.googleapis.com/trace", id))
		}
		if t.spanID != "" {
			r.AddAttrs(slog.String("logging.googleapis.com/spanId", t.spanID))
		}
		if t.sampled {
			r.AddAttrs(slog.Bool("logging.googleapis.com/trace_sampled", true))
		}
		if t.executionID != "" {
			r.AddAttrs(slog.Group("logging.googleapis.com/labels", slog.String("execution_id", t.executionID)))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h *traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &traceHandler{Handler: h.Handler.WithAttrs(attrs), project: h.project}
}

func (h *traceHandler) WithGroup(name string) slog.Handler {
	return &traceHandler{Handler: h.Handler.WithGroup(name), project: h.project}
}

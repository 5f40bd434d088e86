package coach

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// The stream's events (the contract's names).
const (
	eventStart = "start"
	eventToken = "token"
	eventDone  = "done"
	eventError = "error"
)

// askStream is the streamed ask: problems before the stream starts are
// ordinary problem responses; then start, tokens as the model writes,
// and done (or error: nothing stored, nothing charged).
func (a *api) askStream(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req AskRequest
	if err := httpapi.DecodeJSON(w, r, &req, 16<<10); err != nil {
		return err
	}
	ctx := r.Context()
	pd, err := a.prepare(ctx, p, r.PathValue("conversationId"), req)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte("event: " + event + "\ndata: " + string(b) + "\n\n")); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send(eventStart, map[string]any{"question": pd.question, "answer_id": pd.answerID}); err != nil {
		return nil // the client left
	}
	ans, err := a.generate(ctx, pd, func(s string) error { return send(eventToken, map[string]string{"text": s}) })
	if err != nil {
		if ctx.Err() == nil {
			slog.WarnContext(ctx, "coach: the model did not finish a streamed answer", "err", err)
			_ = send(eventError, problemBody(r, modelProblem(err)))
		}
		return nil
	}
	out, err := a.commit(ctx, pd, ans)
	if err != nil {
		_ = send(eventError, problemBody(r, err))
		return nil
	}
	_ = send(eventDone, map[string]any{"answer": out.Answer, "credits": out.Credits})
	return nil
}

// problemBody is err as the problem an error event carries.
func problemBody(r *http.Request, err error) any {
	var ex *exhausted
	if errors.As(err, &ex) {
		return ex.problem(r)
	}
	var he *httpapi.Error
	if !errors.As(err, &he) {
		he = httpapi.Unavailable(err)
	}
	if he.Status >= 500 {
		slog.ErrorContext(r.Context(), "coach: streamed ask failed", "error", err.Error(), "status", he.Status)
	}
	return httpapi.Problem{Type: httpapi.ProblemBase + he.Slug, Title: he.Title, Status: he.Status, Detail: he.Detail,
		Instance: r.URL.Path, RequestID: httpapi.RequestID(r.Context()), Errors: he.Fields}
}

var loopbackHosts = []string{"127.0.0.1", "localhost", "[::1]"}

// allowedOrigins is the set of origins (scheme://host[:port]) that may
// call the stream; with loopback, each loopback origin also under the
// other loopback spellings.
func allowedOrigins(origins []string, loopback bool) map[string]bool {
	out := map[string]bool{}
	for _, o := range origins {
		u, err := url.Parse(strings.TrimSpace(o))
		if err != nil || u.Host == "" {
			continue
		}
		out[u.Scheme+"://"+u.Host] = true
		h := u.Hostname()
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		if loopback && slices.Contains(loopbackHosts, h) {
			for _, alt := range loopbackHosts {
				if p := u.Port(); p != "" {
					alt += ":" + p
				}
				out[u.Scheme+"://"+alt] = true
			}
		}
	}
	return out
}

// cors lets the allowed browser origins call the stream: preflights are
// answered here, a request from any other origin is refused (403), and
// requests without Origin (not from a browser) pass.
func (a *api) cors(next http.Handler) http.Handler {
	allowed := allowedOrigins(a.d.AllowedOrigins, a.d.LoopbackAliases)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		if !allowed[origin] {
			httpapi.WriteError(w, r, httpapi.Forbidden("origin %q may not call this service", origin))
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"pointsofyou.ai/studio/shared/httpapi"
)

// Problem types of the journal's own problems.
const (
	ProblemGap   = httpapi.ProblemBase + "mutation-gap"
	ProblemLimit = httpapi.ProblemBase + "journal-limit"
)

// gapProblem is the 409 body: where the client resends from.
type gapProblem struct {
	httpapi.Problem
	LastMutationID int64 `json:"last_mutation_id"`
}

// limitProblem is the 403 body: which limit, which mutation, and the usage.
type limitProblem struct {
	httpapi.Problem
	Limit          string `json:"limit"`
	MutationID     int64  `json:"mutation_id"`
	LastMutationID int64  `json:"last_mutation_id"`
	Usage          Usage  `json:"usage"`
}

// writeError writes err as a problem, the journal's with their members.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	base := func(typ, title string, status int, detail string) httpapi.Problem {
		return httpapi.Problem{Type: typ, Title: title, Status: status, Detail: detail,
			Instance: r.URL.Path, RequestID: httpapi.RequestID(r.Context())}
	}
	var body any
	var code int
	var g *gap
	var lim *refused
	switch {
	case errors.As(err, &g):
		code = http.StatusConflict
		body = gapProblem{Problem: base(ProblemGap, "Mutations missing", code,
			fmt.Sprintf("the server has applied this client's mutations up to %d; push again from %d", g.last, g.last+1)),
			LastMutationID: g.last}
	case errors.As(err, &lim):
		code = http.StatusForbidden
		body = limitProblem{Problem: base(ProblemLimit, "Journal limit reached", code,
			fmt.Sprintf("mutation %d would take the journal over the %s plan's %s limit; nothing from it on was applied", lim.mutationID, lim.usage.Tier, lim.what)),
			Limit: lim.what, MutationID: lim.mutationID, LastMutationID: lim.last, Usage: lim.usage}
	default:
		httpapi.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", httpapi.ContentTypeProblem)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// handler is httpapi.HandlerFunc with the journal's problems.
type handler func(w http.ResponseWriter, r *http.Request) error

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		writeError(w, r, err)
	}
}

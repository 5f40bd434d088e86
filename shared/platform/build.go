package platform

import "strings"

// Build collects the clients of a composition root: each Use runs one
// accessor until one fails and then does nothing, so a root lists its
// dependencies as plain assignments and checks one error at the end.
type Build struct{ err error }

// Use returns what get builds, or the zero value once any step of b has
// failed (get then does not run).
func Use[T any](b *Build, get func() (T, error)) T {
	var v T
	if b.err != nil {
		return v
	}
	v, b.err = get()
	return v
}

// Err is the first failure of b, if any.
func (b *Build) Err() error { return b.err }

// List is a comma-separated declared variable as its non-empty items.
func List(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// EnvOf is Env as a build step for Use.
func (p *Platform) EnvOf(name string) func() (string, error) {
	return func() (string, error) { return p.Env(name) }
}

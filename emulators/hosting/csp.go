package hosting

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

var (
	cspDirective = regexp.MustCompile(`^[a-z][a-z-]*$`)
	// cspOrigin is a scheme, host and optional port: no path, wildcard or
	// keyword, so an added source names exactly one local server.
	cspOrigin = regexp.MustCompile(`^(?:https?|wss?)://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)
)

// cspFallback lists, per directive, the directives a browser uses when it
// is absent (CSP Level 3).
var cspFallback = map[string][]string{
	"script-src-elem": {"script-src", "default-src"},
	"script-src-attr": {"script-src", "default-src"},
	"style-src-elem":  {"style-src", "default-src"},
	"style-src-attr":  {"style-src", "default-src"},
	"frame-src":       {"child-src", "default-src"},
	"worker-src":      {"child-src", "script-src", "default-src"},
	"child-src":       {"default-src"},
	"connect-src":     {"default-src"},
	"font-src":        {"default-src"},
	"img-src":         {"default-src"},
	"manifest-src":    {"default-src"},
	"media-src":       {"default-src"},
	"object-src":      {"default-src"},
	"script-src":      {"default-src"},
	"style-src":       {"default-src"},
}

// withCSPSources returns the header rules with sources added to the
// directives of their Content-Security-Policy (and -Report-Only) values.
// Without additions the rules are returned as they are, so the served
// policy is the deployed text byte for byte.
func withCSPSources(rules []HeaderRule, add map[string][]string) ([]HeaderRule, error) {
	if len(add) == 0 {
		return rules, nil
	}
	for d, srcs := range add {
		if !cspDirective.MatchString(d) {
			return nil, fmt.Errorf("hosting: CSPSources: %q is not a directive name", d)
		}
		for _, src := range srcs {
			if !cspOrigin.MatchString(src) {
				return nil, fmt.Errorf("hosting: CSPSources[%s]: %q is not an origin (scheme://host[:port])", d, src)
			}
		}
	}
	out := make([]HeaderRule, len(rules))
	for i, rule := range rules {
		out[i] = HeaderRule{Match: rule.Match, Headers: slices.Clone(rule.Headers)}
		for j, h := range out[i].Headers {
			if strings.EqualFold(h.Key, "Content-Security-Policy") || strings.EqualFold(h.Key, "Content-Security-Policy-Report-Only") {
				out[i].Headers[j].Value = addCSPSources(h.Value, add)
			}
		}
	}
	return out, nil
}

type cspDirectiveValue struct {
	name    string
	sources []string
}

// addCSPSources adds sources to a policy. A directive the policy lacks is
// added with the sources of the directive it falls back to plus the new
// ones, so nothing else becomes allowed; if nothing restricts that kind of
// request (no fallback either), the policy is left alone for it.
func addCSPSources(policy string, add map[string][]string) string {
	var dirs []cspDirectiveValue
	index := map[string]int{}
	for _, part := range strings.Split(policy, ";") {
		fields := strings.Fields(part)
		if len(fields) == 0 {
			continue
		}
		name := strings.ToLower(fields[0])
		if _, dup := index[name]; dup {
			continue // browsers ignore a repeated directive
		}
		index[name] = len(dirs)
		dirs = append(dirs, cspDirectiveValue{name: fields[0], sources: fields[1:]})
	}
	names := make([]string, 0, len(add))
	for d := range add {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, d := range names {
		i, ok := index[d]
		if !ok {
			var base []string
			found := false
			for _, fb := range cspFallback[d] {
				if j, ok := index[fb]; ok {
					base, found = slices.Clone(dirs[j].sources), true
					break
				}
			}
			if !found {
				continue
			}
			index[d] = len(dirs)
			dirs = append(dirs, cspDirectiveValue{name: d, sources: base})
			i = index[d]
		}
		srcs := slices.DeleteFunc(dirs[i].sources, func(s string) bool { return strings.EqualFold(s, "'none'") })
		for _, src := range add[d] {
			if !slices.Contains(srcs, src) {
				srcs = append(srcs, src)
			}
		}
		dirs[i].sources = srcs
	}
	parts := make([]string, len(dirs))
	for i, d := range dirs {
		parts[i] = strings.Join(append([]string{d.name}, d.sources...), " ")
	}
	return strings.Join(parts, "; ")
}

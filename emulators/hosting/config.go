package hosting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// Config is the "hosting" section of firebase.json, parsed and validated.
type Config struct {
	// Public is the deployed directory, relative to firebase.json.
	Public string
	// Ignore lists globs of files under Public that are not deployed.
	Ignore []string
	// CleanURLs serves "/about" from about.html and redirects "/about.html".
	CleanURLs bool
	// TrailingSlash: nil leaves URLs alone except directories, true adds a
	// slash, false removes it.
	TrailingSlash *bool
	Redirects     []Redirect
	Rewrites      []Rewrite
	Headers       []HeaderRule
}

// Match is a rule's path condition: a glob (Source) or an RE2 expression
// (Regex), exactly one of them.
type Match struct {
	Source string `json:"source,omitempty"`
	Regex  string `json:"regex,omitempty"`
	re     *regexp.Regexp
}

// Matches reports whether the rule applies to the request path.
func (m Match) Matches(path string) bool { return m.re != nil && m.re.MatchString(path) }

// Rewrite serves a path from a function, a Cloud Run service or a file.
// Exactly one of Function, Run and Destination is set.
type Rewrite struct {
	Match
	// Function is the functionId of a Cloud Functions rewrite.
	Function string `json:"function,omitempty"`
	// Run is the serviceId of a Cloud Run rewrite.
	Run string `json:"run,omitempty"`
	// Region of the function or service. Hosting uses us-central1 when the
	// rule names none (also for the string form of "function").
	Region string `json:"region,omitempty"`
	// Destination is a file under Public, e.g. "/index.html".
	Destination string `json:"destination,omitempty"`
}

// Service is the function or Cloud Run service the rewrite proxies to.
func (r Rewrite) Service() string {
	if r.Function != "" {
		return r.Function
	}
	return r.Run
}

// Redirect answers matching paths with a redirect to Destination, in which
// ":name" is replaced by the captured segment of that name.
type Redirect struct {
	Match
	Destination string `json:"destination"`
	Type        int    `json:"type"`
}

// HeaderRule adds headers to responses for matching request paths.
type HeaderRule struct {
	Match
	Headers []Header `json:"headers"`
}

// Header is one response header.
type Header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ConfigError is every problem found in a configuration.
type ConfigError []string

func (e ConfigError) Error() string { return "firebase.json: " + strings.Join(e, "; ") }

const maxConfig = 1 << 20

// defaultRegion is where Hosting looks for a function or service whose
// rewrite names no region.
const defaultRegion = "us-central1"

type rawRewrite struct {
	Source       string          `json:"source"`
	Regex        string          `json:"regex"`
	Destination  string          `json:"destination"`
	Function     json.RawMessage `json:"function"`
	Run          *rawService     `json:"run"`
	DynamicLinks bool            `json:"dynamicLinks"`
}

type rawService struct {
	ServiceID  string `json:"serviceId"`
	FunctionID string `json:"functionId"`
	Region     string `json:"region"`
	PinTag     bool   `json:"pinTag"`
}

type rawRedirect struct {
	Source      string `json:"source"`
	Regex       string `json:"regex"`
	Destination string `json:"destination"`
	Type        int    `json:"type"`
}

type rawHeaderRule struct {
	Source  string   `json:"source"`
	Regex   string   `json:"regex"`
	Headers []Header `json:"headers"`
}

type rawHosting struct {
	Public        string          `json:"public"`
	Ignore        []string        `json:"ignore"`
	CleanURLs     bool            `json:"cleanUrls"`
	TrailingSlash *bool           `json:"trailingSlash"`
	Redirects     []rawRedirect   `json:"redirects"`
	Rewrites      []rawRewrite    `json:"rewrites"`
	Headers       []rawHeaderRule `json:"headers"`
	// Accepted because deploys use them, but not emulated.
	Site           string          `json:"site"`
	Target         string          `json:"target"`
	AppAssociation string          `json:"appAssociation"`
	I18n           json.RawMessage `json:"i18n"`
	Predeploy      json.RawMessage `json:"predeploy"`
	Postdeploy     json.RawMessage `json:"postdeploy"`
}

var serviceName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// ParseConfig reads the "hosting" section of a firebase.json. Unknown keys
// inside "hosting" are errors so that a typo ("rewrite") fails loudly
// instead of silently serving without the rule; other top-level sections
// (firestore, storage, …) are ignored.
func ParseConfig(data []byte) (*Config, error) {
	if len(data) > maxConfig {
		return nil, ConfigError{fmt.Sprintf("is %d bytes; at most %d are read", len(data), maxConfig)}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, ConfigError{"invalid JSON: " + err.Error()}
	}
	raw, ok := top["hosting"]
	if !ok {
		return nil, ConfigError{`"hosting" is missing`}
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		return nil, ConfigError{`"hosting" is an array (several sites); only one site is supported`}
	}
	var h rawHosting
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, ConfigError{"hosting: " + err.Error()}
	}
	var errs ConfigError
	add := func(field, format string, args ...any) {
		errs = append(errs, field+": "+fmt.Sprintf(format, args...))
	}
	if h.Public == "" {
		add("hosting.public", "is required")
	}
	c := &Config{Public: h.Public, Ignore: h.Ignore, CleanURLs: h.CleanURLs, TrailingSlash: h.TrailingSlash}
	for i, g := range h.Ignore {
		if err := checkIgnore(g); err != nil {
			add(fmt.Sprintf("hosting.ignore[%d]", i), "%v", err)
		}
	}
	for i, r := range h.Redirects {
		f := fmt.Sprintf("hosting.redirects[%d]", i)
		m, err := compileMatch(r.Source, r.Regex, true)
		if err != nil {
			add(f, "%v", err)
		}
		if r.Destination == "" {
			add(f+".destination", "is required")
		}
		if r.Type == 0 {
			r.Type = http.StatusMovedPermanently
		}
		if r.Type != http.StatusMovedPermanently && r.Type != http.StatusFound {
			add(f+".type", "is %d; Hosting redirects with 301 or 302", r.Type)
		}
		c.Redirects = append(c.Redirects, Redirect{Match: m, Destination: r.Destination, Type: r.Type})
	}
	for i, r := range h.Rewrites {
		f := fmt.Sprintf("hosting.rewrites[%d]", i)
		m, err := compileMatch(r.Source, r.Regex, false)
		if err != nil {
			add(f, "%v", err)
		}
		rw, err := parseRewriteTarget(r)
		if err != nil {
			add(f, "%v", err)
		}
		rw.Match = m
		c.Rewrites = append(c.Rewrites, rw)
	}
	for i, r := range h.Headers {
		f := fmt.Sprintf("hosting.headers[%d]", i)
		m, err := compileMatch(r.Source, r.Regex, false)
		if err != nil {
			add(f, "%v", err)
		}
		if len(r.Headers) == 0 {
			add(f+".headers", "is empty")
		}
		for j, hd := range r.Headers {
			if !validHeaderName(hd.Key) {
				add(fmt.Sprintf("%s.headers[%d].key", f, j), "%q is not a valid header name", hd.Key)
			}
			if strings.ContainsAny(hd.Value, "\r\n\x00") {
				add(fmt.Sprintf("%s.headers[%d].value", f, j), "contains a line break")
			}
		}
		c.Headers = append(c.Headers, HeaderRule{Match: m, Headers: r.Headers})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

func compileMatch(source, regex string, captures bool) (Match, error) {
	m := Match{Source: source, Regex: regex}
	var err error
	switch {
	case source != "" && regex != "":
		return m, errors.New(`set either "source" or "regex", not both`)
	case source != "":
		m.re, err = compileGlob(source, captures)
	case regex != "":
		m.re, err = compileRegex(regex)
	default:
		return m, errors.New(`"source" or "regex" is required`)
	}
	return m, err
}

func parseRewriteTarget(r rawRewrite) (Rewrite, error) {
	var out Rewrite
	kinds := 0
	if r.Destination != "" {
		kinds++
		if !strings.HasPrefix(r.Destination, "/") {
			return out, fmt.Errorf("destination %q must start with /", r.Destination)
		}
		out.Destination = r.Destination
	}
	if len(r.Function) > 0 && string(r.Function) != "null" {
		kinds++
		var name string
		if err := json.Unmarshal(r.Function, &name); err != nil {
			var svc rawService
			dec := json.NewDecoder(bytes.NewReader(r.Function))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&svc); err != nil {
				return out, fmt.Errorf("function: want a name or {functionId, region}: %v", err)
			}
			if svc.ServiceID != "" {
				return out, errors.New(`function: use "functionId", not "serviceId"`)
			}
			name, out.Region = svc.FunctionID, svc.Region
		}
		if !serviceName.MatchString(name) {
			return out, fmt.Errorf("function: %q is not a valid function name", name)
		}
		out.Function = name
	}
	if r.Run != nil {
		kinds++
		if r.Run.FunctionID != "" {
			return out, errors.New(`run: use "serviceId", not "functionId"`)
		}
		if !serviceName.MatchString(r.Run.ServiceID) {
			return out, fmt.Errorf("run.serviceId: %q is not a valid service name", r.Run.ServiceID)
		}
		out.Run, out.Region = r.Run.ServiceID, r.Run.Region
	}
	if r.DynamicLinks {
		return out, errors.New("dynamicLinks rewrites are not supported")
	}
	if kinds != 1 {
		return out, errors.New(`set exactly one of "destination", "function" and "run"`)
	}
	if out.Service() != "" && out.Region == "" {
		out.Region = defaultRegion
	}
	return out, nil
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !isAlnum(c) && strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}

// ignored reports whether rel (a slash path under Public, no leading slash)
// is left out of the deploy. The Firebase CLI lists the files to upload
// with node-glob's "ignore" option, not with .gitignore rules: each pattern
// is matched (dot files included) against the whole relative path, so
// "firebase.json" hides only the top-level file, "**/.*" hides dot files
// but not the files inside a dot directory (.well-known/… is deployed),
// and a pattern ending in "/**" hides a directory's whole tree.
func ignored(rel string, globs []*regexp.Regexp) bool {
	for _, re := range globs {
		if re.MatchString("/" + rel) {
			return true
		}
	}
	return false
}

// cliIgnore are the patterns the Firebase CLI adds to every hosting
// deploy's "ignore" list.
var cliIgnore = []string{"**/firebase-debug.log", "**/firebase-debug.*.log", ".firebase/*"}

// checkIgnore refuses ignore patterns whose meaning under node-glob is not
// what a .gitignore reader expects, so the mistake shows before a deploy
// uploads the file: a leading "/" matches no relative path, and a leading
// "!" is a negated match (everything else), not a re-include.
func checkIgnore(g string) error {
	switch {
	case strings.HasPrefix(g, "/"):
		return fmt.Errorf("%q: the CLI matches ignore patterns against relative paths, so a leading / matches nothing; drop it", g)
	case strings.HasPrefix(g, "!"):
		return fmt.Errorf("%q: a leading ! negates the pattern (it ignores every other file) instead of re-including files", g)
	}
	_, err := compileGlob(g, false)
	return err
}

func (c *Config) ignoreGlobs() []*regexp.Regexp {
	out := make([]*regexp.Regexp, 0, len(c.Ignore)+len(cliIgnore))
	for _, g := range append(append([]string(nil), cliIgnore...), c.Ignore...) {
		if checkIgnore(g) != nil {
			continue // rejected by ParseConfig already
		}
		re, _ := compileGlob(g, false)
		out = append(out, re)
	}
	return out
}

// captureNames lists a redirect's capture names, longest first, so that
// ":id" never replaces the start of ":idx".
func captureNames(re *regexp.Regexp) []string {
	var names []string
	for _, n := range re.SubexpNames() {
		if n != "" {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	return names
}

package infra

import (
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"pointsofyou.ai/studio/functions/accounts"
	"pointsofyou.ai/studio/functions/analytics"
	"pointsofyou.ai/studio/functions/billing"
	"pointsofyou.ai/studio/functions/canvas"
	"pointsofyou.ai/studio/functions/coach"
	"pointsofyou.ai/studio/functions/consent"
	"pointsofyou.ai/studio/functions/content"
	"pointsofyou.ai/studio/functions/insights"
	"pointsofyou.ai/studio/functions/journal"
	"pointsofyou.ai/studio/functions/journeys"
	"pointsofyou.ai/studio/functions/media"
	"pointsofyou.ai/studio/functions/realtime"
	"pointsofyou.ai/studio/functions/sessions"
	"pointsofyou.ai/studio/shared/httpapi"
)

// servedRoutes is every HTTP function's route table by function name; a new
// HTTP function adds itself here (TestOpenAPIMatchesRoutes fails until it
// does, through the topology check below).
var servedRoutes = map[string][]httpapi.RouteSpec{
	"accounts":     accounts.Routes(),
	"analytics":    analytics.Routes(),
	"billing":      billing.Routes(),
	"canvas":       canvas.Routes(),
	"coach":        coach.Routes(),
	"coach-stream": coach.StreamRoutes(),
	"consent":      consent.Routes(),
	"content":      content.Routes(),
	"insights":     insights.Routes(),
	"journal":      journal.Routes(),
	"journeys":     journeys.Routes(),
	"media":        media.Routes(),
	"realtime":     realtime.Routes(),
	"sessions":     sessions.Routes(),
}

type openapiDoc struct {
	OpenAPI string                          `yaml:"openapi"`
	Servers []struct{ URL string }          `yaml:"servers"`
	Paths   map[string]map[string]yaml.Node `yaml:"paths"`
}

type operation struct {
	Security    *[]map[string][]string `yaml:"security"`
	Roles       []string               `yaml:"x-roles"`
	RequestBody *struct {
		Content map[string]struct {
			Example any `yaml:"example"`
		} `yaml:"content"`
	} `yaml:"requestBody"`
	Responses map[string]yaml.Node `yaml:"responses"`
}

var methods = []string{"get", "put", "post", "delete", "patch"}

// access is what a route declares about its callers, as openapi.yaml
// shows it: security [] for public routes, x-roles for the roles.
type access struct {
	public bool
	roles  string // sorted, comma-separated; "" when any caller or member
}

func accessOf(public bool, roles []string) access {
	r := slices.Clone(roles)
	slices.Sort(r)
	return access{public: public, roles: strings.Join(r, ",")}
}

// TestOpenAPIMatchesRoutes keeps infra/openapi.yaml true: every served route
// is documented with the right security and the roles its table declares
// (x-roles), and every documented route is served. The cross-tenant guard
// (e2e) reads the document, so it tests what the tables declare.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc openapiDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") || len(doc.Servers) == 0 || !strings.HasSuffix(doc.Servers[0].URL, "/api") {
		t.Fatalf("openapi %q, servers %v: want 3.1 with servers ending in /api", doc.OpenAPI, doc.Servers)
	}

	// Every HTTP function of the topology has a route table here.
	topo, err := Topology()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range topo.Functions {
		if f.Trigger.HTTP != nil {
			if _, ok := servedRoutes[f.Name]; !ok {
				t.Errorf("HTTP function %s has no route table in servedRoutes", f.Name)
			}
		}
	}

	served := map[string]access{} // "METHOD /fn/path" → declared access
	var problems []string
	for fn, routes := range servedRoutes {
		for _, r := range routes {
			key := r.Method + " /" + fn + r.Path
			served[key] = accessOf(r.Public, r.Roles)
			if err := r.CheckAccess(); err != nil {
				problems = append(problems, err.Error())
			}
		}
	}
	documented := map[string]access{}
	for path, item := range doc.Paths {
		for m, node := range item {
			if !slices.Contains(methods, m) {
				continue
			}
			var op operation
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			key := strings.ToUpper(m) + " " + path
			public := op.Security != nil && len(*op.Security) == 0
			documented[key] = accessOf(public, op.Roles)
			if !public {
				if _, ok := op.Responses["401"]; !ok {
					t.Errorf("%s: no 401 response documented", key)
				}
			}
			if m == "post" || m == "put" || m == "patch" {
				if op.RequestBody == nil || op.RequestBody.Content["application/json"].Example == nil {
					t.Errorf("%s: no application/json request body example (the cross-tenant guard sends it)", key)
				}
			}
		}
	}
	for k, a := range served {
		d, ok := documented[k]
		switch {
		case !ok:
			problems = append(problems, "served but not documented: "+k)
		case d.public != a.public:
			problems = append(problems, "security differs (public served="+yesNo(a.public)+"): "+k)
		case d.roles != a.roles:
			problems = append(problems, "x-roles differ (served ["+a.roles+"], documented ["+d.roles+"]): "+k)
		}
	}
	for k := range documented {
		if _, ok := served[k]; !ok {
			problems = append(problems, "documented but not served: "+k)
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

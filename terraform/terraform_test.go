package terraform

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	"gopkg.in/yaml.v3"

	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/shared/topology"
)

// module is the parsed root module.
type module struct {
	files     map[string]*hclsyntax.Body
	src       map[string][]byte
	resources map[string]*hclsyntax.Block // "type.name"
	variables map[string]*hclsyntax.Block
	locals    map[string]local
}

type local struct {
	file string
	attr *hclsyntax.Attribute
}

func parseModule(t *testing.T) *module {
	t.Helper()
	names, err := filepath.Glob("*.tf")
	if err != nil || len(names) == 0 {
		t.Fatalf("no .tf files: %v", err)
	}
	m := &module{
		files:     map[string]*hclsyntax.Body{},
		src:       map[string][]byte{},
		resources: map[string]*hclsyntax.Block{},
		variables: map[string]*hclsyntax.Block{},
		locals:    map[string]local{},
	}
	p := hclparse.NewParser()
	for _, name := range names {
		f, diags := p.ParseHCLFile(name)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", name, diags.Error())
		}
		body := f.Body.(*hclsyntax.Body)
		m.files[name] = body
		m.src[name] = f.Bytes
		for _, b := range body.Blocks {
			switch b.Type {
			case "resource":
				key := b.Labels[0] + "." + b.Labels[1]
				if _, dup := m.resources[key]; dup {
					t.Fatalf("resource %s declared twice", key)
				}
				m.resources[key] = b
			case "variable":
				m.variables[b.Labels[0]] = b
			case "locals":
				for n, a := range b.Body.Attributes {
					if _, dup := m.locals[n]; dup {
						t.Fatalf("local %s declared twice", n)
					}
					m.locals[n] = local{file: name, attr: a}
				}
			}
		}
	}
	return m
}

func (m *module) resource(t *testing.T, key string) *hclsyntax.Block {
	t.Helper()
	b, ok := m.resources[key]
	if !ok {
		t.Fatalf("resource %s is not declared", key)
	}
	return b
}

// text is the source of an expression.
func (m *module) text(e hclsyntax.Expression) string {
	r := e.Range()
	return string(r.SliceBytes(m.src[r.Filename]))
}

// functions mirrors the Terraform functions the configuration's locals use.
func functions(root string) map[string]function.Function {
	return map[string]function.Function{
		"try":        tryfunc.TryFunc,
		"can":        tryfunc.CanFunc,
		"file":       fileFunc(root),
		"yamldecode": yamlDecodeFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"jsonencode": stdlib.JSONEncodeFunc,
		"coalesce":   coalesceFunc,
		"compact":    stdlib.CompactFunc,
		"concat":     stdlib.ConcatFunc,
		"contains":   stdlib.ContainsFunc,
		"distinct":   stdlib.DistinctFunc,
		"flatten":    stdlib.FlattenFunc,
		"join":       stdlib.JoinFunc,
		"keys":       stdlib.KeysFunc,
		"length":     stdlib.LengthFunc,
		"lookup":     stdlib.LookupFunc,
		"lower":      stdlib.LowerFunc,
		"max":        stdlib.MaxFunc,
		"merge":      stdlib.MergeFunc,
		"min":        stdlib.MinFunc,
		"replace":    stdlib.ReplaceFunc,
		"sort":       stdlib.SortFunc,
		"split":      stdlib.SplitFunc,
		"substr":     stdlib.SubstrFunc,
		"tolist":     stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":      stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"toset":      stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":   stdlib.MakeToFunc(cty.String),
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"upper":      stdlib.UpperFunc,
		"values":     stdlib.ValuesFunc,
	}
}

// fileFunc reads files like Terraform's file(), with paths cleaned so that
// "<module>/../infra" resolves even when <module> is a fixture path.
func fileFunc(root string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := filepath.Clean(args[0].AsString())
			if !strings.HasPrefix(p, root) {
				return cty.NilVal, fmt.Errorf("file %q is outside %q", p, root)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// coalesceFunc is Terraform's coalesce: the first argument that is neither
// null nor an empty string.
var coalesceFunc = function.New(&function.Spec{
	VarParam: &function.Parameter{Name: "vals", Type: cty.DynamicPseudoType, AllowNull: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		for _, a := range args {
			if !a.IsNull() {
				return a.Type(), nil
			}
		}
		return cty.DynamicPseudoType, nil
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		for _, a := range args {
			if a.IsNull() || (a.Type() == cty.String && a.AsString() == "") {
				continue
			}
			return a, nil
		}
		return cty.NilVal, fmt.Errorf("no non-null, non-empty-string arguments")
	},
})

// yamlDecodeFunc is Terraform's yamldecode: mappings become objects,
// sequences tuples, scalars take their resolved YAML type.
var yamlDecodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "src", Type: cty.String}},
	Type:   function.StaticReturnType(cty.DynamicPseudoType),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(args[0].AsString()), &n); err != nil {
			return cty.NilVal, err
		}
		if n.Kind == 0 {
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		return yamlToCty(&n)
	},
})

func yamlToCty(n *yaml.Node) (cty.Value, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return yamlToCty(n.Content[0])
	case yaml.AliasNode:
		return yamlToCty(n.Alias)
	case yaml.MappingNode:
		attrs := map[string]cty.Value{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlToCty(n.Content[i+1])
			if err != nil {
				return cty.NilVal, err
			}
			attrs[n.Content[i].Value] = v
		}
		return cty.ObjectVal(attrs), nil
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return cty.EmptyTupleVal, nil
		}
		elems := make([]cty.Value, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlToCty(c)
			if err != nil {
				return cty.NilVal, err
			}
			elems = append(elems, v)
		}
		return cty.TupleVal(elems), nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return cty.NullVal(cty.DynamicPseudoType), nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return cty.NilVal, err
			}
			return cty.BoolVal(b), nil
		case "!!int", "!!float":
			return cty.ParseNumberVal(n.Value)
		default:
			return cty.StringVal(n.Value), nil
		}
	}
	return cty.NilVal, fmt.Errorf("unsupported YAML node kind %v", n.Kind)
}

// evaluation is the module's locals evaluated for one topology.
type evaluation struct {
	m      *module
	ctx    *hcl.EvalContext
	locals map[string]cty.Value
}

// evaluate evaluates every local that depends only on variables, path and
// other such locals, with infra/ taken from moduleDir/../infra.
func (m *module) evaluate(t *testing.T, moduleDir string, vars map[string]cty.Value) *evaluation {
	t.Helper()
	varVals := map[string]cty.Value{}
	for name, b := range m.variables {
		if a, ok := b.Body.Attributes["default"]; ok {
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatalf("variable %s default: %s", name, diags.Error())
			}
			varVals[name] = v
		}
	}
	for k, v := range vars {
		if _, ok := m.variables[k]; !ok {
			t.Fatalf("test sets undeclared variable %s", k)
		}
		varVals[k] = v
	}
	for name := range m.variables {
		if _, ok := varVals[name]; !ok {
			t.Fatalf("variable %s has no default and the test sets none", name)
		}
	}
	root := filepath.Clean(filepath.Join(moduleDir, ".."))
	e := &evaluation{m: m, locals: map[string]cty.Value{}}
	e.ctx = &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":  cty.ObjectVal(varVals),
			"path": cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(moduleDir), "root": cty.StringVal(moduleDir)}),
		},
		Functions: functions(root),
	}
	failed := map[string]string{}
	for progress := true; progress; {
		progress = false
		for name, l := range m.locals {
			if _, done := e.locals[name]; done {
				continue
			}
			if _, bad := failed[name]; bad {
				continue
			}
			ready, evaluable := true, true
			for _, tr := range l.attr.Expr.Variables() {
				switch tr.RootName() {
				case "var", "path":
				case "local":
					dep := tr[1].(hcl.TraverseAttr).Name
					if _, ok := e.locals[dep]; !ok {
						ready = false
						if _, isLocal := m.locals[dep]; !isLocal {
							t.Fatalf("local %s refers to undeclared local %s", name, dep)
						}
						if _, bad := failed[dep]; bad {
							evaluable = false
						}
					}
				default: // a resource or data source: known only at apply time
					evaluable = false
				}
			}
			if !evaluable {
				failed[name] = "depends on a resource"
				progress = true
				continue
			}
			if !ready {
				continue
			}
			e.ctx.Variables["local"] = cty.ObjectVal(e.locals)
			v, diags := l.attr.Expr.Value(e.ctx)
			if diags.HasErrors() {
				failed[name] = diags.Error()
			} else {
				e.locals[name] = v
			}
			progress = true
		}
	}
	e.ctx.Variables["local"] = cty.ObjectVal(e.locals)
	for name, l := range m.locals {
		if l.file != "locals.tf" {
			continue
		}
		if why, bad := failed[name]; bad {
			t.Errorf("local.%s (locals.tf) does not evaluate: %s", name, why)
		} else if _, ok := e.locals[name]; !ok {
			t.Errorf("local.%s (locals.tf) was never evaluated (a dependency cycle?)", name)
		}
	}
	return e
}

// local returns an evaluated local.
func (e *evaluation) local(t *testing.T, name string) cty.Value {
	t.Helper()
	v, ok := e.locals[name]
	if !ok {
		t.Fatalf("local.%s was not evaluated", name)
	}
	return v
}

// forEachKeys evaluates a resource's for_each and returns its keys.
func (e *evaluation) forEachKeys(t *testing.T, key string) []string {
	t.Helper()
	b := e.m.resource(t, key)
	a, ok := b.Body.Attributes["for_each"]
	if !ok {
		t.Fatalf("resource %s has no for_each: it must iterate the topology", key)
	}
	v, diags := a.Expr.Value(e.ctx)
	if diags.HasErrors() {
		t.Fatalf("resource %s for_each: %s", key, diags.Error())
	}
	return keysOf(t, v)
}

// instances evaluates a resource's for_each into each.key → each.value.
func (e *evaluation) instances(t *testing.T, key string) map[string]cty.Value {
	t.Helper()
	b := e.m.resource(t, key)
	v, diags := b.Body.Attributes["for_each"].Expr.Value(e.ctx)
	if diags.HasErrors() {
		t.Fatalf("resource %s for_each: %s", key, diags.Error())
	}
	out := map[string]cty.Value{}
	ty := v.Type()
	switch {
	case ty.IsSetType():
		for _, k := range v.AsValueSlice() {
			out[k.AsString()] = k
		}
	case ty.IsMapType() || ty.IsObjectType():
		for k, val := range v.AsValueMap() {
			out[k] = val
		}
	default:
		t.Fatalf("resource %s for_each is a %s, not a map or set", key, ty.FriendlyName())
	}
	return out
}

// attr evaluates a top-level attribute of one instance of a resource.
func (e *evaluation) attr(t *testing.T, key, attr, eachKey string, eachValue cty.Value) cty.Value {
	t.Helper()
	a, ok := e.m.resource(t, key).Body.Attributes[attr]
	if !ok {
		t.Fatalf("resource %s has no %s", key, attr)
	}
	ctx := e.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(eachKey), "value": eachValue})}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		t.Fatalf("%s[%q].%s: %s", key, eachKey, attr, diags.Error())
	}
	return v
}

func keysOf(t *testing.T, v cty.Value) []string {
	t.Helper()
	if v.IsNull() || !v.IsKnown() {
		t.Fatalf("collection is null or unknown")
	}
	var out []string
	ty := v.Type()
	switch {
	case ty.IsSetType() || ty.IsListType() || ty.IsTupleType():
		for _, k := range v.AsValueSlice() {
			out = append(out, k.AsString())
		}
	case ty.IsMapType() || ty.IsObjectType():
		for k := range v.AsValueMap() {
			out = append(out, k)
		}
	default:
		t.Fatalf("not a collection: %s", ty.FriendlyName())
	}
	sort.Strings(out)
	return out
}

func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameKeys(t *testing.T, what string, got []string, want map[string]bool) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(sorted(want), ",") {
		t.Errorf("%s: Terraform creates %v, the topology needs %v", what, got, sorted(want))
	}
}

// expected is what the topology needs, computed from the Go model.
type expected struct {
	functions, cloudFunctions, runServices, eventarc, push, scheduled, public map[string]bool
	topics, deadLetters, subscriptions, buckets, datasets, tables, secrets    map[string]bool
	// grants: "function|scope|role" with scope project, topic:x, bucket:x, dataset:x, secret:x.
	grants map[string]bool
}

func expect(top *topology.Topology) expected {
	x := expected{
		functions: map[string]bool{}, cloudFunctions: map[string]bool{}, runServices: map[string]bool{},
		eventarc: map[string]bool{}, push: map[string]bool{}, scheduled: map[string]bool{}, public: map[string]bool{},
		topics: map[string]bool{}, deadLetters: map[string]bool{}, subscriptions: map[string]bool{},
		buckets: map[string]bool{}, datasets: map[string]bool{}, tables: map[string]bool{},
		secrets: map[string]bool{"PSEUDONYM_HMAC_KEY": true, "MAIL_API_KEY": true}, grants: map[string]bool{},
	}
	for _, f := range top.Functions {
		x.functions[f.Name] = true
		if f.Kind == topology.KindRun {
			x.runServices[f.Name] = true
		} else {
			x.cloudFunctions[f.Name] = true
		}
		tr := f.Trigger
		switch {
		case tr.PubSub != nil && tr.PubSub.Filter != "":
			x.push[f.Name] = true
		case f.Kind == topology.KindFunction && (tr.PubSub != nil || tr.Storage != nil || tr.Firestore != nil):
			x.eventarc[f.Name] = true
			x.grants[f.Name+"|project|roles/eventarc.eventReceiver"] = true
		case tr.Schedule != nil:
			x.scheduled[f.Name] = true
		case tr.HTTP != nil && tr.HTTP.Public:
			x.public[f.Name] = true
		}
		if x.eventarc[f.Name] || x.push[f.Name] {
			x.deadLetters[f.Name+"-dead"] = true
		}
		for _, s := range f.Secrets {
			x.secrets[s] = true
			x.grants[f.Name+"|secret:"+s+"|roles/secretmanager.secretAccessor"] = true
		}
		for _, u := range f.Uses {
			kind, arg, _ := strings.Cut(u, ":")
			g := func(scope, role string) { x.grants[f.Name+"|"+scope+"|"+role] = true }
			switch kind {
			case "firestore":
				g("project", "roles/datastore.user")
			case "vertex":
				g("project", "roles/aiplatform.user")
			case "auth":
				g("project", "roles/firebaseauth.admin")
			case "pubsub":
				g("topic:"+arg, "roles/pubsub.publisher")
			case "storage":
				g("bucket:"+arg, "roles/storage.objectAdmin")
			case "bigquery":
				if ds, mode, _ := strings.Cut(arg, ":"); mode == "read" {
					g("dataset:"+ds, "roles/bigquery.dataViewer")
				} else {
					g("dataset:"+arg, "roles/bigquery.dataEditor")
				}
				g("project", "roles/bigquery.jobUser")
			case "secret":
				x.secrets[arg] = true
				g("secret:"+arg, "roles/secretmanager.secretAccessor")
			}
		}
	}
	for _, tp := range top.Topics {
		x.topics[tp.Name] = true
	}
	for _, s := range top.Subscriptions {
		x.subscriptions[s.Name] = true
		switch {
		case s.DeadLetter != nil:
			x.deadLetters[s.DeadLetter.Topic] = true
		case s.Push != nil:
			x.deadLetters[s.Name+"-dead"] = true
		}
	}
	for t := range x.deadLetters {
		x.topics[t] = true
	}
	for _, b := range top.Buckets {
		x.buckets[b.Name] = true
	}
	for _, d := range top.Datasets {
		x.datasets[d.Name] = true
		for _, tb := range d.Tables {
			x.tables[d.Name+"."+tb.Name] = true
		}
	}
	return x
}

const testProject = "poy-test"

func testVars(env string) map[string]cty.Value {
	return map[string]cty.Value{
		"project":     cty.StringVal(testProject),
		"alert_email": cty.StringVal("ops@example.com"),
		"environment": cty.StringVal(env),
	}
}

// topologies are the real topology and a fixture that uses every kind of
// entry, each with the module directory its infra/ is found from.
func topologies(t *testing.T) map[string]struct {
	top       *topology.Topology
	moduleDir string
} {
	t.Helper()
	real, err := infra.Topology()
	if err != nil {
		t.Fatalf("infra topology: %v", err)
	}
	b, err := os.ReadFile("testdata/fixture/infra/topology.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fixture, err := topology.Parse(b)
	if err != nil {
		t.Fatalf("fixture topology is invalid: %v", err)
	}
	return map[string]struct {
		top       *topology.Topology
		moduleDir string
	}{
		"infra":   {real, "."},
		"fixture": {fixture, filepath.Join("testdata", "fixture", "terraform")},
	}
}

func TestEveryTopologyEntryIsCreated(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	for name, tc := range topologies(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := m.evaluate(t, tc.moduleDir, testVars("prod"))
			x := expect(tc.top)

			for _, c := range []struct {
				resource string
				want     map[string]bool
			}{
				{"google_service_account.function", x.functions},
				{"google_cloudfunctions2_function.function", x.cloudFunctions},
				{"google_cloud_run_v2_service.service", x.runServices},
				{"terraform_data.eventarc_dead_letter", x.eventarc},
				{"google_pubsub_subscription.function_push", x.push},
				{"google_cloud_scheduler_job.schedule", x.scheduled},
				{"google_cloud_run_v2_service_iam_member.public", x.public},
				{"google_pubsub_topic.topic", x.topics},
				{"google_pubsub_topic_iam_member.dead_letter_publisher", x.deadLetters},
				{"google_pubsub_subscription.subscription", x.subscriptions},
				{"google_storage_bucket.bucket", x.buckets},
				{"google_bigquery_dataset.dataset", x.datasets},
				{"google_bigquery_table.table", x.tables},
				{"google_secret_manager_secret.secret", x.secrets},
			} {
				sameKeys(t, c.resource, e.forEachKeys(t, c.resource), c.want)
			}

			// Every for_each that depends only on the topology evaluates.
			for key, b := range m.resources {
				a, ok := b.Body.Attributes["for_each"]
				if !ok {
					continue
				}
				static := true
				for _, tr := range a.Expr.Variables() {
					static = static && (tr.RootName() == "local" || tr.RootName() == "var")
				}
				if static {
					if _, diags := a.Expr.Value(e.ctx); diags.HasErrors() {
						t.Errorf("%s for_each: %s", key, diags.Error())
					}
				}
			}

			// Names in the cloud are the topology's names.
			for k, v := range e.instances(t, "google_storage_bucket.bucket") {
				if got := e.attr(t, "google_storage_bucket.bucket", "name", k, v).AsString(); got != topology.BucketName(testProject, k) {
					t.Errorf("bucket %s is named %q, want %q", k, got, topology.BucketName(testProject, k))
				}
			}
			for _, r := range []string{"google_cloudfunctions2_function.function", "google_cloud_run_v2_service.service", "google_pubsub_topic.topic", "google_pubsub_subscription.subscription"} {
				for k, v := range e.instances(t, r) {
					if got := e.attr(t, r, "name", k, v).AsString(); got != k {
						t.Errorf("%s[%q] is named %q", r, k, got)
					}
				}
			}
			for k, v := range e.instances(t, "google_bigquery_table.table") {
				ds, tb, _ := strings.Cut(k, ".")
				if got := e.attr(t, "google_bigquery_table.table", "table_id", k, v).AsString(); got != tb {
					t.Errorf("table %s has table_id %q", k, got)
				}
				if got := v.GetAttr("dataset").AsString(); got != ds {
					t.Errorf("table %s is in dataset %q", k, got)
				}
				if !isJSON(v.GetAttr("schema").AsString()) {
					t.Errorf("table %s schema is not JSON", k)
				}
			}
			// Views: every declared view in one of the two waves, its SQL
			// the file's with the placeholders replaced as the emulator
			// suite replaces them (topology.ViewSQL).
			views := map[string]bool{}
			for _, r := range []string{"google_bigquery_table.view", "google_bigquery_table.view_on_view"} {
				for k := range e.instances(t, r) {
					views[k] = true
				}
			}
			for _, d := range tc.top.Datasets {
				for _, v := range d.Views {
					k := d.Name + "." + v.Name
					if !views[k] {
						t.Errorf("view %s is not created", k)
						continue
					}
					delete(views, k)
					raw, err := os.ReadFile(filepath.Join("..", "infra", v.Query))
					if err != nil {
						t.Errorf("view %s: %v", k, err)
						continue
					}
					got := e.local(t, "views").GetAttr(k).GetAttr("query").AsString()
					if want := topology.ViewSQL(string(raw), testProject, d.Name); got != want {
						t.Errorf("view %s query:\n%s\nwant:\n%s", k, got, want)
					}
				}
			}
			for k := range views {
				t.Errorf("view %s is not in the topology", k)
			}
			// Each function runs as the entry point the topology names.
			for _, f := range tc.top.Functions {
				got := e.local(t, "functions").GetAttr(f.Name)
				if got.GetAttr("target").AsString() != f.Target() || got.GetAttr("source").AsString() != f.Source {
					t.Errorf("function %s: target %s source %s, want %s %s", f.Name,
						got.GetAttr("target").AsString(), got.GetAttr("source").AsString(), f.Target(), f.Source)
				}
			}
		})
	}
}

func isJSON(s string) bool {
	_, err := stdlib.JSONDecode(cty.StringVal(s))
	return err == nil
}

func TestEveryFunctionHasItsOwnLeastPrivilegeIdentity(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	// Both kinds run as google_service_account.function[each.key], and so do
	// every trigger identity (Eventarc, scheduler, push).
	for _, c := range []struct{ resource, path, want string }{
		{"google_cloudfunctions2_function.function", "service_config.service_account_email", "google_service_account.function[each.key].email"},
		{"google_cloudfunctions2_function.function", "event_trigger.content.service_account_email", "google_service_account.function[each.key].email"},
		{"google_cloud_run_v2_service.service", "template.service_account", "google_service_account.function[each.key].email"},
		{"google_cloud_scheduler_job.schedule", "http_target.oidc_token.service_account_email", "google_service_account.function[each.key].email"},
		{"google_pubsub_subscription.function_push", "push_config.oidc_token.service_account_email", "google_service_account.function[each.key].email"},
	} {
		a := nestedAttr(t, m.resource(t, c.resource).Body, c.path)
		if got := m.text(a.Expr); got != c.want {
			t.Errorf("%s %s = %s, want %s", c.resource, c.path, got, c.want)
		}
	}
	for name, tc := range topologies(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := m.evaluate(t, tc.moduleDir, testVars("dev"))
			x := expect(tc.top)

			ids := map[string]string{}
			idRE := regexp.MustCompile(`^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$`)
			for k, v := range e.instances(t, "google_service_account.function") {
				id := e.attr(t, "google_service_account.function", "account_id", k, v).AsString()
				if !idRE.MatchString(id) {
					t.Errorf("function %s: service account id %q is invalid", k, id)
				}
				if other, dup := ids[id]; dup {
					t.Errorf("functions %s and %s share service account %q", k, other, id)
				}
				ids[id] = k
			}

			got := map[string]bool{}
			add := func(local, scopeAttr, scopePrefix string) {
				for _, g := range e.local(t, local).AsValueMap() {
					scope := "project"
					if scopeAttr != "" {
						scope = scopePrefix + g.GetAttr(scopeAttr).AsString()
					}
					got[g.GetAttr("function").AsString()+"|"+scope+"|"+g.GetAttr("role").AsString()] = true
				}
			}
			add("function_project_roles", "", "")
			add("function_topic_grants", "topic", "topic:")
			add("function_bucket_grants", "bucket", "bucket:")
			add("function_dataset_grants", "dataset", "dataset:")
			add("function_secret_grants", "secret", "secret:")
			if strings.Join(sorted(got), "\n") != strings.Join(sorted(x.grants), "\n") {
				t.Errorf("function grants:\n got %v\nwant %v", sorted(got), sorted(x.grants))
			}
			// Each grant resource iterates exactly its local.
			for r, l := range map[string]string{
				"google_project_iam_member.function":               "function_project_roles",
				"google_pubsub_topic_iam_member.function":          "function_topic_grants",
				"google_storage_bucket_iam_member.function":        "function_bucket_grants",
				"google_bigquery_dataset_iam_member.function":      "function_dataset_grants",
				"google_secret_manager_secret_iam_member.function": "function_secret_grants",
			} {
				if txt := m.text(m.resource(t, r).Body.Attributes["for_each"].Expr); txt != "local."+l {
					t.Errorf("%s for_each = %s, want local.%s", r, txt, l)
				}
			}
		})
	}
}

// nestedAttr finds an attribute by a dotted path of block types (a dynamic
// block's "content" is a step of its own).
func nestedAttr(t *testing.T, body *hclsyntax.Body, path string) *hclsyntax.Attribute {
	t.Helper()
	steps := strings.Split(path, ".")
	for _, s := range steps[:len(steps)-1] {
		var next *hclsyntax.Body
		for _, b := range body.Blocks {
			if b.Type == s || (b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == s) {
				next = b.Body
				break
			}
		}
		if next == nil {
			t.Fatalf("no block %q on the way to %s", s, path)
		}
		body = next
	}
	a, ok := body.Attributes[steps[len(steps)-1]]
	if !ok {
		t.Fatalf("no attribute %s", path)
	}
	return a
}

var primitiveRole = regexp.MustCompile(`roles/(owner|editor|viewer)\b`)

func TestNoPrimitiveRolesOrPublicGrantsElsewhere(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	err := filepath.Walk(".", func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if loc := primitiveRole.FindIndex(b); loc != nil {
			t.Errorf("%s: primitive role %s", p, b[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key, b := range m.resources {
		switch b.Labels[0] {
		case "google_project_iam_binding", "google_project_iam_policy":
			t.Errorf("%s: authoritative project IAM would remove grants Terraform does not know", key)
		}
		walkAttrs(b.Body, func(a *hclsyntax.Attribute) {
			txt := m.text(a.Expr)
			if (strings.Contains(txt, `"allUsers"`) || strings.Contains(txt, `"allAuthenticatedUsers"`)) &&
				key != "google_cloud_run_v2_service_iam_member.public" {
				t.Errorf("%s grants to everyone; only public HTTP functions may", key)
			}
		})
	}
	// The public invoker grant iterates the public functions only.
	if txt := m.text(m.resource(t, "google_cloud_run_v2_service_iam_member.public").Body.Attributes["for_each"].Expr); txt != "local.public_functions" {
		t.Errorf("public invoker for_each = %s", txt)
	}
}

func walkAttrs(body *hclsyntax.Body, f func(*hclsyntax.Attribute)) {
	for _, a := range body.Attributes {
		f(a)
	}
	for _, b := range body.Blocks {
		walkAttrs(b.Body, f)
	}
}

var secretName = regexp.MustCompile(`(?i)key|secret|password|token|credential`)

func TestNoSecretValueInConfiguration(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	for key, b := range m.resources {
		if b.Labels[0] == "google_secret_manager_secret_version" {
			t.Errorf("%s: secret versions (values) are added out of band, never in Terraform", key)
		}
		walkAttrs(b.Body, func(a *hclsyntax.Attribute) {
			if a.Name == "secret_data" || a.Name == "private_key" {
				t.Errorf("%s: %s in configuration", key, a.Name)
			}
		})
	}
	for name, b := range m.variables {
		if secretName.MatchString(name) {
			if _, ok := b.Body.Attributes["default"]; ok {
				t.Errorf("variable %s looks secret and has a default", name)
			}
		}
	}
	// The example tfvars set no secret-looking variable.
	examples, _ := filepath.Glob("env/*.tfvars.example")
	if len(examples) < 2 {
		t.Fatalf("want dev and prod tfvars examples, have %v", examples)
	}
	p := hclparse.NewParser()
	for _, ex := range examples {
		f, diags := p.ParseHCLFile(ex)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", ex, diags.Error())
		}
		attrs, _ := f.Body.JustAttributes()
		for n := range attrs {
			if _, ok := m.variables[n]; !ok {
				t.Errorf("%s sets undeclared variable %s", ex, n)
			}
			if secretName.MatchString(n) {
				t.Errorf("%s sets secret-looking variable %s", ex, n)
			}
		}
	}
}

func TestEveryDeliveryDeadLetters(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	// Structure: topology subscriptions dead-letter through a dynamic block
	// fed by dead_letter_topic; filtered-trigger push subscriptions always do;
	// Eventarc triggers carry a retry policy.
	dyn := nestedAttr(t, m.resource(t, "google_pubsub_subscription.subscription").Body, "dead_letter_policy.for_each")
	if !strings.Contains(m.text(dyn.Expr), "each.value.dead_letter_topic") {
		t.Errorf("subscription dead_letter_policy for_each = %s", m.text(dyn.Expr))
	}
	nestedAttr(t, m.resource(t, "google_pubsub_subscription.function_push").Body, "dead_letter_policy.dead_letter_topic")
	nestedAttr(t, m.resource(t, "google_cloudfunctions2_function.function").Body, "event_trigger.content.retry_policy")
	nestedAttr(t, m.resource(t, "terraform_data.eventarc_dead_letter").Body, "provisioner.environment")
	if _, err := os.Stat("scripts/eventarc-dead-letter.sh"); err != nil {
		t.Error(err)
	}

	for name, tc := range topologies(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := m.evaluate(t, tc.moduleDir, testVars("prod"))
			x := expect(tc.top)
			topics := map[string]bool{}
			for _, k := range keysOf(t, e.local(t, "topics")) {
				topics[k] = true
			}
			for k, s := range e.local(t, "subscriptions").AsValueMap() {
				dl := s.GetAttr("dead_letter_topic").AsString()
				if s.GetAttr("is_push").True() && dl == "" {
					t.Errorf("push subscription %s has no dead-letter topic", k)
				}
				if dl != "" && !topics[dl] {
					t.Errorf("subscription %s dead-letters to %s, which is not created", k, dl)
				}
			}
			dls := e.local(t, "function_dead_letters")
			for f := range x.eventarc {
				if !dls.Type().HasAttribute(f) || !topics[dls.GetAttr(f).AsString()] {
					t.Errorf("event-driven function %s has no dead-letter topic", f)
				}
			}
			for f := range x.push {
				if !dls.Type().HasAttribute(f) {
					t.Errorf("filtered Pub/Sub function %s has no dead-letter topic", f)
				}
			}
			// Every dead-letter topic is read by something, and watched.
			watch := map[string]bool{}
			for _, s := range keysOf(t, e.local(t, "dead_letter_watch")) {
				watch[s] = true
			}
			for dl := range x.deadLetters {
				readers := 0
				for _, s := range tc.top.Subscriptions {
					if s.Topic == dl {
						readers++
						if !watch[s.Name] {
							t.Errorf("dead-letter subscription %s is not watched", s.Name)
						}
					}
				}
				if readers == 0 && !watch[dl+"-hold"] {
					t.Errorf("dead-letter topic %s has no reader", dl)
				}
			}
			sameKeys(t, "google_pubsub_subscription.dead_letter_hold", e.forEachKeys(t, "google_pubsub_subscription.dead_letter_hold"), holds(tc.top, x))
		})
	}
}

func holds(top *topology.Topology, x expected) map[string]bool {
	out := map[string]bool{}
	for dl := range x.deadLetters {
		read := false
		for _, s := range top.Subscriptions {
			read = read || s.Topic == dl
		}
		if !read {
			out[dl+"-hold"] = true
		}
	}
	return out
}

func TestFirestoreDeclarations(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	e := m.evaluate(t, ".", testVars("prod"))
	raw, err := os.ReadFile("../infra/firestore.indexes.json")
	if err != nil {
		t.Fatal(err)
	}
	file, err := stdlib.JSONDecode(cty.StringVal(string(raw)))
	if err != nil {
		t.Fatalf("firestore.indexes.json: %v", err)
	}
	want := len(file.GetAttr("indexes").AsValueSlice())
	idx := e.local(t, "firestore_indexes")
	if got := len(idx.AsValueMap()); got != want {
		t.Errorf("%d Firestore indexes are created, the file declares %d", got, want)
	}
	wantOverrides := 0
	if file.Type().HasAttribute("fieldOverrides") {
		wantOverrides = len(file.GetAttr("fieldOverrides").AsValueSlice())
	}
	if got := len(e.local(t, "firestore_field_overrides").AsValueMap()); got != wantOverrides {
		t.Errorf("%d Firestore field overrides are created, the file declares %d", got, wantOverrides)
	}
	vector := false
	for _, i := range idx.AsValueMap() {
		for _, f := range i.GetAttr("fields").AsValueSlice() {
			vector = vector || f.Type().HasAttribute("vectorConfig")
		}
	}
	if !vector {
		t.Error("no vector index (content_chunks.embedding) is declared")
	}
	rules, err := os.ReadFile("../infra/firestore.rules")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(rules, []byte("rules_version = '2'")) || !bytes.Contains(rules, []byte("if false")) {
		t.Error("firestore.rules must be rules_version 2 and deny all client access")
	}
	ttl := m.resource(t, "google_firestore_field.presence_ttl").Body
	if m.text(ttl.Attributes["collection"].Expr) != `"presence"` || m.text(ttl.Attributes["field"].Expr) != `"expireAt"` {
		t.Error("presence TTL must be on presence.expireAt")
	}
}

// TestFormatted is terraform fmt's check without the binary: every file
// must already be in hclwrite's canonical layout (scripts/terraform-fmt.sh
// runs the real `terraform fmt -check` where a binary is available).
func TestFormatted(t *testing.T) {
	t.Parallel()
	var files []string
	for _, pat := range []string{"*.tf", "env/*.tfvars.example", "*.hcl.example"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := hclwrite.Format(b); !bytes.Equal(got, b) {
			t.Errorf("%s is not formatted (run terraform fmt -recursive terraform)", f)
		}
	}
}

// TestNoEmulatorVariableDeployed: a deployed function never points at an
// emulator. Domain verification, for one, reads public DNS only when
// DNS_EMULATOR_HOST is unset (and refuses to start on a real project
// when it is set).
func TestNoEmulatorVariableDeployed(t *testing.T) {
	t.Parallel()
	m := parseModule(t)
	for name, tc := range topologies(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := m.evaluate(t, tc.moduleDir, testVars("prod"))
			for fn, env := range e.local(t, "function_env").AsValueMap() {
				for _, k := range keysOf(t, env) {
					if strings.HasSuffix(k, "_EMULATOR_HOST") || k == "FIREBASE_EMULATOR_HUB" {
						t.Errorf("function %s is deployed with %s", fn, k)
					}
				}
			}
		})
	}
}

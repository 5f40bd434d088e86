package topology

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Names follow the strictest of the services they become: Cloud Functions
// and Cloud Run service names (lowercase, digits, hyphens, ≤ 49 chars).
var (
	nameRE   = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$`)
	sourceRE = regexp.MustCompile(`^functions/[a-z][a-z0-9_]*$`)
	bqNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,1000}$`)
	// viewQueryRE is a view's SQL file: under bigquery/, no way out of it.
	viewQueryRE = regexp.MustCompile(`^bigquery/([A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+\.sql$`)
	memoryRE    = regexp.MustCompile(`^[1-9][0-9]*(Mi|Gi)$`)
	envKeyRE    = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	segmentRE   = regexp.MustCompile(`^(\{[A-Za-z_][A-Za-z0-9_]*\}|[^/{}*]+|\*\*?)$`)
	cronFieldN  = 5
)

type validator struct {
	lines map[string]int
	errs  Errors
}

func (v *validator) add(field, format string, args ...any) {
	line := v.lines[field]
	for p := field; line == 0 && p != ""; {
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
		line = v.lines[p]
	}
	v.errs = append(v.errs, Error{Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) name(field, name string) {
	switch {
	case name == "":
		v.add(field, "is required")
	case !nameRE.MatchString(name):
		v.add(field, "%q must be lowercase letters, digits and hyphens, start with a letter, at most 49 characters", name)
	}
}

func (v *validator) check(t *Topology) {
	topics := map[string]bool{}
	for i, tp := range t.Topics {
		f := fmt.Sprintf("topics[%d]", i)
		v.name(f+".name", tp.Name)
		if topics[tp.Name] {
			v.add(f+".name", "duplicate topic %q", tp.Name)
		}
		topics[tp.Name] = true
		if tp.RetentionDays < 0 || tp.RetentionDays > 31 {
			v.add(f+".retention_days", "must be 0 to 31")
		}
	}
	buckets := map[string]bool{}
	for i, b := range t.Buckets {
		f := fmt.Sprintf("buckets[%d]", i)
		v.name(f+".name", b.Name)
		if buckets[b.Name] {
			v.add(f+".name", "duplicate bucket %q", b.Name)
		}
		buckets[b.Name] = true
		if b.DeleteAfterDays < 0 {
			v.add(f+".delete_after_days", "must not be negative")
		}
		for j, o := range b.CORSOrigins {
			if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
				v.add(fmt.Sprintf("%s.cors_origins[%d]", f, j), "%q must be an http(s) origin", o)
			}
		}
	}
	// Views share the tables' names but are never written to (a BigQuery
	// subscription names a table only).
	tables, views := map[string]bool{}, map[string]bool{}
	for i, d := range t.Datasets {
		f := fmt.Sprintf("datasets[%d]", i)
		if !bqNameRE.MatchString(d.Name) {
			v.add(f+".name", "%q is not a BigQuery dataset name", d.Name)
		}
		for j, tb := range d.Tables {
			tf := fmt.Sprintf("%s.tables[%d]", f, j)
			if !bqNameRE.MatchString(tb.Name) {
				v.add(tf+".name", "%q is not a BigQuery table name", tb.Name)
			}
			key := d.Name + "." + tb.Name
			if tables[key] {
				v.add(tf+".name", "duplicate table %q", key)
			}
			tables[key] = true
			if tb.Schema == "" {
				v.add(tf+".schema", "is required (a path under infra/)")
			}
		}
		for j, vw := range d.Views {
			vf := fmt.Sprintf("%s.views[%d]", f, j)
			if !bqNameRE.MatchString(vw.Name) {
				v.add(vf+".name", "%q is not a BigQuery view name", vw.Name)
			}
			key := d.Name + "." + vw.Name
			if tables[key] || views[key] {
				v.add(vf+".name", "duplicate table or view %q", key)
			}
			views[key] = true
			if !viewQueryRE.MatchString(vw.Query) {
				v.add(vf+".query", "%q must be a .sql file under bigquery/ (a path under infra/)", vw.Query)
			}
		}
	}
	functions := map[string]bool{}
	for i, fn := range t.Functions {
		f := fmt.Sprintf("functions[%d]", i)
		v.name(f+".name", fn.Name)
		if functions[fn.Name] {
			v.add(f+".name", "duplicate function %q", fn.Name)
		}
		functions[fn.Name] = true
		if !sourceRE.MatchString(fn.Source) {
			v.add(f+".source", "%q must be a package directory functions/<name>", fn.Source)
		}
		switch fn.Kind {
		case KindFunction, KindRun:
		case "":
			v.add(f+".kind", "is required (function or run)")
		default:
			v.add(f+".kind", "%q must be function or run", fn.Kind)
		}
		if fn.Memory != "" && !memoryRE.MatchString(fn.Memory) {
			v.add(f+".memory", "%q must look like 256Mi or 1Gi", fn.Memory)
		}
		if fn.Timeout < 0 || fn.Timeout > 3600 {
			v.add(f+".timeout_seconds", "must be 0 to 3600")
		}
		if fn.Kind == KindFunction && fn.Trigger.Type() != "http" && fn.Timeout > 540 {
			v.add(f+".timeout_seconds", "event-driven functions run at most 540 s")
		}
		if fn.Concurrency < 0 || fn.Concurrency > 1000 {
			v.add(f+".concurrency", "must be 0 to 1000")
		}
		if fn.MinInstance != nil && (*fn.MinInstance < 0 || (fn.MaxInstance > 0 && *fn.MinInstance > fn.MaxInstance)) {
			v.add(f+".min_instances", "must be 0 to max_instances")
		}
		if fn.Affinity && fn.Kind != KindRun {
			v.add(f+".session_affinity", "only Cloud Run services (kind run) have session affinity")
		}
		for k, e := range fn.Env {
			v.env(f+".env."+k, k, e)
		}
		for j, s := range fn.AllSecrets() {
			if j < len(fn.Secrets) && !envKeyRE.MatchString(s) {
				v.add(fmt.Sprintf("%s.secrets[%d]", f, j), "%q must be an UPPER_SNAKE secret name", s)
			}
			if _, dup := fn.Env[s]; dup {
				v.add(f+".env."+s, "%q is also a secret: a variable is either plain or secret", s)
			}
		}
		v.uses(f, fn.Uses, topics, buckets, t)
		v.trigger(f+".trigger", fn, topics, buckets)
	}
	subs := map[string]bool{}
	for i, s := range t.Subscriptions {
		f := fmt.Sprintf("subscriptions[%d]", i)
		v.name(f+".name", s.Name)
		if subs[s.Name] {
			v.add(f+".name", "duplicate subscription %q", s.Name)
		}
		subs[s.Name] = true
		if !topics[s.Topic] {
			v.add(f+".topic", "unknown topic %q", s.Topic)
		}
		if s.AckDeadline != 0 && (s.AckDeadline < 10 || s.AckDeadline > 600) {
			v.add(f+".ack_deadline_seconds", "must be 10 to 600")
		}
		if s.Push != nil && s.BigQuery != nil {
			v.add(f, "a subscription is push or bigquery, not both")
		}
		if p := s.Push; p != nil {
			switch {
			case (p.Function == "") == (p.Endpoint == ""):
				v.add(f+".push", "exactly one of function or endpoint is required")
			case p.Function != "":
				fn, ok := t.Function(p.Function)
				if !ok {
					v.add(f+".push.function", "unknown function %q", p.Function)
				} else if fn.Trigger.HTTP == nil {
					v.add(f+".push.function", "function %q has no http trigger to push to", p.Function)
				}
			case !strings.HasPrefix(p.Endpoint, "https://") && !strings.HasPrefix(p.Endpoint, "http://"):
				v.add(f+".push.endpoint", "%q must be an http(s) URL", p.Endpoint)
			}
		}
		if b := s.BigQuery; b != nil {
			if !tables[b.Table] {
				v.add(f+".bigquery.table", "unknown table %q (declare it under datasets as dataset.table)", b.Table)
			}
		}
		if d := s.DeadLetter; d != nil {
			if !topics[d.Topic] {
				v.add(f+".dead_letter.topic", "unknown topic %q", d.Topic)
			} else if d.Topic == s.Topic {
				v.add(f+".dead_letter.topic", "must differ from the subscription's own topic")
			}
			if d.MaxDeliveryAttempts < 5 || d.MaxDeliveryAttempts > 100 {
				v.add(f+".dead_letter.max_delivery_attempts", "must be 5 to 100")
			}
		}
		if r := s.Retry; r != nil {
			if r.MinBackoffSeconds < 0 || r.MinBackoffSeconds > 600 || r.MaxBackoffSeconds < 0 || r.MaxBackoffSeconds > 600 {
				v.add(f+".retry", "backoffs must be 0 to 600 seconds")
			} else if r.MaxBackoffSeconds != 0 && r.MaxBackoffSeconds < r.MinBackoffSeconds {
				v.add(f+".retry.max_backoff_seconds", "must not be below min_backoff_seconds")
			}
		}
	}
}

var (
	tfInputRE     = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)
)

// env checks one declared variable: exactly one source of its deployed
// value, and a local value the suite can produce.
func (v *validator) env(field, name string, e EnvVar) {
	if !envKeyRE.MatchString(name) {
		v.add(field, "%q is not an environment variable name", name)
	}
	n := 0
	for _, set := range []bool{e.Value != nil, e.PerEnvironment != nil, e.Terraform != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.add(field, "exactly one of value, per_environment, terraform is required (found %d)", n)
	}
	if e.Terraform != "" && !tfInputRE.MatchString(e.Terraform) {
		v.add(field+".terraform", "%q must name an entry of local.env_inputs (lower_snake)", e.Terraform)
	}
	for _, env := range []string{"dev", "staging", "prod"} {
		if _, ok := e.PerEnvironment[env]; e.PerEnvironment != nil && !ok {
			v.add(field+".per_environment", "has no value for %s", env)
		}
	}
	if e.Local == nil && e.Value == nil {
		v.add(field+".local", "is required: the local suite's value (a literal, with {hosting_url}, {functions_url}, {functions_ws_url} or {project})")
	}
	if e.Local != nil {
		for _, m := range placeholderRE.FindAllStringSubmatch(*e.Local, -1) {
			if !slices.Contains(LocalPlaceholders, m[1]) {
				v.add(field+".local", "unknown placeholder {%s} (known: %s)", m[1], strings.Join(LocalPlaceholders, ", "))
			}
		}
	}
}

func (v *validator) uses(f string, uses []string, topics, buckets map[string]bool, t *Topology) {
	for j, u := range uses {
		field := fmt.Sprintf("%s.uses[%d]", f, j)
		kind, arg, _ := strings.Cut(u, ":")
		switch kind {
		case "firestore", "vertex", "auth":
			if arg != "" {
				v.add(field, "%q takes no argument", kind)
			}
		case "pubsub":
			if !topics[arg] {
				v.add(field, "unknown topic %q", arg)
			}
		case "storage":
			if !buckets[arg] {
				v.add(field, "unknown bucket %q", arg)
			}
		case "bigquery":
			// bigquery:<dataset> reads and writes; bigquery:<dataset>:read
			// only reads (Terraform grants dataViewer instead of dataEditor).
			ds, mode, hasMode := strings.Cut(arg, ":")
			found := false
			for _, d := range t.Datasets {
				found = found || d.Name == ds
			}
			switch {
			case !found:
				v.add(field, "unknown dataset %q", ds)
			case hasMode && mode != "read":
				v.add(field, "%q: the only access mode is read (bigquery:<dataset>:read)", u)
			}
		case "secret":
			if !envKeyRE.MatchString(arg) {
				v.add(field, "%q is not a secret name", arg)
			}
		default:
			v.add(field, "%q must be firestore, vertex, auth, pubsub:<topic>, storage:<bucket>, bigquery:<dataset>[:read] or secret:<NAME>", u)
		}
	}
}

func (v *validator) trigger(f string, fn Function, topics, buckets map[string]bool) {
	tr := fn.Trigger
	n := 0
	for _, set := range []bool{tr.HTTP != nil, tr.PubSub != nil, tr.Storage != nil, tr.Firestore != nil, tr.Schedule != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.add(f, "exactly one of http, pubsub, storage, firestore, schedule is required (found %d)", n)
		return
	}
	if fn.Kind == KindRun && tr.HTTP == nil {
		v.add(f, "Cloud Run services (kind run) are served over http")
	}
	switch {
	case tr.PubSub != nil:
		if !topics[tr.PubSub.Topic] {
			v.add(f+".pubsub.topic", "unknown topic %q", tr.PubSub.Topic)
		}
	case tr.Storage != nil:
		if !buckets[tr.Storage.Bucket] {
			v.add(f+".storage.bucket", "unknown bucket %q", tr.Storage.Bucket)
		}
		switch tr.Storage.Event {
		case StorageFinalized, StorageDeleted, StorageArchived, StorageMetadataUpdated:
		default:
			v.add(f+".storage.event", "%q must be finalized, deleted, archived or metadataUpdated", tr.Storage.Event)
		}
	case tr.Firestore != nil:
		v.documentPattern(f+".firestore.document", tr.Firestore.Document)
		switch tr.Firestore.Event {
		case FirestoreCreated, FirestoreUpdated, FirestoreDeleted, FirestoreWritten:
		default:
			v.add(f+".firestore.event", "%q must be created, updated, deleted or written", tr.Firestore.Event)
		}
	case tr.Schedule != nil:
		if len(strings.Fields(tr.Schedule.Cron)) != cronFieldN {
			v.add(f+".schedule.cron", "%q must have 5 fields (minute hour day month weekday)", tr.Schedule.Cron)
		}
	}
}

// documentPattern checks an Eventarc Firestore path pattern: an even number
// of segments (it names documents), each a literal or a {wildcard}.
func (v *validator) documentPattern(field, p string) {
	if p == "" {
		v.add(field, "is required")
		return
	}
	segs := strings.Split(p, "/")
	if len(segs)%2 != 0 {
		v.add(field, "%q must name documents: an even number of segments", p)
		return
	}
	for _, s := range segs {
		if !segmentRE.MatchString(s) {
			v.add(field, "%q has an invalid segment %q", p, s)
			return
		}
	}
}

// Package topology loads infra/topology.yaml: the single declaration of the
// platform's functions, triggers, topics, subscriptions, buckets and
// BigQuery tables. Terraform reads the same file (yamldecode) to create the
// cloud resources; the emulator suite reads it to wire the same triggers
// locally. Validation names the exact bad field so a typo fails loudly here
// instead of silently leaving a trigger unwired.
package topology

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Topology is the whole declaration.
type Topology struct {
	Functions     []Function     `yaml:"functions"`
	Topics        []Topic        `yaml:"topics"`
	Subscriptions []Subscription `yaml:"subscriptions"`
	Buckets       []Bucket       `yaml:"buckets"`
	Datasets      []Dataset      `yaml:"datasets"`
}

// Function kinds.
const (
	KindFunction = "function" // Cloud Functions gen2
	KindRun      = "run"      // Cloud Run service
)

// Function is one deployable entry point.
type Function struct {
	Name string `yaml:"name"`
	// Source is the Go package directory, e.g. "functions/media". One package
	// may hold several entry points (an HTTP API and its triggers).
	Source string `yaml:"source"`
	// EntryPoint is the name registered with functions-framework-go
	// (FUNCTION_TARGET). It defaults to Name.
	EntryPoint  string  `yaml:"entry_point"`
	Kind        string  `yaml:"kind"`
	Description string  `yaml:"description"`
	Trigger     Trigger `yaml:"trigger"`
	Memory      string  `yaml:"memory"`
	Timeout     int     `yaml:"timeout_seconds"`
	MaxInstance int     `yaml:"max_instances"`
	// MinInstance keeps instances warm (Cloud Run); nil leaves Terraform's
	// default (var.run_min_instances).
	MinInstance *int `yaml:"min_instances"`
	Concurrency int  `yaml:"concurrency"`
	Affinity    bool `yaml:"session_affinity"`
	Retry       bool `yaml:"retry"`
	// Env is every variable the function's code reads beyond the ones the
	// platform sets for all functions (see shared/platform): Terraform sets
	// exactly these, the local suite supplies their local values.
	Env map[string]EnvVar `yaml:"env"`
	// Secrets are Secret Manager secrets mounted as environment variables
	// of the same name.
	Secrets []string `yaml:"secrets"`
	// Uses lists the stores a function touches so IAM grants only those:
	// firestore, pubsub:<topic>, storage:<bucket>, bigquery:<dataset>
	// (bigquery:<dataset>:read to read only),
	// vertex, auth, secret:<name>.
	Uses []string `yaml:"uses"`
}

// EnvVar declares one environment variable of a function. Its deployed
// value is exactly one of Value (every environment), PerEnvironment
// (keyed by Terraform's var.environment) or Terraform (an entry of
// local.env_inputs in terraform/locals.tf, which exposes Terraform input
// variables); Local is what the local suite sets, a literal in which
// {hosting_url}, {functions_url}, {functions_ws_url} and {project} are
// replaced (default:
// Value).
type EnvVar struct {
	Description    string            `yaml:"description"`
	Value          *string           `yaml:"value"`
	PerEnvironment map[string]string `yaml:"per_environment"`
	Terraform      string            `yaml:"terraform"`
	Local          *string           `yaml:"local"`
	// Optional lets the value be empty (e.g. a list nobody is on yet);
	// otherwise a function on a real project refuses to start without it.
	Optional bool `yaml:"optional"`
}

// LocalPlaceholders are the values the local suite derives, by name:
// functions_url is the functions emulator's base URL
// (http://host:port/{project}/{region}; a function's own URL appends its
// name) and functions_ws_url the same as ws://, for clients that reach a
// service directly rather than through Hosting (sockets, streamed
// responses, which Hosting buffers); stripe_url is the local Stripe's
// API base (emulators/stripe).
var LocalPlaceholders = []string{"hosting_url", "functions_url", "functions_ws_url", "project", "stripe_url"}

// LocalValue is the suite's value, with each {name} of vars replaced.
func (v EnvVar) LocalValue(vars map[string]string) string {
	s := ""
	switch {
	case v.Local != nil:
		s = *v.Local
	case v.Value != nil:
		s = *v.Value
	}
	for k, val := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", val)
	}
	return s
}

// AllSecrets is Secrets plus the secrets named by uses (secret:<NAME>).
func (f Function) AllSecrets() []string {
	out := append([]string(nil), f.Secrets...)
	for _, u := range f.Uses {
		if k, arg, _ := strings.Cut(u, ":"); k == "secret" && !slices.Contains(out, arg) {
			out = append(out, arg)
		}
	}
	return out
}

// ByTarget returns the first declared function served by entry point target.
func (t *Topology) ByTarget(target string) (Function, bool) {
	for _, f := range t.Functions {
		if f.Target() == target {
			return f, true
		}
	}
	return Function{}, false
}

// Target is the registered entry point name.
func (f Function) Target() string {
	if f.EntryPoint != "" {
		return f.EntryPoint
	}
	return f.Name
}

// Trigger: exactly one of its fields is set.
type Trigger struct {
	HTTP      *HTTPTrigger      `yaml:"http"`
	PubSub    *PubSubTrigger    `yaml:"pubsub"`
	Storage   *StorageTrigger   `yaml:"storage"`
	Firestore *FirestoreTrigger `yaml:"firestore"`
	Schedule  *ScheduleTrigger  `yaml:"schedule"`
}

// Type names the set trigger: http, pubsub, storage, firestore, schedule.
func (t Trigger) Type() string {
	switch {
	case t.HTTP != nil:
		return "http"
	case t.PubSub != nil:
		return "pubsub"
	case t.Storage != nil:
		return "storage"
	case t.Firestore != nil:
		return "firestore"
	case t.Schedule != nil:
		return "schedule"
	}
	return ""
}

// HTTPTrigger serves requests. Public functions authenticate callers
// themselves (Firebase ID tokens); private ones need IAM invoker rights.
type HTTPTrigger struct {
	Public bool `yaml:"public"`
}

// PubSubTrigger delivers each message of Topic (matching Filter, a Pub/Sub
// subscription filter expression) as a messagePublished CloudEvent.
type PubSubTrigger struct {
	Topic  string `yaml:"topic"`
	Filter string `yaml:"filter"`
}

// Storage events.
const (
	StorageFinalized       = "finalized"
	StorageDeleted         = "deleted"
	StorageArchived        = "archived"
	StorageMetadataUpdated = "metadataUpdated"
)

// StorageTrigger delivers object events of Bucket (a declared bucket name).
type StorageTrigger struct {
	Bucket string `yaml:"bucket"`
	Event  string `yaml:"event"`
}

// Firestore events.
const (
	FirestoreCreated = "created"
	FirestoreUpdated = "updated"
	FirestoreDeleted = "deleted"
	FirestoreWritten = "written"
)

// FirestoreTrigger delivers document events for Document, a path pattern
// with {wildcards} such as "orgs/{org}/sessions/{id}".
type FirestoreTrigger struct {
	Document string `yaml:"document"`
	Event    string `yaml:"event"`
	Database string `yaml:"database"`
}

// ScheduleTrigger invokes the function on a cron schedule.
type ScheduleTrigger struct {
	Cron     string `yaml:"cron"`
	TimeZone string `yaml:"time_zone"`
}

// Topic is a Pub/Sub topic.
type Topic struct {
	Name          string `yaml:"name"`
	Description   string `yaml:"description"`
	RetentionDays int    `yaml:"retention_days"`
}

// Subscription is a Pub/Sub subscription: pull (neither Push nor BigQuery),
// push, or BigQuery.
type Subscription struct {
	Name        string            `yaml:"name"`
	Topic       string            `yaml:"topic"`
	Filter      string            `yaml:"filter"`
	AckDeadline int               `yaml:"ack_deadline_seconds"`
	Push        *PushConfig       `yaml:"push"`
	BigQuery    *BigQueryConfig   `yaml:"bigquery"`
	DeadLetter  *DeadLetterPolicy `yaml:"dead_letter"`
	Retry       *RetryPolicy      `yaml:"retry"`
}

// PushConfig pushes to a declared function or to an absolute endpoint.
type PushConfig struct {
	Function string `yaml:"function"`
	Endpoint string `yaml:"endpoint"`
}

// BigQueryConfig writes messages straight into a table ("dataset.table").
type BigQueryConfig struct {
	Table             string `yaml:"table"`
	UseTableSchema    bool   `yaml:"use_table_schema"`
	WriteMetadata     bool   `yaml:"write_metadata"`
	DropUnknownFields bool   `yaml:"drop_unknown_fields"`
}

// DeadLetterPolicy moves a message to Topic after MaxDeliveryAttempts.
type DeadLetterPolicy struct {
	Topic               string `yaml:"topic"`
	MaxDeliveryAttempts int    `yaml:"max_delivery_attempts"`
}

// RetryPolicy is Pub/Sub's exponential backoff between redeliveries.
type RetryPolicy struct {
	MinBackoffSeconds int `yaml:"min_backoff_seconds"`
	MaxBackoffSeconds int `yaml:"max_backoff_seconds"`
}

// Bucket is a Cloud Storage bucket; its real name is "<project>-<name>".
type Bucket struct {
	Name            string   `yaml:"name"`
	Description     string   `yaml:"description"`
	CORSOrigins     []string `yaml:"cors_origins"`
	DeleteAfterDays int      `yaml:"delete_after_days"`
	Prefixes        []string `yaml:"lifecycle_prefixes"`
}

// BucketName is the bucket's real name in a project.
func BucketName(project, name string) string { return project + "-" + name }

// Dataset is a BigQuery dataset whose tables' schemas live in
// infra/bigquery/<dataset>/<table>.json.
type Dataset struct {
	Name     string  `yaml:"name"`
	Location string  `yaml:"location"`
	Tables   []Table `yaml:"tables"`
	// Views are created after the tables, in order, so a view may read
	// the tables and the views declared before it. Terraform creates them
	// in two waves (views on tables, then views on those), so a view reads
	// at most one level of views.
	Views []View `yaml:"views"`
}

// View is a logical BigQuery view whose GoogleSQL lives in a file under
// infra/ (Query). The file names tables as `{project}.{dataset}.name`;
// Terraform and the emulator suite both substitute the placeholders with
// ViewSQL's rule, so what is deployed and what runs locally is one text.
type View struct {
	Name        string `yaml:"name"`
	Query       string `yaml:"query"`
	Description string `yaml:"description"`
}

// SQLPlaceholders are the names ViewSQL replaces, written {name} in SQL.
var SQLPlaceholders = []string{"project", "dataset"}

// ViewSQL is the SQL of a view (or of a query written the same way) for a
// project and dataset: every {project} and {dataset} replaced, nothing
// else touched.
func ViewSQL(raw, project, dataset string) string {
	return strings.NewReplacer("{project}", project, "{dataset}", dataset).Replace(raw)
}

// Table is a BigQuery table.
type Table struct {
	Name           string   `yaml:"name"`
	Schema         string   `yaml:"schema"`
	PartitionField string   `yaml:"partition_field"`
	ClusterBy      []string `yaml:"cluster_by"`
	ExpirationDays int      `yaml:"partition_expiration_days"`
}

// Error is a validation failure at one field.
type Error struct {
	Line  int    // 1-based line in the YAML, 0 when unknown
	Field string // e.g. "functions[1].trigger.storage.bucket"
	Msg   string
}

func (e Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Msg)
	}
	return e.Field + ": " + e.Msg
}

// Errors is every problem found, in file order.
type Errors []Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

const maxInput = 4 << 20

// Parse decodes and validates a topology. Unknown keys are errors.
func Parse(data []byte) (*Topology, error) {
	if len(data) > maxInput {
		return nil, Errors{{Field: "(file)", Msg: fmt.Sprintf("is %d bytes; at most %d are read", len(data), maxInput)}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Errors{{Field: "(file)", Msg: "invalid YAML: " + err.Error()}}
	}
	var t Topology
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			es := make(Errors, 0, len(te.Errors))
			for _, m := range te.Errors {
				es = append(es, Error{Line: lineOf(m), Field: "(file)", Msg: stripLine(m)})
			}
			return nil, es
		}
		if err.Error() == "EOF" {
			return &Topology{}, nil
		}
		return nil, Errors{{Field: "(file)", Msg: err.Error()}}
	}
	v := validator{lines: indexLines(&root)}
	v.check(&t)
	if len(v.errs) > 0 {
		sort.SliceStable(v.errs, func(i, j int) bool { return v.errs[i].Line < v.errs[j].Line })
		return nil, v.errs
	}
	return &t, nil
}

var lineRE = regexp.MustCompile(`^line (\d+): `)

func lineOf(msg string) int {
	m := lineRE.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

func stripLine(msg string) string { return lineRE.ReplaceAllString(msg, "") }

// indexLines maps a field path ("functions[1].trigger") to its line.
func indexLines(root *yaml.Node) map[string]int {
	lines := map[string]int{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				lines[p] = n.Content[i].Line
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				lines[p] = c.Line
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return lines
}

// Function returns the declared function of that name.
func (t *Topology) Function(name string) (Function, bool) {
	for _, f := range t.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Sources lists the distinct function package directories, sorted.
func (t *Topology) Sources() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range t.Functions {
		if !seen[f.Source] {
			seen[f.Source] = true
			out = append(out, f.Source)
		}
	}
	sort.Strings(out)
	return out
}

// Bucket returns the declared bucket of that name.
func (t *Topology) Bucket(name string) (Bucket, bool) {
	for _, b := range t.Buckets {
		if b.Name == name {
			return b, true
		}
	}
	return Bucket{}, false
}

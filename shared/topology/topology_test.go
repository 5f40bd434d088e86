package topology

import (
	"errors"
	"strings"
	"testing"
)

const valid = `
functions:
  - name: media
    source: functions/media
    kind: function
    trigger: {http: {public: true}}
    uses: [auth, storage:media, "bigquery:analytics:read"]
  - name: media-renditions
    source: functions/media
    kind: function
    trigger: {storage: {bucket: media, event: finalized}}
    retry: true
  - name: on-session
    source: functions/sessions
    kind: function
    trigger: {firestore: {document: "orgs/{org}/sessions/{id}", event: written}}
  - name: realtime
    source: functions/realtime
    kind: run
    session_affinity: true
    trigger: {http: {}}
  - name: nightly
    source: functions/retention
    kind: function
    trigger: {schedule: {cron: "0 3 * * *"}}
  - name: on-event
    source: functions/insights
    kind: function
    trigger: {pubsub: {topic: events, filter: 'attributes.type = "canvas.op"'}}
topics:
  - name: events
  - name: events-dead
subscriptions:
  - name: events-bq
    topic: events
    bigquery: {table: analytics.events, use_table_schema: true}
    dead_letter: {topic: events-dead, max_delivery_attempts: 5}
  - name: events-push
    topic: events
    push: {function: media}
buckets:
  - name: media
datasets:
  - name: analytics
    tables:
      - name: events
        schema: bigquery/analytics/events.json
    views:
      - name: events_unique
        query: bigquery/analytics/views/events_unique.sql
`

func TestParseValid(t *testing.T) {
	t.Parallel()
	topo, err := Parse([]byte(valid))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := len(topo.Functions); got != 6 {
		t.Fatalf("functions = %d, want 6", got)
	}
	if got := strings.Join(topo.Sources(), ","); got != "functions/insights,functions/media,functions/realtime,functions/retention,functions/sessions" {
		t.Errorf("Sources() = %s", got)
	}
	f, ok := topo.Function("media-renditions")
	if !ok || f.Trigger.Type() != "storage" || f.Target() != "media-renditions" {
		t.Errorf("media-renditions = %+v", f)
	}
	if _, ok := topo.Bucket("media"); !ok {
		t.Error("bucket media not found")
	}
	if BucketName("demo-poy", "media") != "demo-poy-media" {
		t.Error("BucketName")
	}
}

func TestParseEmpty(t *testing.T) {
	t.Parallel()
	topo, err := Parse(nil)
	if err != nil || topo == nil || len(topo.Functions) != 0 {
		t.Fatalf("Parse(nil) = %v, %v", topo, err)
	}
}

// Each case breaks one field; the error must name exactly that field.
func TestParseNamesTheBadField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, old, new, field string
	}{
		{"unknown bucket", "bucket: media, event", "bucket: medai, event", "functions[1].trigger.storage.bucket"},
		{"bad storage event", "event: finalized", "event: finalised", "functions[1].trigger.storage.event"},
		{"bad kind", "kind: run", "kind: cloudrun", "functions[3].kind"},
		{"bad name", "name: nightly", "name: Nightly_Job", "functions[4].name"},
		{"duplicate name", "name: nightly", "name: media", "functions[4].name"},
		{"bad source", "source: functions/retention", "source: cmd/retention", "functions[4].source"},
		{"odd document pattern", `document: "orgs/{org}/sessions/{id}"`, `document: "orgs/{org}/sessions"`, "functions[2].trigger.firestore.document"},
		{"bad firestore event", "event: written", "event: changed", "functions[2].trigger.firestore.event"},
		{"cron fields", `cron: "0 3 * * *"`, `cron: "0 3 * *"`, "functions[4].trigger.schedule.cron"},
		{"unknown topic", "topic: events, filter", "topic: evnts, filter", "functions[5].trigger.pubsub.topic"},
		{"unknown uses", "uses: [auth, storage:media,", "uses: [auth, storage:photos,", "functions[0].uses[1]"},
		{"bigquery mode", "bigquery:analytics:read", "bigquery:analytics:write", "functions[0].uses[2]"},
		{"bigquery dataset", "bigquery:analytics:read", "bigquery:analytix:read", "functions[0].uses[2]"},
		{"view name", "name: events_unique", "name: events-unique", "datasets[0].views[0].name"},
		{"view clashes with table", "name: events_unique", "name: events", "datasets[0].views[0].name"},
		{"view query path", "query: bigquery/analytics/views/events_unique.sql", "query: ../views/events_unique.sql", "datasets[0].views[0].query"},
		{"view query kind", "query: bigquery/analytics/views/events_unique.sql", "query: bigquery/analytics/views/events_unique.json", "datasets[0].views[0].query"},
		{"unknown table", "table: analytics.events", "table: analytics.evnts", "subscriptions[0].bigquery.table"},
		{"dlq attempts", "max_delivery_attempts: 5", "max_delivery_attempts: 2", "subscriptions[0].dead_letter.max_delivery_attempts"},
		{"push to non-http", "push: {function: media}", "push: {function: media-renditions}", "subscriptions[1].push.function"},
		{"affinity on function", "kind: function\n    trigger: {schedule", "kind: function\n    session_affinity: true\n    trigger: {schedule", "functions[4].session_affinity"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := strings.Replace(valid, c.old, c.new, 1)
			if src == valid {
				t.Fatalf("replacement %q not found", c.old)
			}
			_, err := Parse([]byte(src))
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("want Errors, got %v", err)
			}
			for _, e := range es {
				if e.Field == c.field {
					if e.Line == 0 {
						t.Errorf("error for %s has no line: %v", c.field, e)
					}
					return
				}
			}
			t.Errorf("no error names %s; got:\n%v", c.field, err)
		})
	}
}

func TestParseTwoTriggers(t *testing.T) {
	t.Parallel()
	src := strings.Replace(valid, "trigger: {http: {public: true}}", "trigger: {http: {}, pubsub: {topic: events}}", 1)
	_, err := Parse([]byte(src))
	if err == nil || !strings.Contains(err.Error(), "functions[0].trigger: exactly one") {
		t.Fatalf("got %v", err)
	}
}

func TestParseUnknownKey(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("functions:\n  - name: a\n    sorce: functions/a\n"))
	if err == nil || !strings.Contains(err.Error(), "sorce") || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("got %v", err)
	}
}

func TestParseInvalidYAML(t *testing.T) {
	t.Parallel()
	if _, err := Parse([]byte("functions: [\n")); err == nil {
		t.Fatal("want error")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte("functions:\n  - name: a\n"))
	f.Add([]byte("topics: [{name: x}]\nsubscriptions: [{name: y, topic: x, dead_letter: {topic: x}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		topo, err := Parse(data)
		if err == nil && topo == nil {
			t.Fatal("nil topology without error")
		}
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error is not a non-empty Errors: %v", err)
			}
			return
		}
		// A topology that parsed must parse again identically from its own
		// validated fields: every reference resolves.
		for _, fn := range topo.Functions {
			if fn.Trigger.Type() == "" {
				t.Fatalf("function %q without trigger accepted", fn.Name)
			}
		}
	})
}

func TestViewSQL(t *testing.T) {
	t.Parallel()
	cases := []struct{ raw, want string }{
		{"SELECT * FROM `{project}.{dataset}.events`", "SELECT * FROM `p-1.analytics.events`"},
		{"{dataset}.a JOIN {dataset}.b", "analytics.a JOIN analytics.b"},
		{"SELECT '{other}'", "SELECT '{other}'"},
	}
	for _, c := range cases {
		if got := ViewSQL(c.raw, "p-1", "analytics"); got != c.want {
			t.Errorf("ViewSQL(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

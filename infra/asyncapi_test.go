package infra

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"pointsofyou.ai/studio/functions/realtime"
)

type asyncapiDoc struct {
	AsyncAPI string `yaml:"asyncapi"`
	Info     struct {
		CloseCodes map[string]int `yaml:"x-close-codes"`
	} `yaml:"info"`
	Channels map[string]struct {
		Address  string                    `yaml:"address"`
		Messages map[string]map[string]any `yaml:"messages"`
	} `yaml:"channels"`
	Operations map[string]struct {
		Action   string              `yaml:"action"`
		Channel  map[string]string   `yaml:"channel"`
		Messages []map[string]string `yaml:"messages"`
	} `yaml:"operations"`
	Components struct {
		Messages map[string]struct {
			Name    string            `yaml:"name"`
			Payload map[string]string `yaml:"payload"`
		} `yaml:"messages"`
		Schemas map[string]schema `yaml:"schemas"`
	} `yaml:"components"`
}

type schema struct {
	Ref        string            `yaml:"$ref"`
	Const      string            `yaml:"const"`
	Enum       []string          `yaml:"enum"`
	Required   []string          `yaml:"required"`
	Properties map[string]schema `yaml:"properties"`
	Items      *schema           `yaml:"items"`
	MaxItems   int               `yaml:"maxItems"`
}

// TestAsyncAPIMatchesGateway keeps infra/asyncapi.yaml equal to the
// gateway's messages: every message the server accepts (receive
// operations) and sends (send operations) is documented with exactly its
// fields, its required fields and its type, and nothing else is; the
// error codes, bye reasons and close codes are the served ones.
func TestAsyncAPIMatchesGateway(t *testing.T) {
	b, err := os.ReadFile("asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc asyncapiDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("asyncapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.AsyncAPI, "3.") {
		t.Fatalf("asyncapi %q, want 3.x", doc.AsyncAPI)
	}
	if doc.Channels["canvas"].Address != "canvas:{canvasId}" || doc.Channels["session"].Address != "session:{sessionId}" {
		t.Errorf("channels canvas and session must have addresses canvas:{canvasId} and session:{sessionId}")
	}
	resolveSchema := func(s schema) schema {
		for s.Ref != "" {
			s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		}
		return s
	}
	// Messages by direction, through the operations and the channels.
	documented := map[string]map[string]schema{"receive": {}, "send": {}}
	for name, op := range doc.Operations {
		dir := documented[op.Action]
		if dir == nil {
			t.Errorf("operation %s: action %q", name, op.Action)
			continue
		}
		chName := strings.TrimPrefix(op.Channel["$ref"], "#/channels/")
		ch, ok := doc.Channels[chName]
		if !ok {
			t.Errorf("operation %s: no channel %q", name, chName)
			continue
		}
		for _, m := range op.Messages {
			ref := m["$ref"]
			key := ref[strings.LastIndex(ref, "/")+1:]
			if !strings.HasPrefix(ref, "#/channels/"+chName+"/messages/") || ch.Messages[key] == nil {
				t.Errorf("operation %s: message %s is not one of channel %s", name, ref, chName)
				continue
			}
			compRef, _ := ch.Messages[key]["$ref"].(string)
			comp, ok := doc.Components.Messages[strings.TrimPrefix(compRef, "#/components/messages/")]
			if !ok {
				t.Errorf("channel %s message %s: no component %q", chName, key, compRef)
				continue
			}
			payload := resolveSchema(schema{Ref: comp.Payload["$ref"]})
			if typ := payload.Properties["type"].Const; typ != comp.Name {
				t.Errorf("message %s: name %q but payload type const %q", compRef, comp.Name, typ)
			}
			if prev, dup := dir[comp.Name]; dup && !slices.Equal(keys(prev.Properties), keys(payload.Properties)) {
				t.Errorf("%s message %s documented twice with different payloads", op.Action, comp.Name)
			}
			dir[comp.Name] = payload
		}
	}
	compare := func(dir string, served []realtime.MessageSpec) {
		seen := map[string]bool{}
		for _, m := range served {
			seen[m.Type] = true
			s, ok := documented[dir][m.Type]
			if !ok {
				t.Errorf("%s message %q is served but not documented", dir, m.Type)
				continue
			}
			req := slices.Clone(s.Required)
			slices.Sort(req)
			if got := keys(s.Properties); !slices.Equal(got, m.Fields) {
				t.Errorf("%s %s: documented fields %v, served %v", dir, m.Type, got, m.Fields)
			}
			if !slices.Equal(req, m.Required) {
				t.Errorf("%s %s: documented required %v, served %v", dir, m.Type, req, m.Required)
			}
		}
		for typ := range documented[dir] {
			if !seen[typ] {
				t.Errorf("%s message %q is documented but not served", dir, typ)
			}
		}
	}
	compare("receive", realtime.ClientMessages())
	compare("send", realtime.ServerMessages())

	errSchema := resolveSchema(schema{Ref: "#/components/schemas/Error"})
	if got := errSchema.Properties["code"].Enum; !sameSet(got, realtime.ErrorCodes) {
		t.Errorf("error codes: documented %v, served %v", got, realtime.ErrorCodes)
	}
	bye := resolveSchema(schema{Ref: "#/components/schemas/Bye"})
	if got := bye.Properties["reason"].Enum; !sameSet(got, slices.Collect(maps.Keys(realtime.ByeCodes))) {
		t.Errorf("bye reasons: documented %v, served %v", got, slices.Collect(maps.Keys(realtime.ByeCodes)))
	}
	if fmt.Sprint(doc.Info.CloseCodes) != fmt.Sprint(realtime.ByeCodes) {
		t.Errorf("x-close-codes: documented %v, served %v", doc.Info.CloseCodes, realtime.ByeCodes)
	}
	follow := resolveSchema(schema{Ref: "#/components/schemas/Follow"})
	if got := follow.Properties["mode"].Enum; !sameSet(got, realtime.FollowModes) {
		t.Errorf("follow modes: documented %v, served %v", got, realtime.FollowModes)
	}
	pres := resolveSchema(schema{Ref: "#/components/schemas/Presence"})
	if got := pres.Properties["people"].MaxItems; got != realtime.DefaultLimits.PresenceList {
		t.Errorf("presence people: documented maxItems %d, served at most %d", got, realtime.DefaultLimits.PresenceList)
	}
	sess := resolveSchema(schema{Ref: "#/components/schemas/Session"})
	if sess.Properties["changed"].Items == nil || !sameSet(sess.Properties["changed"].Items.Enum, realtime.SessionChanges) {
		t.Errorf("session changes: documented %v, served %v", sess.Properties["changed"].Items, realtime.SessionChanges)
	}
}

func keys(m map[string]schema) []string {
	out := slices.Collect(maps.Keys(m))
	slices.Sort(out)
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

package events

import (
	"strings"
	"testing"
)

func TestPseudonymizer(t *testing.T) {
	t.Parallel()
	p, err := NewPseudonymizer([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	a := p.Actor("org1", "uid1")
	if len(a) != ActorLen || !actorRE.MatchString(a) {
		t.Fatalf("actor %q", a)
	}
	if p.Actor("org1", "uid1") != a {
		t.Error("not deterministic")
	}
	if p.Actor("org2", "uid1") == a {
		t.Error("same actor in two orgs")
	}
	if p.Actor("org1", "uid2") == a {
		t.Error("same actor for two users")
	}
	other, _ := NewPseudonymizer([]byte(strings.Repeat("t", 32)))
	if other.Actor("org1", "uid1") == a {
		t.Error("same actor under another secret")
	}
	// The org boundary is not ambiguous: ("org1", "x") ≠ ("org", "1x").
	if p.Actor("org", "1uid1") == a {
		t.Error("org and uid run together")
	}
	if _, err := NewPseudonymizer([]byte("short")); err == nil {
		t.Error("accepted a short secret")
	}
}

func TestPseudonymizerFromEnv(t *testing.T) {
	t.Parallel()
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvPseudonymKey {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name, project, key string
		ok                 bool
	}{
		{"secret set", "prod-project", strings.Repeat("x", 40), true},
		{"secret too short", "prod-project", "short", false},
		{"no secret in production", "prod-project", "", false},
		{"no secret in demo", "demo-poy", "", true},
	}
	for _, tc := range tests {
		p, err := PseudonymizerFromEnv(tc.project, env(tc.key))
		if tc.ok != (err == nil) {
			t.Errorf("%s: err %v", tc.name, err)
		}
		if err == nil && len(p.Actor("o", "u")) != ActorLen {
			t.Errorf("%s: bad actor", tc.name)
		}
	}
	demo, _ := PseudonymizerFromEnv("demo-poy", env(""))
	real, _ := PseudonymizerFromEnv("demo-poy", env(strings.Repeat("x", 40)))
	if demo.Actor("o", "u") == real.Actor("o", "u") {
		t.Error("the development key is used although a secret is set")
	}
}

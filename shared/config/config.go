// Package config reads the runtime configuration every function and the
// emulator suite share from the environment. The same variables Google's
// client libraries read (FIRESTORE_EMULATOR_HOST, …) switch the code between
// the local emulator suite and real Google Cloud; nothing else changes.
package config

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Defaults for local development. A project id starting with "demo-" is a
// fake project: no credentials are needed and nothing reaches Google.
const (
	DefaultProject = "demo-poy"
	DefaultRegion  = "europe-west1"
)

// Conventional local ports of the emulator suite (Firebase's where they exist).
const (
	PortHub       = 4400
	PortHosting   = 5000
	PortFunctions = 5001
	PortFirestore = 8080
	PortPubSub    = 8085
	PortBigQuery  = 9050
	PortVertex    = 9060
	PortAuth      = 9099
	PortStorage   = 9199
	PortEventarc  = 9299
)

// Env variable names read by Google's clients and by us.
const (
	EnvFirestoreHost   = "FIRESTORE_EMULATOR_HOST"
	EnvPubSubHost      = "PUBSUB_EMULATOR_HOST"
	EnvStorageHost     = "STORAGE_EMULATOR_HOST" // with http://, as the storage client wants
	EnvFirebaseStorage = "FIREBASE_STORAGE_EMULATOR_HOST"
	EnvAuthHost        = "FIREBASE_AUTH_EMULATOR_HOST"
	EnvEventarcHost    = "CLOUD_EVENTARC_EMULATOR_HOST"
	EnvBigQueryHost    = "BIGQUERY_EMULATOR_HOST"
	EnvVertexHost      = "VERTEX_EMULATOR_HOST"
	EnvHubHost         = "FIREBASE_EMULATOR_HUB"
)

// emulatorVars are every variable that points a client library at a local
// emulator instead of Google Cloud.
var emulatorVars = []string{
	EnvFirestoreHost, EnvPubSubHost, EnvStorageHost, EnvFirebaseStorage, EnvAuthHost,
	EnvEventarcHost, EnvBigQueryHost, EnvVertexHost, EnvHubHost,
}

// EnvTrustedProxyHops names how many right-most X-Forwarded-For entries
// the platform's own front end appends after the client's address
// (default DefaultTrustedProxyHops).
const EnvTrustedProxyHops = "TRUSTED_PROXY_HOPS"

// DefaultTrustedProxyHops is right for a function behind Firebase Hosting.
// Google's front ends append to what the client sent: its address and then
// one address of their own, so a request through Hosting reaches the
// function with X-Forwarded-For ending in "<client>, <Google address>"
// (the external Application Load Balancer documents the same shape,
// "<supplied-value>, <client-ip>, <load-balancer-ip>"). The client is thus
// the second entry from the right; everything left of it is whatever the
// client wrote. Another proxy of ours in front adds one.
const DefaultTrustedProxyHops = 1

// Config is what a function needs to know about where it runs.
type Config struct {
	Project string
	Region  string
	// Service is the function or service name (K_SERVICE / FUNCTION_TARGET).
	Service string
	// Emulator hosts (host:port); empty means real Google Cloud.
	FirestoreHost, PubSubHost, StorageHost, AuthHost, EventarcHost, BigQueryHost, VertexHost string
	// MediaBucket holds uploads and renditions.
	MediaBucket string
	// SignerEmail and SignerKeyPEM sign V4 URLs locally; on Google Cloud the
	// service account signs through IAM Credentials and both stay empty.
	SignerEmail  string
	SignerKeyPEM string
	// TrustedProxyHops is how many right-most X-Forwarded-For entries come
	// from the platform's own proxies (see DefaultTrustedProxyHops).
	TrustedProxyHops int
	// EmulatorVars lists the emulator variables set, by name.
	EmulatorVars []string
}

// FromEnv reads the configuration. Lookup defaults to os.Getenv; tests pass
// their own.
func FromEnv(lookup func(string) string) Config {
	envLookup := lookup == nil
	if envLookup {
		lookup = os.Getenv
	}
	first := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(lookup(n)); v != "" {
				return v
			}
		}
		return ""
	}
	c := Config{
		Project:       first("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "GCP_PROJECT", "FIREBASE_PROJECT"),
		Region:        first("FUNCTION_REGION", "GOOGLE_CLOUD_REGION"),
		Service:       first("K_SERVICE", "FUNCTION_TARGET"),
		FirestoreHost: first(EnvFirestoreHost),
		PubSubHost:    first(EnvPubSubHost),
		StorageHost:   strings.TrimPrefix(strings.TrimPrefix(first(EnvStorageHost, EnvFirebaseStorage), "http://"), "https://"),
		AuthHost:      first(EnvAuthHost),
		EventarcHost:  first(EnvEventarcHost),
		BigQueryHost:  first(EnvBigQueryHost),
		VertexHost:    first(EnvVertexHost),
		MediaBucket:   first("MEDIA_BUCKET"),
		SignerEmail:   first("SIGNER_EMAIL"),
		SignerKeyPEM:  first("SIGNER_PRIVATE_KEY"),
	}
	names := emulatorVars
	if envLookup {
		// Any other emulator a client library or a function may follow.
		for _, kv := range os.Environ() {
			if n, _, _ := strings.Cut(kv, "="); strings.HasSuffix(n, "_EMULATOR_HOST") && !slices.Contains(names, n) {
				names = append(slices.Clip(names), n)
			}
		}
	}
	for _, n := range names {
		if first(n) != "" {
			c.EmulatorVars = append(c.EmulatorVars, n)
		}
	}
	c.TrustedProxyHops = DefaultTrustedProxyHops
	if v := first(EnvTrustedProxyHops); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 10 {
			c.TrustedProxyHops = n
		}
	}
	if c.Project == "" {
		c.Project = DefaultProject
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.MediaBucket == "" {
		c.MediaBucket = c.Project + "-media"
	}
	return c
}

// IsDemo reports a fake "demo-" project, which must never reach Google.
func (c Config) IsDemo() bool { return strings.HasPrefix(c.Project, "demo-") }

// Emulated reports whether any emulator host is set.
func (c Config) Emulated() bool {
	return c.FirestoreHost != "" || c.PubSubHost != "" || c.StorageHost != "" || c.AuthHost != ""
}

// Check refuses the two mixes of local and real: a demo project pointed at
// real Google Cloud (a missing emulator variable would send local traffic
// to production APIs), and a real project pointed at any emulator (the Auth
// emulator's tokens are unsigned, so the function would accept anyone as
// anyone, and the other emulators hold no real data).
func (c Config) Check(needs ...string) error {
	if err := c.CheckEmulators(); err != nil {
		return err
	}
	if !c.IsDemo() {
		return nil
	}
	for _, n := range needs {
		var v string
		switch n {
		case EnvFirestoreHost:
			v = c.FirestoreHost
		case EnvPubSubHost:
			v = c.PubSubHost
		case EnvStorageHost:
			v = c.StorageHost
		case EnvAuthHost:
			v = c.AuthHost
		case EnvEventarcHost:
			v = c.EventarcHost
		case EnvBigQueryHost:
			v = c.BigQueryHost
		case EnvVertexHost:
			v = c.VertexHost
		}
		if v == "" {
			return fmt.Errorf("project %q is a demo project but %s is not set", c.Project, n)
		}
	}
	return nil
}

// CheckEmulators refuses emulator variables on a project that is not a
// demo- project. Processes call it at start so that a real deployment
// carrying one fails at once and loudly.
func (c Config) CheckEmulators() error {
	if c.IsDemo() || len(c.EmulatorVars) == 0 {
		return nil
	}
	return fmt.Errorf("project %q is a real project but %s %s set: emulators accept unsigned tokens and hold no real data; unset %s or use a demo- project",
		c.Project, strings.Join(c.EmulatorVars, ", "), plural(len(c.EmulatorVars), "is", "are"),
		plural(len(c.EmulatorVars), "it", "them"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

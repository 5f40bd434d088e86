// Package platform is every function's per-instance root: the clients a
// function builds from its declared configuration, each built once, on
// first use, and kept only once the build succeeds (shared/instance), so
// a transient failure is retried by the next request instead of
// crash-looping the instance.
//
// Configuration is declared, not discovered. A function reads
// configuration only through a Platform: Env and Secret for what its
// infra/topology.yaml entry declares under env and secrets, and the client
// accessors (Firestore, Outbox, Relay, Verifier, AuthAdmin,
// Storage with Bucket, BigQuery, Vertex, Mail) for what its `uses` grant. A Record
// notes all of it, which is how TestFunctionsReadWhatTheyDeclare
// (cmd/functions) compares each function's reads with its declaration.
// Everything else a Platform reads is the platform's own, set for every
// function by the runtime, Terraform or the suite (PlatformVars).
//
// Decisions:
//   - On a project that is not a demo- project a declared variable or
//     secret that is missing (empty, unless declared optional) is fatal:
//     Preflight names every missing one, cmd/functions exits before it
//     serves, and a root built without them fails (503, with the same
//     message in the log) rather than serving with a default. Nothing
//     defaults to a loopback address: local addresses come from the suite,
//     through the same declarations (their `local` values).
//   - A demo- project (the local suite) never reaches Google: each client
//     needs its emulator variable, and the events pseudonymizer uses the
//     development key when PSEUDONYM_HMAC_KEY is unset (shared/events).
//   - One outbox per instance, its events gated by the consent checker
//     that listens to this instance's Firestore; one URL signer, which validates
//     its key (an emulator gets an ephemeral key: it checks no signature).
//   - Functions record events through the Outbox (shared/outbox), in the
//     transaction of the change, and need no Pub/Sub grant; only the relay
//     (Relay: uses pubsub:events) publishes, and it holds no pseudonym key.
package platform

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/option"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/instance"
	"pointsofyou.ai/studio/shared/logging"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/topology"
)

// EnvDNSHost points DNS lookups (email-domain proofs) at the suite's DNS
// server, as the other *_EMULATOR_HOST variables do for their services.
const EnvDNSHost = "DNS_EMULATOR_HOST"

// PlatformVars are the variables every function may read without
// declaring them: set by the runtime (Cloud Functions, Cloud Run), by
// Terraform for every function (terraform/locals.tf function_env) or, for
// emulators, by the local suite only. <NAME>_BUCKET of each storage use
// and the local signing identity (SIGNER_EMAIL, SIGNER_PRIVATE_KEY) come
// with `uses: storage:<name>`.
var PlatformVars = []string{
	"GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "GCP_PROJECT", "FIREBASE_PROJECT",
	"FUNCTION_REGION", "GOOGLE_CLOUD_REGION", "K_SERVICE", "FUNCTION_TARGET",
	"LOG_LEVEL", "LOG_EXECUTION_ID", config.EnvTrustedProxyHops, EnvDNSHost,
	"SIGNER_EMAIL", "SIGNER_PRIVATE_KEY",
}

// Options configure a Platform.
type Options struct {
	// Function is the topology function this instance serves (default
	// K_SERVICE, else the function of FUNCTION_TARGET).
	Function string
	// Lookup reads the environment (default os.Getenv).
	Lookup func(string) string
	// Record, when set, notes the declared configuration and the stores
	// the function's root reaches.
	Record *Record
}

// Record is what a root read: declared variables and secrets by name, and
// stores in the topology's `uses` notation.
type Record struct {
	mu                             sync.Mutex
	env, secrets, stores, optional map[string]bool
}

func (r *Record) note(kind, k string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[string]*map[string]bool{"env": &r.env, "secret": &r.secrets, "use": &r.stores, "optional": &r.optional}[kind]
	if *m == nil {
		*m = map[string]bool{}
	}
	(*m)[k] = true
}

func list(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Env, Secrets and Uses list what was read, sorted.
func (r *Record) Env() []string     { r.mu.Lock(); defer r.mu.Unlock(); return list(r.env) }
func (r *Record) Secrets() []string { r.mu.Lock(); defer r.mu.Unlock(); return list(r.secrets) }
func (r *Record) Uses() []string    { r.mu.Lock(); defer r.mu.Unlock(); return list(r.stores) }

// Optional lists the variables read as optional (OptionalEnv), sorted.
func (r *Record) Optional() []string { r.mu.Lock(); defer r.mu.Unlock(); return list(r.optional) }

// Platform is one instance's root of clients.
type Platform struct {
	fn     string
	lookup func(string) string
	rec    *Record
	cfg    config.Config

	ready      *instance.Lazy[struct{}]
	firestore  *instance.Lazy[*firestore.Client]
	pubsub     *instance.Lazy[*pubsub.Client]
	pseudonyms *instance.Lazy[*events.Pseudonymizer]
	checker    *instance.Lazy[*consentvault.Checker]
	outbox     *instance.Lazy[*outbox.Outbox]
	relay      *instance.Lazy[*outbox.Relay]
	publisher  *instance.Lazy[*events.Publisher]
	authClient *instance.Lazy[*fbauth.Client]
	verifier   *instance.Lazy[*auth.FirebaseVerifier]
	storage    *instance.Lazy[*storage.Client]
	signer     *instance.Lazy[Signer]
	bigquery   *instance.Lazy[*bigquery.Client]
	vertex     *instance.Lazy[*ai.Client]
	models     Models

	mu      sync.Mutex
	closers []func()
}

// New returns a Platform; nothing is built until first asked for.
func New(o Options) *Platform {
	if o.Lookup == nil {
		o.Lookup = os.Getenv
	}
	cfg := config.FromEnv(o.Lookup)
	if o.Function == "" {
		o.Function = strings.TrimSpace(o.Lookup("K_SERVICE"))
	}
	p := &Platform{fn: o.Function, lookup: o.Lookup, rec: o.Record, cfg: cfg}
	p.ready = instance.New(func() (struct{}, error) {
		logging.Setup(cfg.Project)
		return struct{}{}, cfg.CheckEmulators()
	})
	p.firestore = instance.New(func() (*firestore.Client, error) {
		if err := p.need(config.EnvFirestoreHost); err != nil {
			return nil, err
		}
		c, err := firestore.NewClient(context.Background(), cfg.Project)
		if err != nil {
			return nil, fmt.Errorf("firestore client: %w", err)
		}
		return c, nil
	})
	p.pubsub = instance.New(func() (*pubsub.Client, error) {
		if err := p.need(config.EnvPubSubHost); err != nil {
			return nil, err
		}
		c, err := pubsub.NewClient(context.Background(), cfg.Project)
		if err != nil {
			return nil, fmt.Errorf("pubsub client: %w", err)
		}
		return c, nil
	})
	p.pseudonyms = instance.New(func() (*events.Pseudonymizer, error) {
		return events.PseudonymizerFromEnv(cfg.Project, p.Secret)
	})
	p.checker = instance.New(func() (*consentvault.Checker, error) {
		fs, err := p.Firestore()
		if err != nil {
			return nil, err
		}
		c := consentvault.NewChecker(consentvault.NewStore(fs, nil), fs, consentvault.CheckerOptions{})
		p.mu.Lock()
		p.closers = append(p.closers, c.Close)
		p.mu.Unlock()
		return c, nil
	})
	p.outbox = instance.New(p.buildOutbox)
	p.relay = instance.New(p.buildRelay)
	p.publisher = instance.New(p.buildPublisher)
	p.authClient = instance.New(func() (*fbauth.Client, error) {
		if err := p.need(config.EnvAuthHost); err != nil {
			return nil, err
		}
		ctx := context.Background()
		app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.Project})
		if err != nil {
			return nil, fmt.Errorf("firebase app: %w", err)
		}
		c, err := app.Auth(ctx)
		if err != nil {
			return nil, fmt.Errorf("firebase auth client: %w", err)
		}
		return c, nil
	})
	p.verifier = instance.New(func() (*auth.FirebaseVerifier, error) {
		if err := p.need(config.EnvAuthHost); err != nil {
			return nil, err
		}
		return auth.NewFirebaseVerifier(context.Background(), cfg)
	})
	p.storage = instance.New(func() (*storage.Client, error) {
		if err := p.need(config.EnvStorageHost); err != nil {
			return nil, err
		}
		// The client reads STORAGE_EMULATOR_HOST itself.
		c, err := storage.NewClient(context.Background())
		if err != nil {
			return nil, fmt.Errorf("storage client: %w", err)
		}
		return c, nil
	})
	p.signer = instance.New(func() (Signer, error) { return signerFromConfig(cfg) })
	p.bigquery = instance.New(func() (*bigquery.Client, error) {
		if err := p.need(config.EnvBigQueryHost); err != nil {
			return nil, err
		}
		var opts []option.ClientOption
		if cfg.BigQueryHost != "" {
			opts = append(opts, option.WithEndpoint("http://"+cfg.BigQueryHost+"/bigquery/v2/"), option.WithoutAuthentication())
		}
		c, err := bigquery.NewClient(context.Background(), cfg.Project, opts...)
		if err != nil {
			return nil, fmt.Errorf("bigquery client: %w", err)
		}
		return c, nil
	})
	p.vertex = instance.New(func() (*ai.Client, error) {
		if err := p.need(config.EnvVertexHost); err != nil {
			return nil, err
		}
		return ai.New(context.Background(), ai.Config{Project: cfg.Project, Location: cfg.Region, EmulatorHost: cfg.VertexHost,
			GenerateModel: p.models.Generate, EmbedModel: p.models.Embed})
	})
	return p
}

var def = sync.OnceValue(func() *Platform { return New(Options{}) })

// Default is the process's Platform, read from its environment.
func Default() *Platform { return def() }

// Config is where the instance runs (project, region, emulator hosts).
func (p *Platform) Config() config.Config { return p.cfg }

// need checks the declared configuration once, then the emulator variable
// a demo project needs for the client about to be built.
func (p *Platform) need(emulatorVar string) error {
	if _, err := p.ready.Get(); err != nil {
		return err
	}
	return p.cfg.Check(emulatorVar)
}

// Env is a variable the function declares under env. On a real project
// an empty one is an error: nothing falls back to a default.
func (p *Platform) Env(name string) (string, error) {
	p.rec.note("env", name)
	if _, err := p.ready.Get(); err != nil {
		return "", err
	}
	v := strings.TrimSpace(p.lookup(name))
	if v == "" && !p.cfg.IsDemo() {
		return "", fmt.Errorf("function %s: %s is declared but not set (infra/topology.yaml)", p.fn, name)
	}
	return v, nil
}

// OptionalEnv is a variable the function declares under env with
// optional: true, which may be empty.
func (p *Platform) OptionalEnv(name string) (string, error) {
	p.rec.note("env", name)
	p.rec.note("optional", name)
	if _, err := p.ready.Get(); err != nil {
		return "", err
	}
	return strings.TrimSpace(p.lookup(name)), nil
}

// Secret is a secret the function declares under secrets.
func (p *Platform) Secret(name string) string {
	p.rec.note("secret", name)
	return strings.TrimSpace(p.lookup(name))
}

func (p *Platform) use(u string) {
	p.rec.note("use", u)
}

// Firestore is the Firestore client (uses: firestore).
func (p *Platform) Firestore() (*firestore.Client, error) {
	p.use("firestore")
	return p.firestore.Get()
}

// Mail is the mail outbox in Firestore (uses: firestore).
func (p *Platform) Mail() (*mail.Outbox, error) {
	fs, err := p.Firestore()
	if err != nil {
		return nil, err
	}
	return mail.NewOutbox(fs, nil), nil
}

// Pseudonyms turns uids into events' actors (secret PSEUDONYM_HMAC_KEY).
func (p *Platform) Pseudonyms() (*events.Pseudonymizer, error) {
	if _, err := p.ready.Get(); err != nil {
		return nil, err
	}
	p.Secret(events.EnvPseudonymKey)
	return p.pseudonyms.Get()
}

// Consent is the instance's consent checker, listening to Firestore for
// changes (uses: firestore).
func (p *Platform) Consent() (*consentvault.Checker, error) {
	p.use("firestore")
	return p.checker.Get()
}

// Outbox records events and mail in the transaction of the change that
// causes them (shared/outbox): events are stamped (registry, consent gate,
// pseudonym) when recorded, and published later by the relay (uses:
// firestore; secret PSEUDONYM_HMAC_KEY). The function needs no Pub/Sub.
func (p *Platform) Outbox() (*outbox.Outbox, error) {
	p.use("firestore")
	p.Secret(events.EnvPseudonymKey)
	return p.outbox.Get()
}

func (p *Platform) buildOutbox() (*outbox.Outbox, error) {
	pseudo, err := p.Pseudonyms()
	if err != nil {
		return nil, err
	}
	gate, err := p.Consent()
	if err != nil {
		return nil, err
	}
	fs, err := p.Firestore()
	if err != nil {
		return nil, err
	}
	st, err := events.NewStamper(events.StamperOptions{Registry: events.Standard(), Pseudonyms: pseudo, Gate: gate})
	if err != nil {
		return nil, err
	}
	return outbox.New(fs, outbox.Options{Stamper: st, Mail: mail.NewOutbox(fs, nil)}), nil
}

// Relay publishes the outbox's events to the events topic, checking
// consent again at that moment (uses: pubsub:events, firestore). It holds
// no pseudonym key: the envelopes were stamped when recorded.
func (p *Platform) Relay() (*outbox.Relay, error) {
	p.use("pubsub:" + events.Topic)
	p.use("firestore")
	return p.relay.Get()
}

func (p *Platform) buildRelay() (*outbox.Relay, error) {
	gate, err := p.Consent()
	if err != nil {
		return nil, err
	}
	fs, err := p.Firestore()
	if err != nil {
		return nil, err
	}
	ps, err := p.pubsub.Get()
	if err != nil {
		return nil, err
	}
	snd, err := events.NewSender(ps, events.Topic, nil)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.closers = append(p.closers, func() { snd.Close() })
	p.mu.Unlock()
	return outbox.NewRelay(fs, outbox.RelayOptions{Sender: snd, Gate: gate})
}

// Events publishes events straight to the events topic, stamped and
// consent-gated like the outbox's (uses: pubsub:events, firestore; secret
// PSEUDONYM_HMAC_KEY). It is for producers whose events belong to no
// transaction and come too fast for one write each (the realtime
// gateway's canvas ops); it batches.
func (p *Platform) Events() (*events.Publisher, error) {
	p.use("pubsub:" + events.Topic)
	p.use("firestore")
	p.Secret(events.EnvPseudonymKey)
	return p.publisher.Get()
}

func (p *Platform) buildPublisher() (*events.Publisher, error) {
	pseudo, err := p.Pseudonyms()
	if err != nil {
		return nil, err
	}
	gate, err := p.Consent()
	if err != nil {
		return nil, err
	}
	ps, err := p.pubsub.Get()
	if err != nil {
		return nil, err
	}
	pub, err := events.NewPublisher(ps, events.Topic, events.PublisherOptions{Registry: events.Standard(), Pseudonyms: pseudo, Gate: gate})
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.closers = append(p.closers, func() { pub.Close() })
	p.mu.Unlock()
	return pub, nil
}

// Verifier verifies Firebase ID tokens (uses: auth).
func (p *Platform) Verifier() (*auth.FirebaseVerifier, error) {
	p.use("auth")
	return p.verifier.Get()
}

// AuthAdmin is the Admin SDK's Auth client (uses: auth).
func (p *Platform) AuthAdmin() (*fbauth.Client, error) {
	p.use("auth")
	return p.authClient.Get()
}

// Storage is the Cloud Storage client; each bucket it touches is named
// through Bucket.
func (p *Platform) Storage() (*storage.Client, error) {
	if _, err := p.ready.Get(); err != nil {
		return nil, err
	}
	return p.storage.Get()
}

// Bucket is the real name of a declared bucket (uses: storage:<name>):
// <NAME>_BUCKET, which Terraform sets, else "<project>-<name>".
func (p *Platform) Bucket(name string) string {
	p.use("storage:" + name)
	if v := strings.TrimSpace(p.lookup(strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_BUCKET")); v != "" {
		return v
	}
	return topology.BucketName(p.cfg.Project, name)
}

// Signer signs V4 URLs of the function's buckets.
func (p *Platform) Signer() (Signer, error) {
	if _, err := p.ready.Get(); err != nil {
		return Signer{}, err
	}
	return p.signer.Get()
}

// BigQuery is the BigQuery client for a declared dataset (uses:
// bigquery:<dataset>).
func (p *Platform) BigQuery(dataset string) (*bigquery.Client, error) {
	p.use("bigquery:" + dataset)
	return p.bigquery.Get()
}

// Models name the Vertex AI models a function calls; empty fields take
// shared/ai's defaults. Functions declare them in their env.
type Models struct{ Generate, Embed string }

// Vertex is the Vertex AI client (uses: vertex), in the function's region.
// The models of the first call are the instance's.
func (p *Platform) Vertex(m Models) (*ai.Client, error) {
	p.use("vertex")
	p.mu.Lock()
	if p.models == (Models{}) {
		p.models = m
	}
	p.mu.Unlock()
	return p.vertex.Get()
}

// Resolver reads TXT records: public DNS on a real project, only the
// suite's DNS server on a demo one (which must never ask the Internet,
// and says so rather than start without it).
func (p *Platform) Resolver() (*net.Resolver, error) {
	if _, err := p.ready.Get(); err != nil {
		return nil, err
	}
	host := strings.TrimSpace(p.lookup(EnvDNSHost))
	switch {
	case host != "" && !p.cfg.IsDemo():
		return nil, fmt.Errorf("%s is set but project %q is not a demo project", EnvDNSHost, p.cfg.Project)
	case host == "" && p.cfg.IsDemo():
		return nil, fmt.Errorf("project %q is a demo project but %s is not set", p.cfg.Project, EnvDNSHost)
	case host == "":
		return net.DefaultResolver, nil
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, host)
	}}, nil
}

// Close stops what runs in the background (the consent listener) and
// closes the clients built so far; tests call it.
func (p *Platform) Close() {
	p.mu.Lock()
	cs := p.closers
	p.closers = nil
	p.mu.Unlock()
	for _, c := range cs {
		c()
	}
}

// Preflight is the start-up check of a function process against the
// declarations top (infra.Topology()): no emulator on a real project, and
// on a real project every declared variable and secret of the function
// (K_SERVICE, else the function FUNCTION_TARGET serves) present. Its error
// names each missing one.
func Preflight(lookup func(string) string, top *topology.Topology) error {
	if lookup == nil {
		lookup = os.Getenv
	}
	cfg := config.FromEnv(lookup)
	if err := cfg.CheckEmulators(); err != nil {
		return err
	}
	if cfg.IsDemo() {
		return nil
	}
	name, target := strings.TrimSpace(lookup("K_SERVICE")), strings.TrimSpace(lookup("FUNCTION_TARGET"))
	fn, ok := top.Function(name)
	if !ok && name == "" {
		fn, ok = top.ByTarget(target)
	}
	if !ok {
		return fmt.Errorf("function %q (target %q) is not declared in infra/topology.yaml", name, target)
	}
	return Missing(fn, lookup)
}

// Missing names the declared variables and secrets of fn that lookup
// does not have (optional variables may be empty).
func Missing(fn topology.Function, lookup func(string) string) error {
	var missing []string
	for k, v := range fn.Env {
		if !v.Optional && strings.TrimSpace(lookup(k)) == "" {
			missing = append(missing, k)
		}
	}
	for _, s := range fn.AllSecrets() {
		if strings.TrimSpace(lookup(s)) == "" {
			missing = append(missing, "secret "+s)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("function %s: declared configuration is not set: %s (infra/topology.yaml)", fn.Name, strings.Join(missing, ", "))
}

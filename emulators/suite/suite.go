// Package suite starts the whole local emulator suite in one process: the
// hub, BigQuery, Pub/Sub (with BigQuery subscriptions writing into the
// BigQuery emulator), Storage, Auth, Firestore, the functions (one process
// each), Eventarc and Hosting, wired from infra/topology.yaml and
// infra/firebase.json exactly as Terraform wires Google Cloud. `go run ./emulators` (and
// `make dev`) use it on the conventional ports; end-to-end tests use it on
// random ports.
package suite

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"pointsofyou.ai/studio/emulators/auth"
	"pointsofyou.ai/studio/emulators/bigquery"
	"pointsofyou.ai/studio/emulators/dns"
	"pointsofyou.ai/studio/emulators/eventarc"
	"pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/functions"
	"pointsofyou.ai/studio/emulators/hosting"
	"pointsofyou.ai/studio/emulators/hub"
	"pointsofyou.ai/studio/emulators/pubsub"
	"pointsofyou.ai/studio/emulators/storage"
	"pointsofyou.ai/studio/emulators/stripe"
	"pointsofyou.ai/studio/emulators/vertex"
	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/topology"
)

// Emulator names, as the hub lists them.
const (
	Hub       = "hub"
	Hosting   = "hosting"
	Functions = "functions"
	Firestore = "firestore"
	PubSub    = "pubsub"
	Auth      = "auth"
	Storage   = "storage"
	Eventarc  = "eventarc"
	BigQuery  = "bigquery"
	Vertex    = "vertex"
	DNS       = "dns"
	Stripe    = "stripe"
)

// DefaultPorts are Firebase's conventional ports.
var DefaultPorts = map[string]int{
	Hub: config.PortHub, Hosting: config.PortHosting, Functions: config.PortFunctions,
	Firestore: config.PortFirestore, PubSub: config.PortPubSub, Auth: config.PortAuth,
	Storage: config.PortStorage, Eventarc: config.PortEventarc,
	BigQuery: config.PortBigQuery, Vertex: config.PortVertex,
	DNS: dns.DefaultPort, Stripe: stripe.DefaultPort,
}

// StorageNotificationTopic is where the storage emulator publishes object
// notifications for the eventarc emulator (Eventarc's own plumbing in production).
const StorageNotificationTopic = "gcs-notifications"

// SignerEmail is the local service account that signs V4 URLs.
const SignerEmail = "media-signer@demo-poy.iam.gserviceaccount.com"

// Options configures the suite.
type Options struct {
	Project string // default config.DefaultProject
	Region  string // default config.DefaultRegion
	Host    string // default 127.0.0.1
	// RandomPorts binds every emulator to a free port (tests).
	RandomPorts bool
	// Ports overrides single ports by emulator name.
	Ports map[string]int
	// Topology and FirebaseJSON are the declarations to wire (required).
	Topology     *topology.Topology
	FirebaseJSON []byte
	// InfraFS holds the files the topology refers to (BigQuery table
	// schemas), paths relative to infra/; default the embedded infra.FS().
	InfraFS fs.FS
	// FunctionsBinary is the built cmd/functions; empty starts no functions
	// (and so no eventarc or hosting rewrites to them).
	FunctionsBinary string
	// StripeMockBinary is the built stripe-mock behind the local Stripe;
	// default: "stripe-mock" beside FunctionsBinary when it is there (make
	// builds both). Without it the local Stripe serves its own objects
	// (plans, checkout, portal, subscriptions, invoices) and answers 501
	// for the rest of Stripe's API.
	StripeMockBinary string
	// WebRoot is the Hosting public directory; empty starts no hosting.
	WebRoot string
	// ImportDir restores an earlier export before anything runs.
	ImportDir string
	// Output receives function processes' logs; default os.Stderr.
	Output io.Writer
	// Fast shortens retry backoffs (tests).
	Fast bool
	// LocatorDir is passed to the hub ("-" for none).
	LocatorDir string
	// ExportRoots are where the hub's POST /_admin/export may write;
	// default: the working directory.
	ExportRoots []string
	// FirestoreIndexes, when set (infra/firestore.indexes.json), makes the
	// Firestore emulator refuse queries of the platform's project (Project)
	// that the deployed indexes could not serve, as production does. Other
	// projects on the same emulator run every query, as Google's emulator
	// does. Empty serves every query.
	FirestoreIndexes []byte
}

// Suite is the running emulator suite.
type Suite struct {
	opts      Options
	Hub       *hub.Server
	PubSub    *pubsub.Server
	BigQuery  *bigquery.Server
	Vertex    *vertex.Server
	DNS       *dns.Server // TXT records proving email domains
	Storage   *storage.Server
	Auth      *auth.Server
	Firestore *firestore.Server
	Functions *functions.Server
	Eventarc  *eventarc.Server
	Hosting   *hosting.Server
	// Stripe is the local Stripe (emulators/stripe), with the declared
	// plans synced into it at start.
	Stripe *stripe.Server

	signerKeyPEM string
	closers      []func() error
}

// Start brings the suite up; on error everything started is stopped again.
func Start(ctx context.Context, opts Options) (s *Suite, err error) {
	if opts.Topology == nil {
		return nil, errors.New("suite: Options.Topology is required")
	}
	if opts.Project == "" {
		opts.Project = config.DefaultProject
	}
	if opts.Region == "" {
		opts.Region = config.DefaultRegion
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Output == nil {
		opts.Output = os.Stderr
	}
	s = &Suite{opts: opts}
	defer func() {
		if err != nil {
			s.closeAll()
			s = nil
		}
	}()
	if err := s.checkPorts(); err != nil {
		return nil, err
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s.signerKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))

	if s.Hub, err = hub.NewServer(hub.Options{Addr: s.addr(Hub), Project: opts.Project, LocatorDir: opts.LocatorDir, ExportRoots: opts.ExportRoots}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.Hub.Close)

	if s.BigQuery, err = bigquery.NewServer(bigquery.Options{Addr: s.addr(BigQuery), Project: opts.Project}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.BigQuery.Close)
	s.Hub.Register(BigQuery, s.BigQuery.Addr, exporterOf(s.BigQuery))

	if s.Vertex, err = vertex.NewServer(vertex.Options{Addr: s.addr(Vertex)}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.Vertex.Close)
	s.Hub.Register(Vertex, s.Vertex.Addr, nil)

	if s.DNS, err = dns.NewServer(dns.Options{Addr: s.addr(DNS)}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.DNS.Close)
	s.Hub.Register(DNS, s.DNS.Addr, nil)

	backoff := 1.0
	if opts.Fast {
		backoff = 0.001
	}
	if s.PubSub, err = pubsub.NewServer(pubsub.Options{
		Addr: s.addr(PubSub), BackoffScale: backoff, BigQuery: bigQueryWriter{s.BigQuery},
	}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.PubSub.Close)
	s.Hub.Register(PubSub, s.PubSub.Addr, nil)

	fsOpts := firestore.Options{Addr: s.addr(Firestore), IndexProjects: []string{opts.Project}}
	if len(opts.FirestoreIndexes) > 0 {
		if fsOpts.Indexes, err = firestore.ParseIndexConfig(opts.FirestoreIndexes); err != nil {
			return nil, err
		}
	}
	if s.Firestore, err = firestore.NewServer(fsOpts); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.Firestore.Close)
	s.Hub.Register(Firestore, s.Firestore.Addr, exporterOf(s.Firestore))

	if s.Auth, err = auth.NewServer(auth.Options{Addr: s.addr(Auth), ProjectID: opts.Project}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.Auth.Close)
	s.Hub.Register(Auth, s.Auth.Addr, exporterOf(s.Auth))

	if s.Storage, err = storage.NewServer(storage.Options{
		Addr:              s.addr(Storage),
		PubSubHost:        s.PubSub.Addr,
		NotificationTopic: pubsub.TopicName(opts.Project, StorageNotificationTopic),
		Signers:           map[string]*rsa.PublicKey{SignerEmail: &key.PublicKey},
	}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.Storage.Close)
	s.Hub.Register(Storage, s.Storage.Addr, exporterOf(s.Storage))

	if err := s.startStripe(ctx); err != nil {
		return nil, err
	}

	if opts.ImportDir != "" {
		if err := s.importFrom(opts.ImportDir); err != nil {
			return nil, err
		}
	}

	// Declared resources: topics, subscriptions (push targets resolve once
	// the functions emulator runs) and buckets.
	pushURL := func(fn string) string {
		if s.Functions == nil {
			return ""
		}
		return s.Functions.URL(fn)
	}
	// Hosting listens before the functions start: links they put in mail
	// name its address, which on random ports is known only once it listens.
	hostingURL := "http://" + s.addr(Hosting)
	var hostingLn net.Listener
	if opts.WebRoot != "" {
		if hostingLn, err = net.Listen("tcp", s.addr(Hosting)); err != nil {
			return nil, fmt.Errorf("hosting: listen: %w", err)
		}
		hostingURL = "http://" + hostingLn.Addr().String()
		// Closed by Hosting once it serves; this covers a failure before.
		s.closers = append(s.closers, func() error {
			if err := hostingLn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				return err
			}
			return nil
		})
	}
	if opts.FunctionsBinary != "" {
		if s.Functions, err = functions.NewServer(functions.Options{
			Addr: s.addr(Functions), Project: opts.Project, Region: opts.Region, Topology: opts.Topology,
			Binary: opts.FunctionsBinary, Env: s.FunctionEnv(), Output: opts.Output,
			// Declared variables' local values: links in mail point at Hosting.
			Local: map[string]string{"hosting_url": hostingURL, "project": opts.Project, "stripe_url": s.Stripe.URL()},
		}); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, s.Functions.Close)
		s.Hub.Register(Functions, s.Functions.Addr, nil)
		// Stripe's webhooks reach the billing function as they do deployed.
		if u := s.Functions.URL("billing"); u != "" {
			s.Stripe.SetWebhook(u + "/v1/webhooks/stripe")
		}
	}
	// Tables first, so BigQuery subscriptions write from their first message.
	infraFS := opts.InfraFS
	if infraFS == nil {
		infraFS = infra.FS()
	}
	if err := applyBigQuery(ctx, s.BigQuery, opts.Topology, opts.Project, infraFS); err != nil {
		return nil, fmt.Errorf("bigquery topology: %w", err)
	}
	if err := s.PubSub.Apply(ctx, opts.Topology, opts.Project, pushURL); err != nil {
		return nil, fmt.Errorf("pubsub topology: %w", err)
	}
	if err := s.Storage.Apply(ctx, opts.Topology, opts.Project); err != nil {
		return nil, fmt.Errorf("storage topology: %w", err)
	}

	if s.Functions != nil {
		eo := eventarc.Options{
			Addr: s.addr(Eventarc), Project: opts.Project, Region: opts.Region, Topology: opts.Topology,
			PubSubHost:   s.PubSub.Addr,
			StorageTopic: pubsub.TopicName(opts.Project, StorageNotificationTopic),
			FunctionURL:  s.Functions.URL,
		}
		if opts.Fast {
			eo.MinBackoff, eo.MaxBackoff = 10*time.Millisecond, 200*time.Millisecond
		}
		// Firestore document triggers: the source subscribes to the
		// emulator's change feed now, so no commit after Start is missed.
		var fsSource *eventarc.FirestoreSource
		fsSource, err = eventarc.NewFirestoreSource(eventarc.FirestoreOptions{
			Project: opts.Project, Location: opts.Region, Topology: opts.Topology, Feed: s.Firestore,
		})
		if err != nil {
			return nil, err
		}
		eo.Sources = append(eo.Sources, fsSource)
		if s.Eventarc, err = eventarc.NewServer(eo); err != nil {
			fsSource.Close()
			return nil, err
		}
		s.closers = append(s.closers, s.Eventarc.Close)
		s.Hub.Register(Eventarc, s.Eventarc.Addr, nil)
	}

	if opts.WebRoot != "" {
		authOrigin, storageOrigin := "http://"+s.Auth.Addr, "http://"+s.Storage.Addr
		fnURL := func(name string) string {
			if s.Functions == nil {
				return ""
			}
			return s.Functions.URL(name)
		}
		if s.Hosting, err = hosting.NewServer(hosting.Options{
			Addr: s.addr(Hosting), Listener: hostingLn, Config: opts.FirebaseJSON, Root: opts.WebRoot,
			Project: opts.Project, Region: opts.Region, FunctionURL: fnURL,
			APIPrefix: "/api/", // only functions answer there, with problem+json
			// As deployed: a rewrite's response arrives once complete, so
			// streamed answers must come from the service's own URL.
			BufferRewrites: true,
			// Only the locally served policy lets the page reach the
			// emulators, each where the deployed policy allows Google's
			// counterpart: connect-src (https://*.googleapis.com) for the
			// Auth REST API and for Storage behind signed URLs (and wss: and
			// https://*.run.app for the services the page reaches directly), img-src
			// (https://storage.googleapis.com) for Storage, and frame-src
			// for the Auth emulator's iframe, which the JS SDK loads from
			// the authDomain (the site itself) when deployed.
			CSPSources: map[string][]string{
				"connect-src": append([]string{authOrigin, storageOrigin}, functionsOrigins(s.Functions)...),
				"frame-src":   {authOrigin},
				"img-src":     {storageOrigin},
			},
			Init: &hosting.InitConfig{
				APIKey: "fake-api-key", AuthDomain: opts.Project + ".firebaseapp.com", ProjectID: opts.Project,
				Emulators: map[string]string{"auth": authOrigin},
			},
		}); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, s.Hosting.Close)
		s.Hub.Register(Hosting, s.Hosting.Addr, nil)
		// The buckets let the site's pages upload and download through
		// signed URLs, as deploying allows the site's own origin.
		s.Storage.AllowOrigin(s.Hosting.URL())
		if _, port, err := net.SplitHostPort(s.Hosting.Addr); err == nil {
			s.Storage.AllowOrigin("http://localhost:" + port)
		}
	}
	return s, nil
}

func (s *Suite) addr(name string) string {
	port := DefaultPorts[name]
	if p, ok := s.opts.Ports[name]; ok {
		port = p
	} else if s.opts.RandomPorts {
		port = 0
	}
	return net.JoinHostPort(s.opts.Host, strconv.Itoa(port))
}

// checkPorts fails fast, naming every busy port, instead of leaving half a
// suite running when another instance already holds the conventional ports.
func (s *Suite) checkPorts() error {
	var busy []string
	names := make([]string, 0, len(DefaultPorts))
	for n := range DefaultPorts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := s.addr(n)
		if _, p, _ := net.SplitHostPort(a); p == "0" {
			continue
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			busy = append(busy, fmt.Sprintf("%s (%s)", a, n))
			continue
		}
		ln.Close()
	}
	if len(busy) > 0 {
		return fmt.Errorf("ports in use: %v — is another emulator suite running?", busy)
	}
	return nil
}

// Env is what a client needs to reach the suite: the standard emulator
// variables of Google's client libraries and the project id.
func (s *Suite) Env() []string {
	env := []string{
		"GOOGLE_CLOUD_PROJECT=" + s.opts.Project,
		"GCLOUD_PROJECT=" + s.opts.Project,
		"FUNCTION_REGION=" + s.opts.Region,
		config.EnvHubHost + "=" + s.Hub.Addr,
		config.EnvFirestoreHost + "=" + s.Firestore.Addr,
		config.EnvPubSubHost + "=" + s.PubSub.Addr,
		config.EnvAuthHost + "=" + s.Auth.Addr,
		config.EnvStorageHost + "=http://" + s.Storage.Addr,
		config.EnvFirebaseStorage + "=" + s.Storage.Addr,
		config.EnvBigQueryHost + "=" + s.BigQuery.Addr,
		config.EnvVertexHost + "=" + s.Vertex.Addr,
		dns.EnvHost + "=" + s.DNS.Addr,
	}
	if s.Eventarc != nil {
		env = append(env, config.EnvEventarcHost+"="+s.Eventarc.Addr)
	}
	return env
}

// FunctionEnv is Env plus the local URL-signing identity.
func (s *Suite) FunctionEnv() []string {
	return append(s.Env(), "SIGNER_EMAIL="+SignerEmail, "SIGNER_PRIVATE_KEY="+s.signerKeyPEM)
}

// Project is the suite's project id.
func (s *Suite) Project() string { return s.opts.Project }

type dirExporter interface {
	Export(dir string) error
	Import(dir string) error
}

func exporterOf(v any) hub.Exporter {
	e, ok := v.(dirExporter)
	if !ok {
		return nil
	}
	return func(_ context.Context, dir string) error { return e.Export(dir) }
}

func (s *Suite) importFrom(dir string) error {
	meta, err := hub.ReadExportMetadata(dir)
	if err != nil {
		return fmt.Errorf("import %s: %w", dir, err)
	}
	targets := map[string]any{Firestore: s.Firestore, Auth: s.Auth, Storage: s.Storage, BigQuery: s.BigQuery}
	for name, sub := range meta.Emulators {
		t, ok := targets[name].(dirExporter)
		if !ok {
			slog.Warn("import: emulator cannot import; skipped", "emulator", name)
			continue
		}
		if err := t.Import(filepath.Join(dir, sub)); err != nil {
			return fmt.Errorf("import %s: %w", name, err)
		}
	}
	return nil
}

// Export writes every emulator's state to dir (Firebase's export layout).
func (s *Suite) Export(ctx context.Context, dir string) error { return s.Hub.Export(ctx, dir) }

// Close stops everything in reverse start order.
func (s *Suite) Close() error { return s.closeAll() }

func (s *Suite) closeAll() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	s.closers = nil
	return errors.Join(errs...)
}

// functionsOrigins are the functions emulator's origins, for the page's
// connect-src: the Cloud Run services the page reaches directly run there
// locally (the realtime gateway over ws://, the coach's streamed answers
// over http://), where the deployed policy allows wss: and
// https://*.run.app.
func functionsOrigins(f *functions.Server) []string {
	if f == nil {
		return nil
	}
	return []string{"http://" + f.Addr, "ws://" + f.Addr}
}

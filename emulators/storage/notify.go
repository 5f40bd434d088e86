package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// GCS notification event types (the eventType attribute).
const (
	EventFinalize       = "OBJECT_FINALIZE"
	EventDelete         = "OBJECT_DELETE"
	EventMetadataUpdate = "OBJECT_METADATA_UPDATE"
	EventArchive        = "OBJECT_ARCHIVE"
)

const (
	payloadFormat  = "JSON_API_V1"
	queueSize      = 1024
	publishTimeout = 10 * time.Second
	// maxCapture bounds how much of a write response is kept to read the
	// object resource from; object resources are small.
	maxCapture = 1 << 20
)

// objectResource is the JSON API v1 object resource, the payload of a
// JSON_API_V1 notification.
type objectResource struct {
	Kind                    string            `json:"kind"`
	ID                      string            `json:"id"`
	SelfLink                string            `json:"selfLink"`
	MediaLink               string            `json:"mediaLink,omitempty"`
	Name                    string            `json:"name"`
	Bucket                  string            `json:"bucket"`
	Generation              string            `json:"generation"`
	Metageneration          string            `json:"metageneration"`
	ContentType             string            `json:"contentType,omitempty"`
	ContentEncoding         string            `json:"contentEncoding,omitempty"`
	ContentDisposition      string            `json:"contentDisposition,omitempty"`
	ContentLanguage         string            `json:"contentLanguage,omitempty"`
	CacheControl            string            `json:"cacheControl,omitempty"`
	StorageClass            string            `json:"storageClass"`
	Size                    string            `json:"size"`
	MD5Hash                 string            `json:"md5Hash,omitempty"`
	CRC32C                  string            `json:"crc32c,omitempty"`
	ETag                    string            `json:"etag,omitempty"`
	TimeCreated             string            `json:"timeCreated,omitempty"`
	Updated                 string            `json:"updated,omitempty"`
	TimeStorageClassUpdated string            `json:"timeStorageClassUpdated,omitempty"`
	CustomTime              string            `json:"customTime,omitempty"`
	Metadata                map[string]string `json:"metadata,omitempty"`
}

// normalize fills the fields GCS always sets, with links to baseURL.
func (o *objectResource) normalize(baseURL string) {
	o.Kind = "storage#object"
	if o.Generation == "" {
		o.Generation = "0"
	}
	if o.Metageneration == "" {
		o.Metageneration = "1"
	}
	if o.StorageClass == "" {
		o.StorageClass = "STANDARD"
	}
	if o.Size == "" {
		o.Size = "0"
	}
	o.ID = o.Bucket + "/" + o.Name + "/" + o.Generation
	o.SelfLink = fmt.Sprintf("%s/storage/v1/b/%s/o/%s", baseURL, url.PathEscape(o.Bucket), url.PathEscape(o.Name))
	o.MediaLink = fmt.Sprintf("%s/download/storage/v1/b/%s/o/%s?generation=%s&alt=media", baseURL, url.PathEscape(o.Bucket), url.PathEscape(o.Name), o.Generation)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// resourceFromAttrs converts the fake's attributes to the resource.
func resourceFromAttrs(a fakestorage.ObjectAttrs, baseURL string) objectResource {
	o := objectResource{
		Name:               a.Name,
		Bucket:             a.BucketName,
		Generation:         strconv.FormatInt(a.Generation, 10),
		ContentType:        a.ContentType,
		ContentEncoding:    a.ContentEncoding,
		ContentDisposition: a.ContentDisposition,
		ContentLanguage:    a.ContentLanguage,
		CacheControl:       a.CacheControl,
		StorageClass:       a.StorageClass,
		Size:               strconv.FormatInt(a.Size, 10),
		MD5Hash:            a.Md5Hash,
		CRC32C:             a.Crc32c,
		ETag:               a.Etag,
		TimeCreated:        formatTime(a.Created),
		Updated:            formatTime(a.Updated),
		CustomTime:         formatTime(a.CustomTime),
		Metadata:           a.Metadata,
	}
	o.TimeStorageClassUpdated = o.Updated
	o.normalize(baseURL)
	return o
}

// notification is one message to publish.
type notification struct {
	data  []byte
	attrs map[string]string
}

// buildNotification renders an event in GCS's Pub/Sub notification format.
func buildNotification(eventType string, o objectResource, at time.Time, extra map[string]string) (notification, error) {
	data, err := json.Marshal(o)
	if err != nil {
		return notification{}, err
	}
	attrs := map[string]string{
		"notificationConfig": "projects/_/buckets/" + o.Bucket + "/notificationConfigs/1",
		"eventType":          eventType,
		"payloadFormat":      payloadFormat,
		"bucketId":           o.Bucket,
		"objectId":           o.Name,
		"objectGeneration":   o.Generation,
		"eventTime":          at.UTC().Format(time.RFC3339Nano),
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return notification{data: data, attrs: attrs}, nil
}

// sink receives notifications; the Pub/Sub publisher in production use.
type sink interface {
	publish(ctx context.Context, n notification) error
	close() error
}

// eventHook observes object writes at the HTTP layer and publishes their
// notifications in order through one worker.
type eventHook struct {
	srv  *Server
	sink sink

	mu     sync.Mutex
	closed bool
	queue  chan notification
	done   chan struct{}
	// live is the last known current generation of each object, used to
	// announce the generation an upload overwrote.
	live map[string]objectResource
}

func newEventHook(srv *Server, sk sink) *eventHook {
	h := &eventHook{
		srv:   srv,
		sink:  sk,
		queue: make(chan notification, queueSize),
		done:  make(chan struct{}),
		live:  map[string]objectResource{},
	}
	go h.run()
	return h
}

func (h *eventHook) run() {
	defer close(h.done)
	for n := range h.queue {
		ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
		if err := h.sink.publish(ctx, n); err != nil {
			slog.Warn("storage emulator: publishing notification failed",
				"eventType", n.attrs["eventType"], "bucket", n.attrs["bucketId"], "err", err)
		}
		cancel()
	}
}

func (h *eventHook) close(ctx context.Context) error {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.queue)
	}
	h.mu.Unlock()
	var err error
	select {
	case <-h.done:
	case <-ctx.Done():
		err = errors.New("storage emulator: pending notifications not flushed")
	}
	return errors.Join(err, h.sink.close())
}

func liveKey(bucket, name string) string { return bucket + "\x00" + name }

// emit queues an event; it never blocks the request.
func (h *eventHook) emit(eventType string, o objectResource, extra map[string]string) {
	n, err := buildNotification(eventType, o, h.srv.now(), extra)
	if err != nil {
		slog.Warn("storage emulator: building notification failed", "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	select {
	case h.queue <- n:
	default:
		slog.Warn("storage emulator: notification queue full, event dropped", "eventType", eventType, "bucket", o.Bucket)
	}
}

// finalized announces a new generation, and the one it replaced.
func (h *eventHook) finalized(o objectResource) {
	key := liveKey(o.Bucket, o.Name)
	h.mu.Lock()
	old, had := h.live[key]
	h.live[key] = o
	h.mu.Unlock()
	var extra map[string]string
	if had && old.Generation != o.Generation {
		replaced := EventDelete
		if h.versioned(o.Bucket) {
			replaced = EventArchive
		}
		h.emit(replaced, old, map[string]string{"overwrittenByGeneration": o.Generation})
		extra = map[string]string{"overwroteGeneration": old.Generation}
	}
	h.emit(EventFinalize, o, extra)
}

func (h *eventHook) metadataUpdated(o objectResource) {
	h.mu.Lock()
	h.live[liveKey(o.Bucket, o.Name)] = o
	h.mu.Unlock()
	h.emit(EventMetadataUpdate, o, nil)
}

func (h *eventHook) deleted(o objectResource, archived bool) {
	key := liveKey(o.Bucket, o.Name)
	h.mu.Lock()
	if cur, ok := h.live[key]; ok && cur.Generation == o.Generation {
		delete(h.live, key)
	}
	h.mu.Unlock()
	if archived {
		h.emit(EventArchive, o, nil)
		return
	}
	h.emit(EventDelete, o, nil)
}

// remember records an object as live without announcing it (Import).
func (h *eventHook) remember(o objectResource) {
	h.mu.Lock()
	h.live[liveKey(o.Bucket, o.Name)] = o
	h.mu.Unlock()
}

func (h *eventHook) versioned(bucket string) bool {
	b, err := h.srv.fake.Backend().GetBucket(bucket)
	return err == nil && b.VersioningEnabled
}

// captureWriter passes a response through and keeps a bounded copy.
type captureWriter struct {
	http.ResponseWriter
	status   int
	buf      bytes.Buffer
	overflow bool
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if !c.overflow {
		if c.buf.Len()+len(p) > maxCapture {
			c.overflow = true
			c.buf.Reset()
		} else {
			c.buf.Write(p)
		}
	}
	return c.ResponseWriter.Write(p)
}

var aclPath = regexp.MustCompile(`/acl(/[^/]+)?$`)

// objectTarget parses the bucket and object a JSON or XML API object
// request addresses; ok is false for other requests.
func objectTarget(r *http.Request) (bucket, object string, ok bool) {
	p := r.URL.EscapedPath()
	if rest, found := strings.CutPrefix(p, "/storage/v1/b/"); found {
		b, o, found := strings.Cut(rest, "/o/")
		if !found || o == "" || strings.Contains(b, "/") || aclPath.MatchString(o) {
			return "", "", false
		}
		return unescape(b), unescape(o), true
	}
	rest := strings.TrimPrefix(p, "/")
	b, o, found := strings.Cut(rest, "/")
	if !found || o == "" {
		return "", "", false
	}
	switch b {
	case "storage", "upload", "download", "batch", "_internal":
		return "", "", false
	}
	return unescape(b), unescape(o), true
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// isMetadataWrite reports whether a successful object response came from a
// metadata update (objects.patch / objects.update) rather than a new
// generation (upload, compose, copy).
func isMetadataWrite(r *http.Request) bool {
	if r.Method == http.MethodPatch || r.Header.Get("X-HTTP-Method-Override") == http.MethodPatch {
		return true
	}
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		return false
	}
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, "/storage/v1/b/") || !strings.Contains(p, "/o/") {
		return false
	}
	return !strings.HasSuffix(p, "/compose") && !strings.Contains(p, "/copyTo/") && !strings.Contains(p, "/rewriteTo/")
}

// wrap observes mutating requests passed to next.
func (h *eventHook) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			cw := &captureWriter{ResponseWriter: w}
			next.ServeHTTP(cw, r)
			if cw.status >= 200 && cw.status < 300 && !cw.overflow {
				h.afterWrite(r, cw.buf.Bytes())
			}
		case http.MethodDelete:
			pre, archived, ok := h.beforeDelete(r)
			cw := &captureWriter{ResponseWriter: w}
			next.ServeHTTP(cw, r)
			if ok && cw.status >= 200 && cw.status < 300 {
				h.deleted(pre, archived)
			}
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// beforeDelete reads the object a delete is about to remove.
func (h *eventHook) beforeDelete(r *http.Request) (o objectResource, archived, ok bool) {
	bucket, name, ok := objectTarget(r)
	if !ok {
		return o, false, false
	}
	var (
		obj fakestorage.StreamingObject
		err error
	)
	gen := r.URL.Query().Get("generation")
	if gen != "" {
		g, perr := strconv.ParseInt(gen, 10, 64)
		if perr != nil {
			return o, false, false
		}
		obj, err = h.srv.fake.GetObjectWithGenerationStreaming(bucket, name, g)
	} else {
		obj, err = h.srv.fake.GetObjectStreaming(bucket, name)
	}
	if err != nil {
		return o, false, false
	}
	obj.Close()
	return resourceFromAttrs(obj.ObjectAttrs, h.srv.URL()), gen == "" && h.versioned(bucket), true
}

// afterWrite classifies a successful write by its response.
func (h *eventHook) afterWrite(r *http.Request, body []byte) {
	if isMetadataWrite(r) {
		// patch/update answer in the fake's own shape (no kind, other time
		// fields): read the object as it now is instead.
		bucket, name, ok := objectTarget(r)
		if !ok {
			return
		}
		obj, err := h.srv.fake.GetObjectStreaming(bucket, name)
		if err != nil {
			return
		}
		obj.Close()
		h.metadataUpdated(resourceFromAttrs(obj.ObjectAttrs, h.srv.URL()))
		return
	}
	var head struct {
		Kind     string          `json:"kind"`
		Done     bool            `json:"done"`
		Resource json.RawMessage `json:"resource"`
	}
	if len(body) == 0 || json.Unmarshal(body, &head) != nil {
		return
	}
	switch head.Kind {
	case "storage#object":
		var o objectResource
		// A resumable upload's start and its intermediate chunks answer with
		// an uncommitted object of generation 0: nothing happened yet.
		if json.Unmarshal(body, &o) != nil || o.Generation == "" || o.Generation == "0" || o.Name == "" {
			return
		}
		o.normalize(h.srv.URL())
		h.finalized(o)
	case "storage#rewriteResponse":
		var o objectResource
		if !head.Done || json.Unmarshal(head.Resource, &o) != nil || o.Name == "" || o.Generation == "" {
			return
		}
		o.normalize(h.srv.URL())
		h.finalized(o)
	}
}

// splitTopic checks a full topic name and returns its project and id.
func splitTopic(topic string) (project, id string, err error) {
	parts := strings.Split(topic, "/")
	if len(parts) != 4 || parts[0] != "projects" || parts[2] != "topics" || parts[1] == "" || parts[3] == "" {
		return "", "", fmt.Errorf("storage emulator: notification topic %q is not projects/{project}/topics/{topic}", topic)
	}
	return parts[1], parts[3], nil
}

// pubsubSink publishes to the Pub/Sub emulator with the official client.
type pubsubSink struct {
	client *pubsub.Client
	pub    *pubsub.Publisher
	topic  string
	ready  bool // topic known to exist; only touched by the worker
}

func newPublisher(host, topic string) (*pubsubSink, error) {
	project, _, err := splitTopic(topic)
	if err != nil {
		return nil, err
	}
	// Dialing is lazy: the Pub/Sub emulator may start after us.
	client, err := pubsub.NewClient(context.Background(), project,
		option.WithEndpoint(host),
		option.WithoutAuthentication(),
		option.WithTelemetryDisabled(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	)
	if err != nil {
		return nil, fmt.Errorf("storage emulator: pubsub client: %w", err)
	}
	pub := client.Publisher(topic)
	pub.PublishSettings.DelayThreshold = time.Millisecond
	return &pubsubSink{client: client, pub: pub, topic: topic}, nil
}

func (p *pubsubSink) publish(ctx context.Context, n notification) error {
	if !p.ready {
		_, err := p.client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: p.topic})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("creating topic: %w", err)
		}
		p.ready = true
	}
	_, err := p.pub.Publish(ctx, &pubsub.Message{Data: n.data, Attributes: n.attrs}).Get(ctx)
	return err
}

func (p *pubsubSink) close() error {
	p.pub.Stop()
	return p.client.Close()
}

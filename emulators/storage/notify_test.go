package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	gcs "cloud.google.com/go/storage"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

const (
	testProject = "demo-poy"
	testTopic   = "projects/demo-poy/topics/storage-events"
	testSub     = "projects/demo-poy/subscriptions/storage-events-test"
)

// startPubSub runs pstest with a subscription on the notification topic.
func startPubSub(t *testing.T) (*pstest.Server, *pubsub.Client) {
	t.Helper()
	ps := pstest.NewServer()
	t.Cleanup(func() { ps.Close() })
	conn, err := grpc.NewClient(ps.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	client, err := pubsub.NewClient(context.Background(), testProject, option.WithGRPCConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	ctx := context.Background()
	if _, err := client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: testTopic}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: testSub, Topic: testTopic}); err != nil {
		t.Fatal(err)
	}
	return ps, client
}

type received struct {
	attrs map[string]string
	data  []byte
}

// receive pulls from the test subscription until want messages arrived or
// a generous deadline passed.
func receive(t *testing.T, client *pubsub.Client, want int) []received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var (
		mu  sync.Mutex
		got []received
	)
	err := client.Subscriber(testSub).Receive(ctx, func(_ context.Context, m *pubsub.Message) {
		m.Ack()
		mu.Lock()
		defer mu.Unlock()
		got = append(got, received{attrs: m.Attributes, data: m.Data})
		if len(got) >= want {
			cancel()
		}
	})
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) < want {
		for _, g := range got {
			t.Logf("got %v", g.attrs)
		}
		t.Fatalf("received %d notifications, want %d", len(got), want)
	}
	return got
}

func TestNotificationsReachPubSub(t *testing.T) {
	t.Parallel()
	ps, psClient := startPubSub(t)
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	srv := startServer(t, Options{
		Now:               func() time.Time { return at },
		PubSubHost:        ps.Addr,
		NotificationTopic: testTopic,
	})
	ctx := context.Background()
	c := newClient(t, srv)
	bucket := c.Bucket("demo-poy-media")
	if err := bucket.Create(ctx, testProject, nil); err != nil {
		t.Fatal(err)
	}
	obj := bucket.Object("users/u1/photo.jpg")
	first := writeObject(t, obj, "v1", "image/jpeg", map[string]string{"k": "v"})
	if _, err := obj.Update(ctx, gcs.ObjectAttrsToUpdate{Metadata: map[string]string{"k": "v2"}}); err != nil {
		t.Fatal(err)
	}
	second := writeObject(t, obj, "version two", "image/jpeg", nil)
	if err := obj.Delete(ctx); err != nil {
		t.Fatal(err)
	}

	msgs := receive(t, psClient, 5)
	byKey := map[string]received{}
	for _, m := range msgs {
		byKey[m.attrs["eventType"]+"/"+m.attrs["objectGeneration"]] = m
	}
	g1, g2 := fmt.Sprint(first.Generation), fmt.Sprint(second.Generation)
	wantEvents := []struct {
		key   string
		extra map[string]string
		size  string
	}{
		{EventFinalize + "/" + g1, nil, "2"},
		{EventMetadataUpdate + "/" + g1, nil, "2"},
		{EventDelete + "/" + g1, map[string]string{"overwrittenByGeneration": g2}, "2"},
		{EventFinalize + "/" + g2, map[string]string{"overwroteGeneration": g1}, "11"},
		{EventDelete + "/" + g2, nil, "11"},
	}
	for _, w := range wantEvents {
		m, ok := byKey[w.key]
		if !ok {
			t.Errorf("missing %s; got %v", w.key, keys(byKey))
			continue
		}
		gen := strings.SplitN(w.key, "/", 2)[1]
		wantAttrs := map[string]string{
			"notificationConfig": "projects/_/buckets/demo-poy-media/notificationConfigs/1",
			"payloadFormat":      "JSON_API_V1",
			"bucketId":           "demo-poy-media",
			"objectId":           "users/u1/photo.jpg",
			"objectGeneration":   gen,
			"eventTime":          "2025-03-04T05:06:07Z",
		}
		for k, v := range w.extra {
			wantAttrs[k] = v
		}
		for k, v := range wantAttrs {
			if m.attrs[k] != v {
				t.Errorf("%s attribute %s = %q, want %q", w.key, k, m.attrs[k], v)
			}
		}
		var payload map[string]any
		if err := json.Unmarshal(m.data, &payload); err != nil {
			t.Fatalf("%s payload: %v", w.key, err)
		}
		for k, v := range map[string]any{
			"kind":       "storage#object",
			"id":         "demo-poy-media/users/u1/photo.jpg/" + gen,
			"name":       "users/u1/photo.jpg",
			"bucket":     "demo-poy-media",
			"generation": gen,
			"size":       w.size,
		} {
			if payload[k] != v {
				t.Errorf("%s payload %s = %v, want %v", w.key, k, payload[k], v)
			}
		}
		for _, k := range []string{"selfLink", "metageneration", "contentType", "md5Hash", "crc32c", "timeCreated", "updated"} {
			if s, _ := payload[k].(string); s == "" {
				t.Errorf("%s payload lacks %s: %s", w.key, k, m.data)
			}
		}
	}
	if m := byKey[EventMetadataUpdate+"/"+g1]; !strings.Contains(string(m.data), `"k":"v2"`) {
		t.Errorf("metadata update payload = %s", m.data)
	}
}

func TestSignedUploadNotifies(t *testing.T) {
	t.Parallel()
	ps, psClient := startPubSub(t)
	srv := startServer(t, Options{PubSubHost: ps.Addr, NotificationTopic: testTopic})
	if err := newClient(t, srv).Bucket("demo-poy-media").Create(context.Background(), testProject, nil); err != nil {
		t.Fatal(err)
	}
	_, keyPEM := newKey(t)
	u, err := gcs.SignedURL("demo-poy-media", "uploads/a.png", &gcs.SignedURLOptions{
		Scheme: gcs.SigningSchemeV4, Method: http.MethodPut, ContentType: "image/png",
		Expires: time.Now().Add(time.Minute), GoogleAccessID: signerEmail, PrivateKey: keyPEM,
		Hostname: srv.URL(), Insecure: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader("png"))
	req.Header.Set("Content-Type", "image/png")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signed PUT = %d", resp.StatusCode)
	}
	m := receive(t, psClient, 1)[0]
	if m.attrs["eventType"] != EventFinalize || m.attrs["objectId"] != "uploads/a.png" {
		t.Errorf("attributes = %v", m.attrs)
	}
	if !strings.Contains(string(m.data), `"contentType":"image/png"`) {
		t.Errorf("payload = %s", m.data)
	}
}

func keys(m map[string]received) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

package eventarc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	gfs "cloud.google.com/go/firestore"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/shared/firestoreevent"
	"pointsofyou.ai/studio/shared/topology"
)

// The end-to-end test runs a real functions-framework-go server in a child
// process (the framework's registry is process-global), pointed at the
// in-process Firestore emulator like a deployed function.
const (
	helperEnv     = "EVENTARC_TEST_FUNCTION_PORT"
	helperPattern = "orgs/{org}/sessions/{id}"
)

// TestFunctionsFrameworkHelper is the child process; it does nothing in a
// normal test run.
func TestFunctionsFrameworkHelper(t *testing.T) {
	port := os.Getenv(helperEnv)
	if port == "" {
		t.Skip("helper process for TestFirestoreEventThroughFunctionsFramework")
	}
	client, err := gfs.NewClient(context.Background(), os.Getenv("GOOGLE_CLOUD_PROJECT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "firestore client:", err)
		os.Exit(2)
	}
	functions.CloudEvent("OnSession", func(ctx context.Context, e cloudevents.Event) error {
		ev, err := firestoreevent.Decode(e)
		if err != nil {
			return nil // poison: no retry
		}
		params, ok := ev.Params(helperPattern)
		if !ok {
			return nil
		}
		title := ev.Data.Value.GetFields()["title"].GetStringValue()
		if title == "flaky" {
			// Fail the first attempt only; the retry carries the same id.
			_, err := client.Collection("attempts").Doc(ev.ID).Create(ctx, map[string]any{"n": 1})
			if err == nil {
				return errors.New("first attempt fails")
			}
			if status.Code(err) != codes.AlreadyExists {
				return err
			}
		}
		_, err = client.Collection("audit").Doc(ev.ID).Set(ctx, map[string]any{
			"kind": ev.Data.Kind(), "org": params["org"], "id": params["id"],
			"title": title, "document": ev.Document, "type": ev.Type,
		})
		return err
	})
	if err := funcframework.StartHostPort("127.0.0.1", port); err != nil {
		fmt.Fprintln(os.Stderr, "funcframework:", err)
		os.Exit(2)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func TestFirestoreEventThroughFunctionsFramework(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a child process")
	}
	fs, err := firestore.NewServer(firestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.Close() })

	port := freePort(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFunctionsFrameworkHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+port, "FUNCTION_TARGET=OnSession",
		"FIRESTORE_EMULATOR_HOST="+fs.Addr, "GOOGLE_CLOUD_PROJECT="+testProject)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := "http://127.0.0.1:" + port + "/"
	waitFor(t, "the function to listen", func() bool {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	topo := &topology.Topology{Functions: []topology.Function{
		firestoreFn("on-session", helperPattern, topology.FirestoreWritten, "", true),
	}}
	src, err := NewFirestoreSource(FirestoreOptions{Project: testProject, Topology: topo, Feed: fs})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(Options{
		Project: testProject, Topology: topo, Sources: []Source{src},
		FunctionURL: func(string) string { return url },
		MinBackoff:  20 * time.Millisecond, MaxBackoff: 80 * time.Millisecond,
		HTTPClient: &http.Client{},
	})
	if err != nil {
		src.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client, err := gfs.NewClient(ctx, testProject, clientOpts(fs)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })

	if _, err := client.Doc("orgs/o7/sessions/s9").Set(ctx, map[string]any{"title": "hello"}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Doc("orgs/o7/sessions/s10").Set(ctx, map[string]any{"title": "flaky"}); err != nil {
		t.Fatal(err)
	}
	var audits map[string]map[string]any
	waitFor(t, "the function's audit records", func() bool {
		docs, err := client.Collection("audit").Documents(ctx).GetAll()
		if err != nil || len(docs) < 2 {
			return false
		}
		audits = map[string]map[string]any{}
		for _, d := range docs {
			audits[d.Ref.ID] = d.Data()
		}
		return true
	})
	byID := map[string]map[string]any{}
	for _, a := range audits {
		byID[a["id"].(string)] = a
	}
	for id, title := range map[string]string{"s9": "hello", "s10": "flaky"} {
		a := byID[id]
		if a == nil || a["org"] != "o7" || a["title"] != title || a["kind"] != firestoreevent.Created ||
			a["type"] != firestoreevent.TypeWritten || a["document"] != "orgs/o7/sessions/"+id {
			t.Errorf("audit of %s = %v", id, a)
		}
	}
	waitFor(t, "the recorded retry", func() bool {
		for _, d := range srv.Deliveries() {
			if d.Subject == "documents/orgs/o7/sessions/s10" && d.OK() {
				return true
			}
		}
		return false
	})
	var flakyAttempts int
	for _, d := range srv.Deliveries() {
		if d.Subject == "documents/orgs/o7/sessions/s10" {
			flakyAttempts++
			if _, ok := audits[d.EventID]; !ok {
				t.Errorf("attempt with id %s, which the function did not record", d.EventID)
			}
		}
	}
	if flakyAttempts != 2 {
		t.Errorf("flaky event attempts = %d, want 2 (one failure, one retry)", flakyAttempts)
	}
}

package media

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/google/uuid"
)

const helperEnv = "MEDIA_TEST_FRAMEWORK_CHILD"

// serveFramework runs in a child test process: the framework serves the
// functions registered by init(), configured only from the environment,
// exactly as on Cloud Functions.
func serveFramework() {
	err := funcframework.StartHostPort("127.0.0.1", os.Getenv("PORT"))
	fmt.Fprintln(os.Stderr, "framework stopped:", err)
	os.Exit(3)
}

// postBinaryEvent sends a binary-mode CloudEvent the way Eventarc does.
func postBinaryEvent(t *testing.T, url, id, bucket, name string, gen int64) *http.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"bucket": bucket, "name": name, "contentType": "image/jpeg",
		"size": "1", "generation": strconv.FormatInt(gen, 10),
	})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("ce-specversion", "1.0")
	req.Header.Set("ce-id", id)
	req.Header.Set("ce-type", EventFinalized)
	req.Header.Set("ce-source", "//storage.googleapis.com/projects/_/buckets/"+bucket)
	req.Header.Set("ce-subject", "objects/"+name)
	req.Header.Set("ce-time", time.Now().UTC().Format(time.RFC3339Nano))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestCloudEventHTTPWrapping delivers binary-mode CloudEvents through the
// same cloudevents HTTP receiver the framework wraps handlers in.
func TestCloudEventHTTPWrapping(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p, err := cloudevents.NewHTTP()
	if err != nil {
		t.Fatal(err)
	}
	h, err := cloudevents.NewHTTPReceiveHandler(context.Background(), p, e.renditions())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	id := uuid.NewString()
	name := originalName(orgA, id)
	gen := e.put(name, "image/jpeg", jpegBytes(t, 640, 480))
	if resp := postBinaryEvent(t, srv.URL, "ev-bin", testBucket, name, gen); resp.StatusCode/100 != 2 {
		t.Fatalf("delivery answered %d", resp.StatusCode)
	}
	if w, h, _ := imageSize(t, e.read(renditionName(orgA, id, 256, "jpg"))); w != 256 || h != 192 {
		t.Errorf("w256 is %dx%d", w, h)
	}

	// A handler error must reach the sender as a failure (so it retries).
	down, err := cloudevents.NewHTTPReceiveHandler(context.Background(), p,
		func(context.Context, cloudevents.Event) error { return fmt.Errorf("storage down") })
	if err != nil {
		t.Fatal(err)
	}
	srvDown := httptest.NewServer(down)
	t.Cleanup(srvDown.Close)
	if resp := postBinaryEvent(t, srvDown.URL, "ev-x", testBucket, name, gen); resp.StatusCode/100 == 2 {
		t.Errorf("failing handler answered %d", resp.StatusCode)
	}
}

// TestFunctionsFramework starts the package's registered entry points with
// funcframework in child processes, configured from env only, against an
// in-process fake-gcs-server, and walks an upload end to end.
func TestFunctionsFramework(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	t.Parallel()
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", PublicHost: "127.0.0.1",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gcs.Stop)
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: testBucket})

	// In emulator mode the Admin SDK checks revocation with accounts:lookup;
	// this stands in for the Auth emulator.
	idt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/accounts:lookup") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"kind":"identitytoolkit#GetAccountInfoResponse","users":[{"localId":"uid-alice","validSince":"0"}]}`)
	}))
	t.Cleanup(idt.Close)

	env := []string{
		"GOOGLE_CLOUD_PROJECT=demo-test",
		"MEDIA_BUCKET=" + testBucket,
		"STORAGE_EMULATOR_HOST=" + gcs.URL(),
		"FIREBASE_AUTH_EMULATOR_HOST=" + strings.TrimPrefix(idt.URL, "http://"),
		"SIGNER_EMAIL=" + testEmail,
		"SIGNER_PRIVATE_KEY=" + string(testKeyPEM()),
	}
	api := startChild(t, EntryHTTP, env)
	events := startChild(t, EntryRenditions, env)

	// Upload URL through the framework and the real Admin SDK verifier.
	req, _ := http.NewRequest(http.MethodPost, api+"/api/media/v1/uploads",
		strings.NewReader(`{"content_type":"image/jpeg","size":50000}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+emulatorToken(t, "demo-test", "uid-alice", orgA))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST uploads = %d %s", resp.StatusCode, b)
	}
	var up UploadResponse
	if err := json.Unmarshal(b, &up); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(up.UploadURL, gcs.URL()+"/"+testBucket+"/") {
		t.Errorf("upload url %q does not point at the storage emulator %s", up.UploadURL, gcs.URL())
	}

	// The client PUTs the bytes to the signed URL.
	put, _ := http.NewRequest(up.Method, up.UploadURL, bytes.NewReader(jpegBytes(t, 1024, 768)))
	for k, v := range up.Headers {
		put.Header.Set(k, v)
	}
	presp, err := http.DefaultClient.Do(put)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	if presp.StatusCode/100 != 2 {
		t.Fatalf("PUT signed url = %d", presp.StatusCode)
	}
	obj, err := gcs.GetObject(testBucket, up.Object)
	if err != nil {
		t.Fatalf("uploaded object: %v", err)
	}

	// Eventarc's delivery of the finalize event.
	if resp := postBinaryEvent(t, events, "ev-fw", testBucket, up.Object, obj.Generation); resp.StatusCode/100 != 2 {
		t.Fatalf("event delivery = %d", resp.StatusCode)
	}
	for _, bound := range renditionWidths {
		if _, err := gcs.GetObject(testBucket, renditionName(orgA, up.ID, bound, "jpg")); err != nil {
			t.Errorf("rendition w%d: %v", bound, err)
		}
	}

	// The status as the API reports it.
	get, _ := http.NewRequest(http.MethodGet, api+"/v1/media/"+up.ID, nil)
	get.Header.Set("Authorization", "Bearer "+emulatorToken(t, "demo-test", "uid-alice", orgA))
	gresp, err := http.DefaultClient.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	defer gresp.Body.Close()
	var v MediaView
	if err := json.NewDecoder(gresp.Body).Decode(&v); err != nil || v.Status != StatusReady || len(v.Renditions) != 2 {
		t.Errorf("GET media = %d %+v %v", gresp.StatusCode, v, err)
	}
}

// startChild runs this test binary as a functions-framework server for
// target and waits until it answers; the child is killed at cleanup.
func startChild(t *testing.T, target string, env []string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, helperEnv+"=1", "FUNCTION_TARGET="+target, "PORT="+port)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s child stderr:\n%s", target, stderr.String())
		}
	})
	base := "http://127.0.0.1:" + port
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Any HTTP answer means the framework is serving.
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if target == EntryHTTP && resp.StatusCode != http.StatusOK {
				t.Fatalf("healthz = %d", resp.StatusCode)
			}
			return base
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s child did not start: %v\n%s", target, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// emulatorToken builds an unsigned ID token as the Auth emulator issues it.
func emulatorToken(t *testing.T, project, uid, org string) string {
	t.Helper()
	now := time.Now().Unix()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]any{"alg": "none", "typ": "JWT"}) + "." + enc(map[string]any{
		"iss": "https://securetoken.google.com/" + project, "aud": project,
		"sub": uid, "user_id": uid, "iat": now, "exp": now + 3600, "auth_time": now,
		"org": org, "role": "facilitator",
		"firebase": map[string]any{"sign_in_provider": "password", "identities": map[string]any{}},
	}) + "."
}

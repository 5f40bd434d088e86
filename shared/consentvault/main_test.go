package consentvault

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	fsemu "pointsofyou.ai/studio/emulators/firestore"

	"pointsofyou.ai/studio/emulators/firestore/fstest"
)

const project = "demo-consent"

// One Firestore emulator serves the package; tests keep apart by uid.
var fsClient *firestore.Client

func TestMain(m *testing.M) {
	srv, err := fsemu.NewServer(fsemu.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fsClient, err = firestore.NewClient(context.Background(), project, fstest.ClientOptions(srv.Addr)...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	fsClient.Close()
	srv.Close()
	os.Exit(code)
}

var seq atomic.Int64

func newUID() string { return fmt.Sprintf("uid-%d-%d", seq.Add(1), time.Now().UnixNano()%1e6) }

// publishAll publishes a policy for every purpose (once per package run is
// enough, but repeating only adds versions).
// publishAll publishes every purpose's policy once for the whole package:
// tests run in parallel on one emulator, and a policy published again
// between two decisions of one test would make the second a new decision.
func publishAll(t testing.TB, s *Store) {
	t.Helper()
	published.once.Do(func() {
		for _, p := range Purposes() {
			if _, err := s.PublishPolicy(context.Background(), p, map[string]string{"en": "We use " + string(p) + ".", "de": "Wir nutzen " + string(p) + "."}); err != nil {
				published.err = err
				return
			}
		}
	})
	if published.err != nil {
		t.Fatal(published.err)
	}
}

var published struct {
	once sync.Once
	err  error
}

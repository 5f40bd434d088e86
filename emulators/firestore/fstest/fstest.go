// Package fstest starts the Firestore emulator for one test and hands back
// the official client on it, as pstest does for Pub/Sub: tests get an
// isolated database on a random loopback port that is gone when they end.
package fstest

import (
	"context"
	"testing"

	gfs "cloud.google.com/go/firestore"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/infra"
)

// ClientOptions reach an emulator at addr without credentials.
func ClientOptions(addr string) []option.ClientOption {
	return []option.ClientOption{option.WithEndpoint(addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}
}

// NewClient starts an emulator with opts and returns a client of project
// on it; both are closed when tb ends.
func NewClient(tb testing.TB, project string, opts firestore.Options) *gfs.Client {
	tb.Helper()
	srv, err := firestore.NewServer(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	c, err := gfs.NewClient(context.Background(), project, ClientOptions(srv.Addr)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// DeployedIndexes are the composite indexes of infra/firestore.indexes.json:
// with them the emulator refuses the queries production could not serve.
func DeployedIndexes(tb testing.TB) *firestore.IndexConfig {
	tb.Helper()
	c, err := firestore.ParseIndexConfig(infra.FirestoreIndexes())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

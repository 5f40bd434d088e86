// Package pubsubtest starts the Pub/Sub emulator for one test and hands back
// the official client on it with the topics created, as fstest does for
// Firestore: an isolated emulator on a random loopback port, gone when the
// test ends.
package pubsubtest

import (
	"context"
	"log/slog"
	"testing"

	gps "cloud.google.com/go/pubsub/v2"
	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/emulators/pubsub"
)

// NewClient starts an emulator with opts (quiet unless opts.Logger is set)
// and returns it with a client of project on it, topics created; both are
// closed when tb ends.
func NewClient(tb testing.TB, project string, opts pubsub.Options, topics ...string) (*pubsub.Server, *gps.Client) {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	srv, err := pubsub.NewServer(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	ctx := context.Background()
	c, err := gps.NewClient(ctx, project, fstest.ClientOptions(srv.Addr)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	for _, topic := range topics {
		if _, err := c.TopicAdminClient.CreateTopic(ctx, &pb.Topic{Name: pubsub.TopicName(project, topic)}); err != nil {
			tb.Fatal(err)
		}
	}
	return srv, c
}

package firestore

import (
	"context"
	"io"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

const testProject = "demo-test"

// newTestServer starts an emulator on a random loopback port.
func newTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// newClient connects the official client to srv.
func newClient(t testing.TB, srv *Server, database string) *firestore.Client {
	t.Helper()
	return newClientOf(t, srv, testProject, database)
}

// newClientFor connects the official client to project's default database.
func newClientFor(t testing.TB, srv *Server, project string) *firestore.Client {
	t.Helper()
	return newClientOf(t, srv, project, firestore.DefaultDatabaseID)
}

func newClientOf(t testing.TB, srv *Server, project, database string) *firestore.Client {
	t.Helper()
	ctx := context.Background()
	c, err := firestore.NewClientWithDatabase(ctx, project, database,
		option.WithEndpoint(srv.Addr),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// setup starts a server and returns a client of its default database.
func setup(t testing.TB) (*Server, *firestore.Client) {
	srv := newTestServer(t, Options{})
	return srv, newClient(t, srv, firestore.DefaultDatabaseID)
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rawClient is a plain gRPC client of srv, for requests the official client
// does not make.
func rawClient(t testing.TB, srv *Server) pb.FirestoreClient {
	t.Helper()
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return pb.NewFirestoreClient(conn)
}

func protoUnmarshal(b []byte, m proto.Message) error { return proto.Unmarshal(b, m) }

// runQueryDirect runs a query over a raw connection and collects documents.
func runQueryDirect(ctx context.Context, srv *Server, req *pb.RunQueryRequest) ([]*pb.Document, error) {
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stream, err := pb.NewFirestoreClient(conn).RunQuery(ctx, req)
	if err != nil {
		return nil, err
	}
	var docs []*pb.Document
	for {
		resp, err := stream.Recv()
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if resp.Document != nil {
			docs = append(docs, resp.Document)
		}
	}
}

package consent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	authemu "pointsofyou.ai/studio/emulators/auth"
	bqemu "pointsofyou.ai/studio/emulators/bigquery"
	fsemu "pointsofyou.ai/studio/emulators/firestore"
	stemu "pointsofyou.ai/studio/emulators/storage"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/events"
)

const project = "demo-consent-fn"

var (
	authSrv  *authemu.Server
	fsClient *firestore.Client
	stClient *storage.Client
	bqClient *bigquery.Client
	admin    *fbauth.Client
	verifier *auth.FirebaseVerifier
	pseudo   *events.Pseudonymizer
)

func TestMain(m *testing.M) {
	if !testingVerbose() {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func testingVerbose() bool {
	for _, a := range os.Args {
		if a == "-test.v=true" || a == "-test.v" {
			return true
		}
	}
	return false
}

func run(m *testing.M) (int, error) {
	ctx := context.Background()
	var err error
	if authSrv, err = authemu.NewServer(authemu.Options{ProjectID: project}); err != nil {
		return 0, err
	}
	defer authSrv.Close()
	fs, err := fsemu.NewServer(fsemu.Options{})
	if err != nil {
		return 0, err
	}
	defer fs.Close()
	st, err := stemu.NewServer(stemu.Options{})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	bq, err := bqemu.NewServer(bqemu.Options{Project: project})
	if err != nil {
		return 0, err
	}
	defer bq.Close()
	os.Setenv(config.EnvAuthHost, authSrv.Addr)
	os.Setenv(config.EnvStorageHost, "http://"+st.Addr)
	if fsClient, err = firestore.NewClient(ctx, project, option.WithEndpoint(fs.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))); err != nil {
		return 0, err
	}
	defer fsClient.Close()
	if stClient, err = storage.NewClient(ctx); err != nil {
		return 0, err
	}
	defer stClient.Close()
	for _, b := range []string{"exports", "media", "canvases"} {
		if err := stClient.Bucket(project+"-"+b).Create(ctx, project, nil); err != nil {
			return 0, err
		}
	}
	if bqClient, err = bigquery.NewClient(ctx, project, option.WithEndpoint(bq.Endpoint()), option.WithoutAuthentication()); err != nil {
		return 0, err
	}
	defer bqClient.Close()
	if err := bqClient.Dataset("analytics").Create(ctx, nil); err != nil {
		return 0, err
	}
	if err := bqClient.Dataset("analytics").Table("events").Create(ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{
		{Name: "event_id", Type: bigquery.StringFieldType}, {Name: "org_id", Type: bigquery.StringFieldType},
		{Name: "actor", Type: bigquery.StringFieldType},
	}}); err != nil {
		return 0, err
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: project})
	if err != nil {
		return 0, err
	}
	if admin, err = app.Auth(ctx); err != nil {
		return 0, err
	}
	if verifier, err = auth.NewFirebaseVerifier(ctx, config.Config{Project: project, AuthHost: authSrv.Addr}); err != nil {
		return 0, err
	}
	if pseudo, err = events.PseudonymizerFromEnv(project, func(string) string { return "" }); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

func deps(t *testing.T) Deps {
	return Deps{Outbox: apitest.NewEvents(t, apitest.EventsOptions{}).Outbox(fsClient),
		Verifier: verifier, Firestore: fsClient, Storage: stClient, BigQuery: bqClient, Admin: admin,
		Pseudonyms: pseudo, BucketName: func(n string) string { return project + "-" + n },
		PolicyAdmins: []string{"policy-admin"}, Signer: signerForTests(),
	}
}

package apitest

import (
	"context"
	"errors"
	"os"

	"cloud.google.com/go/firestore"
	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"

	authemu "pointsofyou.ai/studio/emulators/auth"
	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/shared/config"
)

// Suite is the Auth and Firestore emulators one package's tests share,
// with the clients that reach them.
type Suite struct {
	Auth      *authemu.Server
	Firestore *firestore.Client
	Admin     *fbauth.Client

	fs *fsemu.Server
}

// StartSuite starts an Auth emulator for project and a Firestore emulator
// with opts, and points the Admin SDK at the former through the
// environment (FIREBASE_AUTH_EMULATOR_HOST is the only way it is told).
// Close stops both.
func StartSuite(ctx context.Context, project string, opts fsemu.Options) (_ *Suite, err error) {
	s := &Suite{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.Auth, err = authemu.NewServer(authemu.Options{ProjectID: project}); err != nil {
		return nil, err
	}
	if s.fs, err = fsemu.NewServer(opts); err != nil {
		return nil, err
	}
	os.Setenv(config.EnvAuthHost, s.Auth.Addr)
	if s.Firestore, err = firestore.NewClient(ctx, project, fstest.ClientOptions(s.fs.Addr)...); err != nil {
		return nil, err
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: project})
	if err != nil {
		return nil, err
	}
	if s.Admin, err = app.Auth(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops the emulators and the Firestore client.
func (s *Suite) Close() error {
	var errs []error
	if s.Firestore != nil {
		errs = append(errs, s.Firestore.Close())
	}
	if s.fs != nil {
		s.fs.Close()
	}
	if s.Auth != nil {
		s.Auth.Close()
	}
	return errors.Join(errs...)
}

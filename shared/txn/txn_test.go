package txn_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"cloud.google.com/go/firestore"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
	"pointsofyou.ai/studio/shared/validate"
)

func TestRunPassesProblemsThroughElse503(t *testing.T) {
	t.Parallel()
	fs := fstest.NewClient(t, "demo-txn", fsemu.Options{})
	ob := outbox.New(fs, outbox.Options{})
	conflict := httpapi.Conflict("stale")
	invalid := &validate.Error{Detail: "bad", Fields: []validate.FieldError{validate.Field("name", "is required")}}
	for name, tc := range map[string]struct {
		err    error
		status int // 0: the callback's error (or the problem it wraps) as it is
	}{
		"ok":        {nil, 0},
		"problem":   {conflict, 0},
		"wrapped":   {errFmt(conflict), 0},
		"invalid":   {invalid, 0},
		"backend":   {errors.New("deadline exceeded"), http.StatusServiceUnavailable},
		"no events": {outbox.ErrNoEvents, http.StatusServiceUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ref := fs.Doc("things/" + name)
			err := txn.Run(context.Background(), ob, func(_ context.Context, tx *firestore.Transaction, _ *outbox.Tx) error {
				if err := tx.Set(ref, map[string]any{"n": 1}); err != nil {
					return err
				}
				return tc.err
			})
			var he *httpapi.Error
			switch {
			case tc.err == nil && err != nil:
				t.Fatalf("Run = %v", err)
			case tc.status != 0 && (!errors.As(err, &he) || he.Status != tc.status):
				t.Fatalf("Run = %v, want status %d", err, tc.status)
			case tc.status == 0 && tc.err != nil && !errors.Is(tc.err, err):
				t.Fatalf("Run = %v, want %v unchanged", err, tc.err)
			}
			_, gerr := ref.Get(context.Background())
			if wrote := gerr == nil; wrote != (tc.err == nil) {
				t.Fatalf("document written: %v, callback error %v", wrote, tc.err)
			}
		})
	}
}

type wrapped struct{ err error }

func (w wrapped) Error() string { return "wrapped: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

func errFmt(err error) error { return wrapped{err} }

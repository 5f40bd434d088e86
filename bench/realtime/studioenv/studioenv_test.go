package studioenv

import (
	"context"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
)

// TestStartAndCheck seeds a suite and checks an op log and element
// documents written as the gateway writes them.
func TestStartAndCheck(t *testing.T) {
	ctx := context.Background()
	e, err := Start(ctx, Options{Users: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if len(e.Users) != 3 {
		t.Fatalf("users = %d", len(e.Users))
	}
	for _, u := range e.Users {
		if u.UID == "" || strings.Count(u.Token, ".") != 2 {
			t.Fatalf("user %+v has no ID token", u)
		}
	}
	fs, err := firestore.NewClient(ctx, e.Project)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	base := "orgs/" + e.Org + "/canvases/" + e.Canvas
	meta, err := fs.Doc(base).Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if shares, _ := meta.Data()["shares"].(map[string]any); len(shares) != 2 {
		t.Fatalf("shares = %v", meta.Data()["shares"])
	}
	if _, err := fs.Doc(base+"/ops/b1").Set(ctx, map[string]any{"instance": "i", "t": time.Now().UnixMilli(),
		"patches": []any{
			map[string]any{"id": "el-000", "props": map[string]any{"x": 1, "y": 0}},
			map[string]any{"id": "el-000", "props": map[string]any{"x": 2.5, "y": 0}},
		}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Doc(base+"/elements/el-000").Set(ctx, map[string]any{"kind": "shape",
		"props": map[string]any{"x": 2.5, "y": 0}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		sent            Sent
		logged, finalOK int
	}{
		{"all there", Sent{Ops: []SentOp{{"el-000", 1, 0}, {"el-000", 2.5, 0}}, Final: map[string][2]float64{"el-000": {2.5, 0}}}, 2, 1},
		{"op missing, stale element", Sent{Ops: []SentOp{{"el-000", 3, 0}}, Final: map[string][2]float64{"el-000": {3, 0}}}, 0, 0},
		{"element never written", Sent{Final: map[string][2]float64{"el-001": {1, 1}}}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := e.Check(ctx, tc.sent, 0)
			if err != nil {
				t.Fatal(err)
			}
			if p.OpsLogged != tc.logged || p.ElementsFinalOK != tc.finalOK || p.OpsSent != len(tc.sent.Ops) {
				t.Fatalf("check = %+v, want logged %d, final ok %d", p, tc.logged, tc.finalOK)
			}
		})
	}
}

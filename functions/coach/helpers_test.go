package coach

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"time"
)

func statusUnavailable() error { return status.Error(codes.Unavailable, "model down") }

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

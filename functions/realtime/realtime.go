// Package realtime is the live gateway (a Cloud Run service): WebSocket
// connections authenticated with Firebase ID tokens, subscribed to
// canvas:{id} and session:{id} channels. Each instance keeps one channel
// per active canvas or session with one set of Firestore listeners, fans
// changes out in memory, and persists every accepted canvas operation.
// The protocol is infra/asyncapi.yaml; the model is shared/canvas.
//
// Decisions:
//   - A canvas channel holds the elements in memory, loaded by the first
//     snapshot of its elements listener. Every patch, from this
//     instance's sockets, the op log (other instances) or element
//     documents, is merged by stamps and only its effective part is
//     delivered: echoes and copies merge to nothing.
//   - An accepted op reaches local subscribers before any write. It then
//     rides the op log (one write in flight per canvas, the rest batched
//     into the next) which other instances listen to, and its element
//     document is written at most once per second, in a transaction that
//     merges by stamps.
//   - Access is decided by canvas.Decide per subscriber, cached as an
//     atomic role, checked before every op and every delivery. It is
//     re-decided when the canvas document changes, at a share's expiry,
//     when the session document or its members change (one listener each
//     per channel rather than one per person, or a re-read timer per
//     person: the cost does not grow with the audience and changes arrive
//     at once), and every few seconds while someone's access rests on the
//     owner's consent. Losing it sends revoked, under the lock deliveries
//     take, so nothing of the channel follows.
//   - A socket's frames wait in a bounded queue drained by its own writer;
//     a full queue drops that socket (bye slow), never the fan-out. The
//     writer runs only while frames wait and writes what queued meanwhile
//     in one write; pings come from a timer. An idle socket so costs one
//     small reader goroutine.
//   - Undo history lives in the instance's memory; a reconnect to another
//     instance starts a new history. One drag gesture is one step.
//   - Each person's recent accepted op ids are kept per canvas, so an op
//     resent after a reconnect is acknowledged again, not applied twice.
//   - An element document another instance wrote waits briefly for that
//     instance's op log entry, which carries the op's identity.
package realtime

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/platform"
)

// EntryHTTP is the entry point, as declared in infra/topology.yaml.
const EntryHTTP = "realtime"

// EnvAllowedOrigins lists the browser origins that may open sockets.
const EnvAllowedOrigins = "ALLOWED_ORIGINS"

// EnvMemoryLimit is Go's soft memory limit (as the runtime reads it).
const EnvMemoryLimit = "GOMEMLIMIT"

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		b := &platform.Build{}
		d := Deps{
			Verifier:  platform.Use(b, p.Verifier),
			Firestore: platform.Use(b, p.Firestore),
			Consent:   platform.Use(b, p.Consent),
			Events:    platform.Use(b, p.Events),
		}
		origins := platform.Use(b, p.EnvOf(EnvAllowedOrigins))
		memLimit := platform.Use(b, p.EnvOf(EnvMemoryLimit))
		if b.Err() != nil {
			return nil, b.Err()
		}
		if err := setSoftMemoryLimit(memLimit); err != nil {
			return nil, err
		}
		d.AllowedOrigins = platform.List(origins)
		// The local suite's site answers on 127.0.0.1 and localhost alike.
		d.LoopbackAliases = p.Config().IsDemo()
		g, err := New(d)
		if err != nil {
			return nil, err
		}
		platform.OnDrain(g.Drain)
		return g, nil
	}))
}

// setSoftMemoryLimit keeps the heap of an instance holding thousands of
// idle sockets within its container: the declared limit (which the
// runtime has already applied when it came from the process's
// environment), else 80% of the cgroup's memory.
func setSoftMemoryLimit(declared string) error {
	if declared != "" {
		n, err := parseByteSize(declared)
		if err != nil {
			return fmt.Errorf("realtime: %s: %w", EnvMemoryLimit, err)
		}
		debug.SetMemoryLimit(n)
		return nil
	}
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return nil
	}
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return nil
	}
	if n, ok := softLimit(string(b)); ok {
		debug.SetMemoryLimit(n)
	}
	return nil
}

// parseByteSize reads a size as GOMEMLIMIT spells it: bytes, or a
// number with B, KiB, MiB, GiB or TiB.
func parseByteSize(size string) (int64, error) {
	s := strings.TrimSpace(size)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size in bytes (e.g. 410MiB)", size)
	}
	return n * mult, nil
}

// softLimit is 80% of a cgroup memory.max value ("max": no limit).
func softLimit(memoryMax string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(memoryMax), 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n / 100 * 80, true
}

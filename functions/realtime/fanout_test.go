package realtime

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/canvas"
)

// TestFanoutLatency measures, in process, the delay from an op's sent_at
// to its receipt by every other client: REALTIME_FANOUT_CLIENTS clients
// (e.g. 50) on one canvas, each moving its own element at
// REALTIME_FANOUT_RATE ops/s for 5 s, on one or two instances
// (REALTIME_FANOUT_INSTANCES). A measurement, skipped unless set.
func TestFanoutLatency(t *testing.T) {
	clients, _ := strconv.Atoi(os.Getenv("REALTIME_FANOUT_CLIENTS"))
	if clients <= 0 {
		t.Skip("set REALTIME_FANOUT_CLIENTS to run (a measurement, not a unit test)")
	}
	rate := 2
	if r, _ := strconv.Atoi(os.Getenv("REALTIME_FANOUT_RATE")); r > 0 {
		rate = r
	}
	instances := 1
	if n, _ := strconv.Atoi(os.Getenv("REALTIME_FANOUT_INSTANCES")); n > 0 {
		instances = n
	}
	w := newWorld(t)
	users := testUsers.With(nil)
	shares := map[string]canvas.Share{}
	for i := range clients {
		tok := fmt.Sprint("load-", i)
		users[tok] = testUsers[tokEditor]
		p := users[tok]
		p.UID = fmt.Sprint("u-load-", i)
		users[tok] = p
		shares[p.UID] = canvas.Share{Role: canvas.RoleEditor}
	}
	w.seedCanvas(t, canvas.Meta{ID: "load", Owner: uidOf(tokOwner), Visibility: canvas.Shared, Shares: shares})
	var gws []*gateway
	for i := range instances {
		gws = append(gws, w.gateway(t, fmt.Sprint("i", i), i+1, func(d *Deps) { d.Verifier = users.Verifier() }))
	}
	cs := make([]*client, clients)
	for i := range clients {
		tok := fmt.Sprint("load-", i)
		cs[i] = connect(t, gws[i%instances], tok, "canvas:load")
		cs[i].send(noteCreate("canvas:load", "c", tok, "x", float64(i)))
		cs[i].expect(10*time.Second, "ack", typ(TypeAck))
	}
	time.Sleep(time.Second)
	start := time.Now()
	var wg sync.WaitGroup
	const seconds = 5
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Second / time.Duration(rate))
			defer tick.Stop()
			for n := range seconds * rate {
				<-tick.C
				sent := float64(time.Now().UnixMicro()) / 1000
				c.send(OpMsg{Type: TypeOp, Channel: "canvas:load", OpID: fmt.Sprint("m", n), Action: canvas.ActionUpdate,
					ElementID: fmt.Sprint("load-", i), Drag: true, Props: map[string]any{"x": float64(n), "y": float64(n)}, SentAt: &sent})
			}
		}()
	}
	wg.Wait()
	time.Sleep(2 * time.Second)
	var lat []float64
	for _, c := range cs {
		for _, f := range c.all() {
			if f.str("type") != TypeOp || f.at.Before(start) {
				continue
			}
			if s, ok := f.m["sent_at"].(float64); ok {
				lat = append(lat, float64(f.at.UnixMicro())/1000-s)
			}
		}
	}
	slices.Sort(lat)
	expected := clients * (clients - 1) * seconds * rate
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	fmt.Printf(`{"kind":"studio-inprocess","instances":%d,"clients":%d,"rate":%d,"delivered":%d,"expected":%d,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f}`+"\n",
		instances, clients, rate, len(lat), expected, q(0.5), q(0.95), q(0.99))
}

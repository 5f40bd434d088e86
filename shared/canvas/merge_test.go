package canvas

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// randomPatches are n patches of one element from 3 nodes, with equal
// wall clocks across nodes (ties broken by the node bits) and a removal
// now and then.
func randomPatches(rng *rand.Rand, n int) []Patch {
	props := []string{"x", "y", "text", "color", "z", "deleted"}
	var out []Patch
	for i := range n {
		node := int64(rng.IntN(3))
		micros := int64(1000 + rng.IntN(n/2+1)) // collisions on purpose
		s := Stamp(micros<<NodeBits | node)
		p := Patch{ID: "e", Props: map[string]any{}, Stamps: map[string]Stamp{}}
		if i == 0 || rng.IntN(10) == 0 {
			p.Kind, p.Owner = KindNote, "u1"
		}
		for range 1 + rng.IntN(3) {
			k := props[rng.IntN(len(props))]
			var v any
			switch k {
			case "deleted":
				v = s%2 == 0
			case "text", "color", "z":
				if s%5 > 0 {
					// The value is a function of (prop, stamp): two writes
					// with one stamp are the same write.
					v = fmt.Sprintf("%s@%d", k, s)
				}
			default:
				v = float64(s % 997)
			}
			p.Props[k], p.Stamps[k] = v, s
		}
		out = append(out, p)
	}
	return out
}

func TestMergeConverges(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 16))
	for round := range 300 {
		patches := randomPatches(rng, 1+rng.IntN(40))
		var ref Element
		for _, p := range patches {
			ref.Merge(p)
		}
		for replica := range 4 {
			// A random order with duplicates.
			order := rng.Perm(len(patches))
			for range rng.IntN(len(patches) + 1) {
				order = append(order, rng.IntN(len(patches)))
			}
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			var e Element
			var delivered Element // what a subscriber rebuilds from Merge's outputs
			for _, i := range order {
				out := e.Merge(patches[i])
				if !out.Empty() {
					delivered.Merge(out)
				}
			}
			if !reflect.DeepEqual(e, ref) {
				t.Fatalf("round %d replica %d: %+v\nwant %+v", round, replica, e, ref)
			}
			if !reflect.DeepEqual(delivered, ref) {
				t.Fatalf("round %d replica %d: delivered changes rebuild %+v\nwant %+v", round, replica, delivered, ref)
			}
		}
	}
}

func TestMergeEchoIsEmpty(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var e Element
		patches := randomPatches(rng, 10)
		for _, p := range patches {
			e.Merge(p)
		}
		for _, p := range patches {
			if out := e.Merge(p); !out.Empty() {
				t.Fatalf("echo of %+v changed %+v", p, out)
			}
		}
		if out := e.Merge(e.Full()); !out.Empty() {
			t.Fatalf("merging the full state into itself changed %+v", out)
		}
	}
	// A stale write changes nothing; a newer one returns exactly itself.
	var e Element
	e.Merge(Patch{ID: "e", Kind: KindNote, Owner: "u", Props: map[string]any{"x": 1.0}, Stamps: map[string]Stamp{"x": 10}})
	if out := e.Merge(Patch{ID: "e", Props: map[string]any{"x": 2.0}, Stamps: map[string]Stamp{"x": 9}}); !out.Empty() {
		t.Errorf("stale write changed %+v", out)
	}
	out := e.Merge(Patch{ID: "e", Props: map[string]any{"x": 3.0, "y": 4.0}, Stamps: map[string]Stamp{"x": 11, "y": 11}})
	if !reflect.DeepEqual(out.Props, map[string]any{"x": 3.0, "y": 4.0}) || out.Kind != KindNote {
		t.Errorf("newer write returned %+v", out)
	}
	// Kind and owner are set once.
	e.Merge(Patch{ID: "e", Kind: KindShape, Owner: "other", Props: map[string]any{}, Stamps: map[string]Stamp{}})
	if e.Kind != KindNote || e.Owner != "u" {
		t.Errorf("kind/owner changed to %s/%s", e.Kind, e.Owner)
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	now := time.UnixMicro(1_000_000)
	c := NewClock(5, func() time.Time { return now })
	a := c.Next()
	b := c.Next() // same wall clock: still larger
	if b <= a || a&(1<<NodeBits-1) != 5 || a.Micros() != 1_000_000 {
		t.Errorf("stamps %d %d", a, b)
	}
	c.Observe(Stamp(5_000_000<<NodeBits | 9))
	if n := c.Next(); n.Micros() <= 5_000_000 || n&(1<<NodeBits-1) != 5 {
		t.Errorf("after Observe: %d (%d µs)", n, n.Micros())
	}
	if NewClock(1<<NodeBits+3, nil).Next()&(1<<NodeBits-1) != 3 {
		t.Error("node number is not masked")
	}
}

func BenchmarkMerge(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	patches := randomPatches(rng, 1024)
	var e Element
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.Merge(patches[i%len(patches)])
	}
}

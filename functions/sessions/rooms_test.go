package sessions

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestRoomsSizes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n, k int
		want []int
		err  bool
	}{
		{0, 2, nil, true},
		{1, 2, nil, true},
		{2, 2, []int{2}, false},
		{2, 4, []int{2}, false},
		{3, 2, []int{3}, false},
		{4, 2, []int{2, 2}, false},
		{4, 4, []int{4}, false},
		{5, 2, []int{3, 2}, false},
		{5, 4, []int{3, 2}, false},
		{6, 3, []int{3, 3}, false},
		{7, 4, []int{4, 3}, false},
		{7, 2, []int{3, 2, 2}, false},
		{9, 3, []int{3, 3, 3}, false},
		{10, 3, []int{4, 3, 3}, false},
		{11, 3, []int{3, 3, 3, 2}, false},
		{16, 4, []int{4, 4, 4, 4}, false},
		{17, 4, []int{4, 4, 3, 3, 3}, false},
		{50, 2, slices.Repeat([]int{2}, 25), false},
		{4, 1, nil, true},
		{4, 5, nil, true},
	}
	for _, c := range cases {
		got, err := roomSizes(c.n, c.k)
		if (err != nil) != c.err || !slices.Equal(got, c.want) {
			t.Errorf("roomSizes(%d, %d) = %v, %v; want %v (error %v)", c.n, c.k, got, err, c.want, c.err)
		}
	}
	if _, err := roomSizes(1, 2); !errors.Is(err, errTooFew) {
		t.Errorf("one person: %v, want errTooFew", err)
	}
}

// roomsCheck asserts the invariants of any assignment: everyone exactly
// once, every room 2…4.
func roomsCheck(t *testing.T, people []roomPerson, rooms [][]string) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range rooms {
		if len(r) < MinRoomSize || len(r) > MaxRoomSize {
			t.Fatalf("room of %d: %v", len(r), rooms)
		}
		for _, u := range r {
			seen[u]++
		}
	}
	for _, p := range people {
		if seen[p.UID] != 1 {
			t.Fatalf("%s placed %d times: %v", p.UID, seen[p.UID], rooms)
		}
	}
	if len(seen) != len(people) {
		t.Fatalf("rooms hold %d people, want %d: %v", len(seen), len(people), rooms)
	}
}

func roomsPeople(n int) []roomPerson {
	out := make([]roomPerson, n)
	for i := range out {
		out[i] = roomPerson{UID: fmt.Sprintf("u%02d", i)}
	}
	return out
}

// roomsOf maps each uid to its room index.
func roomsOf(rooms [][]string) map[string]int {
	out := map[string]int{}
	for i, r := range rooms {
		for _, u := range r {
			out[u] = i
		}
	}
	return out
}

func TestRoomsAssign(t *testing.T) {
	t.Parallel()
	// Two theme clusters: a* share "trust", b* share "growth".
	clustered := []roomPerson{
		{UID: "a1", Picked: true, Themes: []string{"trust", "family"}},
		{UID: "b1", Picked: true, Themes: []string{"growth", "change"}},
		{UID: "a2", Picked: true, Themes: []string{"trust", "family", "home"}},
		{UID: "b2", Picked: true, Themes: []string{"growth", "change", "courage"}},
	}
	cases := []struct {
		name     string
		people   []roomPerson
		strategy string
		size     int
		check    func(t *testing.T, rooms [][]string)
	}{
		{"random pairs", roomsPeople(8), StrategyRandom, 2, nil},
		{"random odd", roomsPeople(7), StrategyRandom, 4, func(t *testing.T, rooms [][]string) {
			if len(rooms) != 2 || len(rooms[0]) != 4 || len(rooms[1]) != 3 {
				t.Errorf("7 by 4: %v", rooms)
			}
		}},
		{"similar", clustered, StrategySimilarCards, 2, func(t *testing.T, rooms [][]string) {
			at := roomsOf(rooms)
			if at["a1"] != at["a2"] || at["b1"] != at["b2"] {
				t.Errorf("similar cards not together: %v", rooms)
			}
		}},
		{"different", clustered, StrategyDifferentCards, 2, func(t *testing.T, rooms [][]string) {
			at := roomsOf(rooms)
			if at["a1"] == at["a2"] || at["b1"] == at["b2"] {
				t.Errorf("similar cards together: %v", rooms)
			}
		}},
		{"unpicked spread", append(slices.Clone(clustered), roomPerson{UID: "x1"}, roomPerson{UID: "x2"}), StrategySimilarCards, 3,
			func(t *testing.T, rooms [][]string) {
				if len(rooms) != 2 {
					t.Fatalf("6 by 3: %v", rooms)
				}
			}},
		{"nobody picked", roomsPeople(5), StrategyDifferentCards, 2, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// Many random sources: the outcome must hold for every order.
			for range 50 {
				rooms, err := assignRooms(c.people, c.strategy, c.size, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				roomsCheck(t, c.people, rooms)
				if c.check != nil {
					c.check(t, rooms)
				}
			}
		})
	}
}

func TestRoomsAssignErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n        int
		strategy string
		size     int
		rnd      []byte
	}{
		{1, StrategyRandom, 2, nil},
		{0, StrategySimilarCards, 2, nil},
		{4, "alphabetical", 2, nil},
		{4, StrategyRandom, 9, nil},
		{4, StrategyRandom, 2, []byte{1, 2}}, // randomness runs dry
	} {
		rnd := bytes.NewReader(c.rnd)
		if _, err := assignRooms(roomsPeople(c.n), c.strategy, c.size, rnd); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func TestRoomsDeterministic(t *testing.T) {
	t.Parallel()
	people := roomsPeople(9)
	for i := range people {
		people[i].Picked = i%3 != 0
		people[i].Themes = []string{fmt.Sprint("t", i%4)}
	}
	for _, s := range []string{StrategyRandom, StrategySimilarCards, StrategyDifferentCards} {
		seed := [32]byte{7}
		a, err1 := assignRooms(people, s, 3, mrand.NewChaCha8(seed))
		b, err2 := assignRooms(people, s, 3, mrand.NewChaCha8(seed))
		if err1 != nil || err2 != nil || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: same source, different rooms: %v %v (%v %v)", s, a, b, err1, err2)
		}
	}
}

func TestRoomsRandomIsUniformEnough(t *testing.T) {
	t.Parallel()
	// Over many rounds each person shares a room with each other person:
	// a shuffle that ignored its source would pair the same people always.
	people := roomsPeople(6)
	together := map[string]int{}
	for range 300 {
		rooms, err := assignRooms(people, StrategyRandom, 2, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rooms {
			sort.Strings(r)
			together[strings.Join(r, "+")]++
		}
	}
	if len(together) != 15 { // C(6,2) pairs
		t.Errorf("only %d distinct pairs in 300 rounds: %v", len(together), together)
	}
}

func TestRoomsManual(t *testing.T) {
	t.Parallel()
	joined := []string{"a", "b", "c", "d", "e"}
	cases := []struct {
		name   string
		rooms  [][]string
		main   []string
		fields []string
	}{
		{"ok", [][]string{{"a", "b"}, {"c", "d", "e"}}, nil, nil},
		{"ok with main", [][]string{{"a", "b"}, {"c", "d"}}, []string{"e"}, nil},
		{"missing", [][]string{{"a", "b"}, {"c", "d"}}, nil, []string{"rooms"}},
		{"unknown", [][]string{{"a", "b"}, {"c", "d", "zz"}}, []string{"e"}, []string{"rooms[1][2]"}},
		{"twice", [][]string{{"a", "b"}, {"c", "d", "e", "a"}}, nil, []string{"rooms[1][3]"}},
		{"twice in main", [][]string{{"a", "b"}, {"c", "d", "e"}}, []string{"a"}, []string{"main_room[0]"}},
		{"too small", [][]string{{"a"}, {"b", "c", "d", "e"}}, nil, []string{"rooms[0]"}},
		{"too big", [][]string{{"a", "b", "c", "d", "e"}}, nil, []string{"rooms[0]"}},
		{"none", nil, joined, []string{"rooms"}},
	}
	for _, c := range cases {
		var got []string
		for _, p := range checkManualRooms(joined, c.rooms, c.main) {
			got = append(got, p.Field)
		}
		if !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
}

// FuzzRooms checks the invariants for any number of people, preferred
// size, strategy and random source: everyone exactly once, rooms of 2…4.
func FuzzRooms(f *testing.F) {
	f.Add(uint8(5), uint8(2), uint8(0), uint8(0), []byte{1, 2, 3})
	f.Add(uint8(7), uint8(4), uint8(1), uint8(3), []byte{})
	f.Add(uint8(2), uint8(3), uint8(2), uint8(255), []byte{255, 255})
	f.Add(uint8(1), uint8(2), uint8(0), uint8(0), []byte{9})
	f.Add(uint8(40), uint8(3), uint8(3), uint8(17), []byte("seed"))
	strategies := []string{StrategyRandom, StrategySimilarCards, StrategyDifferentCards, StrategyManual}
	f.Fuzz(func(t *testing.T, n, k, strategy, pickMask uint8, seed []byte) {
		var key [32]byte
		copy(key[:], seed)
		rnd := mrand.NewChaCha8(key)
		people := roomsPeople(int(n) % 120)
		for i := range people {
			people[i].Picked = (int(pickMask)>>(i%8))&1 == 1
			people[i].Themes = []string{fmt.Sprint("t", (i*int(pickMask))%5), fmt.Sprint("t", i%3)}
		}
		size := MinRoomSize + int(k)%(MaxRoomSize-MinRoomSize+1)
		s := strategies[int(strategy)%len(strategies)]
		if s == StrategyManual {
			// A valid partition must pass, its checker must agree.
			sizes, err := roomSizes(len(people), size)
			if err != nil {
				return
			}
			var rooms [][]string
			next := 0
			var joined []string
			for _, p := range people {
				joined = append(joined, p.UID)
			}
			for _, sz := range sizes {
				rooms = append(rooms, joined[next:next+sz])
				next += sz
			}
			if probs := checkManualRooms(joined, rooms, nil); len(probs) > 0 {
				t.Fatalf("valid partition refused: %v", probs)
			}
			return
		}
		rooms, err := assignRooms(people, s, size, rnd)
		if len(people) < 2 {
			if !errors.Is(err, errTooFew) {
				t.Fatalf("%d people: %v", len(people), err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		roomsCheck(t, people, rooms)
	})
}

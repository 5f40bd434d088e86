package sessions

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"pointsofyou.ai/studio/shared/random"
)

// Breakout strategies.
const (
	StrategyRandom         = "random"
	StrategySimilarCards   = "similar_cards"
	StrategyDifferentCards = "different_cards"
	StrategyManual         = "manual"
)

// Room sizes: the method works in rooms of two to four people. A manual
// move may leave a room at 1…5 (see moveBreakout).
const (
	MinRoomSize     = 2
	MaxRoomSize     = 4
	DefaultRoomSize = 2
	maxMovedRoom    = 5
)

// errTooFew is fewer than two people to split into rooms.
var errTooFew = errors.New("breakouts need at least two joined participants")

// roomPerson is one joined participant as room assignment sees them:
// Picked tells whether they picked a card in the draw the rooms follow,
// Themes are the themes of their cards.
type roomPerson struct {
	UID    string
	Picked bool
	Themes []string
}

// roomSizes splits n people into rooms of 2…4, as close to the preferred
// size k as possible: among the feasible room counts it takes the one
// whose sizes differ least from k in total (the fewer rooms on a tie),
// and within it sizes differ by at most one, largest first.
func roomSizes(n, k int) ([]int, error) {
	if k < MinRoomSize || k > MaxRoomSize {
		return nil, fmt.Errorf("room size %d is outside %d…%d", k, MinRoomSize, MaxRoomSize)
	}
	if n < MinRoomSize {
		return nil, errTooFew
	}
	best, bestCost := 0, -1
	// r rooms hold n people in sizes 2…4 exactly when 2r ≤ n ≤ 4r.
	for r := (n + MaxRoomSize - 1) / MaxRoomSize; r*MinRoomSize <= n; r++ {
		base, extra := n/r, n%r
		cost := extra*abs(base+1-k) + (r-extra)*abs(base-k)
		if bestCost < 0 || cost < bestCost {
			best, bestCost = r, cost
		}
	}
	sizes := make([]int, best)
	for i := range sizes {
		sizes[i] = n / best
		if i < n%best {
			sizes[i]++
		}
	}
	return sizes, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// assignRooms splits people into rooms by strategy (random,
// similar_cards or different_cards; manual rooms go through
// checkManualRooms). Every person lands in exactly one room and every room
// holds 2…4 people. All randomness comes from rnd, so the result is
// unpredictable with crypto/rand and reproducible with a fixed source.
//
// Card strategies place the people without a pick in random seats first,
// spreading them over the rooms, then fill the other seats greedily: each
// room starts from the next person in a random order and takes, one at a
// time, whoever has the highest (similar) or lowest (different) mean
// Jaccard similarity of theme sets with the people already there.
func assignRooms(people []roomPerson, strategy string, size int, rnd io.Reader) ([][]string, error) {
	sizes, err := roomSizes(len(people), size)
	if err != nil {
		return nil, err
	}
	switch strategy {
	case StrategyRandom:
		order := slices.Clone(people)
		if err := random.Shuffle(rnd, len(order), func(i, j int) { order[i], order[j] = order[j], order[i] }); err != nil {
			return nil, err
		}
		rooms := make([][]string, len(sizes))
		next := 0
		for i, s := range sizes {
			for _, p := range order[next : next+s] {
				rooms[i] = append(rooms[i], p.UID)
			}
			next += s
		}
		return rooms, nil
	case StrategySimilarCards, StrategyDifferentCards:
		return cardRooms(people, sizes, strategy == StrategySimilarCards, rnd)
	}
	return nil, fmt.Errorf("unknown strategy %q", strategy)
}

func cardRooms(people []roomPerson, sizes []int, similar bool, rnd io.Reader) ([][]string, error) {
	var picked, unpicked []roomPerson
	for _, p := range people {
		if p.Picked {
			picked = append(picked, p)
		} else {
			unpicked = append(unpicked, p)
		}
	}
	// seats lists each room once per seat; shuffled, its first len(unpicked)
	// entries are where the people without a pick sit.
	var seats []int
	for r, s := range sizes {
		for range s {
			seats = append(seats, r)
		}
	}
	for _, list := range []struct {
		n    int
		swap func(i, j int)
	}{
		{len(seats), func(i, j int) { seats[i], seats[j] = seats[j], seats[i] }},
		{len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] }},
		{len(unpicked), func(i, j int) { unpicked[i], unpicked[j] = unpicked[j], unpicked[i] }},
	} {
		if err := random.Shuffle(rnd, list.n, list.swap); err != nil {
			return nil, err
		}
	}
	rooms := make([][]string, len(sizes))
	free := slices.Clone(sizes) // seats left for people with a pick
	for i, p := range unpicked {
		rooms[seats[i]] = append(rooms[seats[i]], p.UID)
		free[seats[i]]--
	}
	sets := make([]map[string]bool, len(picked))
	for i, p := range picked {
		sets[i] = map[string]bool{}
		for _, t := range p.Themes {
			sets[i][t] = true
		}
	}
	used := make([]bool, len(picked))
	for r := range rooms {
		var members []int
		for free[r] > 0 {
			best, bestScore := -1, 0.0
			for i := range picked {
				if used[i] {
					continue
				}
				if len(members) == 0 {
					best = i // the room starts from the next person in random order
					break
				}
				var score float64
				for _, m := range members {
					score += jaccard(sets[i], sets[m])
				}
				score /= float64(len(members))
				if !similar {
					score = -score
				}
				if best < 0 || score > bestScore {
					best, bestScore = i, score
				}
			}
			used[best] = true
			members = append(members, best)
			rooms[r] = append(rooms[r], picked[best].UID)
			free[r]--
		}
	}
	return rooms, nil
}

// jaccard is |a ∩ b| / |a ∪ b| (0 for two empty sets).
func jaccard(a, b map[string]bool) float64 {
	inter := 0
	for t := range a {
		if b[t] {
			inter++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// manualProblem is one reason manual rooms are refused, with the path of
// the offending entry ("rooms[1][0]", "main_room[2]").
type manualProblem struct {
	Field, Detail string
}

// checkManualRooms validates rooms the facilitator drew up: every joined
// participant is in exactly one room, or listed in main (staying in the
// main room); nobody unknown or twice; each room holds 2…4 people.
func checkManualRooms(joined []string, rooms [][]string, main []string) []manualProblem {
	var out []manualProblem
	known := map[string]bool{}
	for _, u := range joined {
		known[u] = true
	}
	seen := map[string]string{}
	place := func(field, uid string) {
		switch {
		case !known[uid]:
			out = append(out, manualProblem{field, "is not a joined participant of this session"})
		case seen[uid] != "":
			out = append(out, manualProblem{field, "is already placed at " + seen[uid]})
		default:
			seen[uid] = field
		}
	}
	if len(rooms) == 0 {
		out = append(out, manualProblem{"rooms", "must list at least one room"})
	}
	for i, room := range rooms {
		if len(room) < MinRoomSize || len(room) > MaxRoomSize {
			out = append(out, manualProblem{fmt.Sprintf("rooms[%d]", i),
				fmt.Sprintf("has %d people; a room holds %d…%d", len(room), MinRoomSize, MaxRoomSize)})
		}
		for j, uid := range room {
			place(fmt.Sprintf("rooms[%d][%d]", i, j), uid)
		}
	}
	for i, uid := range main {
		place(fmt.Sprintf("main_room[%d]", i), uid)
	}
	var missing int
	for _, u := range joined {
		if seen[u] == "" {
			missing++
		}
	}
	if missing > 0 {
		out = append(out, manualProblem{"rooms", fmt.Sprintf("leaves %d joined participant(s) unplaced; put them in a room or in main_room", missing)})
	}
	return out
}

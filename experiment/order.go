package experiment

import "math/rand/v2"

// Order returns the order of n profiles (0..n-1) in each of rounds rounds.
// Without a seed it is a balanced rotation (a Williams design): every profile
// takes every position equally often and follows every other profile equally
// often, over n rounds for even n and 2n for odd n, repeated as needed. With
// a seed, each round is an independent shuffle from it, reproducibly.
func Order(n, rounds int, seed *uint64) [][]int {
	out := make([][]int, rounds)
	if seed != nil {
		rng := rand.New(rand.NewPCG(*seed, 0x726575736562656e)) // "reuseben"
		for k := range out {
			out[k] = rng.Perm(n)
		}
		return out
	}
	rows := williams(n)
	for k := range out {
		out[k] = rows[k%len(rows)]
	}
	return out
}

// williams returns the rows of a Williams design for n treatments: row r is
// r, r+1, r−1, r+2, r−2, … (mod n); for odd n the mirrored rows follow, so
// that every ordered pair of neighbours occurs equally often.
func williams(n int) [][]int {
	if n <= 0 {
		return [][]int{{}}
	}
	var rows [][]int
	for r := range n {
		row := make([]int, n)
		for j := range n {
			// 0, +1, −1, +2, −2, …
			step := (j + 1) / 2
			if j%2 == 0 {
				step = -step
			}
			row[j] = ((r+step)%n + n) % n
		}
		rows = append(rows, row)
	}
	if n%2 == 1 {
		for r := range n {
			row := make([]int, n)
			for j := range n {
				row[j] = rows[r][n-1-j]
			}
			rows = append(rows, row)
		}
	}
	return rows
}

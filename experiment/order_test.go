package experiment_test

import (
	"reflect"
	"testing"

	"github.com/reusebench/reusebench/experiment"
)

func TestOrderBalanced(t *testing.T) {
	// Over one cycle of the design (n rounds for even n, 2n for odd n) each
	// profile takes each position equally often, and each ordered pair of
	// neighbours occurs equally often: cycle·(n−1)/(n·(n−1)) = cycle/n times.
	for n := 1; n <= 7; n++ {
		cycle := n
		if n%2 == 1 {
			cycle = 2 * n
		}
		order := experiment.Order(n, cycle, nil)
		pos := map[[2]int]int{}
		pairs := map[[2]int]int{}
		for _, row := range order {
			if len(row) != n {
				t.Fatalf("n=%d: row %v", n, row)
			}
			seen := map[int]bool{}
			for j, p := range row {
				if seen[p] || p < 0 || p >= n {
					t.Fatalf("n=%d: row %v is not a permutation", n, row)
				}
				seen[p] = true
				pos[[2]int{p, j}]++
				if j > 0 {
					pairs[[2]int{row[j-1], p}]++
				}
			}
		}
		for p := range n {
			for j := range n {
				if got := pos[[2]int{p, j}]; got != cycle/n {
					t.Errorf("n=%d: profile %d in position %d %d times, want %d", n, p, j, got, cycle/n)
				}
			}
		}
		for a := range n {
			for b := range n {
				if a == b {
					continue
				}
				if got := pairs[[2]int{a, b}]; got != cycle/n {
					t.Errorf("n=%d: %d then %d %d times, want %d", n, a, b, got, cycle/n)
				}
			}
		}
	}
}

func TestOrderExamples(t *testing.T) {
	// n = 4: rows r, r+1, r−1, r+2.
	want := [][]int{{0, 1, 3, 2}, {1, 2, 0, 3}, {2, 3, 1, 0}, {3, 0, 2, 1}, {0, 1, 3, 2}}
	if got := experiment.Order(4, 5, nil); !reflect.DeepEqual(got, want) {
		t.Errorf("Order(4, 5) = %v, want %v", got, want)
	}
}

func TestOrderSeeded(t *testing.T) {
	// The same seed gives the same order; another seed another one.
	s1, s2 := uint64(1), uint64(2)
	a, b, c := experiment.Order(4, 10, &s1), experiment.Order(4, 10, &s1), experiment.Order(4, 10, &s2)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("seed 1 twice: %v and %v", a, b)
	}
	if reflect.DeepEqual(a, c) {
		t.Errorf("seeds 1 and 2 gave the same order %v", a)
	}
}

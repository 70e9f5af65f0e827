package stats_test

import (
	"math"
	"slices"
	"testing"

	"github.com/reusebench/reusebench/stats"
)

func TestCompareUnpairedByHand(t *testing.T) {
	// new = {3, 6, 12}, old = {1, 2, 4}. On a log scale ln new_i = ln 3 +
	// i·ln 2 and ln old_j = j·ln 2 (i, j = 0, 1, 2), so d_ij = ln 3 +
	// (i−j)·ln 2, and the 9 values of i−j sorted are −2, −1, −1, 0, 0, 0,
	// 1, 1, 2: the ratios exp d are 0.75, 1.5, 1.5, 3, 3, 3, 6, 6, 12. The
	// Hodges–Lehmann estimate is the 5th, 3. One pair has new < old (3 < 4):
	// U = 1.
	//
	// Under the null, the 20 orders of 3 + 3 values give U = 0, 1, 2, 3, …
	// in 1, 1, 2, 3, 3, 3, 3, 2, 1, 1 of them, so P(U ≤ k) for k = 0, 1,
	// 2, 3 is 1/20, 2/20, 4/20, 7/20, and the largest k with P(U ≤ k) ≤ α/2:
	//
	//	level  α/2    k   interval [d_(k+1), d_(9−k)]  coverage 1 − 2P(U ≤ k)
	//	0.95   0.025  -   (none: 1/20 > 0.025)        range, 0.90
	//	0.90   0.05   0   [0.75, 12]                   0.90
	//	0.80   0.10   1   [1.5, 6]                     0.80
	//	0.60   0.20   2   [1.5, 6]                     0.60
	//	0.30   0.35   3   [3, 3]                       0.30
	//
	// At 80 % the interval excludes 1 and U = 1 ≤ k: the U test rejects
	// (two-sided P = 2·2/20 = 0.2 ≤ α); at 90 % it does neither.
	nw, old := []float64{3, 6, 12}, []float64{1, 2, 4}
	for _, tc := range []struct {
		level, lo, hi, conf float64
		higher              bool
		verdict             stats.Verdict
		tooFew              bool
		format              string
	}{
		{0.95, 0.75, 12, 0.9, true, stats.Same, true, "~ 3.00x (n=3)"},
		{0.90, 0.75, 12, 0.9, true, stats.Same, false, "~ 3.00x [0.75,12.0]"},
		{0.80, 1.5, 6, 0.8, true, stats.Better, false, "3.00x [1.50,6.00] better"},
		{0.80, 1.5, 6, 0.8, false, stats.Worse, false, "3.00x [1.50,6.00] worse"},
		{0.60, 1.5, 6, 0.6, true, stats.Better, false, "3.00x [1.50,6.00] better"},
		{0.30, 3, 3, 0.3, true, stats.Better, false, "3.00x [3.00,3.00] better"},
	} {
		got := stats.Criteria{Confidence: tc.level, MinEffect: 0.02}.CompareUnpaired(nw, old, tc.higher)
		if got.Ratio != 3 || got.Lo != tc.lo || got.Hi != tc.hi || !nearUnpaired(got.Confidence, tc.conf) ||
			got.Verdict != tc.verdict || got.TooFew != tc.tooFew || got.N != 3 || got.Format() != tc.format {
			t.Errorf("level %v, higher %v: %+v %q; want 3 [%v,%v] confidence %v, %s, too few %v, %q",
				tc.level, tc.higher, got, got.Format(), tc.lo, tc.hi, tc.conf, tc.verdict, tc.tooFew, tc.format)
		}
	}
}

// refUCounts returns how many of the C(n+m,n) orders of n values among n+m
// (no ties) give each U = 0, …, nm, U being the number of pairs with the
// first sample's value below the second's. It counts the subsets of the
// ranks 1…n+m of size n by their sum W, the Wilcoxon rank sum, which is
// nm + n(n+1)/2 − U: a different computation from the package's. U and
// nm − U have the same distribution (W − n(n+1)/2 is U of the ranks
// reversed), so the sums up to the middle are enough.
func refUCounts(n, m int) []float64 {
	base := n * (n + 1) / 2
	maxW := base + n*m/2
	// g[c][w]: subsets of size c of the ranks seen so far with sum w.
	g := make([][]float64, n+1)
	for c := range g {
		g[c] = make([]float64, maxW+1)
	}
	g[0][0] = 1
	for r := 1; r <= n+m; r++ {
		for c := min(r, n); c >= 1; c-- {
			for w := maxW; w >= r; w-- {
				g[c][w] += g[c-1][w-r]
			}
		}
	}
	counts := make([]float64, n*m+1)
	for u := 0; u <= n*m/2; u++ {
		counts[u] = g[n][base+u]
		counts[n*m-u] = counts[u]
	}
	return counts
}

// refCritical returns the largest k with P(U ≤ k) ≤ tail for counts, and
// P(U ≤ k); k is −1 (with P(U ≤ 0)) when there is none. It allows the
// same relative slack of 1e-9 as the package, for levels that are exactly
// a coverage.
func refCritical(counts []float64, tail float64) (int, float64) {
	var total float64
	for _, c := range counts {
		total += c
	}
	k, cum := -1, 0.0
	for k+1 < len(counts) && (cum+counts[k+1])/total <= tail*(1+1e-9) {
		k++
		cum += counts[k]
	}
	if k < 0 {
		return -1, counts[0] / total
	}
	return k, cum / total
}

func TestUnpairedNullDistribution(t *testing.T) {
	// The known null distributions of U, and C(n+m,n) orders in all.
	for _, tc := range []struct {
		n, m   int
		counts []float64
	}{
		{1, 1, []float64{1, 1}},
		{2, 2, []float64{1, 1, 2, 1, 1}},                // of 6
		{2, 3, []float64{1, 1, 2, 2, 2, 1, 1}},          // of 10
		{3, 3, []float64{1, 1, 2, 3, 3, 3, 3, 2, 1, 1}}, // of 20
	} {
		if got := refUCounts(tc.n, tc.m); !slices.Equal(got, tc.counts) {
			t.Errorf("reference counts for %d, %d: %v, want %v", tc.n, tc.m, got, tc.counts)
		}
	}
	// The package's distribution, seen through the coverage it reports
	// and the order statistics it picks: values whose n·m ratios are
	// distinct powers of 2, ranked by their exponent. At the level
	// 1 − 2P(U ≤ k), exactly, the interval is [d_(k+1), d_(nm−k)] and
	// Confidence is that level; a hair above, it is k−1's (or too few).
	for n := 1; n <= 7; n++ {
		for m := 1; m <= 7; m++ {
			counts := refUCounts(n, m)
			nw, old := distinctRatios(n, m)
			var total, cum float64
			for _, c := range counts {
				total += c
			}
			prev := -1.0 // 1 − 2P(U ≤ k−1); -1 for none
			for k := 0; 2*(cum+counts[k]) < total; k++ {
				cum += counts[k]
				level := 1 - 2*cum/total
				got := stats.Criteria{Confidence: level}.CompareUnpaired(nw, old, true)
				wantLo, wantHi := orderStat(nw, old, k), orderStat(nw, old, n*m-1-k)
				if got.TooFew || !nearUnpaired(got.Confidence, level) || got.Lo != wantLo || got.Hi != wantHi {
					t.Errorf("%d, %d at %v (k = %d): %+v, want [%v,%v] confidence %v", n, m, level, k, got, wantLo, wantHi, level)
				}
				above := stats.Criteria{Confidence: level + 1e-6}.CompareUnpaired(nw, old, true)
				switch {
				case k == 0 && (!above.TooFew || !nearUnpaired(above.Confidence, level)):
					t.Errorf("%d, %d at %v: %+v, want too few, confidence %v", n, m, level+1e-6, above, level)
				case k > 0 && (above.TooFew || !nearUnpaired(above.Confidence, prev)):
					t.Errorf("%d, %d at %v: %+v, want confidence %v", n, m, level+1e-6, above, prev)
				}
				prev = level
			}
		}
	}
}

// distinctRatios returns n and m values whose n·m ratios new_i/old_j =
// 2^(i − (n+1)j) are distinct, for (n+1)(m−1) + n < 1024 (finite values).
func distinctRatios(n, m int) (nw, old []float64) {
	for i := range n {
		nw = append(nw, math.Ldexp(1, i))
	}
	for j := range m {
		old = append(old, math.Ldexp(1, (n+1)*j))
	}
	return nw, old
}

// orderStat returns the (k+1)-th smallest of the ratios new_i/old_j (zero
// over zero is 1, positive over zero +Inf).
func orderStat(nw, old []float64, k int) float64 {
	return refRatios(nw, old)[k]
}

// refRatios returns the sorted ratios of the usable new and old values
// (finite, not negative), 0/0 counting as 1 and x/0 as +Inf.
func refRatios(nw, old []float64) []float64 {
	var r []float64
	for _, a := range nw {
		for _, b := range old {
			if !(a >= 0 && b >= 0) || math.IsInf(a, 0) || math.IsInf(b, 0) {
				continue
			}
			switch {
			case b > 0:
				r = append(r, a/b)
			case a == 0:
				r = append(r, 1)
			default:
				r = append(r, math.Inf(1))
			}
		}
	}
	slices.Sort(r)
	return r
}

func TestCompareUnpairedConfidence(t *testing.T) {
	// 10 rounds each at 99 %: k = 16, P(U ≤ 16) = 825/C(20,10) =
	// 825/184756, coverage 1 − 1650/184756 = 99.11 %.
	got := stats.CompareCriteria().CompareUnpaired(
		[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, true)
	if want := 1 - 1650.0/184756; math.Abs(got.Confidence-want) > 1e-12 || got.Lo != 0.4 || got.Hi != 2.5 {
		t.Errorf("%+v, want [0.4,2.5] confidence %v", got, want)
	}
	var cum float64
	for _, c := range refUCounts(10, 10)[:17] {
		cum += c
	}
	if cum != 825 {
		t.Errorf("reference P(U ≤ 16) = %v/184756, want 825/184756", cum)
	}
}

func TestMinUnpairedRounds(t *testing.T) {
	for _, tc := range []struct {
		level float64
		want  int
	}{
		{0.99, 5},  // 2/252 ≤ 0.01 < 2/70
		{0.95, 4},  // 2/70 ≤ 0.05 < 2/20
		{0.9, 3},   // 2/20 ≤ 0.1 < 2/6
		{0.999, 7}, // 2/3432 ≤ 0.001 < 2/924
		{1.5, 4},   // invalid: 95 %
	} {
		if got := (stats.Criteria{Confidence: tc.level}).MinUnpairedRounds(); got != tc.want {
			t.Errorf("level %v: %d, want %d", tc.level, got, tc.want)
		}
	}
	// Unequal lengths, at 99 %: 4 and 6 suffice (2/210), 4 and 5 do not
	// (2/126); 2 and 19 do (2/210), 2 and 18 do not (2/190).
	c := stats.CompareCriteria()
	for _, tc := range []struct {
		n, m   int
		tooFew bool
	}{{4, 6, false}, {4, 5, true}, {2, 19, false}, {19, 2, false}, {2, 18, true}, {5, 5, false}, {4, 4, true}} {
		nw, old := distinctRatios(tc.n, tc.m)
		if got := c.CompareUnpaired(nw, old, true); got.TooFew != tc.tooFew {
			t.Errorf("%d and %d rounds: too few %v, want %v", tc.n, tc.m, got.TooFew, tc.tooFew)
		}
	}
}

func TestCompareUnpairedLargeNull(t *testing.T) {
	// Up to 10,000 pairs the null distribution of U is exact (100 × 100:
	// counts up to C(200,100) ≈ 9·10^58, in float64), and the coverage must
	// be the reference's; just past it comes the normal approximation,
	// whose k must give about the exact coverage, at least the level.
	for _, tc := range []struct {
		n, m  int
		exact bool
	}{{100, 100, true}, {101, 100, false}, {20, 510, false}} {
		counts := refUCounts(tc.n, tc.m)
		for _, level := range []float64{0.95, 0.99} {
			_, p := refCritical(counts, (1-level)/2)
			exact := 1 - 2*p
			// Confidence depends on the lengths only.
			nw, old := make([]float64, tc.n), make([]float64, tc.m)
			for k := range nw {
				nw[k] = float64(k + 1)
			}
			for k := range old {
				old[k] = float64(k + 1)
			}
			got := stats.Criteria{Confidence: level}.CompareUnpaired(nw, old, true)
			t.Logf("%d × %d at %v: Confidence %.6f, exact %.6f", tc.n, tc.m, level, got.Confidence, exact)
			if got.TooFew || got.N != min(tc.n, tc.m) || got.Warning != "" || got.Confidence < level || math.Abs(got.Confidence-exact) > 0.001 ||
				tc.exact && math.Abs(got.Confidence-exact) > 1e-12 {
				t.Errorf("%d × %d at %v: %+v, want a confidence of %v", tc.n, tc.m, level, got, exact)
			}
		}
	}
}

package stats_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/stats"
)

func TestCompareUnpaired(t *testing.T) {
	ten := func(v float64) []float64 {
		// 10 rounds of v with ±2 % jitter: v·a_k, a_k = 0.98 + 0.005k,
		// 0.98, 0.985, …, 1.025.
		out := make([]float64, 10)
		for k := range out {
			out[k] = v * (0.98 + 0.005*float64(k))
		}
		return out
	}
	zerosThen := func(zeros int, v float64) []float64 {
		out := make([]float64, 10)
		for k := zeros; k < 10; k++ {
			out[k] = v
		}
		return out
	}
	inf := math.Inf(1)
	c := stats.CompareCriteria()
	for _, tc := range []struct {
		name          string
		new, old      []float64
		higher        bool
		verdict       stats.Verdict
		ratio, lo, hi float64
		n             int
		tooFew        bool
		warning       string // a substring of Warning, "" for none
		ratioCell     string
		intervalCell  string
	}{
		// Every new round 30 % below every old one. The 100 ratios are
		// 0.7·a_i/a_j, symmetric about 0.7 on a log scale, so their median
		// is 0.7. At 99 % with 10 rounds each k = 16 (P(U ≤ 16) = 825/184756
		// ≤ 0.005 < P(U ≤ 17)): the interval is the 17th smallest and the
		// 17th largest ratio. Below 1 by most are the 15 pairs 5 to 9
		// steps apart, then come the 6 pairs 4 steps apart, a_0/a_4, a_1/a_5,
		// …, the second of which is the 17th: 0.985/1.005.
		{name: "30% slower", new: ten(700), old: ten(1000), higher: true, verdict: stats.Worse,
			ratio: 0.7, lo: 0.7 * 0.985 / 1.005, hi: 0.7 * 1.005 / 0.985, n: 10,
			ratioCell: "0.70x worse", intervalCell: "[0.69,0.71]"},
		// The same values as a latency: lower is better.
		{name: "30% lower latency", new: ten(700), old: ten(1000), higher: false, verdict: stats.Better,
			ratio: 0.7, lo: 0.7 * 0.985 / 1.005, hi: 0.7 * 1.005 / 0.985, n: 10,
			ratioCell: "0.70x better", intervalCell: "[0.69,0.71]"},
		{name: "identical", new: ten(1000), old: ten(1000), higher: true, verdict: stats.Same,
			ratio: 1, lo: 0.985 / 1.005, hi: 1.005 / 0.985, n: 10,
			ratioCell: "~ 1.00x", intervalCell: "[0.98,1.02]"},
		// Significant (every new round above every old one, the interval
		// above 1) but 1 % is under the 2 % minimal effect. The two middle
		// ratios are 1015/1005 and 1014/1004.
		{name: "below the minimal effect", new: []float64{1010, 1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018, 1019},
			old: []float64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009}, higher: true, verdict: stats.Same,
			ratio: math.Sqrt(1015.0 / 1005 * 1014 / 1004), lo: 1014.0 / 1008, hi: 1015.0 / 1001, n: 10,
			ratioCell: "~ 1.01x", intervalCell: "[1.01,1.01]"},
		// 5 rounds each are enough at 99 %: P(U = 0) = 1/C(10,5) = 1/252
		// ≤ 0.005, so k = 0 and the interval is the range of the ratios,
		// of coverage 1 − 2/252 = 99.2 %.
		{name: "5 rounds each", new: ten(700)[:5], old: ten(1000)[:5], higher: true, verdict: stats.Worse,
			ratio: 0.7, lo: 0.7 * 0.98 / 1.0, hi: 0.7 * 1.0 / 0.98, n: 5,
			ratioCell: "0.70x worse", intervalCell: "[0.69,0.71]"},
		// 4 each are not (1/C(8,4) = 1/70 > 0.005): no verdict, and the
		// interval is the range of the ratios.
		{name: "too few rounds", new: ten(700)[:4], old: ten(1000)[:4], higher: true, verdict: stats.Same,
			ratio: 0.7, lo: 0.7 * 0.98 / 0.995, hi: 0.7 * 0.995 / 0.98, n: 4, tooFew: true,
			warning:   "too few rounds: 4 new and 4 old, a verdict needs 5 of each",
			ratioCell: "~ 0.70x", intervalCell: "(n=4)"},
		// One value per run (an old single-window run).
		{name: "one value each", new: []float64{700}, old: []float64{1000}, higher: true, verdict: stats.Same,
			ratio: 0.7, lo: 0.7, hi: 0.7, n: 1, tooFew: true, warning: "too few rounds",
			ratioCell: "~ 0.70x", intervalCell: "(n=1)"},
		{name: "no rounds", new: nil, old: ten(1000), higher: true, verdict: stats.Same,
			n: 0, tooFew: true, warning: "no rounds to compare", ratioCell: "n/a"},
		// Error rates: none in either run. 0/0 counts as equal.
		{name: "zeros in both", new: make([]float64, 10), old: make([]float64, 10), higher: false, verdict: stats.Same,
			ratio: 1, lo: 1, hi: 1, n: 10, ratioCell: "~ 1.00x", intervalCell: "[1.00,1.00]"},
		// Errors appear: every ratio is +Inf, so is the interval; worse.
		{name: "from zero", new: ten(0.01), old: make([]float64, 10), higher: false, verdict: stats.Worse,
			ratio: inf, lo: inf, hi: inf, n: 10, warning: "the old median is 0: the ratio is unbounded", ratioCell: "∞x worse", intervalCell: "[∞,∞]"},
		// Errors vanish.
		{name: "to zero", new: make([]float64, 10), old: ten(0.01), higher: false, verdict: stats.Better,
			ratio: 0, lo: 0, hi: 0, n: 10, ratioCell: "0x better", intervalCell: "[0,0]"},
		// Errors in half the new rounds, none before: 50 ratios 0/0 = 1 and
		// 50 of +Inf, the median between them +Inf, the 17th smallest 1.
		// The tied ratios keep the interval at 1: no verdict.
		{name: "from zero in half the rounds", new: zerosThen(5, 0.01), old: make([]float64, 10), higher: false, verdict: stats.Same,
			ratio: inf, lo: 1, hi: inf, n: 10, warning: "the old median is 0", ratioCell: "~ ∞x", intervalCell: "[1.00,∞]"},
		// Half the old rounds 0: 50 ratios +Inf, 50 of a_i/1, five of each
		// a_i; the 17th smallest is a_3.
		{name: "half the old rounds zero", new: ten(1), old: zerosThen(5, 1), higher: true, verdict: stats.Same,
			ratio: inf, lo: 0.995, hi: inf, n: 10, warning: "half the old rounds are 0: the ratio is unbounded",
			ratioCell: "~ ∞x", intervalCell: "[0.99,∞]"},
		// Rare errors in both runs: 81 ratios 0/0 = 1 in the middle.
		{name: "rare errors", new: zerosThen(9, 0.002), old: zerosThen(9, 0.001), higher: false, verdict: stats.Same,
			ratio: 1, lo: 1, hi: 1, n: 10, ratioCell: "~ 1.00x", intervalCell: "[1.00,1.00]"},
		// A NaN and a negative round are dropped; 9 new rounds remain. The
		// two middle of the 90 ratios are 0.7·1.02/1.025 and 0.7.
		{name: "dropped", new: append(ten(700)[:9], math.NaN()), old: append(ten(1000), -1), higher: true, verdict: stats.Worse,
			ratio: 0.7 * math.Sqrt(1.02/1.025), lo: 0.7 * 0.995 / 1.02, hi: 0.7 * 1.015 / 0.995, n: 9,
			warning: "new: 1 round dropped: NaN, infinite or negative; old: 1 round dropped", ratioCell: "0.70x worse", intervalCell: "[0.68,0.71]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			newCopy := append([]float64(nil), tc.new...)
			got := c.CompareUnpaired(tc.new, tc.old, tc.higher)
			if got.Verdict != tc.verdict || got.N != tc.n || got.TooFew != tc.tooFew {
				t.Errorf("verdict %s, n %d, too few %v; want %s, %d, %v (%+v)", got.Verdict, got.N, got.TooFew, tc.verdict, tc.n, tc.tooFew, got)
			}
			if tc.n > 0 && (!nearUnpaired(got.Ratio, tc.ratio) || !nearUnpaired(got.Lo, tc.lo) || !nearUnpaired(got.Hi, tc.hi)) {
				t.Errorf("ratio %v [%v,%v], want %v [%v,%v]", got.Ratio, got.Lo, got.Hi, tc.ratio, tc.lo, tc.hi)
			}
			if math.IsNaN(got.Ratio) || math.IsNaN(got.Lo) || math.IsNaN(got.Hi) {
				t.Errorf("NaN in %+v", got)
			}
			if tc.warning == "" && got.Warning != "" || !strings.Contains(got.Warning, tc.warning) {
				t.Errorf("warning %q, want it to contain %q", got.Warning, tc.warning)
			}
			if r, iv := got.FormatParts(); r != tc.ratioCell || iv != tc.intervalCell {
				t.Errorf("FormatParts = %q, %q; want %q, %q", r, iv, tc.ratioCell, tc.intervalCell)
			}
			for k := range newCopy {
				if !(newCopy[k] == tc.new[k] || math.IsNaN(newCopy[k]) && math.IsNaN(tc.new[k])) {
					t.Fatalf("values modified: %v, was %v", tc.new, newCopy)
				}
			}
		})
	}
}

// nearUnpaired reports whether a and b agree to 1e-9 relative (or are both +Inf).
func nearUnpaired(a, b float64) bool {
	if math.IsInf(a, 1) || math.IsInf(b, 1) {
		return a == b
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

func TestCompareUnpairedManyRounds(t *testing.T) {
	// Past 65,536 pairs the ratios' order statistics are selected without
	// sorting the ratios: they must be those of the sorted ratios. With
	// continuous values (distinct ratios) the rank k of Lo is unique, and
	// Hi and Confidence (the normal approximation here) must match it; runs
	// of the same lengths with ties and zeros must give the ratios of the
	// same ranks.
	const n, m = 300, 250
	r := rand.New(rand.NewPCG(21, 22))
	draw := func(size int, factor float64, kind int) []float64 {
		out := make([]float64, size)
		for k := range out {
			v := factor * math.Exp(0.1*r.NormFloat64())
			switch kind {
			case 1:
				v = math.Round(20*v) / 20
			case 2:
				if r.Float64() < 0.6 {
					v = 0
				}
			}
			out[k] = v
		}
		return out
	}
	median := func(ref []float64) float64 {
		a, b := ref[len(ref)/2-1], ref[len(ref)/2]
		switch {
		case a == b:
			return a
		case a == 0:
			return 0
		case math.IsInf(b, 1):
			return b
		}
		return math.Sqrt(a * b)
	}
	c := stats.CompareCriteria()
	nw, old := draw(n, 1.01, 0), draw(m, 1, 0)
	got := c.CompareUnpaired(nw, old, true)
	ref := refRatios(nw, old)
	k := slices.Index(ref, got.Lo)
	nm := n * m
	if k < 0 || ref[k+1] == got.Lo || ref[nm-1-k] != got.Hi || !nearUnpaired(got.Ratio, median(ref)) {
		t.Fatalf("%+v: want [ref[k], ref[nm−1−k]] for one k (k = %d) and ratio %v", got, k, median(ref))
	}
	sd := math.Sqrt(float64(nm) * (n + m + 1) / 12)
	p := 0.5 * math.Erfc(-(float64(k)+0.5-float64(nm)/2)/(sd*math.Sqrt2))
	if !nearUnpaired(got.Confidence, 1-2*p) || got.Confidence < 0.99 {
		t.Errorf("confidence %v, want 1 − 2·Φ((k + 0.5 − nm/2)/sd) = %v for k = %d", got.Confidence, 1-2*p, k)
	}
	t.Logf("%d × %d at 99 %%: k = %d, %s", n, m, k, got.Format())
	for kind := 1; kind <= 2; kind++ {
		for _, factor := range []float64{1, 1.05, 0.5} {
			nw, old := draw(n, factor, kind), draw(m, 1, kind)
			got := c.CompareUnpaired(nw, old, true)
			ref := refRatios(nw, old)
			if got.Lo != ref[k] || got.Hi != ref[nm-1-k] || !nearUnpaired(got.Ratio, median(ref)) {
				t.Errorf("kind %d, factor %v: %+v, want %v [%v,%v]", kind, factor, got, median(ref), ref[k], ref[nm-1-k])
			}
		}
	}
}

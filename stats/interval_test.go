package stats_test

import (
	"math"
	"slices"
	"testing"

	"github.com/reusebench/reusebench/stats"
)

// repeat returns n copies of v.
func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func noNaN(t *testing.T, name string, fs ...float64) {
	t.Helper()
	for _, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			t.Errorf("%s: non-finite field %v", name, f)
		}
	}
}

func TestSummarizeRounds(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name   string
		values []float64
		want   stats.Interval
	}{
		// 6 values: the 95 % interval of the median is [min, max], covering
		// it with probability 1-2/2^6 = 0.96875; the median is (3+4)/2.
		{"6 values", []float64{5, 1, 4, 2, 3, 6},
			stats.Interval{Center: 3.5, Lo: 1, Hi: 6, Confidence: 0.96875, N: 6}},
		// 10 values: [2nd, 9th], 1-2·(1+10)/1024 = 0.978515625.
		{"10 values", []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1},
			stats.Interval{Center: 5.5, Lo: 2, Hi: 9, Confidence: 0.978515625, N: 10}},
		// 5 values are too few at 95 % (benchmath gives -Inf): the range,
		// which holds the median with probability 1-2/32 = 0.9375.
		{"5 values", []float64{3, 1, 2, 5, 4},
			stats.Interval{Center: 3, Lo: 1, Hi: 5, Confidence: 0.9375, N: 5, TooFew: true,
				Warning: "only 5 rounds: a 95% interval needs 6; showing their range"}},
		// One value: its range is the point, with no confidence at all.
		{"1 value", []float64{7},
			stats.Interval{Center: 7, Lo: 7, Hi: 7, Confidence: 0, N: 1, TooFew: true,
				Warning: "only 1 round: a 95% interval needs 6; showing their range"}},
		// All equal: a zero-width interval, no warning.
		{"all equal", repeat(2.5, 10),
			stats.Interval{Center: 2.5, Lo: 2.5, Hi: 2.5, Confidence: 0.978515625, N: 10}},
		// NaN and ±Inf are dropped, leaving 1..6.
		{"NaN and Inf dropped", []float64{1, nan, 2, inf, 3, 4, 5, 6, -inf},
			stats.Interval{Center: 3.5, Lo: 1, Hi: 6, Confidence: 0.96875, N: 6,
				Warning: "3 rounds dropped: NaN or infinite"}},
		// Zero and negative values are legitimate figures for a summary.
		{"zeros kept", []float64{0, 0, 0, 0, 0, 0, -1},
			stats.Interval{Center: 0, Lo: -1, Hi: 0, Confidence: 0.984375, N: 7}},
		{"none", nil, stats.Interval{TooFew: true, Warning: "no rounds"}},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.values)
		got := stats.SummarizeRounds(in)
		if got != tt.want {
			t.Errorf("%s: SummarizeRounds = %+v, want %+v", tt.name, got, tt.want)
		}
		noNaN(t, tt.name, got.Center, got.Lo, got.Hi, got.Confidence)
		if !slices.EqualFunc(in, tt.values, func(a, b float64) bool { return a == b || a != a && b != b }) {
			t.Errorf("%s: SummarizeRounds modified its input: %v", tt.name, in)
		}
	}
}

func TestCompareRounds(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	hundred := repeat(100, 10)
	tests := []struct {
		name             string
		values, baseline []float64
		higherIsBetter   bool
		c                stats.Criteria // zero: CompareRounds
		want             stats.Ratio
		format           string
	}{
		// Ratios 1.2, 1.1, 1.3, 1.2: median 1.2; 4 rounds are too few at
		// 99 % (8 needed), so the range [1.1, 1.3] (1-2/16 = 0.875) and Same.
		{"4 rounds", []float64{12, 11, 13, 12}, repeat(10, 4), true, stats.Criteria{},
			stats.Ratio{Ratio: 1.2, Lo: 1.1, Hi: 1.3, Confidence: 0.875, Verdict: stats.Same, N: 4, TooFew: true,
				Warning: "only 4 rounds: a 99% interval needs 8; showing their range"},
			"~ 1.20x (n=4)"},
		// 7 rounds of exactly ×1.5 are still too few for a verdict at 99 %.
		{"7 rounds", repeat(15, 7), repeat(10, 7), true, stats.Criteria{},
			stats.Ratio{Ratio: 1.5, Lo: 1.5, Hi: 1.5, Confidence: 0.984375, Verdict: stats.Same, N: 7, TooFew: true,
				Warning: "only 7 rounds: a 99% interval needs 8; showing their range"},
			"~ 1.50x (n=7)"},
		// 8 rounds: the 99 % interval is [min, max] (1-2/256 = 0.9921875).
		// Identical rounds: ratio 1 with a zero-width interval that does not
		// exclude 1.
		{"8 equal rounds", repeat(100, 8), repeat(100, 8), true, stats.Criteria{},
			stats.Ratio{Ratio: 1, Lo: 1, Hi: 1, Confidence: 0.9921875, Verdict: stats.Same, N: 8},
			"~ 1.00x [1.00,1.00]"},
		// Every round exactly ×1.5: a zero-width interval excluding 1.
		{"10 rounds of x1.5", repeat(150, 10), hundred, true, stats.Criteria{},
			stats.Ratio{Ratio: 1.5, Lo: 1.5, Hi: 1.5, Confidence: 0.998046875, Verdict: stats.Better, N: 10},
			"1.50x [1.50,1.50] better"},
		// Latency, lower is better. Ratios sorted: .77 .78 .79 .80 .81 .81
		// .82 .83 .84 .85; median .81; at 10 rounds the 99 % interval is
		// [min, max] = [.77, .85], which excludes 1, and .81 < 1/1.02.
		{"latency -19%", []float64{80, 82, 78, 85, 79, 81, 83, 77, 84, 81}, hundred, false, stats.Criteria{},
			stats.Ratio{Ratio: 0.81, Lo: 0.77, Hi: 0.85, Confidence: 0.998046875, Verdict: stats.Better, N: 10},
			"0.81x [0.77,0.85] better"},
		// The same figures as throughput: worse.
		{"throughput -19%", []float64{80, 82, 78, 85, 79, 81, 83, 77, 84, 81}, hundred, true, stats.Criteria{},
			stats.Ratio{Ratio: 0.81, Lo: 0.77, Hi: 0.85, Confidence: 0.998046875, Verdict: stats.Worse, N: 10},
			"0.81x [0.77,0.85] worse"},
		// Every round about 1 % faster: the interval [1.006, 1.016] excludes
		// 1, but 1.01 is below the 2 % minimal effect: Same.
		{"1% below the minimal effect", []float64{101, 101.6, 100.6, 101.2, 100.8, 101, 101.1, 100.9, 101.3, 100.7}, hundred, true, stats.Criteria{},
			stats.Ratio{Ratio: 1.01, Lo: 1.006, Hi: 1.016, Confidence: 0.998046875, Verdict: stats.Same, N: 10},
			"~ 1.01x [1.01,1.02]"},
		// The same with no minimal effect: Better.
		{"1% with no minimal effect", []float64{101, 101.6, 100.6, 101.2, 100.8, 101, 101.1, 100.9, 101.3, 100.7}, hundred, true, stats.Criteria{Confidence: 0.99},
			stats.Ratio{Ratio: 1.01, Lo: 1.006, Hi: 1.016, Confidence: 0.998046875, Verdict: stats.Better, N: 10},
			"1.01x [1.01,1.02] better"},
		// Five rounds dropped (a zero value, a zero baseline, NaN, a negative
		// baseline, an infinite baseline); the 8 left are all ×1.2.
		{"bad rounds dropped",
			[]float64{0, 12, nan, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12},
			[]float64{10, 0, 10, -10, inf, 10, 10, 10, 10, 10, 10, 10, 10}, true, stats.Criteria{},
			stats.Ratio{Ratio: 1.2, Lo: 1.2, Hi: 1.2, Confidence: 0.9921875, Verdict: stats.Better, N: 8,
				Warning: "5 rounds dropped: a value zero, negative, NaN or infinite"},
			"1.20x [1.20,1.20] better"},
		// 12 rounds against 10: the extra two (which would change nothing
		// here anyway) are ignored.
		{"unequal lengths", append(repeat(120, 10), 1000, 1000), hundred, true, stats.Criteria{},
			stats.Ratio{Ratio: 1.2, Lo: 1.2, Hi: 1.2, Confidence: 0.998046875, Verdict: stats.Better, N: 10,
				Warning: "12 rounds against 10: compared the first 10"},
			"1.20x [1.20,1.20] better"},
		{"all dropped", []float64{0, 0}, []float64{1, 1}, true, stats.Criteria{},
			stats.Ratio{Verdict: stats.Same, TooFew: true, Warning: "2 rounds dropped: a value zero, negative, NaN or infinite; no rounds"},
			"n/a"},
		{"none", nil, nil, true, stats.Criteria{},
			stats.Ratio{Verdict: stats.Same, TooFew: true, Warning: "no rounds"}, "n/a"},
	}
	for _, tt := range tests {
		values, baseline := slices.Clone(tt.values), slices.Clone(tt.baseline)
		var got stats.Ratio
		if tt.c == (stats.Criteria{}) {
			got = stats.CompareRounds(values, baseline, tt.higherIsBetter)
		} else {
			got = tt.c.Compare(values, baseline, tt.higherIsBetter)
		}
		// Ratios are quotients, compared to a few ulps.
		near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Abs(b) }
		if !near(got.Ratio, tt.want.Ratio) || !near(got.Lo, tt.want.Lo) || !near(got.Hi, tt.want.Hi) {
			t.Errorf("%s: ratio %v [%v, %v], want %v [%v, %v]", tt.name, got.Ratio, got.Lo, got.Hi, tt.want.Ratio, tt.want.Lo, tt.want.Hi)
		}
		got.Ratio, got.Lo, got.Hi = tt.want.Ratio, tt.want.Lo, tt.want.Hi
		if got != tt.want {
			t.Errorf("%s: CompareRounds = %+v, want %+v", tt.name, got, tt.want)
		}
		if f := got.Format(); f != tt.format {
			t.Errorf("%s: Format = %q, want %q", tt.name, f, tt.format)
		}
		noNaN(t, tt.name, got.Ratio, got.Lo, got.Hi, got.Confidence)
		same := func(a, b float64) bool { return a == b || a != a && b != b }
		if !slices.EqualFunc(values, tt.values, same) || !slices.EqualFunc(baseline, tt.baseline, same) {
			t.Errorf("%s: CompareRounds modified its input", tt.name)
		}
	}
}

func TestRatioFormat(t *testing.T) {
	tests := []struct {
		r    stats.Ratio
		want string
	}{
		{stats.Ratio{Ratio: 1.234, Lo: 1.18, Hi: 1.29, Verdict: stats.Better, N: 10}, "1.23x [1.18,1.29] better"},
		{stats.Ratio{Ratio: 0.81, Lo: 0.77, Hi: 0.85, Verdict: stats.Worse, N: 10}, "0.81x [0.77,0.85] worse"},
		{stats.Ratio{Ratio: 0.99, Lo: 0.95, Hi: 1.03, Verdict: stats.Same, N: 10}, "~ 0.99x [0.95,1.03]"},
		{stats.Ratio{Ratio: 1.02, Lo: 1, Hi: 1.05, Verdict: stats.Same, N: 10}, "~ 1.02x [1.00,1.05]"},
		{stats.Ratio{Ratio: 1.2, Lo: 1.1, Hi: 1.3, Verdict: stats.Same, N: 4, TooFew: true}, "~ 1.20x (n=4)"},
		{stats.Ratio{Verdict: stats.Same, TooFew: true}, "n/a"},
		// Three significant digits for large and small ratios.
		{stats.Ratio{Ratio: 12.34, Lo: 11.8, Hi: 12.9, Verdict: stats.Better, N: 10}, "12.3x [11.8,12.9] better"},
		{stats.Ratio{Ratio: 250, Lo: 231.4, Hi: 268.7, Verdict: stats.Better, N: 10}, "250x [231,269] better"},
		{stats.Ratio{Ratio: 9.996, Lo: 9.5, Hi: 10.4, Verdict: stats.Better, N: 10}, "10.0x [9.50,10.4] better"},
		{stats.Ratio{Ratio: 0.0812, Lo: 0.0751, Hi: 0.0883, Verdict: stats.Worse, N: 10}, "0.081x [0.075,0.088] worse"},
		// A bound that would print as 1.00 gets the decimals to show which
		// side of 1 it is on.
		{stats.Ratio{Ratio: 1.05, Lo: 1.004, Hi: 1.09, Verdict: stats.Better, N: 10}, "1.05x [1.004,1.09] better"},
		{stats.Ratio{Ratio: 0.97, Lo: 0.93, Hi: 0.9996, Verdict: stats.Worse, N: 10}, "0.97x [0.93,0.9996] worse"},
	}
	for _, tt := range tests {
		got := tt.r.Format()
		if got != tt.want {
			t.Errorf("Format(%+v) = %q, want %q", tt.r, got, tt.want)
		}
		if len(got) > 26 {
			t.Errorf("Format(%+v) = %q: %d characters, want ≤ 26", tt.r, got, len(got))
		}
	}
}

func TestCriteriaMinRounds(t *testing.T) {
	// The fewest n with 1-2/2^n ≥ confidence, [min, max] covering the median.
	tests := []struct {
		c    stats.Criteria
		want int
	}{
		{stats.Criteria{}, 6},                       // 1-2/64 = 0.969 ≥ 0.95 > 1-2/32
		{stats.CompareCriteria(), 8},                // 1-2/256 = 0.992 ≥ 0.99 > 1-2/128
		{stats.Criteria{Confidence: 0.9}, 5},        // 1-2/32 = 0.9375 ≥ 0.9 > 0.875
		{stats.Criteria{Confidence: 0.999}, 11},     // 1-2/2048 ≥ 0.999 > 1-2/1024
		{stats.Criteria{Confidence: 1.5}, 6},        // invalid: 95 %
		{stats.Criteria{Confidence: math.NaN()}, 6}, // invalid: 95 %
	}
	for _, tt := range tests {
		if got := tt.c.MinRounds(); got != tt.want {
			t.Errorf("%+v.MinRounds() = %d, want %d", tt.c, got, tt.want)
		}
	}
}

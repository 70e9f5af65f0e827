// Statistics over rounds.
//
// Each profile's per-round figures get their median with a distribution-free
// 95 % interval from order statistics (benchstat's benchmath.AssumeNothing).
// A comparison takes the ratio of each round of a profile to the baseline's
// round that ran next to it, so that drift shared by both cancels, and reports
// the median ratio with the same kind of interval; that interval excludes 1
// exactly when a sign test on the rounds rejects "no difference", which needs
// no normality, only rounds that are independent given the drift. A verdict
// (better or worse) needs a 99 % interval that excludes 1 and a median ratio
// at least 2 % away from 1: in simulations of identical profiles a 95 %
// interval alone says better or worse in about 4 % of comparisons (2 of 20 in
// a fifth of 10-run campaigns), and far more often when quiet rounds meet a
// small bias of the interleaving, while 99 % and 2 % keep it under 1 %. The
// price is rounds: no verdict under 8, and at 10 every ratio on one side.

package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"

	"github.com/reusebench/reusebench/results"
)

const (
	// SummaryConfidence is the confidence level of SummarizeRounds.
	SummaryConfidence = 0.95
	// CompareConfidence is the confidence level of CompareRounds, stricter
	// than SummaryConfidence so that identical profiles are rarely called
	// different (see the tests for the measured rates).
	CompareConfidence = 0.99
	// MinEffect is the smallest relative difference of the median ratio from
	// 1 (2 %) that CompareRounds calls better or worse.
	MinEffect = 0.02
)

// Interval is a centre (the median of the values) with its confidence
// interval.
type Interval struct {
	// Center is the median of the values.
	Center float64
	// Lo and Hi bound the interval. With too few values (TooFew) they are
	// the smallest and the largest value, whose Confidence is lower than
	// asked; with all values equal they equal Center.
	Lo, Hi float64
	// Confidence is the interval's actual coverage of the true median
	// (order-statistics intervals are exact, so it is at least the level
	// asked for, e.g. 0.979 for 10 values at 95 %), unless TooFew.
	Confidence float64
	// N is how many values were used (NaN and ±Inf are dropped).
	N int
	// TooFew says there were fewer values than the confidence level needs
	// (6 at 95 %): [Lo,Hi] is then only the values' range.
	TooFew bool
	// Warning is non-empty when values were dropped or too few remained.
	Warning string
}

// Verdict is a comparison's conclusion.
type Verdict string

// The verdicts of a comparison, always said of the profile against its
// baseline.
const (
	Better Verdict = results.Better
	Worse  Verdict = results.Worse
	Same   Verdict = results.Same
)

// Ratio is a comparison of a profile with its baseline: for rounds paired in
// time (CompareRounds) the median of the per-round ratios profile/baseline,
// for unpaired rounds (CompareUnpaired) the median of every pair's ratio;
// with its interval and verdict.
type Ratio struct {
	// Ratio is the median per-round ratio, Lo and Hi its interval (as in
	// Interval; 0 when N is 0).
	Ratio, Lo, Hi float64
	// Confidence is the interval's actual coverage, as in Interval.
	Confidence float64
	// Verdict is Better or Worse only when the interval excludes 1 and the
	// ratio differs from 1 by at least the minimal effect; otherwise Same.
	Verdict Verdict
	// N is the number of rounds compared.
	N int
	// TooFew says there were too few rounds for an interval; Verdict is Same.
	TooFew bool
	// Warning is non-empty when rounds were dropped, the lengths differed or
	// too few rounds remained.
	Warning string
}

// Criteria are the statistical choices behind intervals and verdicts. The
// zero value is SummarizeRounds' (95 %, no minimal effect); CompareCriteria
// returns CompareRounds'.
type Criteria struct {
	// Confidence is the confidence level in (0,1); any other value means
	// SummaryConfidence.
	Confidence float64
	// MinEffect is the smallest relative difference of the ratio from 1
	// (0.02 for 2 %, symmetric on a log scale: 1.02 or 1/1.02) that gets a
	// verdict other than Same. Zero or negative means none.
	MinEffect float64
}

// CompareCriteria returns the criteria of CompareRounds: CompareConfidence
// and MinEffect.
func CompareCriteria() Criteria {
	return Criteria{Confidence: CompareConfidence, MinEffect: MinEffect}
}

// SummarizeRounds returns the median of the per-round values with its 95 %
// order-statistics interval (see Criteria.Summarize).
func SummarizeRounds(values []float64) Interval {
	return Criteria{Confidence: SummaryConfidence}.Summarize(values)
}

// CompareRounds compares the per-round values of a profile with those of its
// baseline, round k with round k, under CompareCriteria (see
// Criteria.Compare): a 99 % interval and a 2 % minimal effect.
func CompareRounds(values, baseline []float64, higherIsBetter bool) Ratio {
	return CompareCriteria().Compare(values, baseline, higherIsBetter)
}

func (c Criteria) confidence() float64 {
	if c.Confidence > 0 && c.Confidence < 1 {
		return c.Confidence
	}
	return SummaryConfidence
}

// MinRounds returns the fewest values that give an interval at c's
// confidence level: 6 at 95 %, 8 at 99 %.
func (c Criteria) MinRounds() int {
	conf := c.confidence()
	n := 2
	for n < 64 && 1-math.Ldexp(1, 1-n) < conf {
		n++
	}
	return n
}

// Summarize returns the median of values with its order-statistics interval
// (benchmath.AssumeNothing). NaN and ±Inf values are dropped; values is not
// modified.
func (c Criteria) Summarize(values []float64) Interval {
	kept := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			kept = append(kept, v)
		}
	}
	iv := c.summarize(kept)
	if d := len(values) - len(kept); d > 0 {
		iv.Warning = joinWarnings(rounds(d)+" dropped: NaN or infinite", iv.Warning)
	}
	return iv
}

// summarize summarises finite values, sorting them in place.
func (c Criteria) summarize(values []float64) Interval {
	n := len(values)
	if n == 0 {
		return Interval{TooFew: true, Warning: "no rounds"}
	}
	conf := c.confidence()
	// NewSample sorts values in place.
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(values, &benchmath.DefaultThresholds), conf)
	iv := Interval{Center: s.Center, Lo: s.Lo, Hi: s.Hi, Confidence: s.Confidence, N: n}
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) {
		// benchmath leaves an unbounded side below MinRounds: report the
		// range instead, with the chance that it holds the true median.
		iv.Lo, iv.Hi = values[0], values[n-1]
		iv.Confidence = 1 - math.Ldexp(1, 1-n)
		iv.TooFew = true
		iv.Warning = fmt.Sprintf("only %s: a %s%% interval needs %d; showing their range",
			rounds(n), strconv.FormatFloat(100*conf, 'f', -1, 64), c.MinRounds())
	}
	return iv
}

// Compare compares the per-round values of a profile with those of its
// baseline. The sample is the per-round ratio values[k]/baseline[k]; the
// result is the median ratio with its interval (Summarize). The verdict is
// Better or Worse when there are enough rounds, the interval excludes 1 and
// the ratio is at least MinEffect away from 1, the direction told by
// higherIsBetter (throughput: true; latency: false); otherwise Same. Rounds
// where either value is zero, negative, NaN or infinite are dropped; with
// unequal lengths the common prefix is compared. Both are said in Warning.
func (c Criteria) Compare(values, baseline []float64, higherIsBetter bool) Ratio {
	n := min(len(values), len(baseline))
	var notes []string
	if len(values) != len(baseline) {
		notes = append(notes, fmt.Sprintf("%d rounds against %d: compared the first %d", len(values), len(baseline), n))
	}
	ratios := make([]float64, 0, n)
	for k := range n {
		a, b := values[k], baseline[k]
		r := a / b
		if a > 0 && b > 0 && r > 0 && !math.IsInf(r, 1) {
			ratios = append(ratios, r)
		}
	}
	if d := n - len(ratios); d > 0 {
		notes = append(notes, rounds(d)+" dropped: a value zero, negative, NaN or infinite")
	}
	iv := c.summarize(ratios)
	res := Ratio{Ratio: iv.Center, Lo: iv.Lo, Hi: iv.Hi, Confidence: iv.Confidence, N: iv.N,
		TooFew: iv.TooFew, Verdict: Same, Warning: joinWarnings(append(notes, iv.Warning)...)}
	big := 1 + max(c.MinEffect, 0)
	if !iv.TooFew && (iv.Lo > 1 || iv.Hi < 1) && (iv.Center >= big || iv.Center <= 1/big) {
		if (iv.Center > 1) == higherIsBetter {
			res.Verdict = Better
		} else {
			res.Verdict = Worse
		}
	}
	return res
}

// Format returns r for a table cell, benchstat-like, at most about 24
// characters: "1.23x [1.18,1.29] better" or "0.81x [0.77,0.85] worse" for a
// verdict, "~ 0.99x [0.95,1.03]" for Same (as benchstat's "~": no difference
// shown), "~ 1.20x (n=4)" with too few rounds for an interval, and "n/a" with
// none. Numbers keep about three significant digits, and a bound that would
// print as 1.00 without being 1 gets a third decimal (or more), so that a
// verdict's interval does not seem to touch 1. Extreme ratios take a few more
// characters: "0.081x [0.075,0.088] worse".
func (r Ratio) Format() string {
	switch {
	case r.N == 0:
		return "n/a"
	case r.TooFew:
		return fmt.Sprintf("~ %sx (n=%d)", FormatRatio(r.Ratio), r.N)
	}
	s := fmt.Sprintf("%sx [%s,%s]", FormatRatio(r.Ratio), formatBound(r.Lo), formatBound(r.Hi))
	if r.Verdict == Better || r.Verdict == Worse {
		return s + " " + string(r.Verdict)
	}
	return "~ " + s
}

// FormatRatio prints a ratio v > 0 with about three significant digits.
func FormatRatio(v float64) string {
	switch {
	case v >= 99.95:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 9.995:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 0.0995:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// formatBound is FormatRatio with more decimals (up to 5) for a bound that
// would otherwise print as 1.00 without being 1.
func formatBound(v float64) string {
	s := FormatRatio(v)
	for d := 3; d <= 5 && v != 1 && strings.TrimRight(s, "0") == "1."; d++ {
		s = strconv.FormatFloat(v, 'f', d, 64)
	}
	return s
}

// rounds returns "1 round" or "n rounds".
func rounds(n int) string {
	if n == 1 {
		return "1 round"
	}
	return strconv.Itoa(n) + " rounds"
}

// joinWarnings joins the non-empty warnings with "; ".
func joinWarnings(ws ...string) string {
	var kept []string
	for _, w := range ws {
		if w != "" {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, "; ")
}

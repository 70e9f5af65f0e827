package stats

import (
	"fmt"
	"math"
	"slices"
)

// CompareUnpaired compares the per-round values of two separate runs, new
// against old, whose rounds did not run side by side and so cannot be paired
// (Compare pairs the rounds of one run). Its ratio is the Hodges–Lehmann
// estimate, the median of the ratios of every new round to every old round,
// and its interval the Moses interval, two order statistics of those same
// ratios chosen from the exact distribution of the Mann–Whitney U statistic.
// Both are distribution-free and use every round of both runs without
// pairing them, so they suit rounds with no order in common; they shrug off
// a stray slow round, and assume only that the rounds are independent and,
// for the interval's coverage, that a change scales a run's values. The
// interval excludes 1 exactly when the Mann–Whitney test rejects "no
// difference" at the confidence level, so the verdict and the interval
// always agree: never "worse" next to an interval that includes 1.
//
// On a log scale, with d_ij = ln(new_i) − ln(old_j) = ln(new_i/old_j) for
// all n·m pairs, sorted: Ratio is exp of the median of d (for an even n·m,
// the geometric mean of the two middle ratios), and [Lo,Hi] is
// [exp d_(k+1), exp d_(nm−k)], where k is the largest integer with
// P(U ≤ k) ≤ α/2 under the null distribution of U for sizes n and m, at
// α = 1 − c's confidence level (exact for n·m up to 10,000, the normal
// approximation with continuity correction beyond). Confidence is the
// interval's coverage 1 − 2·P(U ≤ k), at least the level asked for (99.11 %
// for 10 rounds each at 99 %). The verdict is Better or Worse when the
// interval excludes 1 and the ratio is at least MinEffect away from 1 (on a
// log scale), the direction told by higherIsBetter; otherwise Same.
//
// When there is no such k, even the range of the ratios falls short of the
// level (2/C(n+m,n) > α; at 99 %: under 5 rounds each, see
// MinUnpairedRounds): the result is Same and TooFew, with that range as
// the interval, its coverage as Confidence and a warning.
//
// NaN, infinite and negative values are dropped, with a warning. Zeros are
// kept (an error rate or a connection rate is often zero), with ln 0 = −∞:
// a zero over a zero counts as a ratio of 1, anything positive over a zero
// as +Inf and a zero over anything positive as 0, and the estimate, the
// interval and the verdict are the same order statistics of these ratios.
// Zeros in both runs give 1 and Same; no errors before and some in every
// round after give +Inf and Worse (lower is better), the other way round 0
// and Better. Ratio, Lo and Hi can be 0 or +Inf but are never NaN. Ties (a
// new value equal to an old one, zeros in both) only make the verdict more
// cautious: a ratio of exactly 1 keeps the interval from excluding 1 where
// the U test would count it as half a pair on each side. N is the smaller
// of the two runs' counts.
func (c Criteria) CompareUnpaired(new, old []float64, higherIsBetter bool) Ratio {
	n, nDropped := usable(new)
	o, oDropped := usable(old)
	var notes []string
	if nDropped > 0 {
		notes = append(notes, "new: "+rounds(nDropped)+" dropped: NaN, infinite or negative")
	}
	if oDropped > 0 {
		notes = append(notes, "old: "+rounds(oDropped)+" dropped: NaN, infinite or negative")
	}
	if len(n) == 0 || len(o) == 0 {
		return Ratio{Verdict: Same, TooFew: true, N: min(len(n), len(o)),
			Warning: joinWarnings(append(notes, "no rounds to compare")...)}
	}
	// nth(q) is the q-th smallest of the n·m ratios new_i/old_j, exp of the
	// sorted d_ij: sorted when they are few, found without forming them
	// when they are many.
	nm := len(n) * len(o)
	var nth func(q int) float64
	if nm <= sortedRatiosMax {
		r := make([]float64, 0, nm)
		for _, a := range n {
			for _, b := range o {
				r = append(r, divZero(a, b))
			}
		}
		slices.Sort(r)
		nth = func(q int) float64 { return r[q-1] }
	} else {
		slices.Sort(n)
		slices.Sort(o)
		nth = func(q int) float64 { return nthRatio(n, o, q) }
	}
	res := Ratio{N: min(len(n), len(o)), Verdict: Same}
	if nm%2 == 1 {
		res.Ratio = nth(nm/2 + 1)
	} else {
		res.Ratio = geoMean(nth(nm/2), nth(nm/2+1))
	}
	if math.IsInf(res.Ratio, 1) {
		zeros := 0
		for _, b := range o {
			if b == 0 {
				zeros++
			}
		}
		if 2*zeros > len(o) {
			notes = append(notes, "the old median is 0: the ratio is unbounded")
		} else {
			notes = append(notes, "half the old rounds are 0: the ratio is unbounded")
		}
	}
	null := newUNull(len(n), len(o))
	k := null.critical((1 - c.confidence()) / 2)
	if k < 0 {
		res.Lo, res.Hi = nth(1), nth(nm)
		res.Confidence = max(1-2*null.cdf(0), 0)
		res.TooFew = true
		notes = append(notes, fmt.Sprintf("too few rounds: %d new and %d old, a verdict needs %d of each",
			len(n), len(o), c.MinUnpairedRounds()))
		res.Warning = joinWarnings(notes...)
		return res
	}
	res.Lo, res.Hi = nth(k+1), nth(nm-k)
	res.Confidence = 1 - 2*null.cdf(k)
	res.Warning = joinWarnings(notes...)
	// The interval holds the median of the ratios (k < nm/2), so when it
	// excludes 1 the ratio is on the same side of 1: |ln Ratio| > 0.
	if (res.Lo > 1 || res.Hi < 1) && math.Abs(math.Log(res.Ratio)) >= math.Log1p(max(c.MinEffect, 0)) {
		if (res.Ratio > 1) == higherIsBetter {
			res.Verdict = Better
		} else {
			res.Verdict = Worse
		}
	}
	return res
}

// MinUnpairedRounds returns the fewest rounds in each of two runs with which
// CompareUnpaired gives an interval (and so can give a verdict) at c's
// confidence level: the smallest n with 2/C(2n,n) ≤ 1 − level, 5 at 99 %
// and 4 at 95 %. Runs of unequal lengths may need fewer in one of them (4
// and 6 at 99 %, 2 and 19).
func (c Criteria) MinUnpairedRounds() int {
	tail := (1 - c.confidence()) / 2
	n := 1
	for n < 64 && newUNull(n, n).critical(tail) < 0 {
		n++
	}
	return n
}

// sortedRatiosMax is the largest n·m for which CompareUnpaired sorts the
// ratios (8·n·m bytes, 512 KiB); nthRatio selects beyond.
const sortedRatiosMax = 1 << 16

// nthRatio returns the q-th smallest (1-based) of the len(a)·len(b) ratios
// divZero(a_i, b_j), for a and b sorted and not negative. The ratios form a
// sorted matrix (non-decreasing in a_i, non-increasing in b_j, divZero
// included), so the ratios up to t can be counted in O(len(a)+len(b)) by
// walking its boundary, and the q-th is the least float64 t with at least q
// of them up to t: a bisection over the bit patterns of 0 … +Inf, which are
// ordered as their values. Exact, in O((len(a)+len(b))·64) time and no
// memory.
func nthRatio(a, b []float64, q int) float64 {
	count := func(t float64) int {
		c, j := 0, 0
		for _, x := range a {
			for j < len(b) && divZero(x, b[j]) > t {
				j++
			}
			c += len(b) - j
		}
		return c
	}
	lo, hi := math.Float64bits(0), math.Float64bits(math.Inf(1))
	for lo < hi {
		mid := lo + (hi-lo)/2
		if count(math.Float64frombits(mid)) >= q {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return math.Float64frombits(lo)
}

// geoMean is the geometric mean of 0 ≤ a ≤ b ≤ +Inf: the midpoint on a log
// scale, 0 with a = 0 and +Inf with b = +Inf (a = 0 with b = +Inf cannot
// be the two middle ratios of CompareUnpaired; it gives 1, not NaN).
func geoMean(a, b float64) float64 {
	switch {
	case a == b:
		return a
	case a == 0 && math.IsInf(b, 1):
		return 1
	case a == 0:
		return 0
	case math.IsInf(b, 1):
		return b
	}
	return math.Sqrt(a) * math.Sqrt(b)
}

// uExactMax is the largest n·m for which uNull computes the exact null
// distribution of U; beyond, it uses the normal approximation.
const uExactMax = 10000

// uNull is the null distribution of the Mann–Whitney U statistic for
// samples of sizes n and m (no ties): U counts the pairs (i, j) with
// x_i < y_j, and all C(n+m,n) orders of the two samples are equally likely.
type uNull struct {
	n, m int
	// cum[u] is the number of orders with U ≤ u, for u up to n·m/2, and
	// total is C(n+m,n); cum is nil for the normal approximation.
	cum   []float64
	total float64
}

// newUNull returns the null distribution of U for sizes n, m ≥ 1.
func newUNull(n, m int) uNull {
	u := uNull{n: n, m: m}
	if n*m > uExactMax {
		return u
	}
	// The counts of U = 0, 1, …, nm are the coefficients of the Gaussian
	// binomial [n+m choose s]_q = ∏_{i=1..s} (1 − q^(l+i))/(1 − q^i), with
	// s = min(n,m) and l = max(n,m) (the dynamic programme over counts in
	// the form of Harding, 1984). Coefficient u depends only on those
	// below it, so the product is kept up to u = nm/2, enough for the lower
	// tail; the counts are integers, exact in float64 up to 2^53 and
	// accurate to a few ulps beyond (C(200,100) ≈ 9·10^58 at nm = 10,000).
	s, l := min(n, m), max(n, m)
	half := n * m / 2
	f := make([]float64, half+1)
	f[0] = 1
	for i := 1; i <= s; i++ {
		for v := half; v >= l+i; v-- { // × (1 − q^(l+i))
			f[v] -= f[v-l-i]
		}
		for v := i; v <= half; v++ { // ÷ (1 − q^i)
			f[v] += f[v-i]
		}
	}
	// By symmetry (U and nm − U), the total is twice the counts below
	// nm/2, plus the middle count when nm is even.
	var below float64
	for v := 0; 2*v < n*m; v++ {
		below += f[v]
	}
	u.total = 2 * below
	if n*m%2 == 0 {
		u.total += f[half]
	}
	for v := 1; v <= half; v++ {
		f[v] += f[v-1]
	}
	u.cum = f
	return u
}

// cdf returns P(U ≤ k).
func (u uNull) cdf(k int) float64 {
	nm := u.n * u.m
	switch {
	case k < 0:
		return 0
	case k >= nm:
		return 1
	case u.cum == nil:
		mean := float64(nm) / 2
		sd := math.Sqrt(float64(nm) * float64(u.n+u.m+1) / 12)
		return 0.5 * math.Erfc(-(float64(k)+0.5-mean)/(sd*math.Sqrt2))
	case k < len(u.cum):
		return u.cum[k] / u.total
	}
	// P(U ≤ k) = 1 − P(U ≥ k+1) = 1 − P(U ≤ nm−k−1), by symmetry.
	return 1 - u.cum[nm-k-1]/u.total
}

// critical returns the largest k ≥ 0 with P(U ≤ k) ≤ tail, or −1 when even
// P(U = 0) = 1/C(n+m,n) is more. A relative slack of 10^-9 lets a level
// that is exactly a coverage (0.8 for n = m = 3: P(U ≤ 1) = 0.1) reach it
// despite rounding (1 − 0.8 is 0.19999999999999996).
func (u uNull) critical(tail float64) int {
	tail *= 1 + 1e-9
	if u.cum != nil {
		k := -1
		for k+1 < len(u.cum) && u.cum[k+1]/u.total <= tail {
			k++
		}
		return k
	}
	// Normal approximation: the k with (k + 0.5 − nm/2)/sd = Φ⁻¹(tail),
	// then adjusted to the exact criterion on the approximate cdf.
	nm := u.n * u.m
	sd := math.Sqrt(float64(nm) * float64(u.n+u.m+1) / 12)
	z := -math.Sqrt2 * math.Erfcinv(2*tail)
	k := int(math.Floor(float64(nm)/2 - 0.5 + z*sd))
	k = max(min(k, nm/2), -1)
	for k >= 0 && u.cdf(k) > tail {
		k--
	}
	for 2*(k+1) < nm && u.cdf(k+1) <= tail {
		k++
	}
	return k
}

// usable returns a copy of the finite, non-negative values and how many
// others were dropped.
func usable(values []float64) ([]float64, int) {
	kept := make([]float64, 0, len(values))
	for _, v := range values {
		if v >= 0 && !math.IsInf(v, 1) {
			kept = append(kept, max(v, 0)) // NaN fails v >= 0; −0 becomes 0
		}
	}
	return kept, len(values) - len(kept)
}

// divZero is a/b for a, b ≥ 0, with 0/0 = 1 (equal) and a/0 = +Inf.
func divZero(a, b float64) float64 {
	switch {
	case b > 0:
		return a / b
	case a == 0:
		return 1
	}
	return math.Inf(1)
}

// FormatParts returns the two halves of Format for a narrow cell of two
// lines: the ratio with its verdict ("0.70x worse", "1.43x better", "~ 0.99x"
// for Same, "~ 1.20x" with too few rounds, "n/a" with none) and the
// interval ("[0.66,0.74]"; "(n=4)" with too few rounds; "" with none). An
// infinite ratio or bound prints as "∞".
func (r Ratio) FormatParts() (ratio, interval string) {
	if r.N == 0 {
		return "n/a", ""
	}
	head := formatInf(r.Ratio, FormatRatio) + "x"
	switch {
	case r.TooFew:
		return "~ " + head, fmt.Sprintf("(n=%d)", r.N)
	case r.Verdict == Better || r.Verdict == Worse:
		head += " " + string(r.Verdict)
	default:
		head = "~ " + head
	}
	return head, "[" + formatInf(r.Lo, formatBound) + "," + formatInf(r.Hi, formatBound) + "]"
}

func formatInf(v float64, f func(float64) string) string {
	if math.IsInf(v, 1) {
		return "∞"
	}
	return f(v)
}

package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/reusebench/reusebench/results"
)

// Recommend returns a sweep's recommendation, one per swept profile and load
// level, in the order the profiles first appear: the smallest value of the
// knob (the order of Settings.Sweep.Values) whose throughput and p99 are not
// significantly worse than the best value's, nor its new connections, the
// best being the value with the highest median per-round throughput.
// "Significantly worse" is CompareRounds' verdict Worse on the rounds paired
// with the best's (99 % interval, 2 % effect), and for new connections per
// 1,000 requests compareConns' (99 % interval of the per-round differences,
// MinConnsEffect): a pool that closes and redials is worse even when a busy
// machine hides what the redials cost. When no value is distinguishable
// from another — every pair Same in all three — or there are too few rounds
// for a verdict, nothing is picked and Reason says so. A run without a knob
// swept has no recommendation.
func Recommend(res *results.Results) []results.Recommendation {
	sw := res.Settings.Sweep
	if sw == nil || sw.Key == "" {
		return nil
	}
	rank := map[string]int{}
	for i, v := range sw.Values {
		rank[v] = i
	}
	type groupKey struct {
		from string
		load float64
	}
	groups := map[groupKey][]*results.Profile{}
	var order []groupKey
	for i := range res.Profiles {
		p := &res.Profiles[i]
		if p.Sweep == nil {
			continue
		}
		k := groupKey{p.Sweep.Profile, res.Level(p)}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], p)
	}
	var out []results.Recommendation
	for _, k := range order {
		ms := groups[k]
		// Smallest first: insertion sort by the value's rank (a value
		// missing from Values sorts last, in the order of the profiles).
		r := func(p *results.Profile) int {
			if n, ok := rank[p.Sweep.Value]; ok {
				return n
			}
			return len(rank)
		}
		for i := 1; i < len(ms); i++ {
			for j := i; j > 0 && r(ms[j]) < r(ms[j-1]); j-- {
				ms[j], ms[j-1] = ms[j-1], ms[j]
			}
		}
		rec := recommendOne(ms)
		rec.Profile, rec.Load, rec.Key = k.from, k.load, sw.Key
		out = append(out, rec)
	}
	return out
}

// recommendOne applies the rule to the profiles of one group, smallest value
// first; the caller fills in the profile, load and key.
func recommendOne(ms []*results.Profile) results.Recommendation {
	var rec results.Recommendation
	if len(ms) == 0 {
		return rec
	}
	fs := make([]figures, len(ms))
	best := 0
	for i, p := range ms {
		fs[i] = figuresOf(p.Rounds)
		if medianThroughput(p, fs[i]) > medianThroughput(ms[best], fs[best]) {
			best = i
		}
	}
	rec.Best = ms[best].Sweep.Value
	need := CompareCriteria().MinRounds()
	for _, f := range fs {
		if n := len(f.throughput); n < need {
			rec.Reason = fmt.Sprintf("only %s per value, and a verdict needs %d (--rounds %d or more)", rounds(n), need, 2*need)
			return rec
		}
	}
	if len(ms) < 2 {
		rec.Reason = "only one value ran"
		return rec
	}
	if !distinguishable(fs) {
		rec.Reason = fmt.Sprintf("no value is distinguishable from another in req/s, p99 or new connections (%d rounds, 99 %% intervals); choose on other grounds", len(fs[0].throughput))
		return rec
	}
	pick := best
	for i := range ms {
		if worse(fs[i], fs[best]) == "" {
			pick = i
			break
		}
	}
	rec.Value = ms[pick].Sweep.Value
	var b strings.Builder
	if pick == best {
		b.WriteString("the best (highest median req/s)")
	} else {
		fmt.Fprintf(&b, "not significantly worse than the best (%s)", rec.Best)
	}
	fmt.Fprintf(&b, ", with %s new connections per 1,000 requests", FormatPerThousand(ms[pick].ConnsPerThousand()))
	if pick != best {
		fmt.Fprintf(&b, " (%s: %s)", rec.Best, FormatPerThousand(ms[best].ConnsPerThousand()))
	}
	if pick > 0 { // why not the next smaller value
		fmt.Fprintf(&b, "; %s is worse: %s (%s new connections per 1,000 requests)", ms[pick-1].Sweep.Value,
			worse(fs[pick-1], fs[best]), FormatPerThousand(ms[pick-1].ConnsPerThousand()))
	}
	rec.Reason = b.String()
	return rec
}

// worse says in words how a value's rounds are significantly worse than the
// best's: its throughput, its p99 (CompareRounds' verdict Worse), or its new
// connections (compareConns); "" when they are not.
func worse(f, best figures) string {
	if r := CompareRounds(f.throughput, best.throughput, true); r.Verdict == Worse {
		return "req/s " + strings.TrimSuffix(r.Format(), " worse") + " of the best's"
	}
	if r := CompareRounds(f.p99, best.p99, false); r.Verdict == Worse {
		return "p99 " + strings.TrimSuffix(r.Format(), " worse") + " the best's"
	}
	if iv, v := compareConns(f.conns, best.conns); v == Worse {
		return fmt.Sprintf("%s [%s–%s] more new connections per 1,000 requests than the best, round by round",
			FormatPerThousand(iv.Center), FormatPerThousand(iv.Lo), FormatPerThousand(iv.Hi))
	}
	return ""
}

// MinConnsEffect is the smallest difference in new connections per 1,000
// requests, round by round, that compareConns calls worse or better: one
// redial in 1,000 requests.
const MinConnsEffect = 1.0

// compareConns compares the new connections per 1,000 requests of a value's
// rounds with the best's, round k with round k. Ratios do not suit counts
// that are 0 in most rounds of a pool that keeps its connections, so the
// sample is the per-round difference: its median with its 99 % interval
// (Criteria.Summarize). The verdict is Worse (more connections) or Better
// when the interval excludes 0 and the median differs from 0 by
// MinConnsEffect at least; otherwise Same.
func compareConns(values, best []float64) (Interval, Verdict) {
	var diffs []float64
	for k := range min(len(values), len(best)) {
		if d := values[k] - best[k]; !math.IsNaN(d) && !math.IsInf(d, 0) {
			diffs = append(diffs, d)
		}
	}
	iv := Criteria{Confidence: CompareConfidence}.Summarize(diffs)
	switch {
	case iv.TooFew || math.Abs(iv.Center) < MinConnsEffect:
	case iv.Lo > 0:
		return iv, Worse
	case iv.Hi < 0:
		return iv, Better
	}
	return iv, Same
}

// medianThroughput is p's median per-round throughput, or its overall
// throughput without rounds.
func medianThroughput(p *results.Profile, f figures) float64 {
	if len(f.throughput) == 0 {
		return p.Throughput
	}
	if c := SummarizeRounds(f.throughput).Center; !math.IsNaN(c) {
		return c
	}
	return 0
}

// distinguishable reports whether some pair of values differs significantly
// in throughput, p99 or new connections.
func distinguishable(fs []figures) bool {
	for i := range fs {
		for j := i + 1; j < len(fs); j++ {
			_, conns := compareConns(fs[i].conns, fs[j].conns)
			if CompareRounds(fs[i].throughput, fs[j].throughput, true).Verdict != Same ||
				CompareRounds(fs[i].p99, fs[j].p99, false).Verdict != Same || conns != Same {
				return true
			}
		}
	}
	return false
}

// FormatPerThousand prints connections per 1,000 requests with about two
// significant digits: 0, 0.16, 2.5, 45, 1,000.
func FormatPerThousand(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 0.01:
		return "<0.01"
	case v < 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v < 999.5:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	return s[:len(s)-3] + "," + s[len(s)-3:]
}

package stats

import (
	"fmt"

	"github.com/reusebench/reusebench/results"
)

// Assess fills, from each profile's rounds, its intervals and its
// comparison with the baseline (res.Settings.Baseline, or the first profile
// when that is empty): round k of a profile is paired with round k of the
// baseline. Profiles without rounds are left alone. Last, a sweep's
// recommendation (Recommend). It is how a run and a merge of runs get their
// verdicts.
func Assess(res *results.Results) error {
	if len(res.Profiles) == 0 {
		return nil
	}
	name := res.Settings.Baseline
	if name == "" {
		name = res.Profiles[0].Name
	}
	var base *results.Profile
	for i := range res.Profiles {
		if res.Profiles[i].Name == name {
			base = &res.Profiles[i]
		}
	}
	if base == nil {
		return fmt.Errorf("baseline %q is not a profile of the run", name)
	}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		p.Intervals, p.VsBaseline = nil, nil
		if len(p.Rounds) == 0 {
			continue
		}
		f := figuresOf(p.Rounds)
		p.Intervals = &results.Intervals{
			Throughput: SummarizeRounds(f.throughput).result(),
			P50:        SummarizeRounds(f.p50).result(),
			P99:        SummarizeRounds(f.p99).result(),
		}
		if p == base || len(base.Rounds) == 0 {
			continue
		}
		b := figuresOf(base.Rounds)
		p.VsBaseline = &results.Comparison{
			Baseline:   base.Name,
			Throughput: CompareRounds(f.throughput, b.throughput, true).Result(),
			P50:        CompareRounds(f.p50, b.p50, false).Result(),
			P99:        CompareRounds(f.p99, b.p99, false).Result(),
		}
	}
	res.Recommendation = Recommend(res)
	return nil
}

// figures are the per-round values a comparison ranges over; conns is new
// connections per 1,000 requests (NaN for a round without requests).
type figures struct{ throughput, p50, p99, conns []float64 }

func figuresOf(rs []results.Round) figures {
	var f figures
	for _, r := range rs {
		f.throughput = append(f.throughput, r.Throughput)
		f.p50 = append(f.p50, r.Latency.P50)
		f.p99 = append(f.p99, r.Latency.P99)
		f.conns = append(f.conns, 1000*float64(r.Opened)/float64(r.Requests))
	}
	return f
}

func (iv Interval) result() results.Interval {
	return results.Interval{Center: iv.Center, Lo: iv.Lo, Hi: iv.Hi, N: iv.N, Warning: iv.Warning}
}

// Result is r in the results file's form.
func (r Ratio) Result() results.Ratio {
	return results.Ratio{Ratio: r.Ratio, Lo: r.Lo, Hi: r.Hi, Verdict: string(r.Verdict), N: r.N, Warning: r.Warning}
}

// RatioOf is a results file's ratio as a Ratio, for formatting.
func RatioOf(r results.Ratio, minRounds int) Ratio {
	return Ratio{Ratio: r.Ratio, Lo: r.Lo, Hi: r.Hi, Verdict: Verdict(r.Verdict), N: r.N,
		TooFew: r.N < minRounds, Warning: r.Warning}
}

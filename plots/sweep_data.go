package plots

import (
	"math"
	"slices"

	"github.com/reusebench/reusebench/results"
)

// SweepFile is the picture of a sweep: throughput, p99 and new connections
// per 1,000 requests against the knob's value, one line per load level.
const SweepFile = "sweep.png"

// SweepChart is what sweep.png shows of a run that swept a knob.
type SweepChart struct {
	// Key is the knob swept.
	Key string
	// Log says the x axis is the knob's value on a log scale: every value
	// is a positive, finite number (sizes, durations). Otherwise the values
	// sit at 0, 1, 2, … in the order of Settings.Sweep.Values (true and
	// false, or a 0 that means no limit).
	Log bool
	// Ticks are the swept values where they sit on the x axis, labelled
	// as given.
	Ticks []SweepTick
	// Lines are one per swept profile and load level, in the order the
	// profiles ran.
	Lines []SweepLine
}

// SweepTick is one swept value on the x axis.
type SweepTick struct {
	X     float64
	Label string
}

// SweepLine is one swept profile at one load level.
type SweepLine struct {
	// Label names the line in the legend: "-c 16", with the profile when
	// several were swept ("shared -c 16"), or the profile alone at one load.
	Label   string
	Profile string
	Load    float64
	// Points are the line's values, smallest first.
	Points []SweepValue
}

// SweepValue is one value of the knob on one line.
type SweepValue struct {
	// Value is the knob's value as given, X where it sits on the x axis.
	Value string
	X     float64
	// Throughput (requests a second) and P99 (ms) are the medians of the
	// rounds with their 95 % intervals, or the overall figures without
	// whiskers (as summary.png's points).
	Throughput, P99 SummaryPoint
	// Conns is the connections opened per 1,000 requests over the whole
	// measured window: a count, not an estimate, so it has no whiskers.
	Conns float64
	// Recommended marks the value recommended at this load level, Best the
	// value the others were compared with.
	Recommended, Best bool
}

// SweepData returns what sweep.png draws of res, or nil when res swept no
// knob. Profiles without a sweep point are left out.
func SweepData(res *results.Results) *SweepChart {
	if res == nil || res.Settings.Sweep == nil || res.Settings.Sweep.Key == "" {
		return nil
	}
	sw := res.Settings.Sweep
	c := &SweepChart{Key: sw.Key, Log: true}
	rank := map[string]int{}
	for i, v := range sw.Values {
		rank[v] = i
	}
	numbers := map[string]float64{}
	type lineKey struct {
		profile string
		load    float64
	}
	index := map[lineKey]int{}
	froms := map[string]bool{}
	levels := map[float64]bool{}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		if p.Sweep == nil {
			continue
		}
		if _, ok := rank[p.Sweep.Value]; !ok { // not a value of the sweep: last
			rank[p.Sweep.Value] = len(rank)
		}
		if n := p.Sweep.Number; n != nil && *n > 0 && !math.IsInf(*n, 0) {
			numbers[p.Sweep.Value] = *n
		} else {
			c.Log = false
		}
		k := lineKey{p.Sweep.Profile, res.Level(p)}
		froms[k.profile], levels[k.load] = true, true
		li, ok := index[k]
		if !ok {
			li = len(c.Lines)
			index[k] = li
			c.Lines = append(c.Lines, SweepLine{Profile: k.profile, Load: k.load})
		}
		var tput, p99 *results.Interval
		if p.Intervals != nil {
			tput, p99 = &p.Intervals.Throughput, &p.Intervals.P99
		}
		c.Lines[li].Points = append(c.Lines[li].Points, SweepValue{
			Value:      p.Sweep.Value,
			Throughput: summaryPoint(tput, p.Throughput, formatNumber),
			P99:        summaryPoint(p99, p.Latency.P99, formatMS),
			Conns:      p.ConnsPerThousand(),
		})
	}
	if len(c.Lines) == 0 {
		return nil
	}
	x := func(v string) float64 {
		if c.Log {
			return numbers[v]
		}
		return float64(rank[v])
	}
	var values []string
	for v := range rank {
		values = append(values, v)
	}
	slices.SortFunc(values, func(a, b string) int { return rank[a] - rank[b] })
	for _, v := range values {
		if _, used := numbers[v]; used || !c.Log {
			c.Ticks = append(c.Ticks, SweepTick{X: x(v), Label: v})
		}
	}
	for li := range c.Lines {
		l := &c.Lines[li]
		l.Label = sweepLineLabel(res, l.Profile, l.Load, len(froms) > 1, len(levels) > 1)
		for i := range l.Points {
			pt := &l.Points[i]
			pt.X = x(pt.Value)
			for _, r := range res.Recommendation {
				if r.Profile == l.Profile && r.Load == l.Load {
					pt.Recommended = r.Value != "" && r.Value == pt.Value
					pt.Best = r.Best == pt.Value
				}
			}
		}
		slices.SortStableFunc(l.Points, func(a, b SweepValue) int { return rank[a.Value] - rank[b.Value] })
	}
	return c
}

// sweepLineLabel names a line: its load level, with its profile when
// several were swept; the profile alone when every line ran at one load.
func sweepLineLabel(res *results.Results, profile string, load float64, profiles, loads bool) string {
	switch {
	case profiles && loads:
		return shortName(profile) + " " + res.LevelFlag(load)
	case profiles:
		return shortName(profile)
	}
	return res.LevelFlag(load)
}

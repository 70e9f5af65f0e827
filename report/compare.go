package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// RunComparison is a saved run NEW against a saved run OLD: each profile
// present in both (by name), what only one of them has, and how the runs
// differ beyond their numbers.
type RunComparison struct {
	// Profiles are the profiles of both runs, in NEW's order.
	Profiles []ProfileChange
	// Regressed names the profiles significantly worse in throughput or
	// p99 by more than RegressionPct percent.
	Regressed     []string
	RegressionPct float64
	// OnlyOld and OnlyNew name the profiles of one run only, not compared.
	OnlyOld, OnlyNew []string
	// Notes say exactly how the runs differ: target, settings, a profile's
	// strategy or options.
	Notes []string
}

// ProfileChange is one profile's figures in both runs.
type ProfileChange struct {
	Name string
	// Throughput is requests a second, P50 and P99 the latency in ms,
	// ConnsPer1k the connections opened per 1,000 requests and ErrorRate
	// the failed requests per request.
	Throughput, P50, P99, ConnsPer1k, ErrorRate Change
}

// Change is one figure of a profile in both runs: the median of its
// per-round values in each (the run's own figure for a run without rounds)
// and the comparison NEW/OLD (stats.Criteria.CompareUnpaired).
type Change struct {
	Old, New float64
	Ratio    stats.Ratio
}

// CompareRuns compares each profile of newRes with the profile of the same
// name in oldRes, unpaired, under stats.CompareCriteria. Regressed lists the
// profiles whose throughput is worse with a ratio below 1-pct/100, or whose
// p99 is worse with a ratio above 1+pct/100; with pct 0, every profile whose
// throughput or p99 is worse.
func CompareRuns(oldRes, newRes *results.Results, pct float64) *RunComparison {
	c := stats.CompareCriteria()
	rc := &RunComparison{Regressed: []string{}, RegressionPct: pct, OnlyOld: []string{}, OnlyNew: []string{}, Notes: []string{}}
	olds := map[string]*results.Profile{}
	for i := range oldRes.Profiles {
		olds[oldRes.Profiles[i].Name] = &oldRes.Profiles[i]
	}
	news := map[string]bool{}
	rc.Notes = append(rc.Notes, runNotes(oldRes, newRes)...)
	for i := range newRes.Profiles {
		np := &newRes.Profiles[i]
		news[np.Name] = true
		op, ok := olds[np.Name]
		if !ok {
			rc.OnlyNew = append(rc.OnlyNew, np.Name)
			continue
		}
		rc.Notes = append(rc.Notes, profileNotes(op, np)...)
		ov, nv := valuesOf(op), valuesOf(np)
		change := func(o, n []float64, higherIsBetter bool) Change {
			return Change{Old: c.Summarize(o).Center, New: c.Summarize(n).Center,
				Ratio: c.CompareUnpaired(n, o, higherIsBetter)}
		}
		pc := ProfileChange{
			Name:       np.Name,
			Throughput: change(ov.throughput, nv.throughput, true),
			P50:        change(ov.p50, nv.p50, false),
			P99:        change(ov.p99, nv.p99, false),
			ConnsPer1k: change(ov.conns, nv.conns, false),
			ErrorRate:  change(ov.errors, nv.errors, false),
		}
		rc.Profiles = append(rc.Profiles, pc)
		if pc.regressed(pct) {
			rc.Regressed = append(rc.Regressed, pc.Name)
		}
	}
	for i := range oldRes.Profiles {
		if !news[oldRes.Profiles[i].Name] {
			rc.OnlyOld = append(rc.OnlyOld, oldRes.Profiles[i].Name)
		}
	}
	return rc
}

func (pc *ProfileChange) regressed(pct float64) bool {
	t, p := pc.Throughput.Ratio, pc.P99.Ratio
	return t.Verdict == stats.Worse && t.Ratio < 1-pct/100 ||
		p.Verdict == stats.Worse && p.Ratio > 1+pct/100
}

// roundValues are a profile's per-round values of each compared figure.
type roundValues struct{ throughput, p50, p99, conns, errors []float64 }

// valuesOf returns p's per-round values: throughput from every round, the
// others from rounds with requests (a round without any has no latency and
// no rate). A profile without rounds (a run of one window) gives its run's
// figures, one value each.
func valuesOf(p *results.Profile) roundValues {
	var v roundValues
	if len(p.Rounds) == 0 {
		v.throughput = []float64{p.Throughput}
		if p.Requests > 0 {
			req := float64(p.Requests)
			v.p50, v.p99 = []float64{p.Latency.P50}, []float64{p.Latency.P99}
			v.conns = []float64{1000 * float64(p.Connections.Opened) / req}
			v.errors = []float64{float64(p.Errors.Total) / req}
		}
		return v
	}
	for _, r := range p.Rounds {
		v.throughput = append(v.throughput, r.Throughput)
		if r.Requests <= 0 {
			continue
		}
		req := float64(r.Requests)
		v.p50 = append(v.p50, r.Latency.P50)
		v.p99 = append(v.p99, r.Latency.P99)
		v.conns = append(v.conns, 1000*float64(r.Opened)/req)
		v.errors = append(v.errors, float64(r.Errors)/req)
	}
	return v
}

// runNotes says how the run-wide target and settings differ.
func runNotes(o, n *results.Results) []string {
	var notes []string
	// The embedded target listens on a new port every run: the same target.
	if o.Target != n.Target && !(embedded(o) && embedded(n)) {
		notes = append(notes, fmt.Sprintf("target differs: %s → %s", orNone(o.Target), orNone(n.Target)))
	}
	so, sn := o.Settings, n.Settings
	num := func(v float64, unit string) string {
		if v == 0 {
			return "none"
		}
		return strconv.FormatFloat(v, 'f', -1, 64) + unit
	}
	var diffs []string
	add := func(name, a, b string) {
		if a != b {
			diffs = append(diffs, name+" "+a+" → "+b)
		}
	}
	add("concurrency", strconv.Itoa(so.Concurrency), strconv.Itoa(sn.Concurrency))
	add("rate", num(so.Rate, "/s"), num(sn.Rate, "/s"))
	add("duration", num(so.DurationS, "s"), num(sn.DurationS, "s"))
	add("requests", num(float64(so.Requests), ""), num(float64(sn.Requests), ""))
	add("rounds", num(float64(so.Rounds), ""), num(float64(sn.Rounds), ""))
	add("warm-up", num(so.WarmupS, "s"), num(sn.WarmupS, "s"))
	add("max workers", num(float64(so.MaxWorkers), ""), num(float64(sn.MaxWorkers), ""))
	if len(diffs) > 0 {
		notes = append(notes, "settings differ: "+strings.Join(diffs, ", "))
	}
	return notes
}

// embedded reports whether r ran against the embedded target, which counts
// every profile's connections from its side.
func embedded(r *results.Results) bool {
	for i := range r.Profiles {
		if r.Profiles[i].Server == nil {
			return false
		}
	}
	return len(r.Profiles) > 0
}

// profileNotes says how a profile's strategy and options differ.
func profileNotes(o, n *results.Profile) []string {
	var diffs []string
	if o.Strategy != n.Strategy {
		diffs = append(diffs, "strategy "+orNone(o.Strategy)+" → "+orNone(n.Strategy))
	}
	keys := slices.Sorted(maps.Keys(o.Options))
	for k := range n.Options {
		if _, ok := o.Options[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		a, aok := o.Options[k]
		b, bok := n.Options[k]
		if a == b && aok == bok {
			continue
		}
		if !aok {
			a = "unset"
		}
		if !bok {
			b = "unset"
		}
		diffs = append(diffs, k+" "+a+" → "+b)
	}
	if len(diffs) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("profile %s differs: %s", n.Name, strings.Join(diffs, ", "))}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

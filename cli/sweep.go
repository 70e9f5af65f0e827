package cli

import (
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/results"
)

// loadList is -c or -r: one number, or several separated by commas, a sweep
// of the load (-c 8,32,128). Set keeps the text; parse reads it, so that a
// bad value is a usage error of one line.
type loadList struct {
	raw  string
	vals []float64
	// whole says the values are counts (-c).
	whole bool
}

// String returns the values as given (flag.Value).
func (l *loadList) String() string {
	if l == nil {
		return ""
	}
	return l.raw
}

// Set replaces the values with s (flag.Value): the last -c wins, as for any
// flag.
func (l *loadList) Set(s string) error { l.raw = s; return nil }

// parse reads the values of flag name.
func (l *loadList) parse(name string) error {
	l.vals = nil
	if l.raw == "" {
		return nil
	}
	for _, part := range strings.Split(l.raw, ",") {
		part = strings.TrimSpace(part)
		var v float64
		var err error
		if l.whole {
			var n int
			n, err = strconv.Atoi(part)
			v = float64(n)
		} else {
			v, err = strconv.ParseFloat(part, 64)
		}
		switch {
		case err != nil && l.whole:
			return usagef("%s %s: %q is not a whole number; give one, or several separated by commas (8,32,128)", name, l.raw, part)
		case err != nil || v < 0 || math.IsInf(v, 0):
			return usagef("%s %s: %q is not a rate: want a finite rate, or several separated by commas (100,200,400)", name, l.raw, part)
		}
		l.vals = append(l.vals, v)
	}
	return nil
}

// checkLoads validates -c and -r lists and sets concurrency and rate to
// their largest values, which the run's other checks apply to.
func (rc *runConfig) checkLoads() error {
	if err := rc.workers.parse("-c"); err != nil {
		return err
	}
	if err := rc.rates.parse("-r"); err != nil {
		return err
	}
	if len(rc.workers.vals) > 1 && len(rc.rates.vals) > 1 {
		return usagef("-c %s and -r %s: sweep one of them, not both", &rc.workers, &rc.rates)
	}
	seen := map[float64]bool{}
	for _, l := range [][]float64{rc.workers.vals, rc.rates.vals} {
		clear(seen)
		for _, v := range l {
			if seen[v] {
				return usagef("%s is given twice in a load sweep (-c %s, -r %s)", strconv.FormatFloat(v, 'f', -1, 64), &rc.workers, &rc.rates)
			}
			seen[v] = true
		}
	}
	for _, c := range rc.workers.vals {
		if c < 1 {
			return usagef("-c %s: need at least 1 worker", &rc.workers)
		}
		rc.concurrency = max(rc.concurrency, int(c))
	}
	for _, r := range rc.rates.vals {
		if r < 0 {
			return usagef("-r %v: need a positive rate (or 0 for the closed model)", r)
		}
		if r == 0 && len(rc.rates.vals) > 1 {
			return usagef("-r %s: every rate of a sweep must be positive", &rc.rates)
		}
		rc.rate = max(rc.rate, r)
	}
	return nil
}

// parseSweep parses --sweep, and checks that the sweep will not make too
// many profiles (exactly, unless the default profiles are swept, whose
// number depends on the target: counted as for https).
func (rc *runConfig) parseSweep() error {
	if rc.sweep != "" {
		sw, err := loadgen.ParseSweep(rc.sweep)
		if err != nil {
			return usagef("--sweep %v", err)
		}
		rc.knobSweep = sw
	}
	u := &url.URL{Scheme: "https"}
	if len(rc.urls) > 0 {
		if p, err := url.Parse(rc.urls[0]); err == nil {
			u = p
		}
	}
	return rc.checkCount(len(rc.specs(u)))
}

// specs are the profile specs to run: -p's; without one, shared for a knob
// sweep, the default profiles of target otherwise.
func (rc *runConfig) specs(target *url.URL) []string {
	switch {
	case len(rc.profileSpec) > 0:
		return rc.profileSpec
	case rc.knobSweep.Key != "":
		return []string{"shared"}
	}
	return loadgen.DefaultSpecs(target)
}

// checkCount refuses a run of more than loadgen.MaxProfiles profiles: specs
// profiles × the sweep's values × the load levels.
func (rc *runConfig) checkCount(specs int) error {
	values := max(len(rc.knobSweep.Values), 1)
	levels, _ := rc.loadLevels()
	if n := specs * values * len(levels); n > loadgen.MaxProfiles {
		return usagef("%d profiles × %d values × %d loads = %d profiles, more than %d: sweep fewer values or loads",
			specs, values, len(levels), n, loadgen.MaxProfiles)
	}
	return nil
}

// loadLevels are the loads the profiles run at: one per -c or -r value,
// with the name a profile gets for it ("c=32", "r=200"; "" for one level).
func (rc *runConfig) loadLevels() (levels []experiment.Load, names []string) {
	base := experiment.Load{Workers: rc.concurrency, MaxWorkers: rc.maxWorkers, Requests: rc.requests,
		Duration: rc.duration, Warmup: rc.warmup, Rate: rc.rate}
	switch {
	case len(rc.workers.vals) > 1:
		for _, c := range rc.workers.vals {
			l := base
			l.Workers = int(c)
			levels, names = append(levels, l), append(names, "c="+strconv.Itoa(int(c)))
		}
	case len(rc.rates.vals) > 1:
		for _, r := range rc.rates.vals {
			l := base
			l.Rate = r
			levels, names = append(levels, l), append(names, "r="+strconv.FormatFloat(r, 'f', -1, 64))
		}
	default:
		levels, names = []experiment.Load{base}, []string{""}
	}
	return levels, names
}

// planProfiles fills the plan's profiles: each -p (without one: the default
// profiles, or shared alone for a knob sweep) at each load level and, with
// --sweep, at each value of the knob, named NAME/KEY=V@c=N; with a sweep of
// either kind, each profile's load and the sweep's description. A sweep that
// would make more than loadgen.MaxProfiles profiles is refused before any
// profile is built.
func (rc *runConfig) planProfiles(pl *experiment.Plan, stderr io.Writer) error {
	levels, names := rc.loadLevels()
	specs := rc.specs(pl.Targets[0].URL)
	if err := rc.checkCount(len(specs)); err != nil {
		return err
	}
	sw := rc.knobSweep
	for _, spec := range specs {
		for li, l := range levels {
			d := loadgen.Defaults{Workers: max(l.Workers, rc.maxWorkers), Timeout: rc.timeout, HasTimeout: true}
			var ps []loadgen.Profile
			if sw.Key != "" {
				var err error
				if ps, err = sw.Expand(spec, d); err != nil {
					return usagef("-p %v", err)
				}
			} else {
				p, err := loadgen.ParseProfile(spec, d)
				if err != nil {
					return usagef("-p %v", err)
				}
				ps = []loadgen.Profile{p}
			}
			for _, p := range ps {
				if names[li] != "" {
					p.Name += "@" + names[li]
					pl.Loads = append(pl.Loads, l)
				}
				pl.Profiles = append(pl.Profiles, p)
			}
		}
	}
	if sw.Key == "" && len(levels) == 1 {
		return nil
	}
	pl.Sweep = &results.Sweep{Key: sw.Key, Values: sw.Values}
	if len(levels) > 1 {
		pl.Sweep.Load, pl.Sweep.Loads = results.LoadConcurrency, rc.workers.vals
		if len(rc.rates.vals) > 1 {
			pl.Sweep.Load, pl.Sweep.Loads = results.LoadRate, rc.rates.vals
		}
	}
	fmt.Fprintf(stderr, "sweep: %d profiles (%s)\n", len(pl.Profiles), describeSweep(sw, names))
	return nil
}

// describeSweep says what a sweep runs: "max-idle-per-host=1,2,4 at c=4, c=64".
func describeSweep(sw loadgen.Sweep, levels []string) string {
	var parts []string
	if sw.Key != "" {
		parts = append(parts, sw.Key+"="+strings.Join(sw.Values, ","))
	}
	if len(levels) > 1 {
		parts = append(parts, "at "+strings.Join(levels, ", "))
	}
	return strings.Join(parts, " ")
}

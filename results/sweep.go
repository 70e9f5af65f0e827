package results

import "strconv"

// Sweep describes a run's sweep (Settings.Sweep): the knob swept and its
// values, and the load levels.
type Sweep struct {
	// Key is the knob swept (--sweep), empty for a sweep of the load alone.
	Key string `json:"key,omitempty"`
	// Values are the knob's values as given, smallest first for knobs whose
	// values are numbers: the order a recommendation calls "smallest".
	Values []string `json:"values,omitempty"`
	// Load says what the load levels are: "concurrency" (-c 8,32) or
	// "rate" (-r 100,200); empty when every profile ran at one load.
	Load string `json:"load,omitempty"`
	// Loads are the load levels, in the order given.
	Loads []float64 `json:"loads,omitempty"`
}

// The values of Sweep.Load.
const (
	LoadConcurrency = "concurrency"
	LoadRate        = "rate"
)

// ProfileLoad is the load one profile ran at.
type ProfileLoad struct {
	// Concurrency is the workers (closed model) or the cap on requests in
	// flight (open model).
	Concurrency int `json:"concurrency"`
	// Rate is the open model's arrivals a second, 0 for the closed model.
	Rate float64 `json:"rate"`
}

// SweepPoint places a profile in a sweep (Profile.Sweep).
type SweepPoint struct {
	// Profile names the -p profile the sweep expanded.
	Profile string `json:"profile"`
	// Value is the knob's value in this profile, as given.
	Value string `json:"value"`
	// Number is Value as a number (a count, or seconds for a duration),
	// absent for values that are not numbers (true, false) and for a 0
	// that means no limit.
	Number *float64 `json:"number,omitempty"`
}

// Recommendation is what a sweep recommends for one swept profile at one
// load level: the smallest value whose throughput and p99 are not
// significantly worse than the best value's.
type Recommendation struct {
	// Profile names the -p profile swept.
	Profile string `json:"profile"`
	// Load is the load level it applies to: the -c workers, or the -r rate
	// of an open-model run.
	Load float64 `json:"load"`
	// Key is the knob swept.
	Key string `json:"key"`
	// Value is the value recommended, as given; empty when none could be
	// picked (no value distinguishable from another, too few rounds).
	Value string `json:"value"`
	// Best is the value with the highest median throughput, which the
	// others were compared with.
	Best string `json:"best"`
	// Reason says why, in words.
	Reason string `json:"reason"`
}

// LoadOf returns the load profile p of r ran at: its own, or, in a file
// older than per-profile loads, the run's settings.
func (r *Results) LoadOf(p *Profile) ProfileLoad {
	if p.Load != nil {
		return *p.Load
	}
	return ProfileLoad{Concurrency: r.Settings.Concurrency, Rate: r.Settings.Rate}
}

// LevelKind says what r's load levels are, the ones a recommendation
// applies to: LoadRate when the rates were swept, or in an open-model run
// whose worker count was not swept; LoadConcurrency otherwise.
func (r *Results) LevelKind() string {
	if sw := r.Settings.Sweep; sw != nil && sw.Load != "" {
		return sw.Load
	}
	if r.Settings.Rate > 0 {
		return LoadRate
	}
	return LoadConcurrency
}

// Level is profile p's load level of LevelKind: its workers or its rate.
func (r *Results) Level(p *Profile) float64 {
	l := r.LoadOf(p)
	if r.LevelKind() == LoadRate {
		return l.Rate
	}
	return float64(l.Concurrency)
}

// LevelFlag is a load level of LevelKind as the command line gives it:
// "-c 32" or "-r 200".
func (r *Results) LevelFlag(level float64) string {
	if r.LevelKind() == LoadRate {
		return "-r " + strconv.FormatFloat(level, 'f', -1, 64)
	}
	return "-c " + strconv.FormatFloat(level, 'f', -1, 64)
}

// ConnsPerThousand is the connections p opened per 1,000 requests: 1,000
// for a fresh connection per request, near 0 for a pool that keeps them.
func (p *Profile) ConnsPerThousand() float64 {
	if p.Requests <= 0 {
		return 0
	}
	return 1000 * float64(p.Connections.Opened) / float64(p.Requests)
}

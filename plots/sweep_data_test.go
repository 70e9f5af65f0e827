package plots

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/reusebench/reusebench/results"
)

// sweepProfile is a profile of a sweep of -p shared at concurrency c, with
// the knob's value v (and its number n, nil for none), a median throughput
// and p99 with intervals of 20 rounds, and opened connections in 10,000
// requests.
func sweepProfile(from, v string, n *float64, c int, tput, p99 float64, opened int64) results.Profile {
	return results.Profile{
		Name: from + "/k=" + v, Requests: 10000, Throughput: tput, Latency: results.Latency{P99: p99},
		Connections: results.Connections{Opened: opened},
		Load:        &results.ProfileLoad{Concurrency: c},
		Sweep:       &results.SweepPoint{Profile: from, Value: v, Number: n},
		Intervals: &results.Intervals{
			Throughput: results.Interval{Center: tput, Lo: 0.9 * tput, Hi: 1.1 * tput, N: 20},
			P99:        results.Interval{Center: p99, Lo: 0.8 * p99, Hi: 1.2 * p99, N: 20},
		},
	}
}

func num(v float64) *float64 { return &v }

func TestSweepData(t *testing.T) {
	// Two loads, the profiles of -c 64 first and values out of order: lines
	// follow the profiles, points the order of Values (smallest first).
	res := &results.Results{Settings: results.Settings{Concurrency: 64, Rounds: 20,
		Sweep: &results.Sweep{Key: "max-idle-per-host", Values: []string{"1", "4", "16"}, Load: results.LoadConcurrency, Loads: []float64{64, 4}}}}
	res.Profiles = []results.Profile{
		sweepProfile("shared", "16", num(16), 64, 3000, 2, 64),
		sweepProfile("shared", "1", num(1), 64, 500, 9, 5000),
		sweepProfile("shared", "4", num(4), 64, 1000, 6, 2500),
		sweepProfile("shared", "1", num(1), 4, 900, 3, 800),
		sweepProfile("shared", "4", num(4), 4, 1000, 2, 4),
		sweepProfile("shared", "16", num(16), 4, 1010, 2, 4),
	}
	res.Recommendation = []results.Recommendation{
		{Profile: "shared", Load: 64, Key: "max-idle-per-host", Value: "16", Best: "16"},
		{Profile: "shared", Load: 4, Key: "max-idle-per-host", Value: "4", Best: "16"},
	}
	c := SweepData(res)
	if c == nil || !c.Log || c.Key != "max-idle-per-host" {
		t.Fatalf("chart %+v: want a log axis of max-idle-per-host", c)
	}
	wantTicks := []SweepTick{{1, "1"}, {4, "4"}, {16, "16"}}
	if !reflect.DeepEqual(c.Ticks, wantTicks) {
		t.Errorf("ticks %v, want %v", c.Ticks, wantTicks)
	}
	if len(c.Lines) != 2 || c.Lines[0].Label != "-c 64" || c.Lines[1].Label != "-c 4" || c.Lines[1].Load != 4 {
		t.Fatalf("lines %+v: want -c 64 then -c 4", c.Lines)
	}
	type row struct {
		value       string
		x           float64
		tput, lo    float64
		conns       float64
		recommended bool
		best        bool
	}
	want := [][]row{
		// -c 64: 5,000 of 10,000 requests on new connections is 500 per
		// 1,000; 16 is both the best and the recommendation.
		{{"1", 1, 500, 450, 500, false, false}, {"4", 4, 1000, 900, 250, false, false}, {"16", 16, 3000, 2700, 6.4, true, true}},
		// -c 4: 4 recommended, 16 the best.
		{{"1", 1, 900, 810, 80, false, false}, {"4", 4, 1000, 900, 0.4, true, false}, {"16", 16, 1010, 909, 0.4, false, true}},
	}
	for li, l := range c.Lines {
		var got []row
		for _, pt := range l.Points {
			got = append(got, row{pt.Value, pt.X, pt.Throughput.Value, pt.Throughput.Lo, pt.Conns, pt.Recommended, pt.Best})
			if !pt.Throughput.Interval || pt.P99.N != 20 {
				t.Errorf("%s %s: throughput %+v, p99 %+v: want intervals of 20 rounds", l.Label, pt.Value, pt.Throughput, pt.P99)
			}
		}
		if !reflect.DeepEqual(got, want[li]) {
			t.Errorf("%s:\n got %v\nwant %v", l.Label, got, want[li])
		}
	}
}

func TestSweepDataAxes(t *testing.T) {
	// true/false have no number: evenly spaced, in the order of Values.
	bools := &results.Results{Settings: results.Settings{Concurrency: 8,
		Sweep: &results.Sweep{Key: "http2", Values: []string{"false", "true"}}}}
	bools.Profiles = []results.Profile{
		sweepProfile("a", "true", nil, 8, 900, 2, 8),
		sweepProfile("a", "false", nil, 8, 1000, 2, 8),
		sweepProfile("b", "false", nil, 8, 1000, 2, 8),
		sweepProfile("b", "true", nil, 8, 900, 2, 8),
	}
	c := SweepData(bools)
	if c == nil || c.Log || !reflect.DeepEqual(c.Ticks, []SweepTick{{0, "false"}, {1, "true"}}) {
		t.Fatalf("bools: %+v, want false at 0, true at 1", c)
	}
	// Two profiles at one load: lines named by profile.
	if len(c.Lines) != 2 || c.Lines[0].Label != "a" || c.Lines[1].Label != "b" || c.Lines[0].Points[0].Value != "false" || c.Lines[0].Points[1].X != 1 {
		t.Errorf("bools lines %+v", c.Lines)
	}

	// A 0 that means no limit has no number: the axis falls back to the
	// order of Values, 0 last; a rate sweep labels lines -r.
	unlimited := &results.Results{Settings: results.Settings{Concurrency: 8, Rate: 200,
		Sweep: &results.Sweep{Key: "max-conns-per-host", Values: []string{"4", "0"}, Load: results.LoadRate, Loads: []float64{100, 200}}}}
	p := sweepProfile("shared", "0", nil, 8, 1000, 2, 8)
	p.Load.Rate = 100
	q := sweepProfile("shared", "4", num(4), 8, 1000, 2, 8)
	q.Load.Rate = 100
	unlimited.Profiles = []results.Profile{p, q}
	c = SweepData(unlimited)
	if c == nil || c.Log || !reflect.DeepEqual(c.Ticks, []SweepTick{{0, "4"}, {1, "0"}}) || c.Lines[0].Label != "-r 100" {
		t.Fatalf("no limit at 0: %+v", c)
	}

	// No sweep, or a sweep of the load alone: no chart.
	if SweepData(&results.Results{}) != nil {
		t.Error("no sweep: want no chart")
	}
	loadOnly := &results.Results{Settings: results.Settings{Sweep: &results.Sweep{Load: results.LoadConcurrency, Loads: []float64{1, 2}}},
		Profiles: []results.Profile{{Name: "shared@c=1"}}}
	if SweepData(loadOnly) != nil {
		t.Error("load sweep alone: want no chart")
	}
}

// TestWriteSweep: Write draws sweep.png for a sweep, in the lines' colours,
// and none without one.
func TestWriteSweep(t *testing.T) {
	t.Parallel()
	res := &results.Results{Settings: results.Settings{Concurrency: 4, Rounds: 20,
		Sweep: &results.Sweep{Key: "max-idle-per-host", Values: []string{"1", "2", "4"}, Load: results.LoadConcurrency, Loads: []float64{4, 8}}}}
	for _, c := range []int{4, 8} {
		for i, v := range []string{"1", "2", "4"} {
			res.Profiles = append(res.Profiles, sweepProfile("shared", v, num(float64(int(1)<<i)), c, float64(1000*(i+1)), 3-float64(i), int64(100>>i)))
		}
	}
	res.Profiles[0].Connections.Opened = 0 // drawn on the floor of the log axis
	res.Recommendation = []results.Recommendation{{Profile: "shared", Load: 4, Key: "max-idle-per-host", Value: "2", Best: "4"}}
	dir := t.TempDir()
	path, err := writeSweep(res, filepath.Join(dir, SweepFile))
	if err != nil || path == "" {
		t.Fatalf("writeSweep: %q, %v", path, err)
	}
	colors := distinctColors(decodePNG(t, path))
	for i := range 2 {
		if !colors[ProfileColor(i)] {
			t.Errorf("sweep.png: colour of line %d missing", i)
		}
	}
	res.Settings.Sweep = nil
	if path, err := writeSweep(res, filepath.Join(dir, "none.png")); path != "" || err != nil {
		t.Errorf("no sweep: wrote %q, %v", path, err)
	}
}

// TestDecadeTicks: the connections panel labels powers of ten only.
func TestDecadeTicks(t *testing.T) {
	var labels []string
	for _, tk := range (decadeTicks{}).Ticks(0.01, 1000) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"0.01", "0.1", "1", "10", "100", "1,000"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
}

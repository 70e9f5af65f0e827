package plots

import (
	"math"
	"slices"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

// at returns the y of the point of pts whose x is x (within 1e-9 relative).
func at(t *testing.T, pts []XY, x float64) float64 {
	t.Helper()
	for _, p := range pts {
		if math.Abs(p.X-x) <= 1e-9*x {
			return p.Y
		}
	}
	t.Fatalf("no point at x=%g in %v", x, pts)
	return 0
}

func TestPercentileCurveUniform(t *testing.T) {
	h := hdrhistogram.New(1, 60_000_000, 3)
	for ms := int64(1); ms <= 1000; ms++ {
		if err := h.RecordValue(ms * 1000); err != nil {
			t.Fatal(err)
		}
	}
	pts := PercentileCurve(h)
	for _, c := range []struct {
		x, want float64
	}{
		{1, 1},      // p0: the minimum
		{2, 500},    // p50
		{10, 900},   // p90
		{100, 990},  // p99
		{1000, 999}, // the resolution of 1000 values: 1−1/1000
	} {
		got := at(t, pts, c.x)
		if math.Abs(got-c.want) > c.want*0.002 {
			t.Errorf("x=%g: got %.3f ms, want %.3f ms ±0.2%%", c.x, got, c.want)
		}
	}
	if last := pts[len(pts)-1].X; last != 1000 {
		t.Errorf("curve ends at x=%g, want 1000 (1000 values resolve to 99.9%%)", last)
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].X <= pts[i-1].X || pts[i].Y < pts[i-1].Y {
			t.Fatalf("not increasing in x and non-decreasing in y at %d: %v, %v", i, pts[i-1], pts[i])
		}
	}
}

func TestPercentileCurveEdges(t *testing.T) {
	if PercentileCurve(nil) != nil {
		t.Error("nil histogram: want nil")
	}
	h := hdrhistogram.New(1, 60_000_000, 3)
	if PercentileCurve(h) != nil {
		t.Error("empty histogram: want nil")
	}
	h.RecordValue(2500)
	if pts := PercentileCurve(h); len(pts) != 1 || pts[0].X != 1 || math.Abs(pts[0].Y-2.5) > 0.01 {
		t.Errorf("one value: got %v, want [{1 2.5}]", pts)
	}
	h.RecordValue(0) // zero latency is recordable and must not break a curve
	if pts := PercentileCurve(h); len(pts) < 2 || pts[0] != (XY{1, 0}) || pts[len(pts)-1] != (XY{2, 0}) {
		t.Errorf("values 0 and 2500 µs: want x from 1 to 2 (the resolution of two values) at 0 ms, got %v", pts)
	}
	big := hdrhistogram.New(1, 60_000_000, 3)
	big.RecordValues(1000, 2_000_000)
	pts := PercentileCurve(big)
	if last := pts[len(pts)-1].X; last != MaxInverse {
		t.Errorf("2e6 values: curve ends at x=%g, want %g (99.999%%)", last, float64(MaxInverse))
	}
	for _, p := range pts {
		if math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) || p.X < 1 {
			t.Fatalf("bad point %v", p)
		}
	}
}

func TestPhaseBars(t *testing.T) {
	sum := func(mean, count float64) results.PhaseSummary {
		return results.PhaseSummary{Latency: results.Latency{Mean: mean, P99: 10 * mean}, Count: int64(count)}
	}
	tests := []struct {
		name      string
		p         *results.Profile
		mean, p99 [trace.NumSteps]float64
	}{
		{"nil", nil, [trace.NumSteps]float64{}, [trace.NumSteps]float64{}},
		{"no requests", &results.Profile{Phases: map[string]results.PhaseSummary{"ttfb": sum(1, 5)}},
			[trace.NumSteps]float64{}, [trace.NumSteps]float64{4: 10}},
		{
			"per request and per connection",
			&results.Profile{Requests: 100, Phases: map[string]results.PhaseSummary{
				"wait":    sum(0.5, 100),
				"connect": sum(2, 10), // 10 connections: 0.2 ms per request
				"tls":     sum(4, 10), // 0.4 ms per request
				"ttfb":    sum(3, 100),
				"body":    sum(1, 100),
				"total":   sum(5.1, 100), // not a stacked phase
			}},
			[trace.NumSteps]float64{0.5, 0, 0.2, 0.4, 3, 1},
			[trace.NumSteps]float64{5, 0, 20, 40, 30, 10},
		},
		{"not finite", &results.Profile{Requests: 1, Phases: map[string]results.PhaseSummary{
			"body": {Latency: results.Latency{Mean: math.NaN(), P99: math.Inf(1)}, Count: 1},
		}}, [trace.NumSteps]float64{}, [trace.NumSteps]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mean, p99 := PhaseBars(tt.p)
			for i := range 6 {
				if math.Abs(mean[i]-tt.mean[i]) > 1e-9 || math.Abs(p99[i]-tt.p99[i]) > 1e-9 {
					t.Fatalf("got mean %v p99 %v, want mean %v p99 %v", mean, p99, tt.mean, tt.p99)
				}
			}
		})
	}
}

func TestTimelineAndConnections(t *testing.T) {
	tests := []struct {
		name                          string
		series                        []results.Point
		throughput, p99, conns, reuse []XY
	}{
		{name: "empty"},
		{
			name:       "one second",
			series:     []results.Point{{Second: 0, Requests: 50, NewConns: 5, Reused: 45, P99: 3}},
			throughput: []XY{{0, 50}}, p99: []XY{{0, 3}}, conns: []XY{{0, 5}}, reuse: []XY{{0, 90}},
		},
		{
			name: "unordered with an idle second",
			series: []results.Point{
				{Second: 2, Requests: 10, Errors: 10, P99: 7},
				{Second: 0, Requests: 4, NewConns: 4, Reused: 0, P99: 1},
				{Second: 1}, // nothing happened
			},
			throughput: []XY{{0, 4}, {1, 0}, {2, 10}},
			p99:        []XY{{0, 1}, {2, 7}},
			conns:      []XY{{0, 4}, {1, 0}, {2, 0}},
			reuse:      []XY{{0, 0}, {2, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &results.Profile{Series: tt.series}
			tp, p99 := Timeline(p)
			nc, rp := ConnectionsOverTime(p)
			for _, c := range []struct {
				what      string
				got, want []XY
			}{{"throughput", tp, tt.throughput}, {"p99", p99, tt.p99}, {"new conns", nc, tt.conns}, {"reuse %", rp, tt.reuse}} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
	errs := ErrorsOverTime(&results.Profile{Series: []results.Point{{Second: 1, Errors: 3}, {Second: 0}}})
	if want := []XY{{0, 0}, {1, 3}}; !slices.Equal(errs, want) {
		t.Errorf("ErrorsOverTime: got %v, want %v", errs, want)
	}
	if ErrorsOverTime(&results.Profile{Series: []results.Point{{Requests: 5}}}) != nil {
		t.Error("ErrorsOverTime without errors: want nil")
	}
	if tp, p99 := Timeline(nil); tp != nil || p99 != nil {
		t.Error("nil profile: want no points")
	}
}

func TestFileNameAndHgrmNames(t *testing.T) {
	for in, want := range map[string]string{
		"shared":         "shared",
		"go-default_2.x": "go-default_2.x",
		"h2 / no resume": "h2___no_resume",
		"../etc/passwd":  "_etc_passwd",
		"":               "profile",
		"...":            "profile",
		"café":           "caf_",
	} {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
	res := &results.Results{Profiles: []results.Profile{{Name: "a/b"}, {Name: "a_b"}, {Name: "A_B"}, {Name: ""}}}
	want := []string{"a_b.hgrm", "a_b-2.hgrm", "A_B-3.hgrm", "profile.hgrm"}
	if got := HgrmNames(res); !slices.Equal(got, want) {
		t.Errorf("HgrmNames = %v, want %v", got, want)
	}
}

func TestLogWorthy(t *testing.T) {
	tests := []struct {
		name  string
		lines [][]XY
		want  bool
	}{
		{"none", nil, false},
		{"two decades exactly", [][]XY{{{1, 1}, {2, 100}}}, false},
		{"three decades across lines", [][]XY{{{1, 0.5}}, {{1, 400}}}, true},
		{"a zero", [][]XY{{{1, 0}, {2, 1000}}}, false},
		{"all zero", [][]XY{{{1, 0}, {2, 0}}}, false},
	}
	for _, tt := range tests {
		if got := LogWorthy(tt.lines...); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSubtitle(t *testing.T) {
	start := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("X", 3600))
	tests := []struct {
		res  results.Results
		want string
	}{
		{results.Results{Target: "http://x", Started: start, Settings: results.Settings{Concurrency: 8}},
			"http://x  ·  c=8  ·  2025-03-04 04:06 UTC"},
		{results.Results{Target: "http://x", Settings: results.Settings{Concurrency: 8, Rate: 2500}},
			"http://x  ·  rate 2500/s"},
		{results.Results{}, ""},
	}
	for _, tt := range tests {
		if got := Subtitle(&tt.res); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks{}).Ticks(0.3, 60) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"0.5", "1", "2", "5", "10", "20", "50"}; !slices.Equal(labels, want) {
		t.Errorf("labels %v, want %v", labels, want)
	}
	if (logTicks{}).Ticks(0, 1) != nil {
		t.Error("non-positive range: want no ticks")
	}
}

func TestNiceTicks(t *testing.T) {
	labels := func(tk niceTicks, lo, hi float64) []string {
		var out []string
		for _, x := range tk.Ticks(lo, hi) {
			if x.Label != "" {
				out = append(out, x.Label)
			}
		}
		return out
	}
	tests := []struct {
		tk     niceTicks
		lo, hi float64
		want   []string
	}{
		{niceTicks{}, 0, 27, []string{"0", "5", "10", "15", "20", "25"}},
		{niceTicks{}, 0, 720, []string{"0", "200", "400", "600"}},
		{niceTicks{}, 0, 1.08, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{niceTicks{}, 0, 0.12, []string{"0.00", "0.02", "0.04", "0.06", "0.08", "0.10", "0.12"}},
		{niceTicks{}, 0, 14, []string{"0.0", "2.5", "5.0", "7.5", "10.0", "12.5"}},
		{niceTicks{integer: true}, 0, 1, []string{"0", "1"}},
		{niceTicks{integer: true}, 0, 29, []string{"0", "5", "10", "15", "20", "25"}},
		{niceTicks{integer: true}, 0, 16, []string{"0", "5", "10", "15"}},
		{niceTicks{}, 1, 1, nil},
	}
	for _, tt := range tests {
		if got := labels(tt.tk, tt.lo, tt.hi); !slices.Equal(got, tt.want) {
			t.Errorf("%+v [%g, %g]: got %v, want %v", tt.tk, tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestGrid125(t *testing.T) {
	for _, c := range []struct {
		v    float64
		up   bool
		want float64
	}{
		{45, true, 50}, {45, false, 20}, {0.07, false, 0.05}, {0.07, true, 0.1},
		{100, true, 100}, {100, false, 100}, {120, true, 200}, {9.9, false, 5},
	} {
		if got := grid125(c.v, c.up); math.Abs(got-c.want) > 1e-12*c.want {
			t.Errorf("grid125(%g, %v) = %g, want %g", c.v, c.up, got, c.want)
		}
	}
}

// TestPartialLastSecond checks per-second rates divide by the measured part
// of the last second, and a sliver of a second is left out.
func TestPartialLastSecond(t *testing.T) {
	p := &results.Profile{Series: []results.Point{
		{Second: 0, Requests: 1000, NewConns: 10, P99: 1},
		{Second: 1, Requests: 500, NewConns: 4, P99: 1, Span: 0.5},
	}}
	thr, _ := Timeline(p)
	if len(thr) != 2 || thr[1].Y != 1000 {
		t.Errorf("throughput %v: want 1000/s in the half second", thr)
	}
	conns, _ := ConnectionsOverTime(p)
	if conns[1].Y != 8 {
		t.Errorf("new conns %v: want 8/s in the half second", conns)
	}
	p.Series[1].Span = 0.01
	if thr, _ := Timeline(p); len(thr) != 1 {
		t.Errorf("a 10 ms last second is plotted: %v", thr)
	}
}

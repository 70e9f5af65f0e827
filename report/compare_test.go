package report_test

import (
	"bytes"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// cmpJitter is the fixed per-round noise of every compared fixture, 10
// rounds within ±4 % (median 1.00).
var cmpJitter = []float64{1.00, 0.97, 1.02, 0.99, 1.03, 0.98, 1.01, 0.96, 1.04, 1.00}

// cmpProfile describes a profile of a compared run: per round k,
// throughput 1000·speed·jitter[k] req/s over 1 s, p50 2 ms and p99 10 ms
// divided by speed (and by jitter[k]), opened connections per round and
// errors per round. rounds 0 makes an old single-window profile.
type cmpProfile struct {
	name     string
	strategy string
	options  map[string]string
	speed    float64
	opened   int64
	errors   int64
	noRounds bool
}

func (f cmpProfile) build() results.Profile {
	p := results.Profile{Name: f.name, Strategy: f.strategy, Options: f.options}
	if f.strategy == "" {
		p.Strategy = "shared"
	}
	for k, j := range cmpJitter {
		n := int64(math.Round(1000 * f.speed * j))
		r := results.Round{
			Round: k + 1, Started: t0, DurationS: 1, Requests: n, Errors: f.errors,
			Throughput: float64(n), Opened: f.opened,
			Latency: results.RoundLatency{P50: 2 / (f.speed * j), P99: 10 / (f.speed * j)},
		}
		p.Rounds = append(p.Rounds, r)
		p.Requests += r.Requests
		p.Errors.Total += r.Errors
		p.Connections.Opened += r.Opened
	}
	if p.Errors.Total > 0 {
		p.Errors.ByClass = map[string]int64{"http_5xx": p.Errors.Total}
	}
	p.DurationS = float64(len(cmpJitter))
	// A total histogram whose p50 is 2 ms and p99 10 ms, divided by speed:
	// 98 % of the requests at the one, 2 % at the other.
	h := results.NewHistogram()
	slow := p.Requests / 50
	h.RecordValues(int64(math.Round(2000/f.speed)), p.Requests-slow)
	h.RecordValues(int64(math.Round(10000/f.speed)), slow)
	if err := p.SetHistograms(map[string]*hdrhistogram.Histogram{"total": h}); err != nil {
		panic(err)
	}
	p.Throughput = float64(p.Requests) / p.DurationS
	if f.noRounds {
		p.Rounds = nil
	}
	return p
}

func cmpRun(concurrency int, ps ...cmpProfile) *results.Results {
	r := &results.Results{Version: results.Version, Started: t0, Target: "http://127.0.0.1:8080/",
		Settings: results.Settings{Concurrency: concurrency, DurationS: 10, Rounds: 10}}
	for _, f := range ps {
		r.Profiles = append(r.Profiles, f.build())
	}
	return r
}

// roundTrip writes res with results.WriteFile and reads it back, as compare
// does.
func roundTrip(t *testing.T, res *results.Results) *results.Results {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.json")
	if err := results.WriteFile(path, res); err != nil {
		t.Fatal(err)
	}
	got, err := results.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// verdicts are a profile's five verdicts: throughput, p50, p99, conns/1k,
// errors.
type verdicts [5]stats.Verdict

func verdictsOf(pc report.ProfileChange) verdicts {
	return verdicts{pc.Throughput.Ratio.Verdict, pc.P50.Ratio.Verdict, pc.P99.Ratio.Verdict,
		pc.ConnsPer1k.Ratio.Verdict, pc.ErrorRate.Ratio.Verdict}
}

func TestCompareRuns(t *testing.T) {
	const B, W, S = stats.Better, stats.Worse, stats.Same
	old := roundTrip(t, cmpRun(8,
		cmpProfile{name: "slower", speed: 1, opened: 2},
		cmpProfile{name: "same", speed: 1, opened: 2, errors: 1},
		cmpProfile{name: "faster", speed: 1, opened: 10},
		cmpProfile{name: "gone", speed: 1},
		cmpProfile{name: "legacy", speed: 1, noRounds: true},
		cmpProfile{name: "new-errors", speed: 1},
	))
	nw := roundTrip(t, cmpRun(8,
		cmpProfile{name: "slower", speed: 0.7, opened: 2},
		cmpProfile{name: "same", speed: 1, opened: 2, errors: 1},
		cmpProfile{name: "faster", speed: 1.25, opened: 0},
		cmpProfile{name: "legacy", speed: 0.7, noRounds: true},
		cmpProfile{name: "new-errors", speed: 1, errors: 10},
		cmpProfile{name: "added", speed: 1},
	))
	rc := report.CompareRuns(old, nw, 0)
	for _, tc := range []struct {
		name       string
		want       verdicts
		throughput float64 // the ratio of the medians NEW/OLD
		p99        float64
		tooFew     bool
	}{
		// 30 % slower in every round: throughput 0.70x, p99 1/0.7 =
		// 1.43x, p50 too; 2 connections a round on 30 % fewer requests
		// is 1/0.7 more per 1,000 requests: worse.
		{"slower", verdicts{W, W, W, W, S}, 0.7, 1 / 0.7, false},
		// Identical rounds: every verdict same, every ratio 1.
		{"same", verdicts{S, S, S, S, S}, 1, 1, false},
		// 25 % faster and no connection opened at all: conns/1k 0.
		{"faster", verdicts{B, B, B, B, S}, 1.25, 0.8, false},
		// One value per run: a ratio, no verdict.
		{"legacy", verdicts{S, S, S, S, S}, 0.7, 1 / 0.7, true},
		// 10 errors a round where there were none: worse, the ratio
		// unbounded.
		{"new-errors", verdicts{S, S, S, S, W}, 1, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := slices.IndexFunc(rc.Profiles, func(pc report.ProfileChange) bool { return pc.Name == tc.name })
			if i < 0 {
				t.Fatalf("%s not compared: %+v", tc.name, rc.Profiles)
			}
			pc := rc.Profiles[i]
			if got := verdictsOf(pc); got != tc.want {
				t.Errorf("verdicts %v, want %v", got, tc.want)
			}
			if r := pc.Throughput.Ratio; math.Abs(r.Ratio-tc.throughput) > 0.005 || r.TooFew != tc.tooFew {
				t.Errorf("throughput %+v, want ratio %.3f, too few %v", r, tc.throughput, tc.tooFew)
			}
			if r := pc.P99.Ratio; math.Abs(r.Ratio-tc.p99) > 0.005 {
				t.Errorf("p99 %+v, want ratio %.3f", r, tc.p99)
			}
		})
	}
	if want := []string{"slower"}; !slices.Equal(rc.Regressed, want) {
		t.Errorf("regressed %v, want %v", rc.Regressed, want)
	}
	if !slices.Equal(rc.OnlyOld, []string{"gone"}) || !slices.Equal(rc.OnlyNew, []string{"added"}) {
		t.Errorf("only old %v, only new %v; want [gone], [added]", rc.OnlyOld, rc.OnlyNew)
	}
	if len(rc.Notes) != 0 {
		t.Errorf("notes %q, want none: the runs have the same settings", rc.Notes)
	}
	// The error rate from zero: +Inf in Go, null in JSON.
	if r := rc.Profiles[4].ErrorRate.Ratio; !math.IsInf(r.Ratio, 1) {
		t.Errorf("new-errors error rate %+v, want an unbounded ratio", r)
	}
}

func TestCompareRunsRegressionThreshold(t *testing.T) {
	old := cmpRun(8, cmpProfile{name: "a", speed: 1}, cmpProfile{name: "b", speed: 1})
	nw := cmpRun(8, cmpProfile{name: "a", speed: 0.7}, cmpProfile{name: "b", speed: 0.9})
	for _, tc := range []struct {
		pct  float64
		want []string
	}{
		{0, []string{"a", "b"}}, // both significantly worse
		{5, []string{"a", "b"}}, // throughput 0.70 and 0.90 < 0.95
		{20, []string{"a"}},     // 0.90 is within 20 %; 0.70 is not
		{50, []string{}},        // p99 1.43x and 1.11x are within 50 % too
	} {
		if got := report.CompareRuns(old, nw, tc.pct).Regressed; !slices.Equal(got, tc.want) {
			t.Errorf("pct %v: regressed %v, want %v", tc.pct, got, tc.want)
		}
	}
}

func TestCompareNotes(t *testing.T) {
	old := cmpRun(8,
		cmpProfile{name: "tuned", options: map[string]string{"max-idle-per-host": "2", "keepalive": "true"}, speed: 1},
		cmpProfile{name: "same", speed: 1})
	nw := cmpRun(16,
		cmpProfile{name: "tuned", strategy: "per-worker", options: map[string]string{"max-idle-per-host": "100", "http2": "true"}, speed: 1},
		cmpProfile{name: "same", speed: 1})
	nw.Target = "https://example.test/"
	nw.Settings.Rounds, nw.Settings.Rate = 20, 500
	want := []string{
		"target differs: http://127.0.0.1:8080/ → https://example.test/",
		"settings differ: concurrency 8 → 16, rate none → 500/s, rounds 10 → 20",
		"profile tuned differs: strategy shared → per-worker, http2 unset → true, keepalive true → unset, max-idle-per-host 2 → 100",
	}
	rc := report.CompareRuns(old, nw, 0)
	if !slices.Equal(rc.Notes, want) {
		t.Errorf("notes\n%q\nwant\n%q", rc.Notes, want)
	}
	var buf bytes.Buffer
	if err := report.WriteComparison(&buf, rc, "table"); err != nil {
		t.Fatal(err)
	}
	for _, n := range want {
		if !strings.Contains(buf.String(), "note: "+n+"\n") {
			t.Errorf("table output lacks %q:\n%s", "note: "+n, buf.String())
		}
	}
}

func TestCompareNotesEmbeddedTarget(t *testing.T) {
	// The embedded target listens on a new port every run: two runs against
	// it (every profile has the target's own counts) are the same target;
	// a run against it and one against another server are not.
	withServer := func(port string) *results.Results {
		r := cmpRun(8, cmpProfile{name: "shared", speed: 1})
		r.Target = "http://127.0.0.1:" + port + "/"
		r.Profiles[0].Server = &results.ServerCounts{Accepted: 20, Requests: 10000}
		return r
	}
	if notes := report.CompareRuns(withServer("40001"), withServer("40002"), 0).Notes; len(notes) != 0 {
		t.Errorf("notes %q, want none", notes)
	}
	other := withServer("40002")
	other.Profiles[0].Server = nil
	want := []string{"target differs: http://127.0.0.1:40001/ → http://127.0.0.1:40002/"}
	if notes := report.CompareRuns(withServer("40001"), other, 0).Notes; !slices.Equal(notes, want) {
		t.Errorf("notes %q, want %q", notes, want)
	}
}

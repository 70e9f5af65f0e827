package report_test

import (
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

// t0 is the start of every fixture's measured window.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fixture describes a profile to build: its name, strategy, connections
// opened and whether it ran in the open model.
type fixture struct {
	name, strategy string
	opened         int64
	open           bool
}

// profile builds a results profile of 10 requests over 2 s, as a run would
// store it: total latencies 1, 2, …, 10 ms (so p50 = 5 ms, p99 = p99.9 = max =
// 10 ms), one of them a 503, each request's ttfb 0.1 ms below its total, the
// opened connections' connects 1 ms each, every request after the first on
// each connection reused (10 − opened). Open-model fixtures also get a
// corrected histogram 1 ms above the totals and a rate block of 100/s target,
// 10 arrivals in 0.9 s (achieved 10/s: it could not keep up).
func profile(t *testing.T, f fixture) results.Profile {
	t.Helper()
	hists := map[string]*hdrhistogram.Histogram{}
	rec := func(name string, us int64) {
		if hists[name] == nil {
			hists[name] = results.NewHistogram()
		}
		if err := hists[name].RecordValue(us); err != nil {
			t.Fatal(err)
		}
	}
	for i := int64(1); i <= 10; i++ {
		rec(trace.Total.String(), i*1000)
		rec(trace.TTFB.String(), i*1000-100)
		if f.open {
			rec(results.HistCorrected, i*1000+1000)
		}
	}
	for range f.opened {
		rec(trace.Connect.String(), 1000)
	}
	p := results.Profile{
		Name: f.name, Strategy: f.strategy, Requests: 10, Protocol: "HTTP/1.1",
		Errors:  results.Errors{Total: 1, ByClass: map[string]int64{"http_5xx": 1}},
		Status:  map[string]int64{"200": 9, "503": 1},
		Started: t0, Ended: t0.Add(2 * time.Second), DurationS: 2, Throughput: 5,
		Connections: results.Connections{Opened: f.opened, Reused: 10 - f.opened},
	}
	if f.open {
		p.Rate = &results.Rate{Target: 100, Achieved: 10, Late: 3, MaxLateMs: 20, Workers: 2}
	}
	if err := p.SetHistograms(hists); err != nil {
		t.Fatal(err)
	}
	return p
}

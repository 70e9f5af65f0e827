package results_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/results"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// segment returns segment i of count of run id: one profile "shared" with
// one round of 100 requests over 1 s (started skew·i ms after t0), latency
// 1..100 ms recorded in the round's histogram shifted by i ms, 2 new
// connections, and a rate of 100/s of a 300/s run.
func segment(t *testing.T, id string, i, count int) *results.Results {
	t.Helper()
	h := hdrhistogram.New(results.MinValue, results.MaxValue, 2)
	for v := int64(1); v <= 100; v++ {
		if err := h.RecordValue((v + int64(i)) * 1000); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	start := t0.Add(time.Duration(i) * time.Millisecond)
	p := results.Profile{Name: "shared", Strategy: "shared", Options: map[string]string{"keepalive": "true"},
		Requests: 100, Started: start, Ended: start.Add(time.Second), DurationS: 1, Throughput: 100,
		Connections: results.Connections{Opened: 2, Reused: 98},
		Rate:        &results.Rate{Target: 100, Achieved: 100},
		Rounds: []results.Round{{Round: 1, Started: start, DurationS: 1, Requests: 100, Throughput: 100, Opened: 2,
			Latency: results.RoundLatency{P50: 50, P99: 99}, Histogram: enc}}}
	return &results.Results{Version: results.Version, Started: start, Target: "http://127.0.0.1:8080/",
		Settings: results.Settings{Concurrency: 2, Rate: 100, DurationS: 1,
			Segment: &results.Segment{Index: i, Count: count, RunID: id, Started: start}},
		Profiles: []results.Profile{p}}
}

func TestCheckSegments(t *testing.T) {
	differentD := segment(t, "a", 2, 3)
	differentD.Settings.DurationS = 2
	whole := segment(t, "a", 0, 1)
	whole.Settings.Segment = nil
	tests := []struct {
		name    string
		files   []*results.Results
		partial bool
		want    string // "" for no error
	}{
		{"complete", []*results.Results{segment(t, "a", 0, 3), segment(t, "a", 2, 3), segment(t, "a", 1, 3)}, false, ""},
		{"missing", []*results.Results{segment(t, "a", 0, 3), segment(t, "a", 2, 3)}, false, "has 2 of 3 segments; missing 1"},
		{"missing, allowed", []*results.Results{segment(t, "a", 0, 3), segment(t, "a", 2, 3)}, true, ""},
		{"two runs", []*results.Results{segment(t, "a", 0, 2), segment(t, "b", 1, 2)}, false, "segments of 2 different runs mixed"},
		{"twice", []*results.Results{segment(t, "a", 0, 2), segment(t, "a", 0, 2)}, false, "segment 0/2 given twice"},
		{"counts disagree", []*results.Results{segment(t, "a", 0, 2), segment(t, "a", 1, 3)}, false, "disagree on their count"},
		{"other settings", []*results.Results{segment(t, "a", 0, 3), segment(t, "a", 1, 3), differentD}, false, "ran for different times"},
		{"with a whole run", []*results.Results{segment(t, "a", 0, 2), whole}, false, "1 of 2 files are segments"},
		{"whole runs only", []*results.Results{whole, whole}, false, ""},
	}
	for _, tt := range tests {
		err := results.CheckSegments(tt.files, tt.partial)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if err := results.CheckSegments([]*results.Results{segment(t, "a", 1, 2)}, false); !errors.Is(err, results.ErrIncomplete) {
		t.Errorf("one of two segments: %v, want ErrIncomplete", err)
	}
}

func TestMergeSegments(t *testing.T) {
	// Three segments of one run, started 0, 1 and 2 ms after t0, each 100
	// requests in its one round of 1 s: merged, round 1 has 300 requests
	// over 1.002 s (the earliest start to the latest end), 6 connections,
	// and its latency from the merged histograms of 1..100, 2..101 and
	// 3..102 ms: the median is the 150th of 300 values, 51 ms; the p99 the
	// 297th, 100 ms; a 2-digit histogram reports each as the top of its
	// bucket, within 1 % above (51.2, 100.4). Settings add the shares up
	// (6 workers, 300/s), the rounds are not appended (1, not 3), and the
	// start skew is 2 ms.
	res, err := results.Merge(segment(t, "a", 0, 3), segment(t, "a", 1, 3), segment(t, "a", 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Merged; m == nil || m.RunID != "a" || m.Segments != 3 || len(m.Missing) != 0 || m.StartSkewMs != 2 {
		t.Errorf("merged %+v: want run a, 3 segments, none missing, 2 ms skew", res.Merged)
	}
	if s := res.Settings; s.Concurrency != 6 || s.Rate != 300 || s.Segment != nil {
		t.Errorf("settings %+v: want 6 workers, 300/s, no segment", s)
	}
	p := res.Profiles[0]
	if len(p.Rounds) != 1 {
		t.Fatalf("%d rounds, want the one round merged", len(p.Rounds))
	}
	r := p.Rounds[0]
	if r.Requests != 300 || r.Opened != 6 || r.DurationS < 1.0019 || r.DurationS > 1.0021 {
		t.Errorf("round %+v: want 300 requests, 6 connections over 1.002 s", r)
	}
	if r.Latency.P50 < 51 || r.Latency.P50 > 51.51 || r.Latency.P99 < 100 || r.Latency.P99 > 101 {
		t.Errorf("round latency %+v: want p50 51 ms and p99 100 ms from the merged histograms", r.Latency)
	}
	if p.Rate == nil || p.Rate.Target != 300 {
		t.Errorf("rate %+v: want the segments' 100/s added up to 300/s", p.Rate)
	}
	if p.Requests != 300 || p.Connections.Opened != 6 {
		t.Errorf("profile %d requests, %d connections; want 300 and 6", p.Requests, p.Connections.Opened)
	}
}

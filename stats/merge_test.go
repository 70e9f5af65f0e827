package stats

import (
	"math"
	"testing"
	"time"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

// recordSet records n samples with latencies spread by seed into r.
func recordSet(r *Recorder, start time.Time, n, seed int) {
	r.Begin(start)
	for i := range n {
		lat := time.Duration(50+(i*seed)%20_000) * time.Microsecond
		s := sampleAt(start.Add(time.Duration(i)*time.Millisecond), lat)
		if i%17 == 0 {
			s.Status, s.Err = 503, trace.ErrHTTP5xx
		}
		if i%100 == 0 {
			s.Reused, s.Wire = false, trace.Wire{Sent: 1, NewConns: 1}
			r.RecordConn(&trace.Conn{At: s.Start, Connect: 300 * time.Microsecond, HasConnect: true})
		}
		r.Record(i%8, &s)
	}
}

func profileOf(t *testing.T, r *Recorder, start, end time.Time, opened int64) *results.Results {
	t.Helper()
	p, err := r.Profile(RunInfo{Name: "shared", Strategy: "shared", Started: start, Ended: end, Opened: opened})
	if err != nil {
		t.Fatal(err)
	}
	return &results.Results{Version: results.Version, Started: start, Profiles: []results.Profile{p}}
}

// TestMergeEqualsOneRecording checks that merging two results equals
// recording both sets of samples into one recorder, and that throughput is
// computed over the union of the time windows.
func TestMergeEqualsOneRecording(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		startB       time.Time
		wantDuration float64
	}{
		{"overlapping windows (two machines at once)", t0.Add(5 * time.Second), 15},
		{"disjoint windows (one after the other)", t0.Add(20 * time.Second), 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, both := NewRecorder(Options{}), NewRecorder(Options{}), NewRecorder(Options{})
			recordSet(a, t0, 3000, 7)
			recordSet(b, tt.startB, 2000, 13)
			recordSet(both, t0, 3000, 7)
			recordSet(both, tt.startB, 2000, 13)
			ra := profileOf(t, a, t0, t0.Add(10*time.Second), 30)
			rb := profileOf(t, b, tt.startB, tt.startB.Add(10*time.Second), 20)
			want, err := both.Profile(RunInfo{Name: "shared", Opened: 50})
			if err != nil {
				t.Fatal(err)
			}
			merged, err := results.Merge(ra, rb)
			if err != nil {
				t.Fatal(err)
			}
			got := merged.Profiles[0]
			if got.Requests != 5000 || got.Errors.Total != want.Errors.Total || got.Status["503"] != want.Status["503"] {
				t.Errorf("counters: requests %d errors %d 503s %d; want 5000, %d, %d",
					got.Requests, got.Errors.Total, got.Status["503"], want.Errors.Total, want.Status["503"])
			}
			if got.Connections.Opened != 50 || got.Connections.Reused != want.Connections.Reused {
				t.Errorf("connections %+v, want opened 50 reused %d", got.Connections, want.Connections.Reused)
			}
			for name := range want.Histograms {
				hg, err := got.Histogram(name)
				if err != nil || hg == nil {
					t.Fatalf("merged histogram %s: %v", name, err)
				}
				hw, _ := want.Histogram(name)
				if !hg.Equals(hw) {
					t.Errorf("histogram %s: merged differs from one recording (count %d vs %d, p99 %d vs %d)",
						name, hg.TotalCount(), hw.TotalCount(), hg.ValueAtQuantile(99), hw.ValueAtQuantile(99))
				}
			}
			if got.Latency != want.Latency || got.Phases["connect"] != want.Phases["connect"] {
				t.Errorf("summaries differ: %+v vs %+v", got.Latency, want.Latency)
			}
			if math.Abs(got.DurationS-tt.wantDuration) > 1e-9 || math.Abs(got.Throughput-5000/tt.wantDuration) > 1e-9 {
				t.Errorf("duration %.3fs throughput %.3f, want %.0fs and %.3f", got.DurationS, got.Throughput,
					tt.wantDuration, 5000/tt.wantDuration)
			}
			var seriesTotal int64
			for _, pt := range got.Series {
				seriesTotal += pt.Requests
			}
			if seriesTotal != 5000 {
				t.Errorf("merged series holds %d requests, want 5000", seriesTotal)
			}
		})
	}
}

func TestMergeOneIsIdentity(t *testing.T) {
	r := NewRecorder(Options{})
	t0 := time.Unix(1_800_000_000, 0)
	recordSet(r, t0, 100, 3)
	res := profileOf(t, r, t0, t0.Add(time.Second), 1)
	got, err := results.Merge(res)
	if err != nil || got != res {
		t.Fatalf("Merge of one result should return it: %v", err)
	}
}

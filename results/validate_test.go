package results_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/results"
)

// valid returns a results file of one profile, "a", of n requests of 1 ms
// to 10 ms in a total histogram, one of them an error, as a run writes it.
func valid(t testing.TB, n int64) *results.Results {
	t.Helper()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := results.NewHistogram()
	for i := range n {
		if err := h.RecordValue(1000 + (i%10)*1000); err != nil {
			t.Fatal(err)
		}
	}
	p := results.Profile{Name: "a", Strategy: "shared", Options: map[string]string{"keepalive": "true"},
		Requests: n, Errors: results.Errors{Total: 1, ByClass: map[string]int64{"http_5xx": 1}},
		Status: map[string]int64{"200": n - 1, "503": 1}, Protocol: "HTTP/1.1",
		Started: start, Ended: start.Add(2 * time.Second), DurationS: 2, Throughput: float64(n) / 2,
		Connections: results.Connections{Opened: 2, Reused: n - 2},
		Series:      []results.Point{{Second: 0, Requests: n / 2}, {Second: 1, Requests: n - n/2}},
	}
	if err := p.SetHistograms(map[string]*hdrhistogram.Histogram{"total": h}); err != nil {
		t.Fatal(err)
	}
	return &results.Results{Version: results.Version, Started: start, Target: "http://127.0.0.1:8080/",
		Settings: results.Settings{Concurrency: 2, DurationS: 2}, Profiles: []results.Profile{p}}
}

// encode returns res as results.json text.
func encode(t testing.TB, res *results.Results) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := results.Encode(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseAcceptsARun(t *testing.T) {
	res := valid(t, 100)
	got, err := results.Parse(encode(t, res))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, got), encode(t, res)) {
		t.Errorf("a valid file changed on reading:\n%s\nwant\n%s", encode(t, got), encode(t, res))
	}
	old := valid(t, 100)
	old.Version = 1
	if got, err := results.Parse(encode(t, old)); err != nil || got.Version != results.Version {
		t.Errorf("version 1: %v, version %d after reading; want it read as version %d", err, got.Version, results.Version)
	}
}

// TestParseRecomputesSummaries checks that summaries and throughputs come
// from the histograms and counts, not from what the file says.
func TestParseRecomputesSummaries(t *testing.T) {
	res := valid(t, 100)
	want := res.Profiles[0]
	wantTotal := want.Phases["total"]
	p := &res.Profiles[0]
	p.Latency.P99, p.Latency.P50, p.Throughput = -7, 1e9, 123
	p.Phases["total"] = results.PhaseSummary{Count: 5}
	p.Phases["dns"] = results.PhaseSummary{Count: 5}
	p.Connections.RequestsPerConn = 42
	got, err := results.Parse(encode(t, res))
	if err != nil {
		t.Fatal(err)
	}
	g := got.Profiles[0]
	if g.Latency != want.Latency || g.Throughput != want.Throughput || len(g.Phases) != 1 ||
		g.Phases["total"] != wantTotal || g.Connections.RequestsPerConn != want.Connections.RequestsPerConn {
		t.Errorf("read latency %+v, throughput %v, phases %v, req/conn %v; want %+v, %v, %v, %v", g.Latency, g.Throughput,
			g.Phases, g.Connections.RequestsPerConn, want.Latency, want.Throughput, wantTotal, want.Connections.RequestsPerConn)
	}
}

func TestParseRefuses(t *testing.T) {
	otherRange := hdrhistogram.New(1, 1000, 2)
	otherRange.RecordValue(5)
	encOther, err := results.EncodeHistogram(otherRange)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(r *results.Results)
		want   string
	}{
		{"version 99", func(r *results.Results) { r.Version = 99 }, "reads versions 1 to"},
		{"negative requests", func(r *results.Results) { r.Profiles[0].Requests = -1 }, "negative count"},
		{"negative opened", func(r *results.Results) { r.Profiles[0].Connections.Opened = -1 }, "negative count"},
		{"more errors than requests", func(r *results.Results) { r.Profiles[0].Errors.Total = 1000 }, "errors in"},
		{"classes do not add up", func(r *results.Results) { r.Profiles[0].Errors.ByClass["reset"] = 3 }, "do not add up"},
		{"status overflow", func(r *results.Results) {
			r.Profiles[0].Status["200"], r.Profiles[0].Status["201"] = math.MaxInt64, math.MaxInt64
		}, "statuses do not fit"},
		{"requests and histogram differ", func(r *results.Results) { r.Profiles[0].Requests = 200 }, "holds 100 values for 200 requests"},
		{"no total histogram", func(r *results.Results) { delete(r.Profiles[0].Histograms, "total") }, "no total histogram"},
		{"histogram garbage", func(r *results.Results) { r.Profiles[0].Histograms["total"] = "bm90IGEgaGlzdG9ncmFt" }, "histogram total"},
		{"histogram of another range", func(r *results.Results) { r.Profiles[0].Histograms["wait"] = encOther }, "covers 1–1000"},
		{"unknown histogram", func(r *results.Results) { r.Profiles[0].Histograms["bogus"] = encOther }, `unknown histogram "bogus"`},
		{"duplicate profile", func(r *results.Results) { r.Profiles = append(r.Profiles, r.Profiles[0]) }, "appears twice"},
		{"no name", func(r *results.Results) { r.Profiles[0].Name = "" }, "no name"},
		{"terminal escape", func(r *results.Results) { r.Profiles[0].Name = "a\x1b[2J" }, "control character"},
		{"escape in target", func(r *results.Results) { r.Target = "http://x/\x1b[31m" }, "control character"},
		{"negative duration", func(r *results.Results) { r.Profiles[0].DurationS = -1 }, "out of range"},
		{"huge duration", func(r *results.Results) { r.Profiles[0].DurationS = 1e300 }, "out of range"},
		{"ends before it starts", func(r *results.Results) { r.Profiles[0].Ended = time.Time{}.Add(time.Hour) }, "ends before"},
		{"series out of range", func(r *results.Results) { r.Profiles[0].Series[0].Second = -5 }, "series"},
		{"rounds above requests", func(r *results.Results) {
			r.Profiles[0].Rounds = []results.Round{{Round: 1, Requests: 101, DurationS: 1}}
		}, "rounds hold more"},
		{"retries that do not fit", func(r *results.Results) { r.Profiles[0].Retries = &results.Retries{RequestsRetried: 5, Total: 2} }, "retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := valid(t, 100)
			tt.change(res)
			_, err := results.Parse(encode(t, res))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

// TestMergeRefusesOverflow checks that counts that no longer fit once
// summed are refused rather than wrapped to negative.
func TestMergeRefusesOverflow(t *testing.T) {
	a, b := valid(t, 10), valid(t, 10)
	a.Profiles[0].Connections.Opened = math.MaxInt64 - 1
	b.Profiles[0].Connections.Opened = 2
	if _, err := results.Merge(a, b); err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("merge error %v, want an overflow", err)
	}
	a, b = valid(t, 10), valid(t, 10)
	a.Settings.Requests, b.Settings.Requests = math.MaxInt64, 1
	if _, err := results.Merge(a, b); err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("merge error %v, want an overflow", err)
	}
}

// TestMergeNotesStrategies checks that profiles of one name but different
// strategies merge with a note saying so.
func TestMergeNotesStrategies(t *testing.T) {
	a, b := valid(t, 10), valid(t, 10)
	b.Profiles[0].Strategy = "fresh"
	m, err := results.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Join(m.Profiles[0].Notes, "; "); !strings.Contains(n, "different strategies (shared and fresh)") {
		t.Errorf("notes %q, want one on the strategies", n)
	}
	if _, err := results.Parse(encode(t, m)); err != nil {
		t.Errorf("the merge is not a valid results file: %v", err)
	}
}

package stats_test

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
	"github.com/reusebench/reusebench/trace"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// run is a small synthetic run: 2 connections dialed (and one failed dial),
// 10 requests: 8 × 200 and 1 × 503 over the connections, 1 refused.
type run struct {
	rec      *stats.Recorder
	requests int64
	gotConn  int64
	conns    int64 // successful RecordConn calls
}

func newRun(t *testing.T, o stats.Options) *run {
	t.Helper()
	r := &run{rec: stats.NewRecorder(o)}
	r.rec.Begin(t0)
	for i := range 2 {
		c := trace.Conn{At: t0.Add(time.Duration(i) * 500 * time.Millisecond), Host: "127.0.0.1:8080",
			Connect: time.Millisecond, HasConnect: true}
		r.rec.RecordConn(&c)
		r.conns++
	}
	failed := trace.Conn{At: t0.Add(time.Second), Host: "127.0.0.1:8080", Err: trace.ErrRefused}
	r.rec.RecordConn(&failed)
	for i := range 9 {
		status := 200
		if i == 4 {
			status = 503
		}
		s := sample(t0.Add(time.Duration(i+1)*150*time.Millisecond), time.Duration(i+1)*time.Millisecond, status)
		if i == 0 || i == 5 { // first request on each connection
			s.Reused, s.TraceReused, s.Wire = false, false, trace.Wire{Sent: 1, NewConns: 1}
		}
		s.Intended = s.Start.Add(-time.Millisecond)
		if i == 2 {
			s.Retries, s.FirstAttempt = 1, time.Millisecond
		}
		r.rec.Record(i%3, &s)
		r.requests++
		r.gotConn++
	}
	refused := trace.Sample{Start: t0.Add(1500 * time.Millisecond), End: t0.Add(1501 * time.Millisecond),
		Err: trace.ErrRefused, Host: "127.0.0.1:8080"}
	refused.Phases[trace.Total], refused.Has[trace.Total] = time.Millisecond, true
	r.rec.Record(0, &refused)
	r.requests++
	return r
}

func (r *run) profile(t *testing.T, info stats.RunInfo) results.Profile {
	t.Helper()
	if info.Started.IsZero() {
		info.Started, info.Ended = t0, t0.Add(2*time.Second)
	}
	p, err := r.rec.Profile(info)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProfile(t *testing.T) {
	r := newRun(t, stats.Options{})
	p := r.profile(t, stats.RunInfo{Name: "shared", Strategy: "shared", Opened: 2})

	if p.Name != "shared" || p.Strategy != "shared" || p.Requests != r.requests {
		t.Errorf("name %q strategy %q requests %d, want shared, shared, %d", p.Name, p.Strategy, p.Requests, r.requests)
	}
	if p.Errors.Total != 2 || len(p.Errors.ByClass) != 2 || p.Errors.ByClass["http_5xx"] != 1 || p.Errors.ByClass["refused"] != 1 {
		t.Errorf("errors %+v, want 2: 1 http_5xx, 1 refused", p.Errors)
	}
	if len(p.Status) != 2 || p.Status["200"] != 8 || p.Status["503"] != 1 {
		t.Errorf("status %v, want 200: 8, 503: 1 (no key for a request without a response)", p.Status)
	}
	if p.Protocol != "HTTP/1.1" {
		t.Errorf("protocol %q", p.Protocol)
	}
	if p.DurationS != 2 || p.Throughput != float64(r.requests)/2 {
		t.Errorf("duration %v s, throughput %v; want 2, %v", p.DurationS, p.Throughput, float64(r.requests)/2)
	}
	// Phases: only those that happened. No dial looked up a name or did TLS.
	var names []string
	for name := range p.Phases {
		names = append(names, name)
	}
	sort.Strings(names)
	if want := []string{"body", "connect", "total", "ttfb", "wait"}; !slices.Equal(names, want) {
		t.Errorf("phases %v, want %v", names, want)
	}
	if c := p.Phases["connect"].Count; c != r.conns {
		t.Errorf("connect phase counted %d times, RecordConn succeeded %d times", c, r.conns)
	}
	if c := p.Phases["total"].Count; c != r.requests {
		t.Errorf("total phase counted %d, want every request (%d)", c, r.requests)
	}
	if c := p.Phases["wait"].Count; c != r.gotConn {
		t.Errorf("wait phase counted %d, want the %d requests that got a connection", c, r.gotConn)
	}
	// Connections: 2 new, 7 reused, 9 requests over 2 used connections.
	c := p.Connections
	if c.Opened != 2 || c.Reused != 7 || c.Unused != 0 || c.RequestsPerConn != 4.5 {
		t.Errorf("connections %+v, want 2 opened, 7 reused, 4.5 per conn", c)
	}
	if got := report.ReusePercent(&p); got != 100*7.0/9 {
		t.Errorf("reuse %v%%, want %v", got, 100*7.0/9)
	}
	if len(p.Checks) != 0 || len(p.Notes) != 0 {
		t.Errorf("checks %q notes %q, want none when counts agree", p.Checks, p.Notes)
	}
	if p.LatencyCorrected != nil || p.Rate != nil || p.Retries != nil {
		t.Errorf("closed model without retries has corrected %v, rate %v, retries %v", p.LatencyCorrected, p.Rate, p.Retries)
	}
	if p.Hosts != nil {
		t.Errorf("hosts %v for a single target", p.Hosts)
	}
	if len(p.Series) != 2 {
		t.Errorf("series %+v, want 2 seconds", p.Series)
	} else if p.Series[0].NewConns+p.Series[1].NewConns != 2 {
		t.Errorf("series new conns %d+%d, want the 2 successful dials", p.Series[0].NewConns, p.Series[1].NewConns)
	}
	if p.Latency.Max < 8.9 || p.Latency.Max > 9.1 || p.Latency.P50 < 3.9 || p.Latency.P50 > 5.1 {
		t.Errorf("latency %+v, want max about 9 ms, p50 about 4-5 ms", p.Latency)
	}
}

func TestProfileHistograms(t *testing.T) {
	r := newRun(t, stats.Options{Open: true, Retries: true})
	p := r.profile(t, stats.RunInfo{Name: "open", Opened: 2, TargetRate: 10,
		SendSpan: 900 * time.Millisecond, SendGaps: 9, Arrivals: 10, Late: 1, MaxLate: 3 * time.Millisecond, Workers: 4})
	tests := []struct {
		name  string
		count int64
	}{
		{"total", r.requests},
		{"wait", r.gotConn},
		{"connect", r.conns},
		{results.HistCorrected, r.requests},
		{results.HistFirstAttempt, r.requests},
		{"dns", 0},
		{"tls", 0},
	}
	for _, tt := range tests {
		h, err := p.Histogram(tt.name)
		if err != nil {
			t.Errorf("histogram %s: %v", tt.name, err)
			continue
		}
		if tt.count == 0 {
			if h != nil {
				t.Errorf("histogram %s present with %d values, want absent", tt.name, h.TotalCount())
			}
			continue
		}
		if h == nil {
			t.Errorf("histogram %s missing", tt.name)
			continue
		}
		if h.TotalCount() != tt.count {
			t.Errorf("histogram %s: %d values, want %d", tt.name, h.TotalCount(), tt.count)
		}
		if h.LowestTrackableValue() != results.MinValue || h.HighestTrackableValue() < results.MaxValue || h.SignificantFigures() != results.SigFigs {
			t.Errorf("histogram %s: range %d..%d at %d digits", tt.name, h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures())
		}
	}
	if total, _ := p.Histogram("total"); total != nil && (total.Max() < 8990 || total.Max() > 9010) {
		t.Errorf("decoded total max %d µs, want about 9000", total.Max())
	}
	if p.LatencyCorrected == nil || p.LatencyCorrected.Max <= p.Latency.Max {
		t.Errorf("corrected latency %+v, want above the service latency %+v (intended 1 ms before each send)", p.LatencyCorrected, p.Latency)
	}
	if p.Rate == nil || p.Rate.Target != 10 || p.Rate.Achieved != 10 || p.Rate.Late != 1 || p.Rate.MaxLateMs != 3 || p.Rate.Workers != 4 {
		t.Errorf("rate %+v, want target 10, achieved 9 arrivals / 0.9 s = 10, 1 late, max 3 ms, 4 workers", p.Rate)
	}
	if p.Retries == nil || p.Retries.RequestsRetried != 1 || p.Retries.Total != 1 {
		t.Errorf("retries %+v, want 1 request retried once", p.Retries)
	}
	if _, err := (&results.Profile{Name: "x", Histograms: map[string]string{"total": "not base64!"}}).Histogram("total"); err == nil {
		t.Error("Histogram decoded garbage without an error")
	}
}

func TestProfileChecks(t *testing.T) {
	r := newRun(t, stats.Options{})
	tests := []struct {
		name         string
		opened       int64
		unused       int64
		wantContains []string
	}{
		{"agree", 2, 0, nil},
		{"pool opened more", 3, 0, []string{"pool opened 3", "2 dials recorded"}},
		{"pool opened fewer", 1, 0, []string{"pool opened 1"}},
		{"unused not carried", 2, 1, []string{"1 carried requests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := r.profile(t, stats.RunInfo{Name: "x", Opened: tt.opened, Unused: tt.unused})
			if len(tt.wantContains) == 0 && len(p.Checks) != 0 {
				t.Errorf("checks %q, want none", p.Checks)
			}
			if len(tt.wantContains) > 0 && len(p.Checks) == 0 {
				t.Fatalf("no check failed with the pool opening %d (%d unused)", tt.opened, tt.unused)
			}
			all := strings.Join(p.Checks, "\n")
			for _, w := range tt.wantContains {
				if !strings.Contains(all, w) {
					t.Errorf("checks %q do not mention %q", p.Checks, w)
				}
			}
		})
	}
}

// Go's transport reports a fresh connection as reused when another request
// dialed it: the profile counts reuse on the connections and explains the gap.
func TestProfileTraceReusedNote(t *testing.T) {
	r := stats.NewRecorder(stats.Options{})
	r.Begin(t0)
	c := trace.Conn{At: t0, HasConnect: true, Connect: time.Millisecond}
	r.RecordConn(&c)
	s := sample(t0.Add(10*time.Millisecond), time.Millisecond, 200)
	s.Reused, s.TraceReused, s.Wire = false, true, trace.Wire{Sent: 1, NewConns: 1}
	r.Record(0, &s)
	p, err := r.Profile(stats.RunInfo{Name: "x", Started: t0, Ended: t0.Add(time.Second), Opened: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Checks) != 0 || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "GotConnInfo.Reused") {
		t.Errorf("checks %q notes %q: want no check failed and one note on httptrace's count", p.Checks, p.Notes)
	}
	if p.Connections.Reused != 0 {
		t.Errorf("reused %d, want 0: the connection's own count wins", p.Connections.Reused)
	}
}

// Values beyond the histogram's range are clamped and said so, never lost.
func TestProfileClamped(t *testing.T) {
	r := stats.NewRecorder(stats.Options{})
	r.Begin(t0)
	s := sample(t0.Add(3*time.Minute), 2*time.Minute, 200)
	r.Record(0, &s)
	p, err := r.Profile(stats.RunInfo{Name: "x", Started: t0, Ended: t0.Add(3 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if p.Requests != 1 || p.Phases["total"].Count != 1 {
		t.Errorf("requests %d, total count %d, want 1", p.Requests, p.Phases["total"].Count)
	}
	if p.Latency.Max < 59_000 {
		t.Errorf("max %v ms, want the clamp at 60 s", p.Latency.Max)
	}
	found := false
	for _, c := range p.Checks {
		found = found || strings.Contains(c, "clamped")
	}
	if !found {
		t.Errorf("checks %q do not report the clamped value", p.Checks)
	}
}

func TestProfileHosts(t *testing.T) {
	r := stats.NewRecorder(stats.Options{})
	r.Begin(t0)
	for i, host := range []string{"a:1", "b:2", "a:1"} {
		c := trace.Conn{At: t0, Host: host, HasConnect: true}
		r.RecordConn(&c)
		s := sample(t0.Add(time.Duration(i+1)*time.Millisecond), time.Millisecond, 200)
		s.Host, s.Reused, s.Wire = host, false, trace.Wire{Sent: 1, NewConns: 1}
		r.Record(i, &s)
	}
	p, err := r.Profile(stats.RunInfo{Name: "x", Started: t0, Ended: t0.Add(time.Second), Opened: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Hosts) != 2 || p.Hosts["a:1"] != (results.HostCounts{Requests: 2, Opened: 2}) || p.Hosts["b:2"] != (results.HostCounts{Requests: 1, Opened: 1}) {
		t.Errorf("hosts %+v", p.Hosts)
	}
}

// An abandoned request counts its attempts and its connection, nothing
// else, and no note on httptrace's count comes of it.
func TestProfileAbandoned(t *testing.T) {
	r := stats.NewRecorder(stats.Options{})
	r.Begin(t0)
	c := trace.Conn{At: t0, HasConnect: true}
	r.RecordConn(&c)
	s := sample(t0.Add(time.Millisecond), time.Millisecond, 0)
	s.Reused, s.TraceReused, s.Err, s.Abandoned = false, false, trace.ErrCanceled, true
	s.Wire = trace.Wire{Sent: 1, NewConns: 1}
	r.Record(0, &s)
	p, err := r.Profile(stats.RunInfo{Name: "x", Started: t0, Ended: t0.Add(time.Second), Opened: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.Requests != 0 || p.Errors.Total != 0 || p.Abandoned != 1 || p.Attempts.Sent != 1 || len(p.Checks) != 0 {
		t.Errorf("requests %d errors %d abandoned %d attempts %+v checks %q; want 1 abandoned, 1 sent", p.Requests, p.Errors.Total, p.Abandoned, p.Attempts, p.Checks)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "abandoned") {
		t.Errorf("notes %q, want the one on the abandoned request", p.Notes)
	}
}

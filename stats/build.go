package stats

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/trace"
)

// RunInfo is what the load generator and the pool know of a profile's run,
// beside the samples: the measured window and the pool's own counts.
type RunInfo struct {
	Name     string
	Strategy string
	Options  map[string]string
	// Started and Ended bound the measured window.
	Started, Ended time.Time
	// Opened, Unused, TLSHandshakes and TLSResumed are the pool's counts.
	Opened, Unused, TLSHandshakes, TLSResumed int64
	// The open model's figures (zero in the closed model).
	TargetRate          float64
	FirstSend, LastSend time.Time
	Arrivals, Late      int64
	MaxLate             time.Duration
	Workers             int
}

// Profile builds the profile's results from everything recorded. Call it
// once the run is over.
func (r *Recorder) Profile(info RunInfo) (Profile, error) {
	series := r.Series()
	c := newCounters()
	hists := map[string]*hdrhistogram.Histogram{}
	add := func(name string, h *hdrhistogram.Histogram) {
		if h == nil {
			return
		}
		if hists[name] == nil {
			hists[name] = NewHistogram()
		}
		hists[name].Merge(h)
	}
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		c.add(&sh.c)
		for ph, h := range sh.phases {
			add(trace.Phase(ph).String(), h)
		}
		add(HistCorrected, sh.corrected)
		add(HistFirstAttempt, sh.first)
		sh.mu.Unlock()
	}
	p := Profile{
		Name: info.Name, Strategy: info.Strategy, Options: info.Options,
		Requests: c.requests,
		Errors:   Errors{Total: c.errors, ByClass: map[string]int64{}},
		Status:   map[string]int64{},
		Started:  info.Started.UTC(), Ended: info.Ended.UTC(),
		Phases:     map[string]PhaseSummary{},
		Histograms: map[string]string{},
		Series:     series,
	}
	for cl, n := range c.byClass {
		if n > 0 {
			p.Errors.ByClass[trace.ErrorClass(cl).String()] = n
		}
	}
	for code, n := range c.statuses {
		p.Status[strconv.Itoa(code)] = n
	}
	p.Protocol = joinByCount(c.protocols)
	p.DurationS = info.Ended.Sub(info.Started).Seconds()
	if n := len(series); n > 0 {
		if span := p.DurationS - float64(series[n-1].Second); span > 0 && span < 1 {
			series[n-1].Span = span
		}
	}
	if p.DurationS > 0 {
		p.Throughput = float64(p.Requests) / p.DurationS
	}
	p.Connections = Connections{
		Opened: info.Opened, Reused: c.reused, Unused: info.Unused,
		TLSHandshakes: info.TLSHandshakes, TLSResumed: info.TLSResumed,
	}
	p.Connections.RequestsPerConn = p.Connections.perConn()
	if err := p.setHistograms(hists); err != nil {
		return Profile{}, err
	}
	if r.open {
		p.Rate = &Rate{Target: info.TargetRate, Late: info.Late, MaxLateMs: durMS(info.MaxLate), Workers: info.Workers}
		if d := info.LastSend.Sub(info.FirstSend).Seconds(); info.Arrivals > 1 && d > 0 {
			p.Rate.Achieved = float64(info.Arrivals-1) / d
		}
	}
	if r.retries {
		p.Retries = &Retries{RequestsRetried: c.retried, Total: c.retries}
	}
	if len(c.hosts) > 1 {
		p.Hosts = map[string]HostCounts{}
		for k, v := range c.hosts {
			p.Hosts[k] = *v
		}
	}
	p.Checks = checks(&c, info)
	if c.traceNew != c.newConns {
		p.Notes = append(p.Notes, fmt.Sprintf("httptrace's GotConnInfo.Reused called %d of %d first uses of a connection reused (Go marks a new connection reused when a request other than its dialer takes it); reuse here is counted on the connections",
			c.newConns-c.traceNew, c.newConns))
	}
	return p, nil
}

// checks cross-checks the trace's view of connections against the pool's.
func checks(c *counters, info RunInfo) []string {
	var out []string
	used := info.Opened - info.Unused
	if c.newConns != used {
		out = append(out, fmt.Sprintf("%d requests were first on their connection, but the pool opened %d connections of which %d carried requests", c.newConns, info.Opened, used))
	}
	if c.conns != info.Opened {
		out = append(out, fmt.Sprintf("%d dials recorded, but the pool opened %d connections", c.conns, info.Opened))
	}
	if c.clamped > 0 {
		out = append(out, fmt.Sprintf("%d values above %v were clamped to it", c.clamped, time.Duration(MaxValue)*time.Microsecond))
	}
	return out
}

// setHistograms stores every non-empty histogram of hists (keyed by phase
// name, HistCorrected or HistFirstAttempt) in p's encoded histograms and
// derives the summaries from them: phases, latency, corrected latency. A run
// and a merge of runs both build their profile this way.
func (p *Profile) setHistograms(hists map[string]*hdrhistogram.Histogram) error {
	for name, h := range hists {
		if h.TotalCount() == 0 {
			continue
		}
		if err := p.putHistogram(name, h); err != nil {
			return err
		}
		switch name {
		case HistCorrected:
			l := Summarize(h)
			p.LatencyCorrected = &l
		case HistFirstAttempt:
		default:
			p.Phases[name] = PhaseSummary{Latency: Summarize(h), Count: h.TotalCount()}
		}
	}
	p.Latency = Summarize(hists[trace.Total.String()])
	return nil
}

// perConn is the requests per connection that carried any: each such
// connection's first request plus every reuse, over those connections.
func (c Connections) perConn() float64 {
	used := c.Opened - c.Unused
	if used <= 0 {
		return 0
	}
	return float64(used+c.Reused) / float64(used)
}

// Summarize returns the percentile summary of h (microseconds) in milliseconds.
func Summarize(h *hdrhistogram.Histogram) Latency {
	if h == nil || h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{
		P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)),
		P99: ms(h.ValueAtQuantile(99)), P999: ms(h.ValueAtQuantile(99.9)),
		Max: ms(h.Max()), Mean: h.Mean() / 1000,
	}
}

func (p *Profile) putHistogram(name string, h *hdrhistogram.Histogram) error {
	enc, err := EncodeHistogram(h)
	if err != nil {
		return fmt.Errorf("profile %s: histogram %s: %w", p.Name, name, err)
	}
	p.Histograms[name] = enc
	return nil
}

// EncodeHistogram returns h's standard compressed encoding (V2, deflated,
// base64), as HdrHistogram tools read and write it.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(enc), nil
}

func durMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// joinByCount joins the keys of m, most frequent first, with "+".
func joinByCount(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return strings.Join(keys, "+")
}

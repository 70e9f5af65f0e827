package stats

import (
	"fmt"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/results"
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
	// Active is the measured time, the rounds' durations added up (zero:
	// Ended − Started, one round).
	Active time.Duration
	// The open model's figures (zero in the closed model): the target rate,
	// the sends' span and the arrivals after each round's first (the
	// achieved rate is SendGaps/SendSpan), every arrival, the late ones and
	// the latest.
	TargetRate     float64
	SendSpan       time.Duration
	SendGaps       int64
	Arrivals, Late int64
	MaxLate        time.Duration
	Workers        int
	// NotSent is the open model's arrivals due before the end that were
	// never sent.
	NotSent int64
}

// Profile builds the profile's results from everything recorded. Call it
// once the run is over.
func (r *Recorder) Profile(info RunInfo) (results.Profile, error) {
	return r.build(info, r.Series())
}

// Snapshot builds the profile's results from what was recorded so far,
// changing nothing, so recording can go on: for a checkpoint between rounds.
// It has no checks (the pool's counts are not final until it is closed).
func (r *Recorder) Snapshot(info RunInfo) (results.Profile, error) {
	p, err := r.build(info, r.seriesSoFar())
	p.Checks = nil
	return p, err
}

// build builds the profile's results with the given series.
func (r *Recorder) build(info RunInfo, series []results.Point) (results.Profile, error) {
	c := newCounters()
	hists := map[string]*hdrhistogram.Histogram{}
	add := func(name string, h *hdrhistogram.Histogram) {
		if h == nil {
			return
		}
		if hists[name] == nil {
			hists[name] = results.NewHistogram()
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
		add(results.HistCorrected, sh.corrected)
		add(results.HistFirstAttempt, sh.first)
		sh.mu.Unlock()
	}
	p := results.Profile{
		Name: info.Name, Strategy: info.Strategy, Options: info.Options,
		Requests: c.requests,
		Errors:   results.Errors{Total: c.errors, ByClass: map[string]int64{}},
		Status:   map[string]int64{},
		Started:  info.Started.UTC(), Ended: info.Ended.UTC(),
		Phases:     map[string]results.PhaseSummary{},
		Histograms: map[string]string{},
		Series:     series,
	}
	for cl, n := range c.byClass {
		if n > 0 {
			p.Errors.ByClass[trace.ErrorClass(cl).String()] = n
		}
	}
	p.Errors.Examples = c.wire.exampleMap()
	p.Attempts = c.wire.attempts(c.retries)
	p.Abandoned = c.wire.abandoned
	for code, n := range c.statuses {
		p.Status[strconv.Itoa(code)] = n
	}
	p.Protocol = results.JoinByCount(c.protocols)
	p.DurationS = info.Ended.Sub(info.Started).Seconds()
	if info.Active > 0 {
		p.DurationS = info.Active.Seconds()
	}
	if n := len(series); n > 0 {
		if span := p.DurationS - float64(series[n-1].Second); span > 0 && span < 1 {
			series[n-1].Span = span
		}
	}
	if p.DurationS > 0 {
		p.Throughput = float64(p.Requests) / p.DurationS
	}
	p.Connections = results.Connections{
		Opened: info.Opened, Reused: c.reused, Unused: info.Unused,
		TLSHandshakes: info.TLSHandshakes, TLSResumed: info.TLSResumed,
	}
	if err := p.SetHistograms(hists); err != nil {
		return results.Profile{}, err
	}
	if r.open {
		p.Rate = &results.Rate{Target: info.TargetRate, Late: info.Late, MaxLateMs: durMS(info.MaxLate), Workers: info.Workers, NotSent: info.NotSent}
		if d := info.SendSpan.Seconds(); info.SendGaps > 0 && d > 0 {
			p.Rate.Achieved = float64(info.SendGaps) / d
		}
	}
	if r.retries {
		p.Retries = &results.Retries{RequestsRetried: c.retried, Total: c.retries}
	}
	if len(c.hosts) > 1 {
		p.Hosts = map[string]results.HostCounts{}
		for k, v := range c.hosts {
			p.Hosts[k] = *v
		}
	}
	p.Checks = checks(&c, info)
	if c.traceNew != c.wire.lastNew {
		p.Notes = append(p.Notes, fmt.Sprintf("httptrace's GotConnInfo.Reused called %d of %d first uses of a connection reused (Go marks a new connection reused when a request other than its dialer takes it); reuse here is counted on the connections",
			c.wire.lastNew-c.traceNew, c.wire.lastNew))
	}
	p.Notes = append(p.Notes, wireNotes(&c, info)...)
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
		out = append(out, fmt.Sprintf("%d values above %v were clamped to it", c.clamped, time.Duration(results.MaxValue)*time.Microsecond))
	}
	return out
}

// wireNotes explains the attempts a reader might not expect: silent
// retries, abandoned requests, arrivals not sent.
func wireNotes(c *counters, info RunInfo) []string {
	var out []string
	if n := c.wire.transportRetries; n > 0 {
		out = append(out, fmt.Sprintf("net/http sent %d requests again by itself, on a new connection, after their reused connection failed before answering (stale): the caller saw no error; attempts.sent counts every try that reached the wire", n))
	}
	if n := c.wire.abandoned; n > 0 {
		out = append(out, fmt.Sprintf("%d requests in flight when the run was interrupted were abandoned: neither successes nor errors, and not in the latencies", n))
	}
	if info.NotSent > 0 {
		out = append(out, fmt.Sprintf("%d arrivals due before the end found no free worker and were not sent (too few workers for the rate, or too slow a server)", info.NotSent))
	}
	return out
}

func durMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

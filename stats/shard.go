package stats

import (
	"sync"
	"sync/atomic"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

// counters are a shard's plain counts; they add up across shards.
type counters struct {
	requests, errors int64
	byClass          [trace.NumErrorClasses]int64
	reused           int64
	traceNew         int64 // requests whose last attempt httptrace reported on a connection not reused
	newConns         int64 // attempts that got a connection no request had used
	tlsHandshakes    int64 // requests whose new connection did a handshake
	tlsResumed       int64
	retried, retries int64
	bytes            int64
	clamped          int64 // values outside the histogram range, clamped
	connErrors       int64
	conns            int64 // successful dials recorded
	statuses         map[int]int64
	protocols        map[string]int64
	hosts            map[string]*results.HostCounts
	wire             wireCounts
}

func (c *counters) add(o *counters) {
	c.requests += o.requests
	c.errors += o.errors
	for i := range c.byClass {
		c.byClass[i] += o.byClass[i]
	}
	c.reused += o.reused
	c.traceNew += o.traceNew
	c.newConns += o.newConns
	c.tlsHandshakes += o.tlsHandshakes
	c.tlsResumed += o.tlsResumed
	c.retried += o.retried
	c.retries += o.retries
	c.bytes += o.bytes
	c.clamped += o.clamped
	c.connErrors += o.connErrors
	c.conns += o.conns
	c.wire.add(&o.wire)
	for k, v := range o.statuses {
		c.statuses[k] += v
	}
	for k, v := range o.protocols {
		c.protocols[k] += v
	}
	for k, v := range o.hosts {
		h := c.host(k)
		h.Requests += v.Requests
		h.Opened += v.Opened
	}
}

func (c *counters) host(name string) *results.HostCounts {
	h := c.hosts[name]
	if h == nil {
		h = &results.HostCounts{}
		c.hosts[name] = h
	}
	return h
}

func newCounters() counters {
	return counters{statuses: map[int]int64{}, protocols: map[string]int64{}, hosts: map[string]*results.HostCounts{}}
}

// secSlot is one second of one shard's series.
type secSlot struct {
	sec                                int64
	used                               bool
	hist                               *hdrhistogram.Histogram
	requests, errors, newConns, reused int64
}

func (s *secSlot) reset() {
	s.hist.Reset()
	s.used = false
	s.requests, s.errors, s.newConns, s.reused = 0, 0, 0, 0
}

func (s *secSlot) addRequest(smp *trace.Sample) {
	s.requests++
	if smp.Failed() {
		s.errors++
	}
	s.reused += int64(smp.Wire.ReusedConns)
	s.hist.RecordValue(min(clampUS(smp.Latency()), results.MaxValue))
}

// shard is one lock's worth of histograms and counters.
type shard struct {
	mu        sync.Mutex
	phases    [trace.NumPhases]*hdrhistogram.Histogram
	corrected *hdrhistogram.Histogram
	first     *hdrhistogram.Histogram
	// round is the current round's total latency (at series precision), and
	// roundFrom and roundErrFrom the request and error counts at its start.
	round                   *hdrhistogram.Histogram
	roundFrom, roundErrFrom int64
	c                       counters
	ring                    [ringLen]secSlot
	finalized               int64
	// live, liveErrors and liveConns count requests, failed requests and
	// connections opened, readable without the lock (for progress).
	live, liveErrors, liveConns atomic.Int64
	_                           [64]byte // keep shards' hot fields on separate cache lines
}

func (sh *shard) init(o Options) {
	for i := range sh.phases {
		sh.phases[i] = results.NewHistogram()
	}
	if o.Open {
		sh.corrected = results.NewHistogram()
	}
	if o.Retries {
		sh.first = results.NewHistogram()
	}
	sh.c = newCounters()
	sh.round = hdrhistogram.New(results.MinValue, results.MaxValue, seriesFigs)
	for i := range sh.ring {
		sh.ring[i].hist = hdrhistogram.New(results.MinValue, results.MaxValue, seriesFigs)
	}
	sh.finalized = -1
}

// slot returns the series slot for second sec. A sample for a second already
// final goes to the earliest open one; if the ring still holds an older open
// second there (the finalizer fell far behind), the sample joins that second.
// Either way it is counted.
func (sh *shard) slot(sec int64) *secSlot {
	if sec <= sh.finalized {
		sec = sh.finalized + 1
	}
	sl := &sh.ring[sec%ringLen]
	if !sl.used {
		sl.used, sl.sec = true, sec
	}
	return sl
}

func (sh *shard) recordValue(h *hdrhistogram.Histogram, us int64) {
	if us > results.MaxValue {
		sh.c.clamped++
		us = results.MaxValue
	}
	h.RecordValue(us)
}

func (sh *shard) record(s *trace.Sample) {
	c := &sh.c
	c.wire.addSample(s)
	c.reused += int64(s.Wire.ReusedConns)
	c.newConns += int64(s.Wire.NewConns)
	if s.Abandoned { // in flight at Ctrl-C: its attempts count, nothing else
		return
	}
	if s.GotConn && !s.TraceReused {
		c.traceNew++
	}
	c.requests++
	sh.live.Add(1)
	if s.Failed() {
		c.errors++
		c.byClass[s.Err]++
		sh.liveErrors.Add(1)
	}
	if s.Status != 0 {
		c.statuses[s.Status]++
	}
	if s.Proto != "" {
		c.protocols[s.Proto]++
	}
	if s.Host != "" {
		c.host(s.Host).Requests++
	}
	if s.GotConn && !s.Reused && s.TLSHandshake {
		c.tlsHandshakes++
		if s.TLSResumed {
			c.tlsResumed++
		}
	}
	if s.Retries > 0 {
		c.retried++
		c.retries += int64(s.Retries)
	}
	c.bytes += s.Bytes
	// dns, connect and tls are recorded once per connection, by recordConn.
	for _, p := range [...]trace.Phase{trace.Wait, trace.TTFB, trace.Body} {
		if s.Has[p] {
			sh.recordValue(sh.phases[p], clampUS(s.Phases[p]))
		}
	}
	sh.recordValue(sh.phases[trace.Total], clampUS(s.Latency()))
	sh.round.RecordValue(min(clampUS(s.Latency()), results.MaxValue))
	if sh.corrected != nil {
		sh.recordValue(sh.corrected, clampUS(s.Corrected()))
	}
	if sh.first != nil {
		sh.recordValue(sh.first, clampUS(s.FirstAttempt))
	}
}

func (sh *shard) recordConn(c *trace.Conn) {
	if c.Err != trace.ErrNone {
		sh.c.connErrors++
	}
	if c.HasConnect { // opened, even if its handshake then failed
		sh.c.conns++
		sh.liveConns.Add(1)
		if c.Host != "" {
			sh.c.host(c.Host).Opened++
		}
	}
	if c.HasDNS {
		sh.recordValue(sh.phases[trace.DNS], clampUS(c.DNS))
	}
	if c.HasConnect {
		sh.recordValue(sh.phases[trace.Connect], clampUS(c.Connect))
	}
	if c.HasHandshake {
		sh.recordValue(sh.phases[trace.TLS], clampUS(c.Handshake))
	}
}

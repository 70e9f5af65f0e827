// Package stats turns trace samples into HDR histograms, counters and a
// per-second series per profile, recorded into a fixed number of shards, and
// builds a results profile from them. It knows nothing about HTTP.
package stats

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

// Recorder constants; the histograms' range is results.MinValue..MaxValue.
const (
	seriesFigs  = 2 // per-second percentiles need less precision
	ringLen     = 8 // seconds the per-second ring holds
	graceSecond = 2 // a second is final this long after a later sample arrives
)

// Recorder collects one profile's samples. Record is safe for concurrent use:
// samples go to one of a fixed number of shards (about GOMAXPROCS) chosen by
// worker, each with its own lock and histograms, so no lock is shared by the
// whole fleet and memory depends on neither the request count nor the fleet
// size. Shards are merged when the result is built.
type Recorder struct {
	// roundStart is the current round's start and offset the rounds before
	// it added up, in nanoseconds: the series runs on measured time, so a
	// profile's rounds follow one another without the other profiles'
	// rounds between them.
	roundStart atomic.Int64
	offset     atomic.Int64
	// inRound is set between Begin and EndRound.
	inRound  atomic.Bool
	open     bool // record corrected latency
	retries  bool // record first-attempt latency
	shards   []shard
	nextConn atomic.Uint64

	// Per-second series: seconds before next are final.
	next    atomic.Int64
	maxSec  atomic.Int64
	finalMu sync.Mutex
	scratch *hdrhistogram.Histogram
	series  []results.Point
}

// Options says which optional histograms a Recorder keeps.
type Options struct {
	// Open records latency corrected for coordinated omission.
	Open bool
	// Retries records the first attempt's latency.
	Retries bool
}

// NewRecorder returns a Recorder for one profile.
func NewRecorder(o Options) *Recorder {
	n := max(1, runtime.GOMAXPROCS(0))
	r := &Recorder{open: o.Open, retries: o.Retries, shards: make([]shard, n),
		scratch: hdrhistogram.New(results.MinValue, results.MaxValue, seriesFigs)}
	for i := range r.shards {
		r.shards[i].init(o)
	}
	r.maxSec.Store(-1)
	return r
}

// Begin starts a round of the measured window at start; the first round's
// start is second 0 of the series. Call it before the round's requests.
func (r *Recorder) Begin(start time.Time) {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		sh.round.Reset()
		sh.roundFrom = sh.c.requests
		sh.roundErrFrom = sh.c.errors
		sh.mu.Unlock()
	}
	r.roundStart.Store(start.UnixNano())
	r.inRound.Store(true)
}

// RoundFigures are what a round measured: its requests, failed ones among
// them, and the median and p99 of their latency in milliseconds.
type RoundFigures struct {
	Requests, Errors int64
	P50, P99         float64
	// Histogram is the round's latency histogram (2 significant digits) in
	// the standard compressed encoding, for merging segments' rounds.
	Histogram string
}

// EndRound ends the round begun at the last Begin, at end, once its
// requests are recorded, and returns its figures.
func (r *Recorder) EndRound(end time.Time) RoundFigures {
	var f RoundFigures
	r.finalMu.Lock()
	r.scratch.Reset()
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		r.scratch.Merge(sh.round)
		f.Requests += sh.c.requests - sh.roundFrom
		f.Errors += sh.c.errors - sh.roundErrFrom
		sh.mu.Unlock()
	}
	if r.scratch.TotalCount() > 0 {
		f.P50 = results.MS(r.scratch.ValueAtQuantile(50))
		f.P99 = results.MS(r.scratch.ValueAtQuantile(99))
		f.Histogram, _ = results.EncodeHistogram(r.scratch) // an encoding error leaves the round without one
	}
	r.finalMu.Unlock()
	r.inRound.Store(false)
	r.offset.Add(end.UnixNano() - r.roundStart.Load())
	return f
}

// Record adds one request's sample; worker picks the shard.
func (r *Recorder) Record(worker int, s *trace.Sample) {
	sec := r.second(s.End)
	r.advance(sec)
	sh := &r.shards[uint(worker)%uint(len(r.shards))]
	sh.mu.Lock()
	sh.record(s)
	if !s.Abandoned {
		sh.slot(sec).addRequest(s)
	}
	sh.mu.Unlock()
}

// RecordConn adds one dial.
func (r *Recorder) RecordConn(c *trace.Conn) {
	sec := r.second(c.At)
	r.advance(sec)
	sh := &r.shards[r.nextConn.Add(1)%uint64(len(r.shards))]
	sh.mu.Lock()
	sh.recordConn(c)
	if c.HasConnect {
		sh.slot(sec).newConns++
	}
	sh.mu.Unlock()
}

// Requests returns how many requests were recorded so far (for progress).
func (r *Recorder) Requests() int64 {
	var n int64
	for i := range r.shards {
		n += r.shards[i].live.Load()
	}
	return n
}

func (r *Recorder) second(t time.Time) int64 {
	start := r.roundStart.Load()
	if start == 0 {
		return 0
	}
	d := r.offset.Load() + t.UnixNano() - start
	if d < 0 {
		return 0
	}
	sec := d / int64(time.Second)
	for {
		cur := r.maxSec.Load()
		if sec <= cur || r.maxSec.CompareAndSwap(cur, sec) {
			return sec
		}
	}
}

// advance finalizes the seconds that are graceSecond behind sec. Only one
// goroutine finalizes at a time; the others go on recording.
func (r *Recorder) advance(sec int64) {
	upto := sec - graceSecond
	if r.next.Load() > upto || !r.finalMu.TryLock() {
		return
	}
	defer r.finalMu.Unlock()
	for k := r.next.Load(); k <= upto; k++ {
		r.finalize(k)
	}
}

// finalize merges second k of every shard into one point and appends it to
// the series. finalMu is held.
func (r *Recorder) finalize(k int64) {
	r.series = append(r.series, r.point(k, true))
	r.next.Store(k + 1)
}

// point merges second k of every shard into one point; consume resets the
// shards' slots and marks k final. finalMu is held.
func (r *Recorder) point(k int64, consume bool) results.Point {
	r.scratch.Reset()
	p := results.Point{Second: k}
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		sl := &sh.ring[k%ringLen]
		if sl.used && sl.sec == k {
			r.scratch.Merge(sl.hist)
			p.Requests += sl.requests
			p.Errors += sl.errors
			p.NewConns += sl.newConns
			p.Reused += sl.reused
			if consume {
				sl.reset()
			}
		}
		if consume {
			sh.finalized = k
		}
		sh.mu.Unlock()
	}
	if r.scratch.TotalCount() > 0 {
		p.P50 = results.MS(r.scratch.ValueAtQuantile(50))
		p.P99 = results.MS(r.scratch.ValueAtQuantile(99))
	}
	return p
}

// Series finalizes every second recorded so far and returns the series. Call
// it once the run is over.
func (r *Recorder) Series() []results.Point {
	r.finalMu.Lock()
	defer r.finalMu.Unlock()
	for k := r.next.Load(); k <= r.maxSec.Load(); k++ {
		r.finalize(k)
	}
	return append([]results.Point(nil), r.series...)
}

// seriesSoFar returns the series with the seconds not yet final as they
// stand, finalizing nothing: a later round may still add to them.
func (r *Recorder) seriesSoFar() []results.Point {
	r.finalMu.Lock()
	defer r.finalMu.Unlock()
	out := append([]results.Point(nil), r.series...)
	for k := r.next.Load(); k <= r.maxSec.Load(); k++ {
		out = append(out, r.point(k, false))
	}
	return out
}

// clampUS converts d to whole microseconds, at least MinValue (values above
// MaxValue are clamped, and counted, by the shard).
func clampUS(d time.Duration) int64 {
	return max(int64(d/time.Microsecond), results.MinValue)
}

package stats

import (
	"time"

	"github.com/reusebench/reusebench/results"
)

// Live is what a progress view shows of a running profile: its counts so
// far and its last second of measured time.
type Live struct {
	// Requests, Errors and Conns count the requests, the failed requests
	// and the connections opened so far.
	Requests, Errors, Conns int64
	// Last is the latest complete second of the profile's measured time:
	// its requests, errors, new connections and percentiles. Before the
	// first second is complete it is that second so far, and Last.Span says
	// how much of it has run (rates divide by it).
	Last results.Point
}

// Live returns the profile's figures so far, for a progress view. The counts
// are read from counters kept outside the shards' locks; the last second is
// the series point when that second is already final, or else merged once
// from each shard's slot, as the per-second finalizer does: nothing is added
// to the recording path. Measured time is the rounds so far plus the part of
// the current one until now.
func (r *Recorder) Live() Live {
	var l Live
	for i := range r.shards {
		sh := &r.shards[i]
		l.Requests += sh.live.Load()
		l.Errors += sh.liveErrors.Load()
		l.Conns += sh.liveConns.Load()
	}
	measured := r.offset.Load()
	if start := r.roundStart.Load(); r.inRound.Load() && start != 0 {
		measured += max(time.Now().UnixNano()-start, 0)
	}
	k := measured/int64(time.Second) - 1
	r.finalMu.Lock()
	defer r.finalMu.Unlock()
	switch {
	case k < 0: // the first second, so far
		l.Last = r.mergeSlots(0)
		if measured > 0 {
			l.Last.Span = time.Duration(measured).Seconds()
		}
	case k < r.next.Load() && int(k) < len(r.series) && r.series[k].Second == k:
		l.Last = r.series[k]
	default:
		l.Last = r.mergeSlots(k)
	}
	return l
}

// mergeSlots merges second k of every shard's ring into one point, leaving
// the slots as they are. finalMu is held (it guards scratch, and keeps the
// finalizer from resetting the slots meanwhile).
func (r *Recorder) mergeSlots(k int64) results.Point {
	r.scratch.Reset()
	p := results.Point{Second: k}
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		if sl := &sh.ring[k%ringLen]; sl.used && sl.sec == k {
			r.scratch.Merge(sl.hist)
			p.Requests += sl.requests
			p.Errors += sl.errors
			p.NewConns += sl.newConns
			p.Reused += sl.reused
		}
		sh.mu.Unlock()
	}
	if r.scratch.TotalCount() > 0 {
		p.P50 = results.MS(r.scratch.ValueAtQuantile(50))
		p.P99 = results.MS(r.scratch.ValueAtQuantile(99))
	}
	return p
}

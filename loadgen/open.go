package loadgen

import (
	"context"
	"errors"
	"sync"
	"time"
)

// sendWindow tracks the first and last actual sends of an open-model run, for
// the achieved rate.
type sendWindow struct {
	mu          sync.Mutex
	first, last time.Time
	sent        int64
}

func (s *sendWindow) add(t time.Time) {
	s.mu.Lock()
	if s.first.IsZero() || t.Before(s.first) {
		s.first = t
	}
	if t.After(s.last) {
		s.last = t
	}
	s.sent++
	s.mu.Unlock()
}

// open runs the open model: the scheduler paces arrivals with a Pacer and
// hands each one, stamped with its intended time, to a free worker (of a
// segmented run, only the segment's arrivals of the global schedule). When every
// worker is busy the arrival waits, and that wait is part of its corrected
// latency; with MaxWorkers the fleet grows instead, up to that many workers.
//
// The round ends at stop's deadline, whatever is still waiting: an arrival
// that found no free worker by then, and every later one due before the
// deadline, is counted as not sent and never sent, so a slow server cannot
// stretch a round past its end. Requests in flight then run on ctx: they
// finish or time out. Ctrl-C (ctx) or an error limit (stop cancelled)
// counts the arrivals already due as not sent.
func (r *runner) open(ctx, stop context.Context, n int64, record bool) {
	arrivals := make(chan arrival)
	var wg sync.WaitGroup
	var window sendWindow
	spawn := func(w int) {
		wg.Go(func() {
			wk := newWorker(ctx, w)
			defer wk.tracer.Close()
			for a := range arrivals {
				picked := time.Now()
				if record {
					r.noteLateness(picked.Sub(a.intended), picked.Sub(a.ready))
					window.add(picked)
				}
				wk.sample = r.do(ctx, wk, a.intended)
				r.emit(ctx, w, &wk.sample, record)
			}
		})
	}
	workers := r.cfg.Workers
	maxWorkers := max(workers, r.cfg.MaxWorkers)
	for w := range workers {
		spawn(w)
	}
	deadline, bounded := stop.Deadline()
	pacer := NewPacer(time.Now(), r.cfg.Rate)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var count, global int64
	// awake is when the scheduler last woke from its timer, zero after a
	// handoff had to wait: arrivals due while the scheduler overslept were
	// ready when it woke; arrivals due while it waited for a worker were
	// ready when due, and that wait is theirs.
	var awake time.Time
	var notSent int64
loop:
	for (n <= 0 || count < n) && r.stopped.Load() == nil {
		t := pacer.Next()
		if n <= 0 && bounded && !t.Before(deadline) {
			break
		}
		i := global
		global++
		if !r.cfg.Segment.Mine(i) { // another generator's arrival
			continue
		}
		if d := time.Until(t); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
				awake = time.Now()
			case <-stop.Done(): // t, if due by then, and the rest are not sent
				if t.Before(notSentLimit(stop, deadline)) {
					notSent = 1 + countDue(pacer, notSentLimit(stop, deadline), n, count+1)
				}
				break loop
			}
		}
		a := arrival{intended: t, ready: t}
		if awake.After(t) {
			a.ready = awake
		}
		select {
		case arrivals <- a:
		default:
			if workers < maxWorkers {
				spawn(workers)
				workers++
			}
			select {
			case arrivals <- a:
			case <-stop.Done():
				notSent = 1 + countDue(pacer, notSentLimit(stop, deadline), n, count+1)
				break loop
			}
			awake = time.Time{}
		}
		count++
	}
	close(arrivals)
	wg.Wait()
	if record {
		r.notSent.Add(notSent)
		for cur := r.workers.Load(); int64(workers) > cur && !r.workers.CompareAndSwap(cur, int64(workers)); cur = r.workers.Load() {
		}
		r.arrivals.Store(count)
		r.firstSend, r.lastSend = window.first, window.last
	}
}

// notSentLimit is the time before which a stopped round's arrivals were
// due: its deadline when it reached it, now when it was stopped early.
func notSentLimit(stop context.Context, deadline time.Time) time.Time {
	if errors.Is(stop.Err(), context.DeadlineExceeded) && !deadline.IsZero() {
		return deadline
	}
	return time.Now()
}

// maxDueCount bounds countDue's loop; beyond it the rest is estimated from
// the rate (an hour at 20,000/s is 72 million arrivals).
const maxDueCount = 1 << 20

// countDue counts the pacer's arrivals due before limit, at most n - sent
// of them when n > 0 (a count-bounded round).
func countDue(p *Pacer, limit time.Time, n, sent int64) int64 {
	var due int64
	for ; n <= 0 || sent+due < n; due++ {
		t := p.Next()
		if !t.Before(limit) {
			return due
		}
		if due == maxDueCount {
			rest := int64(limit.Sub(t).Seconds()*p.rate) + 1
			if n > 0 {
				rest = min(rest, n-sent-due)
			}
			return due + rest
		}
	}
	return due
}

// arrival is one open-model arrival: when it was due, and when it was ready
// to hand over (later than due only when the scheduler's timer woke late).
type arrival struct {
	intended, ready time.Time
}

// noteLateness counts an arrival late when it waited more than LateAfter for
// a worker, and tracks the largest lateness: pickup − intended, the
// scheduler's own wake-up delay included (about 1 ms when the process idles:
// Go's timers sleep in whole milliseconds then).
func (r *runner) noteLateness(d, waitedForWorker time.Duration) {
	if waitedForWorker > LateAfter {
		r.late.Add(1)
	}
	for {
		cur := r.maxLate.Load()
		if int64(d) <= cur || r.maxLate.CompareAndSwap(cur, int64(d)) {
			return
		}
	}
}

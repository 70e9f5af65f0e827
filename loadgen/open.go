package loadgen

import (
	"context"
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
// hands each one, stamped with its intended time, to a free worker. When every
// worker is busy the arrival waits, and that wait is part of its corrected
// latency; with MaxWorkers the fleet grows instead, up to that many workers.
func (r *runner) open(ctx, stop context.Context, n int64, record bool) {
	arrivals := make(chan time.Time)
	var wg sync.WaitGroup
	var window sendWindow
	spawn := func(w int) {
		wg.Go(func() {
			for t := range arrivals {
				picked := time.Now()
				if record {
					r.noteLateness(picked.Sub(t))
					window.add(picked)
				}
				s := r.do(ctx, w, t)
				r.emit(ctx, w, &s, record)
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
	var count int64
loop:
	for n <= 0 || count < n {
		t := pacer.Next()
		if n <= 0 && bounded && !t.Before(deadline) {
			break
		}
		if d := time.Until(t); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				break loop
			}
		}
		select {
		case arrivals <- t:
		default:
			if workers < maxWorkers {
				spawn(workers)
				workers++
			}
			select {
			case arrivals <- t:
			case <-ctx.Done():
				break loop
			}
		}
		count++
	}
	close(arrivals)
	wg.Wait()
	if record {
		r.workers.Store(int64(workers))
		r.arrivals.Store(count)
		r.firstSend, r.lastSend = window.first, window.last
	}
}

func (r *runner) noteLateness(d time.Duration) {
	if d > LateAfter {
		r.late.Add(1)
	}
	for {
		cur := r.maxLate.Load()
		if int64(d) <= cur || r.maxLate.CompareAndSwap(cur, int64(d)) {
			return
		}
	}
}

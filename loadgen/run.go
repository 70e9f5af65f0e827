package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/trace"
)

// Sink receives what the fleet measured. Begin is called once, when the
// measured window starts (after the warm-up). Record is called by the worker
// that sent the request, concurrently for different workers; RecordConn by the
// goroutine that dialed.
type Sink interface {
	Begin(start time.Time)
	Record(worker int, s *trace.Sample)
	RecordConn(c *trace.Conn)
}

// Config is one profile's run.
type Config struct {
	Pool    pool.Config
	Targets []Target
	// Workers is the fleet size (closed model) or the in-flight cap (open model).
	Workers int
	// MaxWorkers lets an open-model fleet grow up to this many workers when
	// every worker is busy (0: fixed at Workers).
	MaxWorkers int
	// Requests bounds the measured requests (0: bounded by Duration).
	Requests int64
	// Duration bounds the measured window (when Requests is 0).
	Duration time.Duration
	// Warmup is sent before the measured window and not recorded.
	Warmup time.Duration
	// Rate switches to the open model: arrivals a second for the whole fleet
	// (of every segment, when Segment splits the run).
	Rate float64
	// Segment, in the open model, makes the fleet send only its segment's
	// arrivals of the global schedule. Workers and Requests are the
	// segment's own already.
	Segment Segment
	Retry   Retry
	// Wait, if set, bounds the fleet's waits for its pool's dials and
	// closes (each waits at most 10 s anyway): an interrupted run cuts its
	// wind-down short with it. Nil: no bound but that.
	Wait context.Context
	// MaxErrors stops the profile, for the rest of its rounds, once this
	// many of its measured requests have failed (0: no limit).
	MaxErrors int64
	// MaxErrorRate stops the profile once this percentage of its measured
	// requests has failed, counted from MinForErrorRate requests on (0: no
	// limit).
	MaxErrorRate float64
	// OnWindow, if set, is called as the measured window starts, after the
	// warm-up's dials have settled, with the connections opened before it: a
	// caller comparing with a server's counts aligns them there.
	OnWindow func(openedBefore int64)
}

// Summary is what the run itself knows, beside the samples it emitted.
type Summary struct {
	// Started and Ended bound the measured window: its first send and its last
	// completion.
	Started, Ended time.Time
	// Pool is what the pool counted during the measured window.
	Pool pool.Counts
	// Workers is the number of workers used (open model: the most at once).
	Workers int
	// Arrivals, Late and MaxLate describe an open-model run: arrivals
	// scheduled, those that waited more than LateAfter for a worker, and the
	// largest lateness (actual send − intended time).
	Arrivals, Late int64
	MaxLate        time.Duration
	// SendSpan is the time from the first to the last actual send of each
	// open-model round, added up, and SendGaps the arrivals after each
	// round's first: SendGaps/SendSpan is the achieved rate.
	SendSpan time.Duration
	SendGaps int64
	// Active is the time the rounds took, added up, and Rounds their number.
	Active time.Duration
	Rounds int
	// AfterRounds is the connections opened after the last round ended, by
	// dials that finished late: they belong to the last round.
	AfterRounds int64
	// Interrupted is true when the run was cancelled before its end.
	Interrupted bool
	// NotSent counts the open model's arrivals that were due before the end
	// of a round (or Ctrl-C) but found no free worker in time: counted, not
	// sent.
	NotSent int64
	// Stopped says why the profile stopped early (MaxErrors,
	// MaxErrorRate), "" when it did not.
	Stopped string
}

// MinForErrorRate is how many measured requests must have completed
// before MaxErrorRate can stop a profile.
const MinForErrorRate = 20

// LateAfter is how long an arrival may wait for a worker before it counts as late.
const LateAfter = time.Millisecond

func (c *Config) validate() error {
	switch {
	case len(c.Targets) == 0:
		return errors.New("no target")
	case c.Workers < 1:
		return fmt.Errorf("%d workers, need at least 1", c.Workers)
	case c.Requests <= 0 && c.Duration <= 0:
		return errors.New("need a request count or a duration")
	case c.Rate < 0:
		return fmt.Errorf("rate %v: must be positive", c.Rate)
	case c.MaxErrors < 0 || c.MaxErrorRate < 0 || c.MaxErrorRate > 100:
		return fmt.Errorf("error limits %d and %v%%: want a count ≥ 0 and a percentage in [0,100]", c.MaxErrors, c.MaxErrorRate)
	}
	return nil
}

// Run runs one profile as a single round: it builds the pool, sends the
// warm-up, then the measured requests, and closes the pool so its counts are
// final. Cancelling ctx stops the run early; what was measured until then is
// kept.
func Run(ctx context.Context, cfg Config, sink Sink) (Summary, error) {
	f, err := NewFleet(ctx, cfg, sink)
	if err != nil {
		return Summary{}, err
	}
	f.Round(ctx, Bound{Requests: cfg.Requests, Duration: cfg.Duration})
	return f.Close(ctx), nil
}

type runner struct {
	cfg       Config
	sink      Sink
	pool      *pool.Pool
	targets   *targets
	measuring atomic.Bool
	workers   atomic.Int64
	arrivals  atomic.Int64
	notSent   atomic.Int64
	late      atomic.Int64
	maxLate   atomic.Int64
	// completed and failed count the measured requests for the error
	// limits; halt is cancelled, with the reason in stopped, when one is
	// reached.
	completed, failed atomic.Int64
	halt              context.Context
	stop              context.CancelFunc
	stopped           atomic.Pointer[string]
	// firstSend and lastSend are the open model's first and last actual
	// sends in the current round.
	firstSend, lastSend time.Time
}

// onConn hands a dial of the measured window to the sink.
func (r *runner) onConn(c *trace.Conn) {
	if r.measuring.Load() {
		r.sink.RecordConn(c)
	}
}

// phase sends requests until stop is done or n requests were issued (n > 0);
// requests themselves run under ctx, so the ones in flight when stop ends
// complete and are counted. record says whether samples go to the sink.
func (r *runner) phase(ctx, stop context.Context, n int64, record bool) {
	if r.cfg.Rate > 0 {
		r.open(ctx, stop, n, record)
		return
	}
	var issued atomic.Int64
	var wg sync.WaitGroup
	r.workers.Store(int64(r.cfg.Workers))
	for w := range r.cfg.Workers {
		wg.Go(func() {
			wk := newWorker(ctx, w)
			defer wk.tracer.Close()
			for stop.Err() == nil && r.stopped.Load() == nil && (n <= 0 || issued.Add(1) <= n) {
				wk.sample = r.do(ctx, wk, time.Time{})
				r.emit(ctx, w, &wk.sample, record)
			}
		})
	}
	wg.Wait()
}

// emit hands s to the sink, marked abandoned when the end of the run's own
// context (Ctrl-C, or its deadline) cut it short, and counts it for the
// error limits.
func (r *runner) emit(ctx context.Context, w int, s *trace.Sample, record bool) {
	if !record {
		return
	}
	if ctx.Err() != nil && (s.Err == trace.ErrCanceled || s.Err == trace.ErrTimeout) {
		s.Abandoned = true
	}
	r.sink.Record(w, s)
	if !s.Abandoned {
		r.count(s.Failed())
	}
}

// count counts a completed measured request and stops the profile when it
// reaches an error limit.
func (r *runner) count(failed bool) {
	n := r.completed.Add(1)
	f := r.failed.Load()
	if failed {
		f = r.failed.Add(1)
	}
	if why := r.limitReached(n, f); why != "" {
		r.stopFor(why)
	}
}

// stopFor stops the profile for why, unless it stopped already. (why is a
// parameter so that only a stop allocates it.)
func (r *runner) stopFor(why string) {
	if r.stopped.CompareAndSwap(nil, &why) {
		r.stop()
	}
}

// limitReached says which error limit f failures in n requests reach, ""
// for none.
func (r *runner) limitReached(n, f int64) string {
	switch lim, pct := r.cfg.MaxErrors, r.cfg.MaxErrorRate; {
	case lim > 0 && f >= lim:
		return fmt.Sprintf("%d of %d requests failed, reaching the limit of %d errors", f, n, lim)
	case pct > 0 && n >= MinForErrorRate && float64(f)*100 >= pct*float64(n):
		return fmt.Sprintf("%d of %d requests failed (%.1f%%), reaching the limit of %g%%", f, n, 100*float64(f)/float64(n), pct)
	}
	return ""
}

// do sends one logical request, with its retries, and returns its sample:
// the last attempt's, with the wire counts of every attempt added up.
func (r *runner) do(ctx context.Context, w *worker, intended time.Time) trace.Sample {
	var firstStart time.Time
	var firstLatency time.Duration
	var wire trace.Wire
	var retried [trace.NumErrorClasses]int32
	target := r.targets.pick() // every attempt of a request goes to the same target
	t := &r.targets.list[target]
	for attempt := 0; ; attempt++ {
		s := r.attempt(w, target)
		wire.Add(s.Wire)
		for i, n := range s.Retried {
			retried[i] += n
		}
		if attempt == 0 {
			firstStart, firstLatency = s.Start, s.Latency()
		}
		if attempt < r.cfg.Retry.Max && ctx.Err() == nil && r.cfg.Retry.retryable(&s, t) {
			if d, ok := r.cfg.Retry.wait(attempt, s.RetryAfter); ok {
				if !sleep(ctx, d) {
					s.Abandoned = true // Ctrl-C while it waited to retry: in flight
				} else {
					retried[s.Err]++
					continue
				}
			}
		}
		s.Start = firstStart
		s.Retries = attempt
		s.FirstAttempt = firstLatency
		s.Intended = intended
		s.Phases[trace.Total] = s.Latency()
		s.Wire, s.Retried = wire, retried
		return s
	}
}

// sleep waits d, or until ctx ends: then it returns false.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (r *runner) attempt(w *worker, t int) trace.Sample {
	client, release, err := r.pool.Client(w.id)
	if err == nil {
		s := w.tracer.Do(client, w.request(r.targets, t, r.pool.Cookies()))
		release()
		return s
	}
	now := time.Now()
	s := trace.Sample{Start: now, End: now, Host: r.targets.list[t].URL.Host, Err: trace.ErrOther}
	s.Phases[trace.Total], s.Has[trace.Total] = 0, true
	return s
}

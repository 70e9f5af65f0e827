package loadgen

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/reusebench/reusebench/pool"
)

// Fleet is one profile's workers and pool across the rounds of a run: the
// pool, and so its connections, lives from NewFleet to Close, and a round
// starts the workers anew on it. Between rounds the fleet sends nothing and
// its idle connections stay open, so interleaving profiles does not turn a
// warm pool into a cold one.
type Fleet struct {
	cfg    Config
	r      *runner
	pool   *pool.Pool
	before pool.Counts
	sum    Summary
	// sendSpan and sendGaps add up the open model's rounds: the time from
	// each round's first to last send, and the arrivals after each first.
	sendSpan time.Duration
	sendGaps int64
	// counted is the window's connections some Round has reported.
	counted int64
}

// Bound ends a round: after Requests requests, or after Duration when
// Requests is 0.
type Bound struct {
	Requests int64
	Duration time.Duration
}

// Round is what a fleet knows of one round.
type Round struct {
	// Started and Ended bound the round: its first send and its last
	// completion.
	Started, Ended time.Time
	// Opened is the connections the pool opened during the round.
	Opened int64
	// Before is the connections opened since the previous round ended, by
	// dials that finished after it (Go's transport may start a spare dial
	// for a request that then takes an idle connection): they belong to the
	// previous round.
	Before int64
}

// NewFleet builds the profile's pool, sends the warm-up, and starts the
// measured window (cfg.OnWindow is called then). The fleet's rounds follow.
func NewFleet(ctx context.Context, cfg Config, sink Sink) (*Fleet, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	ts, err := newTargets(cfg.Targets)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, sink: sink, targets: ts}
	r.halt, r.stop = context.WithCancel(context.Background())
	pc := cfg.Pool
	pc.Workers = max(cfg.Workers, cfg.MaxWorkers)
	pc.OnConn = r.onConn
	pc.Abort = ctx
	urls := make([]*url.URL, len(cfg.Targets))
	for i := range cfg.Targets {
		urls[i] = cfg.Targets[i].URL
	}
	p, err := pool.New(pc, urls...)
	if err != nil {
		r.stop()
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	r.pool = p
	if cfg.Warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, cfg.Warmup)
		r.phase(ctx, wctx, 0, false)
		cancel()
	}
	f := &Fleet{cfg: cfg, r: r, pool: p}
	f.before = p.StartWindow()
	r.measuring.Store(true)
	if cfg.OnWindow != nil {
		cfg.OnWindow(f.before.Opened)
	}
	return f, nil
}

// Opened is every connection the fleet's pool has opened so far, the
// warm-up's included: what a server has accepted from it once it caught up.
func (f *Fleet) Opened() int64 { return f.pool.Counts().Opened }

// Stopped says why the fleet stopped early (an error limit), "" when it
// did not. A stopped fleet's rounds send nothing.
func (f *Fleet) Stopped() string {
	if why := f.r.stopped.Load(); why != nil {
		return *why
	}
	return ""
}

// Round runs one measured round to its bound and returns when every request
// of it has completed. Cancelling ctx ends it early; so does reaching an
// error limit, for this round and the fleet's later ones.
func (f *Fleet) Round(ctx context.Context, b Bound) Round {
	r := f.r
	if f.Stopped() != "" {
		now := time.Now()
		return Round{Started: now, Ended: now}
	}
	at := f.pool.Settle(f.wait())
	var rd Round
	rd.Before = at.Opened - f.before.Opened - f.counted
	rd.Started = time.Now()
	r.sink.Begin(rd.Started)
	stop, cancel := context.WithCancel(ctx)
	if b.Requests <= 0 {
		stop, cancel = context.WithDeadline(ctx, rd.Started.Add(b.Duration))
	}
	halted := context.AfterFunc(r.halt, cancel)
	r.firstSend, r.lastSend = time.Time{}, time.Time{}
	r.arrivals.Store(0)
	r.phase(ctx, stop, b.Requests, true)
	halted()
	cancel()
	rd.Ended = time.Now()
	rd.Opened = f.pool.Settle(f.wait()).Opened - at.Opened
	f.counted += rd.Before + rd.Opened
	s := &f.sum
	if s.Started.IsZero() {
		s.Started = rd.Started
	}
	s.Ended = rd.Ended
	s.Active += rd.Ended.Sub(rd.Started)
	s.Rounds++
	s.Arrivals += r.arrivals.Load()
	if n := r.arrivals.Load(); n > 1 && !r.firstSend.IsZero() {
		f.sendSpan += r.lastSend.Sub(r.firstSend)
		f.sendGaps += n - 1
	}
	if ctx.Err() != nil {
		s.Interrupted = true
	}
	return rd
}

// wait is the context that bounds the pool's waits (Config.Wait).
func (f *Fleet) wait() context.Context {
	if f.cfg.Wait != nil {
		return f.cfg.Wait
	}
	return context.Background()
}

// Close closes the pool, so its counts are final, and returns the summary of
// every round. ctx is the run's: once it is done the summary says
// interrupted.
func (f *Fleet) Close(ctx context.Context) Summary {
	f.pool.CloseContext(f.wait())
	f.r.stop() // releases the halt context; Stopped keeps its reason
	f.r.measuring.Store(false)
	s := f.Summary()
	s.Interrupted = s.Interrupted || ctx.Err() != nil
	return s
}

// Summary is the summary of the rounds so far, the pool left open: for a
// checkpoint between rounds. Until Close, the pool's counts are not final
// (a connection still open has not yet been found unused).
func (f *Fleet) Summary() Summary {
	s := f.sum
	s.Pool = f.pool.Counts().Sub(f.before)
	s.Workers = int(f.r.workers.Load())
	s.Late = f.r.late.Load()
	s.MaxLate = time.Duration(f.r.maxLate.Load())
	s.SendSpan, s.SendGaps = f.sendSpan, f.sendGaps
	s.AfterRounds = s.Pool.Opened - f.counted
	s.NotSent = f.r.notSent.Load()
	s.Stopped = f.Stopped()
	return s
}

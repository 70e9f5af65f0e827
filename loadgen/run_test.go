package loadgen_test

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/target"
	"github.com/reusebench/reusebench/trace"
)

// checkConns compares what the run and the sink say of connections with the
// server, once it saw every connection close: one RecordConn per dial, the
// dials the server accepted, and the samples on new connections, which must
// be the connections on which the server saw a request. (Summary.Pool.Unused
// is not compared: it is read too early, see TestRunSummaryUnused.)
func checkConns(t *testing.T, sum loadgen.Summary, samples []trace.Sample, conns []trace.Conn, sc target.Counts) {
	t.Helper()
	if int64(len(conns)) != sum.Pool.Opened {
		t.Errorf("%d RecordConn calls, pool opened %d connections", len(conns), sum.Pool.Opened)
	}
	if sc.Accepted != sum.Pool.Opened {
		t.Errorf("server accepted %d connections, pool opened %d", sc.Accepted, sum.Pool.Opened)
	}
	if sc.Closed != sc.Accepted {
		t.Fatalf("checkConns called before the server saw every connection close: %v", sc)
	}
	fresh := count(samples, func(s *trace.Sample) bool { return s.GotConn && !s.Reused })
	if fresh != sc.Accepted-sc.Unused {
		t.Errorf("%d samples on a new connection, server saw requests on %d connections (%d accepted, %d unused)", fresh, sc.Accepted-sc.Unused, sc.Accepted, sc.Unused)
	}
	// Go's transport cancels a dial no request waits for any more; one
	// cancelled after its connect (during the TLS handshake) was still opened.
	for i, c := range conns {
		if (c.Err != trace.ErrNone && c.Err != trace.ErrCanceled) || !c.HasConnect || c.HasDNS {
			t.Errorf("conn %d: %+v: want a connect, no dns (IP literal), no error but a cancelled dial", i, c)
		}
	}
}

// failedHandshakes counts dials that connected but did not finish TLS.
func failedHandshakes(conns []trace.Conn) int64 {
	return count(conns, func(c *trace.Conn) bool { return c.Err != trace.ErrNone })
}

func TestRunClosedRequests(t *testing.T) {
	tests := []struct {
		name     string
		strategy pool.Strategy
		tls      bool
		workers  int
		requests int64
		// wantConns is the exact number of connections, 0 to check only
		// that counts agree, -1 to set MaxConnsPerHost to the workers and
		// check the pool opened no more.
		wantConns int64
	}{
		{"shared", pool.Shared, false, 4, 60, 0},
		{"shared 1 worker", pool.Shared, false, 1, 30, 1},
		// per-worker: one connection per worker that sent (checked below);
		// with a request count, a worker that starts late may send none.
		{"per-worker", pool.PerWorker, false, 3, 30, 0},
		{"fresh", pool.Fresh, false, 2, 20, 20},
		{"shared tls", pool.Shared, true, 2, 20, 0},
		{"shared tls, max conns = workers", pool.Shared, true, 2, 20, -1},
		{"fresh tls", pool.Fresh, true, 2, 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startTarget(t, target.Config{TLS: tt.tls})
			cfg := runConfig(t, srv, tt.strategy, tt.workers)
			cfg.Requests = tt.requests
			cfg.Duration = time.Minute // the count bounds the run, not this
			if tt.wantConns < 0 {
				cfg.Pool.MaxConnsPerHost = tt.workers
			}
			var sk sink
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sum, err := loadgen.Run(ctx, cfg, &sk)
			if err != nil {
				t.Fatal(err)
			}
			begins, samples, workers, conns := sk.snapshot()
			// Run closed the pool: wait until the server saw every
			// connection close (it counts the handshake of a connection
			// that carried no request only then).
			wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer wcancel()
			if err := srv.WaitClosed(wctx, srv.Counts().Accepted); err != nil {
				t.Fatal(err)
			}
			sc := srv.Counts()
			if sc.Requests != tt.requests || int64(len(samples)) != tt.requests {
				t.Fatalf("server answered %d requests, sink got %d samples, want %d", sc.Requests, len(samples), tt.requests)
			}
			if len(begins) != 1 || !begins[0].Equal(sum.Started) {
				t.Errorf("Begin called %d times (%v), want once with Started %v", len(begins), begins, sum.Started)
			}
			for i, s := range samples {
				if s.Err != trace.ErrNone || s.Status != 200 || s.Retries != 0 || !s.Intended.IsZero() {
					t.Fatalf("sample %d: err %q status %d retries %d intended %v", i, s.Err, s.Status, s.Retries, s.Intended)
				}
				if s.Start.Before(sum.Started) || s.End.After(sum.Ended) {
					t.Errorf("sample %d [%v, %v] outside the window [%v, %v]", i, s.Start, s.End, sum.Started, sum.Ended)
				}
			}
			for _, w := range workers {
				if w < 0 || w >= tt.workers {
					t.Errorf("sample recorded for worker %d of %d", w, tt.workers)
				}
			}
			if sum.Workers != tt.workers || sum.Interrupted || sum.Arrivals != 0 {
				t.Errorf("summary %+v: want %d workers, not interrupted, no arrivals", sum, tt.workers)
			}
			checkConns(t, sum, samples, conns, sc)
			if tt.strategy == pool.PerWorker {
				sent := map[int]bool{}
				for _, w := range workers {
					sent[w] = true
				}
				if sum.Pool.Opened != int64(len(sent)) {
					t.Errorf("per-worker pool opened %d connections for %d workers that sent", sum.Pool.Opened, len(sent))
				}
			}
			if tt.wantConns > 0 && sum.Pool.Opened != tt.wantConns {
				t.Errorf("pool opened %d connections, want %d", sum.Pool.Opened, tt.wantConns)
			}
			// Without MaxConnsPerHost a shared client can open more
			// connections than workers: a request that dialed may get a
			// connection another worker released, and its dial still
			// completes (and may carry later requests).
			if tt.wantConns < 0 && (sum.Pool.Opened > int64(tt.workers) || sc.Accepted > int64(tt.workers)) {
				t.Errorf("max %d conns per host: pool opened %d, server accepted %d", tt.workers, sum.Pool.Opened, sc.Accepted)
			}
			if tt.tls {
				hs := count(samples, func(s *trace.Sample) bool { return s.TLSHandshake })
				done := sum.Pool.Opened - failedHandshakes(conns)
				if sum.Pool.TLSHandshakes != done || sc.TLSHandshakes != done || hs != sc.Accepted-sc.Unused {
					t.Errorf("TLS handshakes: pool %d, server %d, samples %d; opened %d", sum.Pool.TLSHandshakes, sc.TLSHandshakes, hs, sum.Pool.Opened)
				}
			}
		})
	}
}

// Closed model bounded by a duration, on the fake clock: every request takes
// exactly the target's 10 ms, so each of 2 workers completes 100 in 1 s.
func TestRunClosedDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const latency = 10 * time.Millisecond
		srv, pl := pipeTarget(t, target.Config{Latency: latency})
		cfg := runConfig(t, srv, pool.Shared, 2)
		cfg.Pool.Dial = pl.DialContext
		cfg.Duration = time.Second
		var sk sink
		start := time.Now()
		sum, err := loadgen.Run(context.Background(), cfg, &sk)
		if err != nil {
			t.Fatal(err)
		}
		_, samples, _, conns := sk.snapshot()
		synctest.Wait() // the server sees the pool's connections close
		// Requests run back to back from t=0: the 100th of each worker
		// ends at exactly 1 s, when the deadline fires. Whether the worker
		// sees the deadline before it sends a 101st is a race between two
		// goroutines woken at the same fake instant, so allow one more
		// request per worker.
		if n := len(samples); n < 200 || n > 202 {
			t.Errorf("%d samples, want 200 (2 workers × 1 s / 10 ms), at most 202", n)
		}
		sc := srv.Counts()
		if sc.Requests != int64(len(samples)) {
			t.Errorf("server answered %d requests, sink got %d samples", sc.Requests, len(samples))
		}
		for i, s := range samples {
			if s.Err != trace.ErrNone || s.Latency() != latency {
				t.Fatalf("sample %d: err %q latency %v, want success in %v", i, s.Err, s.Latency(), latency)
			}
		}
		if !sum.Started.Equal(start) || sum.Ended.Sub(start) < time.Second || sum.Ended.Sub(start) > time.Second+latency {
			t.Errorf("window [%v, %v] after the call, want [0, 1s..1.01s]", sum.Started.Sub(start), sum.Ended.Sub(start))
		}
		if sum.Pool.Opened != 2 || sc.Accepted != 2 {
			t.Errorf("opened: pool %d server %d, want one connection per worker", sum.Pool.Opened, sc.Accepted)
		}
		checkConns(t, sum, samples, conns, sc)
	})
}

func TestRunOpenRate(t *testing.T) {
	const (
		rate     = 100
		interval = 10 * time.Millisecond
		latency  = time.Millisecond
	)
	tests := []struct {
		name     string
		duration time.Duration
		requests int64
		want     int64
	}{
		{"duration 2s", 2 * time.Second, 0, 200},
		{"count 50", 0, 50, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := pipeTarget(t, target.Config{Latency: latency})
				cfg := runConfig(t, srv, pool.Shared, 2)
				cfg.Pool.Dial = pl.DialContext
				cfg.Rate = rate
				cfg.Duration = tt.duration
				cfg.Requests = tt.requests
				var sk sink
				sum, err := loadgen.Run(context.Background(), cfg, &sk)
				if err != nil {
					t.Fatal(err)
				}
				_, samples, _, _ := sk.snapshot()
				if sum.Arrivals != tt.want || int64(len(samples)) != tt.want {
					t.Fatalf("%d arrivals, %d samples, want %d", sum.Arrivals, len(samples), tt.want)
				}
				if sc := srv.Counts(); sc.Requests != tt.want {
					t.Errorf("server answered %d requests, want %d", sc.Requests, tt.want)
				}
				if sum.Late != 0 || sum.MaxLate != 0 {
					t.Errorf("late %d (max %v), want 0: a worker is always free", sum.Late, sum.MaxLate)
				}
				for i, s := range samples {
					want := sum.Started.Add(time.Duration(i) * interval)
					if !s.Intended.Equal(want) {
						t.Fatalf("sample %d intended at %v, want %v (every %v from the start)", i, s.Intended.Sub(sum.Started), want.Sub(sum.Started), interval)
					}
					if !s.Start.Equal(s.Intended) || s.Latency() != latency || s.Corrected() != latency {
						t.Errorf("sample %d: sent %v after intended, latency %v, corrected %v; want 0, %v, %v",
							i, s.Start.Sub(s.Intended), s.Latency(), s.Corrected(), latency, latency)
					}
				}
				wantLast := sum.Started.Add(time.Duration(tt.want-1) * interval)
				if !sum.FirstSend.Equal(sum.Started) || !sum.LastSend.Equal(wantLast) {
					t.Errorf("sends from %v to %v after the start, want 0 to %v",
						sum.FirstSend.Sub(sum.Started), sum.LastSend.Sub(sum.Started), wantLast.Sub(sum.Started))
				}
			})
		})
	}
}

// A target that stalls 500 ms at its start holds both workers: the arrivals
// meanwhile wait for a worker, count as late, and their corrected latency
// includes the wait that their service latency does not.
func TestRunOpenStall(t *testing.T) {
	const interval = 10 * time.Millisecond
	stall := target.Stall{Every: time.Hour, For: 500 * time.Millisecond}
	tests := []struct {
		name        string
		maxWorkers  int
		wantWorkers int
		firstLate   int // arrivals before this one found a worker
	}{
		// Arrivals 0 and 1 take the two workers until 500 ms; 2..49 wait.
		{"fixed fleet", 0, 2, 2},
		// The fleet grows to 10 workers for arrivals 0..9; 10..49 wait.
		{"fleet grows to 10", 10, 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := pipeTarget(t, target.Config{Stall: stall})
				cfg := runConfig(t, srv, pool.Shared, 2)
				cfg.Pool.Dial = pl.DialContext
				cfg.Rate = 100
				cfg.Duration = time.Second
				cfg.MaxWorkers = tt.maxWorkers
				var sk sink
				sum, err := loadgen.Run(context.Background(), cfg, &sk)
				if err != nil {
					t.Fatal(err)
				}
				_, samples, _, _ := sk.snapshot()
				if sum.Arrivals != 100 || len(samples) != 100 {
					t.Fatalf("%d arrivals, %d samples, want 100", sum.Arrivals, len(samples))
				}
				stallEnd := sum.Started.Add(stall.For)
				wantLate := int64(50 - tt.firstLate) // arrivals firstLate..49
				if sum.Late != wantLate {
					t.Errorf("late = %d, want %d", sum.Late, wantLate)
				}
				if want := stall.For - time.Duration(tt.firstLate)*interval; sum.MaxLate != want {
					t.Errorf("max late = %v, want %v", sum.MaxLate, want)
				}
				if sum.Workers != tt.wantWorkers {
					t.Errorf("workers = %d, want %d", sum.Workers, tt.wantWorkers)
				}
				var waited int64
				for i, s := range samples {
					wait := s.Start.Sub(s.Intended)
					if wait > loadgen.LateAfter {
						waited++
						if s.Corrected() <= s.Latency() {
							t.Errorf("arrival %d waited %v: corrected %v not above latency %v", i, wait, s.Corrected(), s.Latency())
						}
						if s.Corrected()-s.Latency() != wait {
							t.Errorf("arrival %d: corrected − latency = %v, want the wait %v", i, s.Corrected()-s.Latency(), wait)
						}
					} else if s.Corrected() != s.Latency() {
						t.Errorf("arrival %d did not wait, corrected %v ≠ latency %v", i, s.Corrected(), s.Latency())
					}
					// Everything sent in the stall is answered when it ends.
					if s.Intended.Before(stallEnd) && !s.End.Equal(stallEnd) {
						t.Errorf("arrival %d (intended %v) answered at %v, want at the stall's end", i, s.Intended.Sub(sum.Started), s.End.Sub(sum.Started))
					}
				}
				if waited != sum.Late {
					t.Errorf("%d samples sent more than %v after their intended time, summary says %d late", waited, loadgen.LateAfter, sum.Late)
				}
				if sc := srv.Counts(); sc.Requests != 100 {
					t.Errorf("server answered %d requests, want 100", sc.Requests)
				}
			})
		})
	}
}

func TestRunRetries(t *testing.T) {
	statuses, classes, err := loadgen.ParseRetryOn("503")
	if err != nil {
		t.Fatal(err)
	}
	base, maxDelay, err := loadgen.ParseBackoff("1ms")
	if err != nil {
		t.Fatal(err)
	}
	const latency = time.Millisecond
	tests := []struct {
		name     string
		failRate float64
		max      int
		workers  int
		requests int64
		// exact expectations, when the fail sequence makes them deterministic (-1: skip)
		wantRetries, wantFinal503 int64
	}{
		// One worker: attempt k fails when k is even, so each logical
		// request but the first fails once, and its retry succeeds.
		{"half fail, 1 worker", 0.5, 2, 1, 20, 19, 0},
		{"all fail", 1, 2, 2, 10, 20, 10},
		{"all fail, 1 retry", 1, 1, 3, 9, 9, 9},
		{"half fail, 3 workers", 0.5, 2, 3, 30, -1, -1},
		{"no retries", 0.5, 0, 1, 10, 0, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := pipeTarget(t, target.Config{FailRate: tt.failRate, FailStatus: 503, Latency: latency})
				cfg := runConfig(t, srv, pool.Shared, tt.workers)
				cfg.Pool.Dial = pl.DialContext
				cfg.Requests = tt.requests
				cfg.Retry = loadgen.Retry{Max: tt.max, Statuses: statuses, Classes: classes, Base: base, Cap: maxDelay}
				var sk sink
				if _, err := loadgen.Run(context.Background(), cfg, &sk); err != nil {
					t.Fatal(err)
				}
				_, samples, _, _ := sk.snapshot()
				if int64(len(samples)) != tt.requests {
					t.Fatalf("%d samples, want %d logical requests", len(samples), tt.requests)
				}
				var retries, final200, final503 int64
				for i, s := range samples {
					retries += int64(s.Retries)
					switch s.Status {
					case 200:
						final200++
					case 503:
						final503++
						if s.Retries != tt.max || s.Err != trace.ErrHTTP5xx {
							t.Errorf("sample %d: final 503 (%q) after %d retries, want all %d used", i, s.Err, s.Retries, tt.max)
						}
					default:
						t.Errorf("sample %d: status %d err %q", i, s.Status, s.Err)
					}
					if s.Retries > tt.max {
						t.Errorf("sample %d: %d retries, max %d", i, s.Retries, tt.max)
					}
					// Each attempt takes the target's latency; backoff adds to it.
					if min := time.Duration(s.Retries+1) * latency; s.Latency() < min || s.Phases[trace.Total] != s.Latency() {
						t.Errorf("sample %d: latency %v (total %v) for %d attempts of %v", i, s.Latency(), s.Phases[trace.Total], s.Retries+1, latency)
					}
					if s.Retries > 0 && s.FirstAttempt != latency {
						t.Errorf("sample %d: first attempt %v, want %v", i, s.FirstAttempt, latency)
					}
				}
				sc := srv.Counts()
				if sc.Requests != tt.requests+retries {
					t.Errorf("server answered %d requests, want %d logical + %d retries", sc.Requests, tt.requests, retries)
				}
				if sc.Statuses[200] != final200 {
					t.Errorf("server sent %d × 200, samples ended 200 %d times", sc.Statuses[200], final200)
				}
				if sc.Statuses[503] != final503+retries {
					t.Errorf("server sent %d × 503, want %d final + %d retried", sc.Statuses[503], final503, retries)
				}
				if tt.wantRetries >= 0 && (retries != tt.wantRetries || final503 != tt.wantFinal503) {
					t.Errorf("%d retries, %d final 503; want %d and %d", retries, final503, tt.wantRetries, tt.wantFinal503)
				}
			})
		})
	}
}

// Warm-up requests are sent but not recorded: Begin is called once, after
// them, and every recorded sample starts after it.
func TestRunWarmup(t *testing.T) {
	const latency = 10 * time.Millisecond
	tests := []struct {
		name string
		rate float64
		// minBegin is the earliest end of the warm-up: the closed model
		// sends until the warm-up's deadline and completes what is in
		// flight; the open model's last warm-up arrival is due at 80 ms and
		// takes 10 ms.
		minBegin time.Duration
		// wantSamples is exact for the open model; the closed model may
		// send one more (see TestRunClosedDuration).
		wantSamples, slack int
	}{
		{"closed", 0, 100 * time.Millisecond, 20, 1},
		{"open", 50, 90 * time.Millisecond, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := pipeTarget(t, target.Config{Latency: latency})
				cfg := runConfig(t, srv, pool.Shared, 1)
				cfg.Pool.Dial = pl.DialContext
				cfg.Warmup = 100 * time.Millisecond
				cfg.Duration = 200 * time.Millisecond
				cfg.Rate = tt.rate
				var sk sink
				start := time.Now()
				sum, err := loadgen.Run(context.Background(), cfg, &sk)
				if err != nil {
					t.Fatal(err)
				}
				begins, samples, _, conns := sk.snapshot()
				if len(begins) != 1 {
					t.Fatalf("Begin called %d times, want once", len(begins))
				}
				if begins[0].Sub(start) < tt.minBegin || !begins[0].Equal(sum.Started) {
					t.Errorf("Begin at %v after the call (Started %v), want at least %v, after the warm-up", begins[0].Sub(start), sum.Started.Sub(start), tt.minBegin)
				}
				for i, s := range samples {
					if s.Start.Before(begins[0]) {
						t.Errorf("sample %d started %v before Begin", i, begins[0].Sub(s.Start))
					}
				}
				if n := len(samples); n < tt.wantSamples || n > tt.wantSamples+tt.slack {
					t.Errorf("%d samples, want %d..%d", n, tt.wantSamples, tt.wantSamples+tt.slack)
				}
				sc := srv.Counts()
				warm := sc.Requests - int64(len(samples))
				if warm < 5 {
					t.Errorf("server answered %d requests, %d recorded: want the warm-up's (about 10 for closed, 5 for open) beside them", sc.Requests, len(samples))
				}
				// The one connection was dialed in the warm-up: the measured
				// window opened none, and recorded no dial.
				if sum.Pool.Opened != 0 || len(conns) != 0 || sc.Accepted != 1 {
					t.Errorf("measured window: pool opened %d, %d dials recorded; server accepted %d in all; want 0, 0, 1", sum.Pool.Opened, len(conns), sc.Accepted)
				}
				if n := count(samples, func(s *trace.Sample) bool { return !s.Reused }); n != 0 {
					t.Errorf("%d recorded samples on a new connection, want 0", n)
				}
			})
		})
	}
}

// Cancelling the run's context stops it; the request cut short is not
// recorded, whether the context was cancelled or reached its deadline.
func TestRunCancel(t *testing.T) {
	const latency = 10 * time.Millisecond
	tests := []struct {
		name string
		stop func(time.Duration) (context.Context, context.CancelFunc)
	}{
		{"cancel", func(d time.Duration) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(d, cancel)
			return ctx, cancel
		}},
		{"deadline", func(d time.Duration) (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), d)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := pipeTarget(t, target.Config{Latency: latency})
				cfg := runConfig(t, srv, pool.Shared, 1)
				cfg.Pool.Dial = pl.DialContext
				cfg.Duration = time.Hour
				ctx, cancel := tt.stop(95 * time.Millisecond)
				defer cancel()
				var sk sink
				sum, err := loadgen.Run(ctx, cfg, &sk)
				if err != nil {
					t.Fatal(err)
				}
				_, samples, _, _ := sk.snapshot()
				if !sum.Interrupted {
					t.Error("Interrupted false after the context ended")
				}
				for i, s := range samples {
					if s.Err != trace.ErrNone {
						t.Errorf("sample %d: %q, want only completed requests", i, s.Err)
					}
				}
				if len(samples) != 9 {
					t.Errorf("%d samples, want the 9 requests completed in 95 ms", len(samples))
				}
				synctest.Wait()
				if sc := srv.Counts(); sc.Requests != 9 || sc.Aborted != 1 {
					t.Errorf("server: %d answered, %d aborted; want 9 and 1", sc.Requests, sc.Aborted)
				}
			})
		})
	}
}

func TestRunValidate(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:1/")
	good := loadgen.Config{
		Pool:     pool.Config{Options: pool.DefaultOptions(pool.Shared, 1)},
		Targets:  []loadgen.Target{{Method: "GET", URL: u}},
		Workers:  1,
		Requests: 1,
	}
	tests := []struct {
		name string
		mod  func(*loadgen.Config)
		want string
	}{
		{"no target", func(c *loadgen.Config) { c.Targets = nil }, "no target"},
		{"no workers", func(c *loadgen.Config) { c.Workers = 0 }, "workers"},
		{"no bound", func(c *loadgen.Config) { c.Requests = 0 }, "request count or a duration"},
		{"negative rate", func(c *loadgen.Config) { c.Rate = -1 }, "rate"},
		{"bad strategy", func(c *loadgen.Config) { c.Pool.Strategy = "nope" }, "strategy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mod(&cfg)
			var sk sink
			_, err := loadgen.Run(context.Background(), cfg, &sk)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run error %v, want one about %q", err, tt.want)
			}
			if begins, samples, _, _ := sk.snapshot(); len(begins)+len(samples) != 0 {
				t.Errorf("invalid run reached the sink: %d begins, %d samples", len(begins), len(samples))
			}
		})
	}
}

// Run reports the pool's counts of the measured window in Summary.Pool, read
// right after it closed the pool; stats cross-checks Unused against the
// samples. A shared client over TLS with several workers often has a dial
// still completing when the run ends (net/http dialed for a request that
// then got a connection another worker released): that connection is closed
// unused after Pool.Close returned, so Summary.Pool.Unused misses it.
func TestRunSummaryUnused(t *testing.T) {
	for i := range 50 {
		srv := startTarget(t, target.Config{TLS: true})
		cfg := runConfig(t, srv, pool.Shared, 4)
		cfg.Requests = 20
		var sk sink
		sum, err := loadgen.Run(context.Background(), cfg, &sk)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = srv.WaitClosed(ctx, srv.Counts().Accepted)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		sc := srv.Counts()
		if sum.Pool.Opened != sc.Accepted || sum.Pool.Unused != sc.Unused {
			t.Fatalf("iteration %d: Summary.Pool %+v, server %v: unused %d vs %d", i, sum.Pool, sc, sum.Pool.Unused, sc.Unused)
		}
	}
}

// Retries on transport errors: every attempt to a closed port is refused,
// each logical request makes 1 + Max attempts, and each attempt's failed
// dial reaches the sink once.
func TestRunRetryRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("http://" + ln.Addr().String() + "/")
	ln.Close()
	statuses, classes, err := loadgen.ParseRetryOn("503,refused")
	if err != nil {
		t.Fatal(err)
	}
	base, maxDelay, err := loadgen.ParseBackoff("1ms:2ms")
	if err != nil {
		t.Fatal(err)
	}
	const requests, retries = 3, 2
	cfg := loadgen.Config{
		Pool:     pool.Config{Options: pool.DefaultOptions(pool.Shared, 1)},
		Targets:  []loadgen.Target{{Method: "GET", URL: u}},
		Workers:  1,
		Requests: requests,
		Retry:    loadgen.Retry{Max: retries, Statuses: statuses, Classes: classes, Base: base, Cap: maxDelay},
	}
	var sk sink
	sum, err := loadgen.Run(context.Background(), cfg, &sk)
	if err != nil {
		t.Fatal(err)
	}
	_, samples, _, conns := sk.snapshot()
	if len(samples) != requests {
		t.Fatalf("%d samples, want %d", len(samples), requests)
	}
	for i, s := range samples {
		if s.Err != trace.ErrRefused || s.Retries != retries || s.GotConn || s.Status != 0 {
			t.Errorf("sample %d: err %q retries %d GotConn %v status %d; want refused after %d retries", i, s.Err, s.Retries, s.GotConn, s.Status, retries)
		}
		if s.Latency() <= 0 || s.Phases[trace.Total] != s.Latency() || !s.Has[trace.Total] {
			t.Errorf("sample %d: total %v (has %v), latency %v", i, s.Phases[trace.Total], s.Has[trace.Total], s.Latency())
		}
	}
	const attempts = requests * (1 + retries)
	if sum.Pool.DialErrors != attempts || sum.Pool.Opened != 0 || len(conns) != attempts {
		t.Errorf("pool %+v, %d dials recorded; want %d dial errors, no connection", sum.Pool, len(conns), attempts)
	}
	for i, c := range conns {
		if c.Err != trace.ErrRefused || c.HasConnect || c.HasDNS || c.HasHandshake {
			t.Errorf("dial %d: %+v, want refused with no phase", i, c)
		}
	}
}

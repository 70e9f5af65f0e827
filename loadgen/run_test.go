package loadgen_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/trace"
)

// checkConns compares what the run and the sink say of connections with the
// server, once it saw every connection close: one RecordConn per dial, the
// dials the server accepted, the connections that carried no request
// (Summary.Pool.Unused is final when Run returns, see TestRunSummaryUnused;
// these runs have no warm-up, so every connection is of the measured window
// and the pool counts each unused one), and the samples on new connections,
// which must be the connections on which the server saw a request.
func checkConns(t *testing.T, sum loadgen.Summary, samples []trace.Sample, conns []trace.Conn, sc server.Counts) {
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
	if sum.Pool.Unused != sc.Unused {
		t.Errorf("pool counted %d unused connections, server %d", sum.Pool.Unused, sc.Unused)
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
			srv := servertest.Start(t, server.Config{TLS: tt.tls})
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
			if err := srv.WaitClosed(wctx, sum.Pool.Opened); err != nil {
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
		srv, pl := servertest.Pipe(t, server.Config{Latency: latency})
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

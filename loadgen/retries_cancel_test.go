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
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/trace"
)

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
				srv, pl := servertest.Pipe(t, server.Config{FailRate: tt.failRate, FailStatus: 503, Latency: latency})
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
				srv, pl := servertest.Pipe(t, server.Config{Latency: latency})
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

// Cancelling the run's context stops it; the request cut short is recorded
// as abandoned, whether the context was cancelled or reached its deadline:
// neither a success nor an error, but the target read it.
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
				srv, pl := servertest.Pipe(t, server.Config{Latency: latency})
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
					if (s.Err != trace.ErrNone) != s.Abandoned || s.Abandoned && i != 9 {
						t.Errorf("sample %d: %q, abandoned %v; want 9 completed requests, then the abandoned one", i, s.Err, s.Abandoned)
					}
				}
				if len(samples) != 10 || samples[9].Wire.Sent != 1 {
					t.Errorf("%d samples, want the 9 requests completed in 95 ms and the one abandoned on the wire", len(samples))
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
// then got a connection another worker released). Pool.Close returns only
// once no dial is in flight and every opened connection is closed, so that
// connection, opened in the window and closed without carrying a request,
// is already in Summary.Pool.Unused: it must equal what the server counted.
func TestRunSummaryUnused(t *testing.T) {
	for i := range 50 {
		srv := servertest.Start(t, server.Config{TLS: true})
		cfg := runConfig(t, srv, pool.Shared, 4)
		cfg.Requests = 20
		var sk sink
		sum, err := loadgen.Run(context.Background(), cfg, &sk)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = srv.WaitClosed(ctx, sum.Pool.Opened)
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

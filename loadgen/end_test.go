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

// TestOpenModelHardEnd is `run -r 10 -c 1 -d 1s` against `serve --latency
// 300ms`, on synctest's clock. One worker sends at 0, 0.3, 0.6 and 0.9 s;
// the arrivals due at 0.4 s to 0.9 s are still waiting when the second
// ends: counted as not sent and never sent. The request in flight finishes
// at 1.2 s, and the run returns then, where it used to send every waiting
// arrival and return at 3 s.
func TestOpenModelHardEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, pl := servertest.Pipe(t, server.Config{Latency: 300 * time.Millisecond})
		cfg := runConfig(t, srv, pool.Shared, 1)
		cfg.Pool.Dial = pl.DialContext
		cfg.Rate, cfg.Duration = 10, time.Second
		var sk sink
		start := time.Now()
		sum, err := loadgen.Run(context.Background(), cfg, &sk)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		_, samples, _, _ := sk.snapshot()
		if took > 1300*time.Millisecond {
			t.Errorf("the run took %v on the fake clock, want 1.2 s: the last request in flight, not the backlog", took)
		}
		if sum.Arrivals != 4 || sum.NotSent != 6 || len(samples) != 4 {
			t.Errorf("%d arrivals sent, %d not sent, %d samples; want 4, 6 (due at 0.4-0.9 s) and 4", sum.Arrivals, sum.NotSent, len(samples))
		}
		if c := srv.Counts(); c.Read != 4 {
			t.Errorf("target read %d requests, want the 4 sent", c.Read)
		}
	})
}

// Ctrl-C counts the arrival waiting for a worker as not sent and the
// request in flight as abandoned.
func TestOpenModelInterrupted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, pl := servertest.Pipe(t, server.Config{Latency: 300 * time.Millisecond})
		cfg := runConfig(t, srv, pool.Shared, 1)
		cfg.Pool.Dial = pl.DialContext
		cfg.Rate, cfg.Duration = 10, time.Hour
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(450*time.Millisecond, cancel)
		var sk sink
		sum, err := loadgen.Run(ctx, cfg, &sk)
		if err != nil {
			t.Fatal(err)
		}
		_, samples, _, _ := sk.snapshot()
		// Sent at 0 and 0.3 s; at 0.45 s the one due at 0.2 s waits (0.1 s
		// went out at 0.3 s), and so do 0.3 s and 0.4 s.
		if sum.Arrivals != 2 || sum.NotSent != 3 || len(samples) != 2 || !samples[1].Abandoned || samples[0].Abandoned {
			t.Errorf("%d sent, %d not sent, samples %d (second abandoned %v); want 2, 3, the second abandoned",
				sum.Arrivals, sum.NotSent, len(samples), len(samples) > 1 && samples[1].Abandoned)
		}
	})
}

func TestMaxErrors(t *testing.T) {
	tests := []struct {
		name      string
		failRate  float64
		maxErrors int64
		maxRate   float64
		want      int // requests sent before the stop
	}{
		{"max errors", 1, 5, 0, 5},
		// Every second request fails: 50 % is reached at 20 requests, the
		// first count the rate is judged on.
		{"max error rate", 0.5, 0, 50, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := servertest.Pipe(t, server.Config{FailRate: tt.failRate, Latency: time.Millisecond})
				cfg := runConfig(t, srv, pool.Shared, 1)
				cfg.Pool.Dial = pl.DialContext
				cfg.Duration = time.Hour
				cfg.MaxErrors, cfg.MaxErrorRate = tt.maxErrors, tt.maxRate
				f, err := loadgen.NewFleet(context.Background(), cfg, &sink{})
				if err != nil {
					t.Fatal(err)
				}
				rd := f.Round(context.Background(), loadgen.Bound{Duration: time.Hour})
				if n := srv.Counts().Read; n != int64(tt.want) || f.Stopped() == "" {
					t.Errorf("stopped %q after %d requests, want after %d", f.Stopped(), n, tt.want)
				}
				if rd2 := f.Round(context.Background(), loadgen.Bound{Duration: time.Hour}); rd2.Ended != rd2.Started || srv.Counts().Read != int64(tt.want) {
					t.Error("a stopped fleet ran another round")
				}
				if sum := f.Close(context.Background()); sum.Stopped == "" || sum.Rounds != 1 || rd.Ended.Sub(rd.Started) > time.Second {
					t.Errorf("summary stopped %q after %d rounds; want the reason, 1 round", sum.Stopped, sum.Rounds)
				}
			})
		})
	}
}

func TestRetryPolicy(t *testing.T) {
	statuses, classes, err := loadgen.ParseRetryOn("429,503")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		method     string
		header     string
		unsafe     bool
		retryAfter int
		wantTries  int           // attempts on the wire
		wantTook   time.Duration // from the first send to the last response
	}{
		{"GET retried", "GET", "", false, 0, 3, 0},
		{"POST not retried", "POST", "", false, 0, 1, 0},
		{"POST with retry-unsafe", "POST", "", true, 0, 3, 0},
		{"POST with an Idempotency-Key", "POST", "Idempotency-Key", false, 0, 3, 0},
		{"Retry-After honoured", "GET", "", false, 1, 3, 2 * time.Second},
		{"Retry-After beyond the backoff's MAX", "GET", "", false, 5, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := servertest.Pipe(t, server.Config{FailRate: 1, FailStatus: 429, Faults: server.Faults{RetryAfter: tt.retryAfter}})
				cfg := runConfig(t, srv, pool.Shared, 1)
				cfg.Pool.Dial = pl.DialContext
				cfg.Requests = 1
				cfg.Targets[0].Method = tt.method
				if tt.header != "" {
					cfg.Targets[0].Header = map[string][]string{tt.header: {"k1"}}
				}
				cfg.Retry = loadgen.Retry{Max: 2, Statuses: statuses, Classes: classes, Base: time.Nanosecond, Cap: 2 * time.Second, Unsafe: tt.unsafe}
				var sk sink
				if _, err := loadgen.Run(context.Background(), cfg, &sk); err != nil {
					t.Fatal(err)
				}
				_, samples, _, _ := sk.snapshot()
				s := samples[0]
				if int(s.Wire.Sent) != tt.wantTries || s.Retries != tt.wantTries-1 || int(s.Retried[trace.ErrHTTP4xx]) != tt.wantTries-1 {
					t.Errorf("%d sent, %d retries, %d retried as http_4xx; want %d attempts", s.Wire.Sent, s.Retries, s.Retried[trace.ErrHTTP4xx], tt.wantTries)
				}
				if c := srv.Counts(); c.Read != int64(tt.wantTries) {
					t.Errorf("target read %d, want %d", c.Read, tt.wantTries)
				}
				if took := s.Latency(); took < tt.wantTook || took > tt.wantTook+10*time.Millisecond {
					t.Errorf("the request took %v, want %v (Retry-After before each retry)", took, tt.wantTook)
				}
			})
		})
	}
}

package experiment_test

import (
	"context"
	"math"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/stats"
)

// runOpen runs one open-model profile against a target on an in-memory
// network, inside the caller's synctest bubble, and returns its results.
func runOpen(t *testing.T, tcfg server.Config, cfg loadgen.Config) (results.Profile, server.Counts) {
	t.Helper()
	srv, pl := servertest.Pipe(t, tcfg)
	u, _ := url.Parse(srv.URL() + "/")
	cfg.Targets = []loadgen.Target{{Method: "GET", URL: u}}
	cfg.Pool = pool.Config{Options: pool.DefaultOptions(pool.Shared, cfg.Workers), Dial: pl.DialContext}
	rec := stats.NewRecorder(stats.Options{Open: true})
	sum, err := loadgen.Run(context.Background(), cfg, rec)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	prof := loadgen.Profile{Name: "shared", Pool: cfg.Pool.Options}
	p, err := rec.Profile(experiment.RunInfo(&prof, cfg.Rate, sum))
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	return p, srv.Counts()
}

// TestStallTruth shows coordinated omission being corrected, against a
// server whose stalls are known exactly.
//
// 200 arrivals a second for 20 s, at most 10 in flight, a 1 ms service time,
// and a server that answers nothing for 500 ms at the start of every 2 s.
// A quarter of the arrivals (500 ms of every 2 s) land in a stall and wait
// for its end: an arrival u ms into the stall waits 500−u ms, u uniform on
// [0, 500). So the corrected latency L has
//
//	P(L ≤ w) = 3/4 + (1/4)·(w/500)  for 0 ≤ w < 500 ms
//
// giving p90 = 500·(0.90−0.75)/0.25 = 300 ms and p99 = 500·(0.99−0.75)/0.25
// = 480 ms. Only the 10 requests in flight when a stall starts see it in their
// service time (10 of every 400 = 2.5 %), so uncorrected p90 stays at the
// service time, while its p99 does see the stall. The clock is synctest's, so
// the figures do not depend on how fast this machine is.
func TestStallTruth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, srv := runOpen(t,
			server.Config{Latency: time.Millisecond, Stall: server.Stall{Every: 2 * time.Second, For: 500 * time.Millisecond}},
			loadgen.Config{Workers: 10, Rate: 200, Duration: 20 * time.Second})

		if p.Requests != 4000 || srv.Requests != 4000 {
			t.Fatalf("client recorded %d requests, target served %d; want 4000 (200/s × 20 s)", p.Requests, srv.Requests)
		}
		within := func(name string, got, want float64) {
			if math.Abs(got-want) > 0.05*want {
				t.Errorf("%s = %.1f ms, want %.0f ms ± 5 %%", name, got, want)
			}
		}
		c := p.LatencyCorrected
		within("corrected p90", c.P90, 300)
		within("corrected p99", c.P99, 480)
		if p.Latency.P90 > 2 {
			t.Errorf("uncorrected p90 = %.2f ms, want the 1 ms service time", p.Latency.P90)
		}
		if p.Latency.P99 < 100 {
			t.Errorf("uncorrected p99 = %.2f ms: the 2.5 %% of requests held in a stall should show", p.Latency.P99)
		}
		// Each stall: 100 arrivals, 10 get a worker, 90 wait for one.
		if p.Rate.Late < 10*90 || p.Rate.Late > 10*100 {
			t.Errorf("%d late arrivals, want 90 to 100 per stall (100 arrivals, 10 workers)", p.Rate.Late)
		}
		// The first 10 arrivals of a stall take the 10 workers; the 11th,
		// 50 ms in, waits for a worker until the stall ends: 450 ms.
		if p.Rate.MaxLateMs < 445 || p.Rate.MaxLateMs > 455 {
			t.Errorf("max lateness %.1f ms, want 450 ms", p.Rate.MaxLateMs)
		}
		t.Logf("corrected p50 %.1f p90 %.1f p99 %.1f | service p50 %.2f p90 %.2f p99 %.1f | late %d, max late %.1f ms",
			c.P50, c.P90, c.P99, p.Latency.P50, p.Latency.P90, p.Latency.P99, p.Rate.Late, p.Rate.MaxLateMs)
	})
}

// TestOpenModelRate checks the achieved rate and the arrival count on a fake
// clock, and that a healthy server makes no arrival late.
func TestOpenModelRate(t *testing.T) {
	for _, rate := range []float64{10, 200, 1000} {
		synctest.Test(t, func(t *testing.T) {
			p, srv := runOpen(t, server.Config{Latency: time.Millisecond},
				loadgen.Config{Workers: 4, Rate: rate, Duration: 3 * time.Second})
			want := int64(rate * 3)
			if p.Requests != want || srv.Requests != want {
				t.Errorf("rate %v: %d requests recorded, %d served, want %d", rate, p.Requests, srv.Requests, want)
			}
			if math.Abs(p.Rate.Achieved-rate) > 0.001*rate {
				t.Errorf("rate %v: achieved %.3f/s", rate, p.Rate.Achieved)
			}
			if p.Rate.Late != 0 {
				t.Errorf("rate %v: %d late arrivals against a 1 ms server with 4 workers", rate, p.Rate.Late)
			}
		})
	}
}

// TestOpenModelGrowsFleet checks --max-workers: with one worker and a 50 ms
// service time, 100 arrivals a second need about 5 workers.
func TestOpenModelGrowsFleet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, _ := runOpen(t, server.Config{Latency: 50 * time.Millisecond},
			loadgen.Config{Workers: 1, MaxWorkers: 20, Rate: 100, Duration: 2 * time.Second})
		if w := p.Rate.Workers; w < 5 || w > 20 {
			t.Errorf("fleet grew to %d workers, want between 5 and 20", w)
		}
		if p.LatencyCorrected.P99 > 60 {
			t.Errorf("corrected p99 %.1f ms: a fleet that grows should keep up", p.LatencyCorrected.P99)
		}
	})
}

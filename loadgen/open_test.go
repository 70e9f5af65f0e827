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
)

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
				srv, pl := servertest.Pipe(t, server.Config{Latency: latency})
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
				// The first send is at the start and the last at arrival
				// want−1: the sends span (want−1) intervals.
				wantSpan := time.Duration(tt.want-1) * interval
				if sum.SendSpan != wantSpan || sum.SendGaps != int64(tt.want-1) {
					t.Errorf("sends span %v with %d gaps, want %v and %d", sum.SendSpan, sum.SendGaps, wantSpan, tt.want-1)
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
	stall := server.Stall{Every: time.Hour, For: 500 * time.Millisecond}
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
				srv, pl := servertest.Pipe(t, server.Config{Stall: stall})
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

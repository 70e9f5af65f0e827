package loadgen_test

import (
	"context"
	"testing/synctest"
	"time"

	"testing"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"

	"github.com/reusebench/reusebench/loadgen"
)

func TestSegmentShares(t *testing.T) {
	// 10 requests over 4 segments: 3, 3, 2, 2 (10 = 4·2 + 2, the remainder
	// on the first two); 7 workers: 2, 2, 2, 1; 200/s: 50/s each. Arrivals
	// 0..11 go to segments 0,1,2,3,0,1,…: segment 1 gets 1, 5 and 9.
	var reqs, workers int64
	for i := range 4 {
		s := loadgen.Segment{Index: i, Count: 4}
		want := []int64{3, 3, 2, 2}[i]
		if got := s.Requests(10); got != want {
			t.Errorf("%v: requests %d, want %d", s, got, want)
		}
		wantW := []int{2, 2, 2, 1}[i]
		if got := s.Workers(7); got != wantW {
			t.Errorf("%v: workers %d, want %d", s, got, wantW)
		}
		if got := s.Rate(200); got != 50 {
			t.Errorf("%v: rate %v, want 50", s, got)
		}
		reqs += s.Requests(10)
		workers += int64(s.Workers(7))
	}
	if reqs != 10 || workers != 7 {
		t.Errorf("shares add up to %d requests and %d workers, want 10 and 7", reqs, workers)
	}
	s := loadgen.Segment{Index: 1, Count: 4}
	var mine []int64
	for i := int64(0); i < 12; i++ {
		if s.Mine(i) {
			mine = append(mine, i)
		}
	}
	if len(mine) != 3 || mine[0] != 1 || mine[1] != 5 || mine[2] != 9 {
		t.Errorf("segment 1/4 gets arrivals %v, want [1 5 9]", mine)
	}
	whole := loadgen.Segment{}
	if !whole.Whole() || whole.Requests(10) != 10 || !whole.Mine(3) || whole.Rate(7) != 7 {
		t.Errorf("the zero segment is not the whole run")
	}
}

func TestParseSegment(t *testing.T) {
	tests := []struct {
		in      string
		want    loadgen.Segment
		wantErr bool
	}{
		{"0/1", loadgen.Segment{Index: 0, Count: 1}, false},
		{"3/4", loadgen.Segment{Index: 3, Count: 4}, false},
		{" 2 / 8 ", loadgen.Segment{Index: 2, Count: 8}, false},
		{"4/4", loadgen.Segment{}, true},
		{"-1/4", loadgen.Segment{}, true},
		{"1/0", loadgen.Segment{}, true},
		{"1", loadgen.Segment{}, true},
		{"a/b", loadgen.Segment{}, true},
	}
	for _, tt := range tests {
		got, err := loadgen.ParseSegment(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSegment(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseSegment(f *testing.F) {
	for _, s := range []string{"0/1", "3/4", "4/4", "x", "1/0", "-1/2", "999999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seg, err := loadgen.ParseSegment(s)
		if err != nil {
			return
		}
		if seg.Count < 1 || seg.Index < 0 || seg.Index >= seg.Count {
			t.Fatalf("ParseSegment(%q) = %+v: out of range", s, seg)
		}
		// The shares of every segment add up to the whole.
		const n = 1001
		var sum int64
		for i := range min(seg.Count, 64) {
			sum += loadgen.Segment{Index: i, Count: seg.Count}.Requests(n)
		}
		if seg.Count <= 64 && sum != n {
			t.Fatalf("%d segments share %d of %d", seg.Count, sum, n)
		}
	})
}

// TestSegmentsDealArrivals runs the open model at 100/s for 1 s as 3
// segments, each against its own target on an in-memory network: segment I
// sends global arrivals I, I+3, …, each at its global intended time
// start + i·10 ms, so segment 0 sends 34 (0, 3, …, 99), segments 1 and 2
// send 33, and together the 100 arrivals of the single-machine run.
func TestSegmentsDealArrivals(t *testing.T) {
	const rate, interval = 100, 10 * time.Millisecond
	var total int64
	for i := range 3 {
		synctest.Test(t, func(t *testing.T) {
			srv, pl := servertest.Pipe(t, server.Config{Latency: time.Millisecond})
			cfg := runConfig(t, srv, pool.Shared, 2)
			cfg.Pool.Dial = pl.DialContext
			cfg.Rate, cfg.Duration = rate, time.Second
			cfg.Segment = loadgen.Segment{Index: i, Count: 3}
			var sk sink
			sum, err := loadgen.Run(context.Background(), cfg, &sk)
			if err != nil {
				t.Fatal(err)
			}
			_, samples, _, _ := sk.snapshot()
			want := []int64{34, 33, 33}[i]
			if sum.Arrivals != want || int64(len(samples)) != want || srv.Counts().Requests != want {
				t.Fatalf("segment %d: %d arrivals, %d samples, %d served; want %d", i, sum.Arrivals, len(samples), srv.Counts().Requests, want)
			}
			for k, s := range samples {
				global := int64(i + 3*k)
				if wantAt := sum.Started.Add(time.Duration(global) * interval); !s.Intended.Equal(wantAt) {
					t.Fatalf("segment %d sample %d intended at %v, want %v (global arrival %d)",
						i, k, s.Intended.Sub(sum.Started), wantAt.Sub(sum.Started), global)
				}
			}
			total += sum.Arrivals
		})
	}
	if total != 100 {
		t.Errorf("segments sent %d arrivals together, want the single run's 100", total)
	}
}

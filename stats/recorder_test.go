package stats_test

import (
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reusebench/reusebench/stats"
	"github.com/reusebench/reusebench/trace"
)

// sample returns a finished request that ended now after lat, with the
// phases a traced success has.
func sample(now time.Time, lat time.Duration, status int) trace.Sample {
	s := trace.Sample{Start: now.Add(-lat), End: now, Status: status, Proto: "HTTP/1.1",
		GotConn: true, Reused: true, TraceReused: true, Host: "127.0.0.1:8080", Bytes: 64,
		Wire: trace.Wire{Sent: 1, ReusedConns: 1}}
	s.Err = trace.StatusClass(status)
	s.Phases[trace.Wait], s.Has[trace.Wait] = 0, true
	s.Phases[trace.TTFB], s.Has[trace.TTFB] = lat*3/4, true
	s.Phases[trace.Body], s.Has[trace.Body] = lat/4, true
	s.Phases[trace.Total], s.Has[trace.Total] = lat, true
	return s
}

// near reports whether got is within 1% of want (the series keeps 2
// significant digits).
func near(got, want float64) bool { return math.Abs(got-want) <= want/100 }

// Several workers record on the fake clock across 3 seconds: the series has
// one point per second with that second's exact counts and percentiles, and a
// sample that arrives for a second already final is still counted.
func TestRecorderSeries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, perSecond, seconds = 4, 10, 3
		r := stats.NewRecorder(stats.Options{})
		start := time.Now()
		r.Begin(start)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for sec := range seconds {
					for j := range perSecond {
						at := start.Add(time.Duration(sec)*time.Second + time.Duration(j+1)*50*time.Millisecond)
						time.Sleep(time.Until(at))
						// Second k: 9 of 10 take (k+1)·10 ms, one (k+1)·100 ms;
						// the first of each worker's ten fails with a 503.
						lat := time.Duration(sec+1) * 10 * time.Millisecond
						if j == perSecond-1 {
							lat *= 10
						}
						status := 200
						if j == 0 {
							status = 503
						}
						s := sample(time.Now(), lat, status)
						r.Record(w, &s)
					}
				}
			})
		}
		wg.Wait()
		// Second 0 is final now (samples of second 2 arrived): one more
		// sample that ended in it arrives late.
		late := sample(start.Add(500*time.Millisecond), 5*time.Millisecond, 200)
		r.Record(1, &late)
		const total = workers*perSecond*seconds + 1
		if got := r.Requests(); got != total {
			t.Errorf("Requests() = %d, want %d", got, total)
		}

		series := r.Series()
		if len(series) != seconds {
			t.Fatalf("series has %d points, want %d: %+v", len(series), seconds, series)
		}
		var sum int64
		for k, p := range series {
			sum += p.Requests
			if p.Second != int64(k) {
				t.Errorf("point %d: second %d", k, p.Second)
			}
			// The late sample joins some second; every second has its own 40.
			if p.Requests < workers*perSecond || p.Requests > workers*perSecond+1 {
				t.Errorf("second %d: %d requests, want %d (+1 for the late one)", k, p.Requests, workers*perSecond)
			}
			if p.Errors != workers {
				t.Errorf("second %d: %d errors, want %d", k, p.Errors, workers)
			}
			if p.NewConns != 0 || p.Reused != p.Requests {
				t.Errorf("second %d: %d new conns, %d reused of %d", k, p.NewConns, p.Reused, p.Requests)
			}
			wantP50 := float64(k+1) * 10
			wantP99 := float64(k+1) * 100
			if !near(p.P50, wantP50) || !near(p.P99, wantP99) {
				t.Errorf("second %d: p50 %v ms p99 %v ms, want about %v and %v", k, p.P50, p.P99, wantP50, wantP99)
			}
		}
		if sum != total {
			t.Errorf("series counts %d requests in all, recorded %d", sum, total)
		}

		p, err := r.Profile(stats.RunInfo{Name: "x", Started: start, Ended: start.Add(seconds * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		if p.Requests != total || p.Errors.Total != workers*seconds || len(p.Series) != seconds {
			t.Errorf("profile: %d requests, %d errors, %d points; want %d, %d, %d", p.Requests, p.Errors.Total, len(p.Series), total, workers*seconds, seconds)
		}
		if p.Throughput != float64(total)/seconds {
			t.Errorf("throughput %v, want %v", p.Throughput, float64(total)/seconds)
		}
	})
}

// A second with no sample still gets its point, with zero counts.
func TestRecorderSeriesGap(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := stats.NewRecorder(stats.Options{})
	r.Begin(start)
	for _, at := range []time.Duration{100 * time.Millisecond, 2500 * time.Millisecond, 2600 * time.Millisecond} {
		s := sample(start.Add(at), time.Millisecond, 200)
		r.Record(0, &s)
	}
	series := r.Series()
	want := []int64{1, 0, 2}
	if len(series) != len(want) {
		t.Fatalf("series %+v, want %d points", series, len(want))
	}
	for k, p := range series {
		if p.Second != int64(k) || p.Requests != want[k] {
			t.Errorf("point %d: %+v, want second %d with %d requests", k, p, k, want[k])
		}
	}
	if series[1].P50 != 0 || series[1].P99 != 0 {
		t.Errorf("empty second has percentiles %+v", series[1])
	}
}

// A run longer than the recorder's ring of seconds: every second keeps its
// own count.
func TestRecorderSeriesLong(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := stats.NewRecorder(stats.Options{})
	r.Begin(start)
	const seconds = 20
	var total int64
	for k := range seconds {
		for j := range k + 1 {
			s := sample(start.Add(time.Duration(k)*time.Second+time.Duration(j+1)*10*time.Millisecond), time.Millisecond, 200)
			r.Record(k%3, &s)
			total++
		}
	}
	series := r.Series()
	if len(series) != seconds {
		t.Fatalf("%d points, want %d", len(series), seconds)
	}
	var sum int64
	for k, p := range series {
		sum += p.Requests
		if p.Second != int64(k) || p.Requests != int64(k+1) {
			t.Errorf("point %d: second %d with %d requests, want %d", k, p.Second, p.Requests, k+1)
		}
	}
	if sum != total {
		t.Errorf("series holds %d requests, recorded %d", sum, total)
	}
}

package stats

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reusebench/reusebench/trace"
)

// sampleAt builds a realistic sample for a reused HTTP/1.1 connection.
func sampleAt(end time.Time, lat time.Duration) trace.Sample {
	s := trace.Sample{Start: end.Add(-lat), End: end, GotConn: true, Reused: true, TraceReused: true,
		Proto: "HTTP/1.1", Host: "127.0.0.1:8080", Status: 200, Bytes: 64, Wire: trace.Wire{Sent: 1, ReusedConns: 1}}
	s.Phases[trace.Wait], s.Has[trace.Wait] = 2*time.Microsecond, true
	s.Phases[trace.TTFB], s.Has[trace.TTFB] = lat-10*time.Microsecond, true
	s.Phases[trace.Body], s.Has[trace.Body] = 5*time.Microsecond, true
	s.Phases[trace.Total], s.Has[trace.Total] = lat, true
	return s
}

// BenchmarkRecord measures the per-request record path, from as many
// goroutines as GOMAXPROCS (run with -cpu 1,2 to see contention).
func BenchmarkRecord(b *testing.B) {
	r := NewRecorder(Options{})
	start := time.Now()
	r.Begin(start)
	var worker atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := int(worker.Add(1))
		i := 0
		for pb.Next() {
			i++
			// Spread samples over the seconds, as a long run would.
			s := sampleAt(start.Add(time.Duration(i)*50*time.Microsecond), time.Duration(100+i%5000)*time.Microsecond)
			r.Record(w, &s)
		}
	})
}

// TestRecorderMemoryFlat records ten times more samples into a second
// recorder and checks the heap does not grow with the count: the recorder
// keeps histograms and counters, not samples.
func TestRecorderMemoryFlat(t *testing.T) {
	heapAfter := func(n int) uint64 {
		r := NewRecorder(Options{Open: true})
		start := time.Unix(1_700_000_000, 0)
		r.Begin(start)
		for i := range n {
			s := sampleAt(start.Add(time.Duration(i)*100*time.Microsecond), time.Duration(100+i%1000)*time.Microsecond)
			r.Record(i%64, &s)
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		runtime.KeepAlive(r)
		return m.HeapAlloc
	}
	small := heapAfter(20_000)
	large := heapAfter(200_000)
	// 180,000 more samples of ~200 bytes each would be ~36 MB if kept; the
	// series adds ~20 s of points (a few KB).
	if large > small+2<<20 {
		t.Errorf("heap grew from %d to %d bytes when recording 10× more samples", small, large)
	}
}

// TestRecordAllocs: the record step allocates nothing, for a success and
// for a failure whose message is already kept, in the closed and the open
// model (the open model records the corrected latency too).
func TestRecordAllocs(t *testing.T) {
	for _, open := range []bool{false, true} {
		r := NewRecorder(Options{Open: open})
		start := time.Now()
		r.Begin(start)
		ok := sampleAt(start.Add(time.Millisecond), 300*time.Microsecond)
		failed := sampleAt(start.Add(2*time.Millisecond), 300*time.Microsecond)
		failed.Status, failed.Err = 503, trace.ErrHTTP5xx
		if open {
			ok.Intended = ok.Start.Add(-time.Millisecond)
			failed.Intended = failed.Start
		}
		r.Record(1, &failed) // keeps the message
		for _, s := range []*trace.Sample{&ok, &failed} {
			if n := testing.AllocsPerRun(1000, func() { r.Record(1, s) }); n != 0 {
				t.Errorf("open %v, status %d: %v allocations per Record, want 0", open, s.Status, n)
			}
		}
	}
}

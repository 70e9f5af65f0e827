package stats_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/reusebench/reusebench/stats"
	"github.com/reusebench/reusebench/trace"
)

// Live follows measured time on the fake clock: before the first second is
// complete it shows that second so far, then the latest complete second
// (from the shards' slots, and from the series once the second is final),
// and between rounds the clock of measured time stands still.
func TestRecorderLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := stats.NewRecorder(stats.Options{})
		if l := r.Live(); l.Requests != 0 || l.Last.Requests != 0 {
			t.Fatalf("before any round: %+v", l)
		}
		start := time.Now()
		r.Begin(start)
		// Second k gets k+2 requests of (k+1)·10 ms, the first a 503, and
		// one new connection.
		record := func(k int) {
			for j := range k + 2 {
				time.Sleep(time.Until(start.Add(time.Duration(k)*time.Second + time.Duration(j+1)*100*time.Millisecond)))
				status := 200
				if j == 0 {
					status = 503
				}
				s := sample(time.Now(), time.Duration(k+1)*10*time.Millisecond, status)
				r.Record(j, &s)
			}
			c := trace.Conn{At: time.Now(), HasConnect: true}
			r.RecordConn(&c)
		}
		record(0)
		time.Sleep(time.Until(start.Add(500 * time.Millisecond)))
		l := r.Live()
		if l.Requests != 2 || l.Errors != 1 || l.Conns != 1 {
			t.Errorf("at 0.5 s: %d requests, %d errors, %d conns; want 2, 1, 1", l.Requests, l.Errors, l.Conns)
		}
		if l.Last.Second != 0 || l.Last.Requests != 2 || l.Last.Span != 0.5 || !near(l.Last.P99, 10) {
			t.Errorf("at 0.5 s: last %+v, want second 0 so far (span 0.5) with 2 requests, p99 10 ms", l.Last)
		}
		record(1)
		time.Sleep(time.Until(start.Add(1500 * time.Millisecond)))
		if l := r.Live(); l.Last.Second != 0 || l.Last.Requests != 2 || l.Last.Span != 0 || l.Last.NewConns != 1 || l.Last.Errors != 1 {
			t.Errorf("at 1.5 s: last %+v, want the whole second 0: 2 requests, 1 error, 1 new conn", l.Last)
		}
		record(2)
		record(3) // finalizes seconds 0 and 1
		time.Sleep(time.Until(start.Add(3500 * time.Millisecond)))
		l = r.Live()
		if l.Last.Second != 2 || l.Last.Requests != 4 || !near(l.Last.P50, 30) {
			t.Errorf("at 3.5 s: last %+v, want second 2 (from the slots): 4 requests, p50 30 ms", l.Last)
		}
		if l.Requests != 2+3+4+5 || l.Errors != 4 || l.Conns != 4 {
			t.Errorf("at 3.5 s: %d requests, %d errors, %d conns; want 14, 4, 4", l.Requests, l.Errors, l.Conns)
		}
		// Round 1 ends at 3.5 s of measured time; a pause of 10 s between
		// rounds does not move it.
		r.EndRound(time.Now())
		time.Sleep(10 * time.Second)
		if l := r.Live(); l.Last.Second != 2 {
			t.Errorf("between rounds: last second %d, want 2 (measured time stands at 3.5 s)", l.Last.Second)
		}
		r.Begin(time.Now())
		time.Sleep(600 * time.Millisecond) // measured 4.1 s: second 3 is complete
		if l := r.Live(); l.Last.Second != 3 || l.Last.Requests != 5 {
			t.Errorf("round 2 at 4.1 s measured: last %+v, want second 3 with 5 requests", l.Last)
		}
		s := sample(time.Now(), time.Millisecond, 200)
		r.Record(0, &s) // second 4: finalizes second 2
		if l := r.Live(); l.Last.Second != 3 || l.Last.Requests != 5 {
			t.Errorf("after a sample in second 4: last %+v, want second 3 with 5 requests", l.Last)
		}
		r.EndRound(time.Now())
		series := r.Series() // every second final now
		if len(series) != 5 || series[3].Requests != 5 {
			t.Errorf("series %+v: Live must leave the slots as they were", series)
		}
		if l := r.Live(); l.Last != series[3] {
			t.Errorf("once final: last %+v, want the series point %+v", l.Last, series[3])
		}
	})
}

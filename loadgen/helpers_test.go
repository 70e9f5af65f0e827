package loadgen_test

import (
	"crypto/tls"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/trace"
)

// sink collects everything the fleet emits, under one mutex (fine for tests).
type sink struct {
	mu      sync.Mutex
	begins  []time.Time
	samples []trace.Sample
	workers []int
	conns   []trace.Conn
}

func (s *sink) Begin(start time.Time) {
	s.mu.Lock()
	s.begins = append(s.begins, start)
	s.mu.Unlock()
}

func (s *sink) Record(worker int, smp *trace.Sample) {
	s.mu.Lock()
	s.samples = append(s.samples, *smp)
	s.workers = append(s.workers, worker)
	s.mu.Unlock()
}

func (s *sink) RecordConn(c *trace.Conn) {
	s.mu.Lock()
	s.conns = append(s.conns, *c)
	s.mu.Unlock()
}

// snapshot returns copies of what was collected, samples sorted by intended
// time, then start.
func (s *sink) snapshot() (begins []time.Time, samples []trace.Sample, workers []int, conns []trace.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	samples = append([]trace.Sample(nil), s.samples...)
	sort.SliceStable(samples, func(i, j int) bool {
		if !samples[i].Intended.Equal(samples[j].Intended) {
			return samples[i].Intended.Before(samples[j].Intended)
		}
		return samples[i].Start.Before(samples[j].Start)
	})
	return append([]time.Time(nil), s.begins...), samples,
		append([]int(nil), s.workers...), append([]trace.Conn(nil), s.conns...)
}

// runConfig returns a run of GET / against srv with strategy s.
func runConfig(t *testing.T, srv *server.Server, s pool.Strategy, workers int) loadgen.Config {
	t.Helper()
	u, err := url.Parse(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	pc := pool.Config{Options: pool.DefaultOptions(s, workers)}
	if cp := srv.CertPool(); cp != nil {
		pc.TLS = &tls.Config{RootCAs: cp}
	}
	return loadgen.Config{
		Pool:    pc,
		Targets: []loadgen.Target{{Method: "GET", URL: u}},
		Workers: workers,
	}
}

// count returns how many samples satisfy f.
func count[T any](items []T, f func(*T) bool) int64 {
	var n int64
	for i := range items {
		if f(&items[i]) {
			n++
		}
	}
	return n
}

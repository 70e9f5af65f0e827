package experiment_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/servertest"
)

// TestMemoryFlat: the live heap of a run, with its fleet, pool and
// recorder still open at the end of its round, does not grow with the
// requests sent. 36,000 more requests would keep ~12 MB if samples were
// kept (a trace.Sample is ~350 bytes); the per-second series adds a few
// KB. (servertest.Canned keeps nothing per request either.)
func TestMemoryFlat(t *testing.T) {
	u := servertest.Canned(t)
	heapAt := func(n int64) uint64 {
		p, err := loadgen.ParseProfile("shared", loadgen.Defaults{Workers: 8})
		if err != nil {
			t.Fatal(err)
		}
		pl := &experiment.Plan{Targets: []loadgen.Target{{Method: "GET", URL: u}}, Profiles: []loadgen.Profile{p},
			Load: experiment.Load{Workers: 8, Requests: n}, Rounds: 1}
		var heap uint64
		res, err := experiment.Run(context.Background(), pl, func(e experiment.Event) {
			if e.Kind == experiment.RoundDone {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				heap = m.HeapAlloc
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Profiles[0].Requests; got != n {
			t.Fatalf("%d requests recorded, want %d", got, n)
		}
		return heap
	}
	heapAt(500) // warm: the package's one-time allocations
	small, large := heapAt(4000), heapAt(40000)
	if large > small+2<<20 {
		t.Errorf("live heap %d bytes after 4,000 requests, %d after 40,000: it grows with the requests", small, large)
	}
	t.Logf("live heap at the end of the round: %d KiB after 4,000 requests, %d KiB after 40,000", small>>10, large>>10)
}

package cli

import (
	"os"
	"runtime/debug"
)

// runGOGC is the GOGC a run uses unless the environment sets GOGC. A load
// generator allocates per request (net/http does, about 40 allocations
// for a keep-alive GET) and holds a small live heap (pools, histograms), so
// at Go's default of 100 it collects dozens of times a second; at 400 the
// GC takes a quarter of that CPU, for a heap up to five times the live
// one (about 45 MiB peak RSS instead of 27 at -c 50). Measured with
// bench/peers.sh: see the README's performance section. The results
// record the GOGC a run used (client.gogc).
const runGOGC = 400

// tuneGC sets GOGC for a run, unless the environment chose one, and
// returns a function that puts back the previous setting.
func tuneGC() (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	prev := debug.SetGCPercent(runGOGC)
	return func() { debug.SetGCPercent(prev) }
}

package stats

import (
	"testing"

	"github.com/reusebench/reusebench/trace"
)

// TestFailedSampleNoAlloc: once a status's message is among a class's
// examples, counting more failures with it allocates nothing (the message
// is not formatted again); the example is kept once.
func TestFailedSampleNoAlloc(t *testing.T) {
	var w wireCounts
	s := trace.Sample{Status: 503, Err: trace.ErrHTTP5xx}
	w.addSample(&s)
	if n := testing.AllocsPerRun(1000, func() { w.addSample(&s) }); n != 0 {
		t.Errorf("%v allocations per failed sample, want 0", n)
	}
	if got := w.exampleMap()["http_5xx"]; len(got) != 1 || got[0] != "503 Service Unavailable" {
		t.Errorf("examples %q, want the one status line", got)
	}
}

package cli

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// TestRunGOGC: a run collects with GOGC 400 unless the environment sets
// GOGC (then it keeps the setting it finds), records the value in client.gogc, and puts the previous setting
// back when it ends; the GC's CPU it records is a part of the process's.
func TestRunGOGC(t *testing.T) {
	want := runGOGC
	if _, set := os.LookupEnv("GOGC"); set {
		want = 150 // the run leaves the setting alone
	}
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)
	srv := servertest.Start(t, server.Config{})
	p := runOne(t, "-c", "2", "-n", "200", "-p", "shared", srv.URL()+"/")
	if p.Client == nil || p.Client.GOGC == nil || *p.Client.GOGC != want {
		t.Fatalf("client %+v: want gogc %d", p.Client, want)
	}
	// The GC's CPU is part of the process's, which getrusage measured.
	if c := p.Client; c.GCCPUS < 0 || c.GCCPUS > c.CPUS {
		t.Errorf("gc_cpu_s %v with cpu_s %v: want 0 ≤ gc_cpu_s ≤ cpu_s", c.GCCPUS, c.CPUS)
	}
	if after := debug.SetGCPercent(150); after != 150 {
		t.Errorf("GOGC after the run: %d, want the 150 it had before", after)
	}
}

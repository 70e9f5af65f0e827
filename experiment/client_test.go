package experiment_test

import (
	"context"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// TestStarvedGeneratorWarns starves the generator on purpose: one core
// (GOMAXPROCS 1) and a goroutine that spins on it the whole run. Its other
// goroutines then wait for the spinner to be preempted, a scheduler time
// slice of about 10 ms, far above the 5 ms that always warns (and the
// process uses all its one core when the machine is quiet enough to give it
// one); the table's notes say the generator, not the target, shaped the
// figures. The same run without the spinner, on as many
// cores as the machine has, must not say the generator saturated.
func TestStarvedGeneratorWarns(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	u, err := url.Parse(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	run := func() *experiment.Plan {
		p, err := loadgen.ParseProfile("shared", loadgen.Defaults{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		return &experiment.Plan{Targets: []loadgen.Target{{Method: "GET", URL: u}}, Profiles: []loadgen.Profile{p},
			Load: experiment.Load{Workers: 2, Requests: 100}}
	}

	prev := runtime.GOMAXPROCS(1)
	var stop atomic.Bool
	spun := make(chan struct{})
	go func() {
		defer close(spun)
		for !stop.Load() {
		}
	}()
	res, err := experiment.Run(context.Background(), run(), nil)
	stop.Store(true)
	<-spun
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	p := &res.Profiles[0]
	c := p.Client
	if c == nil || (c.CPUShare < report.SaturatedShare && c.SchedP99Ms < report.SchedMs) {
		t.Fatalf("client %+v: want a CPU share of at least %v or a scheduling p99 of at least %v ms",
			c, report.SaturatedShare, report.SchedMs)
	}
	var out strings.Builder
	if err := report.WriteTables(&out, res, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "GENERATOR SATURATED") && !strings.Contains(out.String(), "GENERATOR DELAY") {
		t.Errorf("tables lack the generator's warning:\n%s", out.String())
	}

	res, err = experiment.Run(context.Background(), run(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Profiles[0].Client; c == nil || c.CPUS <= 0 {
		t.Errorf("client %+v: want the CPU the run used", c)
	}
	if runtime.NumCPU() > 1 {
		for _, w := range report.ClientWarnings(&res.Profiles[0]) {
			if strings.Contains(w, "SATURATED") {
				t.Errorf("an unstarved run on %d cores warns: %s", runtime.NumCPU(), w)
			}
		}
	}
}

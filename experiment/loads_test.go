package experiment_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// TestProfileLoads runs one per-worker profile at two loads, 2 and 5
// workers, in 8 interleaved rounds of 20 requests (plain HTTP/1.1). A
// per-worker pool gives every worker its own client and connection, so the
// target must accept exactly 2 and 5 connections: each profile ran with its
// own fleet. Each profile records its load; the settings hold the largest
// and the sweep.
func TestProfileLoads(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	u, err := url.Parse(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	const rounds, perRound = 8, 20
	var pl experiment.Plan
	for _, w := range []int{2, 5} {
		p, err := loadgen.ParseProfile("pw=per-worker", loadgen.Defaults{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		p.Name += "@c=" + strconv.Itoa(w)
		pl.Profiles = append(pl.Profiles, p)
		pl.Loads = append(pl.Loads, experiment.Load{Workers: w, Requests: rounds * perRound})
	}
	pl.Targets = []loadgen.Target{{Method: "GET", URL: u}}
	pl.Load = pl.Loads[0]
	pl.Rounds, pl.Embedded = rounds, srv
	pl.Sweep = &results.Sweep{Load: results.LoadConcurrency, Loads: []float64{2, 5}}
	res, err := experiment.Run(context.Background(), &pl, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Settings.Concurrency != 5 || res.Settings.Sweep == nil || res.Settings.Sweep.Load != results.LoadConcurrency {
		t.Errorf("settings concurrency %d, sweep %+v: want 5 and a concurrency sweep", res.Settings.Concurrency, res.Settings.Sweep)
	}
	for i, w := range []int{2, 5} {
		p := &res.Profiles[i]
		c := srv.LabelCounts(p.Name)
		if p.Load == nil || p.Load.Concurrency != w || p.Load.Rate != 0 {
			t.Errorf("%s: load %+v, want %d workers", p.Name, p.Load, w)
		}
		if p.Connections.Opened != int64(w) || c.Accepted != int64(w) {
			t.Errorf("%s: pool opened %d, target accepted %d; want %d, one per worker", p.Name, p.Connections.Opened, c.Accepted, w)
		}
		if p.Requests != rounds*perRound || c.Requests != rounds*perRound || len(p.Checks) > 0 {
			t.Errorf("%s: %d requests, target served %d, checks %v; want %d", p.Name, p.Requests, c.Requests, p.Checks, rounds*perRound)
		}
	}

	pl.Loads = pl.Loads[:1]
	if _, err := experiment.Run(context.Background(), &pl, nil); err == nil {
		t.Error("1 load for 2 profiles: no error")
	}
}

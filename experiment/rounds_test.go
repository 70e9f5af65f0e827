package experiment_test

import (
	"context"
	"net/url"
	"reflect"
	"sync"
	"testing"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// TestRoundsKeepPools runs a shared and a per-worker profile in 6
// interleaved rounds of 50 requests each against the embedded target (plain
// HTTP/1.1), 4 workers. Both keep their pools across rounds: each opens 4
// to 8 connections in all (4, or up to a spare each when Go's transport dials
// for a request that then gets another connection; a fast first round may
// need fewer than 4, and a later one opens the rest), where a pool rebuilt
// every round would open at least 4 each time, 24 in all. The rounds ran in
// the balanced order (rows 0,1 / 1,0 / …), and every count agrees with the
// target's, summed over each profile's rounds.
func TestRoundsKeepPools(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	u, err := url.Parse(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	const workers, rounds, perRound = 4, 6, 50
	d := loadgen.Defaults{Workers: workers}
	var profiles []loadgen.Profile
	for _, spec := range []string{"shared", "pw=per-worker"} {
		p, err := loadgen.ParseProfile(spec, d)
		if err != nil {
			t.Fatal(err)
		}
		profiles = append(profiles, p)
	}
	pl := &experiment.Plan{
		Targets:  []loadgen.Target{{Method: "GET", URL: u}},
		Profiles: profiles,
		Load:     experiment.Load{Workers: workers, Requests: rounds * perRound},
		Rounds:   rounds,
		Embedded: srv,
	}
	var events []experiment.Event
	var mu sync.Mutex
	res, err := experiment.Run(context.Background(), pl, func(ev experiment.Event) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRoundEvents(t, events, rounds, perRound)
	// Two profiles: the Williams rows are (0,1) and (1,0), alternating.
	var want [][]string
	for k := range rounds {
		if k%2 == 0 {
			want = append(want, []string{"shared", "pw"})
		} else {
			want = append(want, []string{"pw", "shared"})
		}
	}
	if !reflect.DeepEqual(res.Settings.Order, want) {
		t.Errorf("order %v, want %v", res.Settings.Order, want)
	}
	if res.Settings.Rounds != rounds || res.Settings.Baseline != "shared" {
		t.Errorf("settings rounds %d baseline %q, want %d and shared", res.Settings.Rounds, res.Settings.Baseline, rounds)
	}
	for _, p := range res.Profiles {
		c := srv.LabelCounts(p.Name)
		if c.Accepted != p.Connections.Opened || p.Connections.Opened < workers || p.Connections.Opened > 2*workers {
			t.Errorf("%s: target accepted %d connections, pool opened %d; want the same, %d to %d",
				p.Name, c.Accepted, p.Connections.Opened, workers, 2*workers)
		}
		if c.Requests != rounds*perRound || p.Requests != rounds*perRound {
			t.Errorf("%s: target served %d, client recorded %d; want %d", p.Name, c.Requests, p.Requests, rounds*perRound)
		}
		if len(p.Checks) > 0 {
			t.Errorf("%s: checks failed: %v", p.Name, p.Checks)
		}
		if len(p.Rounds) != rounds {
			t.Fatalf("%s: %d rounds recorded, want %d", p.Name, len(p.Rounds), rounds)
		}
		var sum, opened int64
		for k, r := range p.Rounds {
			if r.Round != k+1 || r.Requests != perRound {
				t.Errorf("%s: round %d is number %d with %d requests, want %d", p.Name, k+1, r.Round, r.Requests, perRound)
			}
			sum += r.Requests
			opened += r.Opened
		}
		if sum != p.Requests || opened != p.Connections.Opened {
			t.Errorf("%s: rounds add up to %d requests and %d connections, want %d and %d",
				p.Name, sum, opened, p.Requests, p.Connections.Opened)
		}
		if p.Intervals == nil || p.Intervals.Throughput.N != rounds {
			t.Errorf("%s: intervals %+v, want one over %d rounds", p.Name, p.Intervals, rounds)
		}
	}
	if vs := res.Profiles[1].VsBaseline; vs == nil || vs.Baseline != "shared" || vs.Throughput.N != rounds {
		t.Errorf("pw vs baseline %+v, want a comparison with shared over %d rounds", vs, rounds)
	}
	if res.Profiles[0].VsBaseline != nil {
		t.Errorf("the baseline compared with itself: %+v", res.Profiles[0].VsBaseline)
	}
}

// checkRoundEvents checks a run's events round by round: each RoundDone
// follows its RoundStarted and carries the profile's live counts so far
// (perRound requests a round, every one of them counted), and each profile
// ends with one ProfileDone after its last round.
func checkRoundEvents(t *testing.T, events []experiment.Event, rounds, perRound int) {
	t.Helper()
	started := map[string]int{}
	doneRounds := map[string]int{}
	finished := map[string]bool{}
	for _, ev := range events {
		switch ev.Kind {
		case experiment.RoundStarted:
			if started[ev.Name] != ev.Round-1 || ev.Rounds != rounds {
				t.Errorf("%s: round %d/%d started after %d", ev.Name, ev.Round, ev.Rounds, started[ev.Name])
			}
			started[ev.Name] = ev.Round
		case experiment.Tick:
			if ev.Round != started[ev.Name] || ev.Live.Requests < int64(perRound*(ev.Round-1)) {
				t.Errorf("%s: tick in round %d with %d requests so far", ev.Name, ev.Round, ev.Live.Requests)
			}
		case experiment.RoundDone:
			doneRounds[ev.Name]++
			want := int64(perRound * ev.Round)
			if ev.Round != started[ev.Name] || ev.Live.Requests != want || ev.Requests != want || ev.Live.Errors != 0 {
				t.Errorf("%s: round %d done with %d requests (%d errors) so far, want %d and none", ev.Name, ev.Round, ev.Live.Requests, ev.Live.Errors, want)
			}
			if ev.Live.Last.Requests <= 0 {
				t.Errorf("%s: round %d done with an empty last second %+v", ev.Name, ev.Round, ev.Live.Last)
			}
		case experiment.ProfileDone:
			if finished[ev.Name] || doneRounds[ev.Name] != rounds || ev.Result == nil {
				t.Errorf("%s: done after %d rounds (done before: %v)", ev.Name, doneRounds[ev.Name], finished[ev.Name])
			}
			finished[ev.Name] = true
		}
	}
	if len(finished) != 2 {
		t.Errorf("profiles done: %v, want both", finished)
	}
}

package experiment_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// plan returns a plan of the specs against srv: 2 workers, requests in all
// per profile, in rounds.
func plan(t *testing.T, srv *server.Server, requests int64, rounds int, specs ...string) *experiment.Plan {
	t.Helper()
	u, err := url.Parse(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	pl := &experiment.Plan{
		Targets: []loadgen.Target{{Method: "GET", URL: u}},
		Load:    experiment.Load{Workers: 2, Requests: requests}, Rounds: rounds, Embedded: srv,
	}
	for _, spec := range specs {
		p, err := loadgen.ParseProfile(spec, loadgen.Defaults{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		pl.Profiles = append(pl.Profiles, p)
	}
	return pl
}

// TestCheckpoints checks that a run hands a checkpoint after every round
// but the last (with rounds) or every profile (without): each one a valid
// results file (results.Parse, what report reads) holding the rounds done so
// far, the unfinished profiles marked partial.
func TestCheckpoints(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	for _, tc := range []struct {
		name   string
		rounds int
		want   []int // rounds in the first profile of each checkpoint
		count  int   // profiles in the last checkpoint
	}{
		{"rounds", 4, []int{1, 2, 3}, 2},
		{"one round", 1, []int{0, 0}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl := plan(t, srv, 40, tc.rounds, "a=shared", "b=fresh")
			var saved [][]byte
			pl.Checkpoint = func(res *results.Results) {
				var b bytes.Buffer
				if err := results.Encode(&b, res); err != nil {
					t.Fatal(err)
				}
				saved = append(saved, b.Bytes())
			}
			final, err := experiment.Run(context.Background(), pl, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(saved) != len(tc.want) {
				t.Fatalf("%d checkpoints, want %d", len(saved), len(tc.want))
			}
			for i, b := range saved {
				res, err := results.Parse(b)
				if err != nil {
					t.Fatalf("checkpoint %d is not a valid results file: %v", i+1, err)
				}
				if n := len(res.Profiles[0].Rounds); n != tc.want[i] {
					t.Errorf("checkpoint %d: %d rounds of %s, want %d", i+1, n, res.Profiles[0].Name, tc.want[i])
				}
				if res.Started != final.Started || res.Target != final.Target {
					t.Errorf("checkpoint %d: started %v, target %q; want the run's %v, %q", i+1, res.Started, res.Target, final.Started, final.Target)
				}
			}
			last, _ := results.Parse(saved[len(saved)-1])
			if len(last.Profiles) != tc.count {
				t.Errorf("last checkpoint holds %d profiles, want %d", len(last.Profiles), tc.count)
			}
			if tc.rounds > 1 && last.Profiles[0].Requests >= final.Profiles[0].Requests {
				t.Errorf("last checkpoint holds %d requests of a, the final results %d: want fewer", last.Profiles[0].Requests, final.Profiles[0].Requests)
			}
		})
	}
}

// TestInterruptKeepsResults cancels a run from its first checkpoint: the
// run returns what it measured, marked interrupted, with the rounds done.
func TestInterruptKeepsResults(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	pl := plan(t, srv, 1000, 10, "a=shared", "b=per-worker")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	pl.Checkpoint = func(*results.Results) { cancel(errors.New("stop")) }
	res, err := experiment.Run(ctx, pl, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Profiles {
		if len(p.Rounds) != 1 || p.Requests != 100 {
			t.Errorf("%s: %d rounds, %d requests; want the first round's 100", p.Name, len(p.Rounds), p.Requests)
		}
	}
	if _, err := results.Parse(encodeResults(t, res)); err != nil {
		t.Errorf("the interrupted results are not a valid file: %v", err)
	}
}

// encodeResults returns res as results.json text.
func encodeResults(t *testing.T, res *results.Results) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := results.Encode(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

package experiment

import (
	"context"
	"fmt"
	"time"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// WindDown bounds what an interrupted run still waits for once its context
// is done: pools closing their connections and the embedded target's
// cross-check, all profiles together.
const WindDown = time.Second

// windDown returns a context that is done d after ctx is: live while the
// run is, then bounding its wind-down. stop releases it.
func windDown(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	wind, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-wind.Done():
		}
	})
	return wind, func() { stop(); cancel() }
}

// checkpoint hands the results so far to the plan's Checkpoint: the
// finished profiles as they are, the others as their rounds so far stand
// (pools still open), each marked partial. done is the rounds completed.
func (pl *Plan) checkpoint(head *results.Results, runs []*profileRun, profiles []*results.Profile, done int) {
	if pl.Checkpoint == nil {
		return
	}
	res := *head
	res.Settings.Order = append([][]string(nil), head.Settings.Order...)
	res.Profiles = nil
	n := max(pl.Rounds, 1)
	for i, r := range runs {
		switch {
		case profiles[i] != nil:
			res.Profiles = append(res.Profiles, *profiles[i])
		case r != nil && r.fleet != nil && len(r.rounds) > 0:
			p, err := r.rec.Snapshot(RunInfo(r.p, pl.Load.Rate, r.fleet.Summary()))
			if err != nil {
				continue
			}
			if pl.Rounds > 1 {
				p.Rounds = append([]results.Round(nil), r.rounds...)
			}
			p.Notes = append(p.Notes, fmt.Sprintf("partial: saved after %d of %d rounds, while the run went on; the run ended before its final results", done, n))
			res.Profiles = append(res.Profiles, p)
		}
	}
	if len(res.Profiles) == 0 {
		return
	}
	if pl.Rounds > 1 {
		res.Settings.Baseline = pl.Baseline
		if res.Settings.Baseline == "" {
			res.Settings.Baseline = res.Profiles[0].Name
		}
		if stats.Assess(&res) != nil {
			res.Settings.Baseline = ""
		}
	}
	pl.Checkpoint(&res)
}

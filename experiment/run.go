package experiment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// ErrNoProfile is returned when a run was interrupted before its first
// profile finished: there is nothing to report.
var ErrNoProfile = errors.New("interrupted before the first profile finished")

// Run runs every profile of pl in order and returns the results. Cancelling
// ctx stops the run: the profile running then is kept up to that moment,
// marked interrupted, and later ones are not run. progress, if not nil,
// receives the run's events.
func Run(ctx context.Context, pl *Plan, progress func(Event)) (*results.Results, error) {
	if progress == nil {
		progress = func(Event) {}
	}
	res := &results.Results{
		Version: results.Version, Started: time.Now().UTC(), Target: TargetNames(pl.Targets),
		Settings: pl.Load.Settings(),
	}
	for i := range pl.Profiles {
		if ctx.Err() != nil {
			break
		}
		p, err := runProfile(ctx, pl, i, progress)
		if err != nil {
			return nil, err
		}
		res.Profiles = append(res.Profiles, p)
	}
	if len(res.Profiles) == 0 {
		return nil, ErrNoProfile
	}
	return res, nil
}

// runProfile runs the i-th profile of pl and returns its results.
func runProfile(ctx context.Context, pl *Plan, i int, progress func(Event)) (results.Profile, error) {
	p := &pl.Profiles[i]
	l := pl.Load
	rec := stats.NewRecorder(stats.Options{Open: l.Rate > 0, Retries: p.Retry.Max > 0})
	cfg := loadgen.Config{
		Pool:    pool.Config{Options: p.Pool, TLS: pl.TLS, Proxy: pl.Proxy, Cookies: pl.Cookies},
		Targets: pl.Targets, Workers: l.Workers, MaxWorkers: l.MaxWorkers,
		Requests: l.Requests, Duration: l.Duration, Warmup: l.Warmup, Rate: l.Rate,
		Retry: p.Retry,
	}
	if srv := pl.Embedded; srv != nil {
		cfg.OnWindow = func(openedBefore int64) { alignTarget(ctx, srv, openedBefore) }
	}
	ev := Event{Index: i, Count: len(pl.Profiles), Name: p.Name, Strategy: string(p.Pool.Strategy), Load: l}
	ev.Kind = ProfileStarted
	progress(ev)
	stop := ticks(rec, ev, progress)
	sum, err := loadgen.Run(ctx, cfg, rec)
	stop()
	if err != nil {
		return results.Profile{}, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	prof, err := rec.Profile(RunInfo(p, l.Rate, sum))
	if err != nil {
		return results.Profile{}, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	if sum.Interrupted {
		prof.Notes = append(prof.Notes, fmt.Sprintf("interrupted after %.1f s: the figures cover what completed until then", prof.DurationS))
	}
	if pl.Embedded != nil {
		crossCheck(pl.Embedded, &prof, sum.Interrupted)
	}
	ev.Kind, ev.Result = ProfileDone, &prof
	progress(ev)
	return prof, nil
}

// RunInfo is how what a profile's fleet knows of its run reaches the
// results: the one place loadgen's summary becomes stats' input, for runs and
// tests alike. rate is the open model's target rate (0: closed model).
func RunInfo(p *loadgen.Profile, rate float64, sum loadgen.Summary) stats.RunInfo {
	return stats.RunInfo{
		Name: p.Name, Strategy: string(p.Pool.Strategy), Options: p.Options(),
		Started: sum.Started, Ended: sum.Ended,
		Opened: sum.Pool.Opened, Unused: sum.Pool.Unused,
		TLSHandshakes: sum.Pool.TLSHandshakes, TLSResumed: sum.Pool.TLSResumed,
		TargetRate: rate, FirstSend: sum.FirstSend, LastSend: sum.LastSend,
		Arrivals: sum.Arrivals, Late: sum.Late, MaxLate: sum.MaxLate, Workers: sum.Workers,
	}
}

// ticks sends a Tick every TickEvery until stop is called.
func ticks(rec *stats.Recorder, ev Event, progress func(Event)) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	ev.Kind = Tick
	go func() {
		defer close(finished)
		t := time.NewTicker(TickEvery)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				ev.Elapsed, ev.Requests = now.Sub(start), rec.Requests()
				progress(ev)
			}
		}
	}()
	return func() { close(done); <-finished }
}

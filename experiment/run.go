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
// round finished: there is nothing to report.
var ErrNoProfile = errors.New("interrupted before the first round finished")

// profileRun is one profile's state across the rounds of a run.
type profileRun struct {
	p      *loadgen.Profile
	rec    *stats.Recorder
	client *stats.ClientMeter
	fleet  *loadgen.Fleet
	rounds []results.Round
	// closedOpened is every connection the pool opened, once it is closed.
	closedOpened int64
}

// Run runs the plan: every profile's fleet is built (and warmed up) in turn,
// then the rounds run, round 1 of every profile in that round's order, then
// round 2, and so on; last, every pool is closed and each profile's results
// are built, cross-checked and assessed against the baseline. Cancelling
// ctx stops the run after the rounds in flight; what they measured is kept
// and marked interrupted, and the wind-down (pools closing, the embedded
// target's cross-check) takes at most WindDown more. progress, if not nil,
// receives the run's events; the plan's Checkpoint, if set, the results so
// far after every round and every finished profile.
func Run(ctx context.Context, pl *Plan, progress func(Event)) (*results.Results, error) {
	if progress == nil {
		progress = func(Event) {}
	}
	if err := pl.check(); err != nil {
		return nil, err
	}
	wind, stopWind := windDown(ctx, WindDown)
	defer stopWind()
	n := max(pl.Rounds, 1)
	res := &results.Results{
		Version: results.Version, Started: time.Now().UTC(), Target: TargetNames(pl.Targets, pl.ShowQuery),
		Settings: pl.settings(),
	}
	if pl.Rounds > 1 {
		res.Settings.Rounds, res.Settings.Seed = n, pl.Seed
	}
	runs := make([]*profileRun, len(pl.Profiles))
	profiles := make([]*results.Profile, len(pl.Profiles))
	defer func() { // on an error, close what was built
		for _, r := range runs {
			if r != nil && r.fleet != nil {
				r.fleet.Close(ctx)
			}
		}
	}()
	if pl.Start != nil {
		seg, err := pl.synchronize(ctx, wind, runs)
		if err != nil {
			return nil, err
		}
		res.Settings.Segment = seg
	}
	for k, row := range Order(len(runs), n, pl.Seed) {
		if ctx.Err() != nil {
			break
		}
		var names []string
		for _, i := range row {
			if ctx.Err() != nil {
				break
			}
			if runs[i] == nil {
				r, err := pl.start(ctx, wind, i, runs)
				if err != nil {
					return nil, err
				}
				runs[i] = r
			}
			pl.round(ctx, wind, runs[i], runs, k, n, i, progress)
			names = append(names, pl.Profiles[i].Name)
			if k == n-1 {
				prof, err := pl.finish(ctx, wind, runs[i], i, progress)
				if err != nil {
					return nil, err
				}
				profiles[i] = prof
				if n == 1 && ctx.Err() == nil {
					pl.checkpoint(res, runs, profiles, k+1)
				}
			}
		}
		if pl.Rounds > 1 {
			res.Settings.Order = append(res.Settings.Order, names)
			if k < n-1 && ctx.Err() == nil {
				pl.checkpoint(res, runs, profiles, k+1)
			}
		}
	}
	for i, r := range runs { // interrupted: finish what started
		if r != nil && r.fleet != nil && len(r.rounds) > 0 {
			prof, err := pl.finish(ctx, wind, r, i, progress)
			if err != nil {
				return nil, err
			}
			profiles[i] = prof
		}
	}
	for _, p := range profiles {
		if p != nil {
			res.Profiles = append(res.Profiles, *p)
		}
	}
	if len(res.Profiles) == 0 {
		return nil, ErrNoProfile
	}
	if pl.Rounds > 1 {
		res.Settings.Baseline = pl.Baseline
		if res.Settings.Baseline == "" {
			res.Settings.Baseline = res.Profiles[0].Name
		}
		if err := stats.Assess(res); err != nil {
			return nil, err
		}
	} else {
		res.Recommendation = stats.Recommend(res) // says it needs rounds
	}
	return res, nil
}

// finish closes profile r's pool, so its counts are final, and builds,
// notes and cross-checks its results.
func (pl *Plan) finish(ctx, wind context.Context, r *profileRun, i int, progress func(Event)) (*results.Profile, error) {
	r.closedOpened = r.fleet.Opened()
	sum := r.fleet.Close(ctx)
	r.closedOpened = max(r.closedOpened, r.fleet.Opened())
	r.fleet = nil
	l := pl.LoadOf(i)
	prof, err := r.rec.Profile(RunInfo(r.p, pl.Segment.Rate(l.Rate), sum))
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", r.p.Name, err)
	}
	prof.Load = &results.ProfileLoad{Concurrency: l.Workers, Rate: l.Rate}
	if sw := r.p.Swept; sw != nil {
		prof.Sweep = &results.SweepPoint{Profile: sw.From, Value: sw.Value, Number: sw.Number}
	}
	if last := len(r.rounds) - 1; last >= 0 {
		r.rounds[last].Opened += sum.AfterRounds
	}
	c := r.client.Result()
	prof.Client = &c
	if pl.Rounds > 1 {
		prof.Rounds = r.rounds
	}
	if sum.Interrupted {
		prof.Notes = append(prof.Notes, fmt.Sprintf("interrupted after %.1f s: the figures cover what completed until then", prof.DurationS))
	}
	if sum.Stopped != "" {
		prof.Notes = append(prof.Notes, fmt.Sprintf("stopped early after %d of %d rounds (%.1f s): %s", len(r.rounds), max(pl.Rounds, 1), prof.DurationS, sum.Stopped))
	}
	if pl.Embedded != nil {
		crossCheck(wind, pl.Embedded, &prof, r.p.Name, sum.Interrupted)
	}
	progress(Event{Kind: ProfileDone, Index: i, Count: len(pl.Profiles), Name: prof.Name, Strategy: prof.Strategy, Load: l, Result: &prof})
	return &prof, nil
}

// start builds profile i's recorder and fleet: its pool and warm-up. With
// the embedded target, the warm-up's connections are labelled apart from
// the measured ones.
func (pl *Plan) start(ctx, wind context.Context, i int, runs []*profileRun) (*profileRun, error) {
	p := &pl.Profiles[i]
	l := pl.LoadOf(i)
	r := &profileRun{p: p, rec: stats.NewRecorder(stats.Options{Open: l.Rate > 0, Retries: p.Retry.Max > 0}),
		client: stats.NewClientMeter()}
	cfg := loadgen.Config{
		Pool: pool.Config{Options: p.Pool, TLS: pl.TLS, Proxy: pl.Proxy, Cookies: pl.Cookies,
			Dial: pl.Dial, NoRedirects: l.NoRedirects},
		Targets: pl.Targets, Workers: l.Workers, MaxWorkers: l.MaxWorkers,
		Requests: l.Requests, Duration: l.Duration, Warmup: l.Warmup, Rate: l.Rate, Segment: pl.Segment,
		Retry: p.Retry, Wait: wind, MaxErrors: l.MaxErrors, MaxErrorRate: l.MaxErrorRate,
	}
	if srv := pl.Embedded; srv != nil {
		alignTarget(wind, srv, opened(runs), warmupLabel(p.Name))
	}
	f, err := loadgen.NewFleet(ctx, cfg, r.rec)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	r.fleet = f
	return r, nil
}

// round runs round k (from 0) of n of profile r, the i-th. A profile
// stopped by an error limit runs no more rounds.
func (pl *Plan) round(ctx, wind context.Context, r *profileRun, runs []*profileRun, k, n, i int, progress func(Event)) {
	if r.fleet.Stopped() != "" {
		return
	}
	if srv := pl.Embedded; srv != nil {
		alignTarget(wind, srv, opened(runs), r.p.Name)
	}
	ev := Event{Kind: RoundStarted, Index: i, Count: len(runs), Name: r.p.Name, Strategy: string(r.p.Pool.Strategy),
		Load: pl.LoadOf(i), LoadSwept: len(pl.Loads) > 0, Round: k + 1, Rounds: n}
	progress(ev)
	stop := ticks(r.rec, ev, progress)
	r.client.Begin()
	rd := r.fleet.Round(ctx, ev.Load.bound(k, n))
	r.client.End()
	stop()
	if last := len(r.rounds) - 1; last >= 0 {
		r.rounds[last].Opened += rd.Before
	}
	fig := r.rec.EndRound(rd.Ended)
	d := rd.Ended.Sub(rd.Started).Seconds()
	out := results.Round{Round: k + 1, Started: rd.Started.UTC(), DurationS: d,
		Requests: fig.Requests, Errors: fig.Errors, Opened: rd.Opened,
		Latency: results.RoundLatency{P50: fig.P50, P99: fig.P99}, Histogram: fig.Histogram}
	if d > 0 {
		out.Throughput = float64(fig.Requests) / d
	}
	r.rounds = append(r.rounds, out)
	ev.Kind, ev.Round, ev.Figures = RoundDone, k+1, &out
	ev.Live = r.rec.Live()
	ev.Requests = ev.Live.Requests
	progress(ev)
}

// opened is every connection the fleets built so far have opened, the
// closed ones' included.
func opened(runs []*profileRun) int64 {
	var n int64
	for _, r := range runs {
		switch {
		case r == nil:
		case r.fleet != nil:
			n += r.fleet.Opened()
		default:
			n += r.closedOpened
		}
	}
	return n
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
		Active: sum.Active, TargetRate: rate, SendSpan: sum.SendSpan, SendGaps: sum.SendGaps,
		Arrivals: sum.Arrivals, Late: sum.Late, MaxLate: sum.MaxLate, Workers: sum.Workers,
		NotSent: sum.NotSent,
	}
}

// ticks sends a Tick every TickEvery until stop is called, with what the
// recorder shows of the profile so far (read without a lock on its
// recording path).
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
				ev.Live = rec.Live()
				ev.Elapsed, ev.Requests = now.Sub(start), ev.Live.Requests
				progress(ev)
			}
		}
	}()
	return func() { close(done); <-finished }
}

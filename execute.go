package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/stats"
)

// runProfile runs profile p (the i-th) and returns its results.
func runProfile(ctx context.Context, rc *runConfig, pl *plan, p *profile, i int, stderr io.Writer) (results.Profile, error) {
	rec := stats.NewRecorder(stats.Options{Open: rc.rate > 0, Retries: p.Retry.Max > 0})
	cfg := loadgen.Config{
		Pool:    pool.Config{Options: p.Pool, TLS: pl.tls, Proxy: pl.proxy, Cookies: pl.cookies},
		Targets: pl.targets, Workers: rc.concurrency, MaxWorkers: rc.maxWorkers,
		Requests: rc.requests, Duration: rc.duration, Warmup: rc.warmup, Rate: rc.rate,
		Retry: p.Retry,
	}
	if srv := pl.embedded; srv != nil {
		cfg.OnWindow = func(openedBefore int64) { alignTarget(ctx, srv, openedBefore) }
	}
	fmt.Fprintf(stderr, "[%d/%d] %s (%s): %s\n", i+1, len(pl.profiles), p.Name, p.Pool.Strategy, bound(rc))
	stop := progress(rec, stderr)
	sum, err := loadgen.Run(ctx, cfg, rec)
	stop()
	if err != nil {
		return results.Profile{}, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	prof, err := rec.Profile(stats.RunInfo{
		Name: p.Name, Strategy: string(p.Pool.Strategy), Options: p.options(),
		Started: sum.Started, Ended: sum.Ended,
		Opened: sum.Pool.Opened, Unused: sum.Pool.Unused,
		TLSHandshakes: sum.Pool.TLSHandshakes, TLSResumed: sum.Pool.TLSResumed,
		TargetRate: rc.rate, FirstSend: sum.FirstSend, LastSend: sum.LastSend,
		Arrivals: sum.Arrivals, Late: sum.Late, MaxLate: sum.MaxLate, Workers: sum.Workers,
	})
	if err != nil {
		return results.Profile{}, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	if sum.Interrupted {
		prof.Notes = append(prof.Notes, fmt.Sprintf("interrupted after %.1f s: the figures cover what completed until then", prof.DurationS))
	}
	if pl.embedded != nil {
		crossCheck(pl.embedded, &prof, sum.Interrupted)
	}
	fmt.Fprintf(stderr, "      %d requests, %s req/s, %d connections opened, %d errors\n",
		prof.Requests, report.FormatRate(prof.Throughput), prof.Connections.Opened, prof.Errors.Total)
	return prof, nil
}

// alignTarget starts the target's count of the measured window: once it has
// accepted every connection the client opened before (a warm-up's), its
// counters are reset, so both sides count the same window.
func alignTarget(ctx context.Context, srv *server.Server, openedBefore int64) {
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	srv.WaitAccepted(wctx, openedBefore) // on timeout, the cross-check will say so
	srv.Reset()
}

// crossCheck reads the embedded target's counts for the profile's window,
// once every connection the pool closed has closed on the server too, and
// notes any disagreement with the client's counts.
// An interrupted run abandoned requests in flight, which the target may have
// served: then only the connection counts are compared.
func crossCheck(srv *server.Server, p *results.Profile, interrupted bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitClosed(ctx, p.Connections.Opened); err != nil {
		p.Checks = append(p.Checks, err.Error())
	}
	c := srv.Counts()
	p.Server = &results.ServerCounts{Accepted: c.Accepted, Requests: c.Requests, Unused: c.Unused,
		TLSHandshakes: c.TLSHandshakes, TLSResumed: c.TLSResumed}
	attempts := p.Requests
	if p.Retries != nil {
		attempts += p.Retries.Total
	}
	if c.Accepted != p.Connections.Opened {
		p.Checks = append(p.Checks, fmt.Sprintf("the target accepted %d connections; the pool counted %d", c.Accepted, p.Connections.Opened))
	}
	if !interrupted && c.Unused != p.Connections.Unused {
		p.Checks = append(p.Checks, fmt.Sprintf("the target saw %d connections carry no request; the pool counted %d unused", c.Unused, p.Connections.Unused))
	}
	// A request the client gave up on (a timeout) reaches the target but is
	// never answered: the target counts it as aborted.
	if !interrupted && c.Requests+c.Aborted != attempts {
		p.Checks = append(p.Checks, fmt.Sprintf("the target served %d requests and saw %d abandoned; the client sent %d", c.Requests, c.Aborted, attempts))
	}
}

func bound(rc *runConfig) string {
	var s string
	if rc.requests > 0 {
		s = fmt.Sprintf("%d requests", rc.requests)
	} else {
		s = rc.duration.String()
	}
	if rc.rate > 0 {
		s += fmt.Sprintf(" at %s/s, at most %d in flight", report.FormatRate(rc.rate), max(rc.concurrency, rc.maxWorkers))
	} else {
		s += fmt.Sprintf(" with %d workers", rc.concurrency)
	}
	if rc.warmup > 0 {
		s += fmt.Sprintf(" after a %v warm-up", rc.warmup)
	}
	return s
}

// progress prints the request count every few seconds on stderr until stop
// is called.
func progress(rec *stats.Recorder, stderr io.Writer) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				fmt.Fprintf(stderr, "      %4.0fs  %d requests\n", now.Sub(start).Seconds(), rec.Requests())
			}
		}
	}()
	return func() { close(done); <-finished }
}

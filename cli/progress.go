package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/stats"
)

// progress renders a run's events on stderr. Event may be called from the
// run's goroutines; Close ends the rendering once the run is over, saying
// whether it was interrupted.
type progress interface {
	Event(experiment.Event)
	Close(interrupted bool)
}

// newProgress returns the progress renderer for stderr: nothing with
// quiet, a live view that redraws in place when stderr is a terminal, plain
// lines every few seconds otherwise (pipes, CI logs: no control codes).
func newProgress(stderr io.Writer, quiet bool) progress {
	if quiet {
		return nil
	}
	if f, ok := stderr.(*os.File); ok {
		if fd, ok := terminalFd(f); ok {
			return newTerminalView(f, fd)
		}
	}
	return newPlainLines(stderr)
}

// profileState is where one profile of a run stands.
type profileState struct {
	name, strategy string
	// round is the round running or the last one run (from 1); running
	// says whether it is still running.
	round   int
	running bool
	// roundsDone counts its finished rounds; elapsed is the running
	// round's time so far.
	roundsDone int
	elapsed    time.Duration
	live       stats.Live
	// done is set by ProfileDone, with its totals.
	done                             bool
	requests, opened, errors         int64
	throughput, p99, durationSeconds float64
}

// tracker follows a run's events for a renderer: each profile's state and
// the run's as a whole. Its methods hold mu.
type tracker struct {
	mu       sync.Mutex
	started  time.Time // the first event
	count    int       // profiles
	rounds   int
	round    int // the latest round started
	load     experiment.Load
	profiles []*profileState // by index; nil until the profile starts
}

// update records ev and returns the profile it is about.
func (t *tracker) update(ev experiment.Event) *profileState {
	if t.profiles == nil {
		t.started, t.count, t.rounds, t.load = time.Now(), ev.Count, ev.Rounds, ev.Load
		t.profiles = make([]*profileState, ev.Count)
	}
	if ev.Index < 0 || ev.Index >= len(t.profiles) {
		return nil
	}
	p := t.profiles[ev.Index]
	if p == nil {
		p = &profileState{name: ev.Name, strategy: ev.Strategy}
		t.profiles[ev.Index] = p
	}
	switch ev.Kind {
	case experiment.RoundStarted:
		p.round, p.running, p.elapsed = ev.Round, true, 0
		t.round = max(t.round, ev.Round)
	case experiment.Tick:
		p.elapsed, p.live = ev.Elapsed, ev.Live
	case experiment.RoundDone:
		p.running, p.elapsed, p.live = false, 0, ev.Live
		p.roundsDone++
	case experiment.ProfileDone:
		p.running, p.done = false, true
		if r := ev.Result; r != nil {
			p.requests, p.opened, p.errors = r.Requests, r.Connections.Opened, r.Errors.Total
			p.throughput, p.p99, p.durationSeconds = r.Throughput, r.Latency.P99, r.DurationS
		}
	}
	return p
}

// fraction is how much of p's measured window is done, 0 to 1: its
// requests so far of -n, or its rounds, each an equal part of -d (a round
// may run a little longer than its part, finishing the requests in flight).
func (t *tracker) fraction(p *profileState) float64 {
	if p == nil {
		return 0
	}
	if p.done {
		return 1
	}
	var f float64
	if t.load.Requests > 0 {
		f = float64(p.live.Requests) / float64(t.load.Requests)
	} else if per := t.load.Duration / time.Duration(max(t.rounds, 1)); per > 0 {
		f = (float64(p.roundsDone) + min(float64(p.elapsed)/float64(per), 1)) / float64(max(t.rounds, 1))
	}
	return min(max(f, 0), 1)
}

// eta estimates the wall-clock time left in the run at now from the share
// of every profile's measured window done so far; ok is false before any.
func (t *tracker) eta(now time.Time) (left time.Duration, ok bool) {
	if t.count == 0 {
		return 0, false
	}
	var done float64
	for _, p := range t.profiles {
		done += t.fraction(p)
	}
	done /= float64(t.count)
	if done <= 0 {
		return 0, false
	}
	return time.Duration(float64(now.Sub(t.started)) * (1 - done) / done), true
}

// runLine says where the run stands: "round 7/20 · 6.1s elapsed · ETA 14s"
// (in a run of one round each, which profile of how many instead).
func (t *tracker) runLine(now time.Time) string {
	var where string
	if t.rounds > 1 {
		where = fmt.Sprintf("round %d/%d", t.round, t.rounds)
	} else {
		n := 0
		for _, p := range t.profiles {
			if p != nil {
				n++
			}
		}
		where = fmt.Sprintf("profile %d/%d", n, t.count)
	}
	s := fmt.Sprintf("%s · %s elapsed", where, shortDuration(now.Sub(t.started)))
	if left, ok := t.eta(now); ok {
		s += " · ETA " + shortDuration(left)
	}
	return s
}

// measuredLine is how far p's measured window is: "2.1s/4.0s" of -d, or
// "1200/5000" requests of -n.
func (t *tracker) measuredLine(p *profileState) string {
	if t.load.Requests > 0 {
		return fmt.Sprintf("%d/%d", p.live.Requests, t.load.Requests)
	}
	done := time.Duration(t.fraction(p) * float64(t.load.Duration))
	return shortDuration(done) + "/" + shortDuration(t.load.Duration)
}

// liveLine is what p is doing, from its last second of measured time:
// "33651 req/s, p99 2.47 ms, 3.0 conns/s, 0 errors" (errors so far, with
// their share when there are some). With pad, the figures are padded to
// fixed widths, for lines one above the other.
func liveLine(p *profileState, sep string, pad bool) string {
	last := p.live.Last
	span := last.Span
	if span <= 0 {
		span = 1
	}
	w := func(n int, s string) string {
		if pad {
			return fmt.Sprintf("%*s", n, s)
		}
		return s
	}
	errs := fmt.Sprintf("%d errors", p.live.Errors)
	if p.live.Errors > 0 {
		errs += fmt.Sprintf(" (%.1f%%)", 100*float64(p.live.Errors)/float64(max(p.live.Requests, 1)))
	}
	return strings.Join([]string{
		w(6, report.FormatRate(float64(last.Requests)/span)) + " req/s",
		"p99 " + w(5, report.FormatMS(last.P99)) + " ms",
		w(5, report.FormatRate(float64(last.NewConns)/span)) + " conns/s",
		errs,
	}, sep)
}

// doneLine is p's totals once done: "135188 requests in 4.0s, 33651 req/s,
// p99 2.47 ms, 13 conns opened, 0 errors".
func doneLine(p *profileState) string {
	return fmt.Sprintf("%d requests in %.1fs, %s req/s, p99 %s ms, %d conns opened, %d errors",
		p.requests, p.durationSeconds, report.FormatRate(p.throughput), report.FormatMS(p.p99), p.opened, p.errors)
}

// shortDuration is d for a progress line: "850ms", "6.1s", "2m05s".
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
}

// plainEvery is how often plain progress prints a line while a run goes on.
const plainEvery = 3 * time.Second

// plainLines renders a run's events as plain lines: a line as the run (or,
// with one round, each profile) starts, a line every plainEvery with every
// running profile's figures, and each profile's totals when it is done.
type plainLines struct {
	w    io.Writer
	t    tracker
	last time.Time // the last progress line
}

func newPlainLines(w io.Writer) *plainLines { return &plainLines{w: w} }

// Event renders ev (progress).
func (pl *plainLines) Event(ev experiment.Event) {
	t := &pl.t
	t.mu.Lock()
	defer t.mu.Unlock()
	first := t.profiles == nil
	p := t.update(ev)
	if p == nil {
		return
	}
	now := time.Now()
	switch ev.Kind {
	case experiment.RoundStarted:
		switch {
		case ev.Rounds == 1 && ev.Round == 1:
			fmt.Fprintf(pl.w, "[%d/%d] %s (%s): %s\n", ev.Index+1, ev.Count, ev.Name, ev.Strategy, describeLoad(ev.Load))
			pl.last = now
		case first && ev.LoadSwept:
			fmt.Fprintf(pl.w, "%d profiles in %d interleaved rounds, each profile %s in all, at the load its name gives\n", ev.Count, ev.Rounds, describeBound(ev.Load))
			pl.last = now
		case first:
			fmt.Fprintf(pl.w, "%d profiles in %d interleaved rounds, each profile %s in all\n", ev.Count, ev.Rounds, describeLoad(ev.Load))
			pl.last = now
		}
	case experiment.Tick, experiment.RoundDone:
		if now.Sub(pl.last) < plainEvery {
			return
		}
		pl.last = now
		var parts []string
		for _, q := range t.profiles {
			if q != nil && !q.done {
				parts = append(parts, fmt.Sprintf("%s %s %s", q.name, t.measuredLine(q), liveLine(q, ", ", false)))
			}
		}
		fmt.Fprintf(pl.w, "  %s: %s\n", t.runLine(now), strings.Join(parts, "; "))
	case experiment.ProfileDone:
		fmt.Fprintf(pl.w, "  done %s: %s\n", p.name, doneLine(p))
	}
}

// Close does nothing: every line is already written, and the run says
// itself that it was interrupted (progress).
func (pl *plainLines) Close(bool) {}

// describeLoad says how a profile is driven: "5s with 8 workers after a 1s
// warm-up", "1000 requests at 200/s, at most 16 in flight".
func describeLoad(l experiment.Load) string {
	s := describeBound(experiment.Load{Requests: l.Requests, Duration: l.Duration})
	if l.Rate > 0 {
		s += fmt.Sprintf(" at %s/s, at most %d in flight", report.FormatRate(l.Rate), max(l.Workers, l.MaxWorkers))
	} else {
		s += fmt.Sprintf(" with %d workers", l.Workers)
	}
	if l.Warmup > 0 {
		s += fmt.Sprintf(" after a %v warm-up", l.Warmup)
	}
	return s
}

// describeBound says how long a profile runs: "5s", "1000 requests", "5s
// after a 1s warm-up".
func describeBound(l experiment.Load) string {
	s := l.Duration.String()
	if l.Requests > 0 {
		s = fmt.Sprintf("%d requests", l.Requests)
	}
	if l.Warmup > 0 {
		s += fmt.Sprintf(" after a %v warm-up", l.Warmup)
	}
	return s
}

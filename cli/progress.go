package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/report"
)

// progressLines renders a run's events as plain lines on w: with one round,
// a line as each profile starts, its request count every few seconds and
// its totals; with several, a header, one line per round with every
// profile's req/s, and each profile's totals.
func progressLines(w io.Writer) func(experiment.Event) {
	started := false
	var round []string
	return func(ev experiment.Event) {
		switch ev.Kind {
		case experiment.RoundStarted:
			if ev.Rounds == 1 {
				fmt.Fprintf(w, "[%d/%d] %s (%s): %s\n", ev.Index+1, ev.Count, ev.Name, ev.Strategy, describeLoad(ev.Load))
			} else if !started && ev.LoadSwept {
				fmt.Fprintf(w, "%d profiles in %d interleaved rounds, each profile %s in all, at the load its name gives\n", ev.Count, ev.Rounds, describeBound(ev.Load))
			} else if !started {
				fmt.Fprintf(w, "%d profiles in %d interleaved rounds, each profile %s in all\n", ev.Count, ev.Rounds, describeLoad(ev.Load))
			}
			started = true
		case experiment.Tick:
			fmt.Fprintf(w, "      %4.0fs  %d requests\n", ev.Elapsed.Seconds(), ev.Requests)
		case experiment.RoundDone:
			if ev.Rounds == 1 {
				return
			}
			round = append(round, fmt.Sprintf("%s %s", ev.Name, report.FormatRate(ev.Figures.Throughput)))
			if len(round) == ev.Count {
				fmt.Fprintf(w, "  round %d/%d req/s: %s\n", ev.Round, ev.Rounds, strings.Join(round, ", "))
				round = round[:0]
			}
		case experiment.ProfileDone:
			p := ev.Result
			fmt.Fprintf(w, "      %s: %d requests, %s req/s, %d connections opened, %d errors\n",
				p.Name, p.Requests, report.FormatRate(p.Throughput), p.Connections.Opened, p.Errors.Total)
		}
	}
}

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

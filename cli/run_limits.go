package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/reusebench/reusebench/experiment"
)

// runLimits are the run flags about failures: redirects, the error limits
// that stop a profile early.
type runLimits struct {
	noRedirects  bool
	maxErrors    int64
	maxErrorRate float64
}

// define adds the flags to fs.
func (l *runLimits) define(fs *flag.FlagSet) {
	fs.BoolVar(&l.noRedirects, "no-redirects", false, "count 3xx responses as responses instead of following them (followed redirects count in attempts.redirects)")
	fs.Int64Var(&l.maxErrors, "max-errors", 0, "stop a profile, with a note, once `N` of its measured requests have failed (0: no limit)")
	fs.Float64Var(&l.maxErrorRate, "max-error-rate", 0, "stop a profile, with a note, once `PCT` percent of its measured requests have failed, judged from 20 requests on (0: no limit)")
}

// check validates the flags.
func (l *runLimits) check() error {
	switch {
	case l.maxErrors < 0:
		return usagef("--max-errors %d: want a count ≥ 1 (0: no limit)", l.maxErrors)
	case l.maxErrorRate < 0 || l.maxErrorRate > 100 || l.maxErrorRate != l.maxErrorRate:
		return usagef("--max-error-rate %v: want a percentage in (0,100] (0: no limit)", l.maxErrorRate)
	}
	return nil
}

// apply sets the limits in the plan's load.
func (l *runLimits) apply(load *experiment.Load) {
	load.NoRedirects, load.MaxErrors, load.MaxErrorRate = l.noRedirects, l.maxErrors, l.maxErrorRate
}

// fdReserve is the open files a run needs beside its connections: standard
// streams, listeners, the poller, results and plot files.
const fdReserve = 64

// preflight checks, before any traffic, that the open-file limit allows a
// connection per worker (two with the embedded target, which serves from
// this process). It raises the soft limit when the hard limit allows and
// says so, warns when only the idle pools of several profiles would not
// fit, and returns an error, one line, when even one profile cannot run.
func preflight(rc *runConfig, stderr io.Writer) error {
	workers := uint64(max(rc.concurrency, rc.maxWorkers))
	perConn := uint64(1)
	if len(rc.urls) == 0 && rc.targetsFile == "" {
		perConn = 2
	}
	profiles := uint64(max(len(rc.profileSpec), 4))
	one := workers*perConn + fdReserve
	all := profiles*workers*perConn + fdReserve
	soft, hard, err := fileLimit()
	if err != nil {
		return nil // no limit to read on this system: nothing to check
	}
	if all > soft && hard > soft {
		to := min(hard, all)
		if err := raiseFileLimit(to); err == nil {
			fmt.Fprintf(stderr, "raised the open-file limit from %d to %d for -c %d\n", soft, to, workers)
			soft = to
		}
	}
	switch {
	case one > soft:
		return usagef("-c %d needs about %d open files (a connection per worker%s), but the limit is %d (hard %d): lower -c or raise the limit (ulimit -n)",
			workers, one, map[bool]string{true: ", twice with the embedded target", false: ""}[perConn == 2], soft, hard)
	case all > soft:
		fmt.Fprintf(stderr, "warning: %d profiles of -c %d keep up to %d connections open across their rounds, above the open-file limit of %d: a run may fail with client_resources errors\n",
			profiles, workers, all-fdReserve, soft)
	}
	return nil
}

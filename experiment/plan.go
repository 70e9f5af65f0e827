// Package experiment runs a plan: each profile's fleet against the targets,
// the measured window aligned with the embedded target's counts, and the
// server's cross-check, into one results.Results.
package experiment

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
)

// Plan is a run resolved: what to send, where, through which profiles, and
// how hard.
type Plan struct {
	Targets []loadgen.Target
	// TLS is the client TLS configuration every profile starts from.
	TLS     *tls.Config
	Cookies []*http.Cookie
	// Proxy, if set, chooses the proxy of each request (http.Transport.Proxy).
	Proxy    func(*http.Request) (*url.URL, error)
	Profiles []loadgen.Profile
	// Load is how every profile is driven, unless Loads says otherwise.
	Load Load
	// Loads, when not empty, is each profile's own load, index for index
	// with Profiles: a sweep of the load (-c 8,32 or -r 100,200) runs each
	// profile at one level.
	Loads []Load
	// Sweep, when set, describes the sweep the profiles come from, for the
	// results (Settings.Sweep).
	Sweep *results.Sweep
	// Rounds splits each profile's measured window into this many rounds,
	// interleaved across profiles (0 or 1: one round each, in turn).
	Rounds int
	// Seed, if set, shuffles the order of each round reproducibly instead
	// of the balanced rotation.
	Seed *uint64
	// Baseline names the profile the others are compared with ("": the
	// first).
	Baseline string
	// Segment is this generator's part of a run split across several
	// (Load's workers and requests are its share already; its rate is the
	// whole run's, of which it sends its arrivals).
	Segment loadgen.Segment
	// Start, if set, synchronizes the start with the other generators: every
	// profile's pool is built and warmed up first, then Start returns the
	// instant the measured window starts on every generator and the run's
	// id, and Run waits for that instant.
	Start func(ctx context.Context) (at time.Time, runID string, err error)
	// Checkpoint, if set, receives the results so far after each round of
	// every profile (and, with one round, after each profile), while the
	// run goes on: a valid results file, for -o to save, so a run killed
	// later keeps what finished. It must not keep the results.
	Checkpoint func(*results.Results)
	// ShowQuery keeps query values in the target names of results (they
	// are REDACTED by default); user-info is never kept.
	ShowQuery bool
	// Embedded is the embedded target when the run drives it: its counts are
	// aligned with each measured window and cross-checked with the client's.
	Embedded *server.Server
	// Dial, if set, replaces every profile's TCP dial (an in-memory network
	// in tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Load is how each profile is driven: the fleet, the model and the bound of
// the measured window.
type Load struct {
	// Workers is the fleet (closed model) or the in-flight cap (open model).
	Workers int
	// MaxWorkers lets an open-model fleet grow to this many (0: Workers).
	MaxWorkers int
	// Requests bounds the measured window by count; Duration by time when
	// Requests is 0.
	Requests int64
	Duration time.Duration
	// Warmup is sent before each measured window and not recorded.
	Warmup time.Duration
	// Rate switches to the open model: arrivals a second (0: closed model).
	Rate float64
	// MaxErrors and MaxErrorRate (a percentage) stop a profile early once
	// that many of its measured requests failed (0: no limit).
	MaxErrors    int64
	MaxErrorRate float64
	// NoRedirects counts 3xx responses as responses instead of following
	// them.
	NoRedirects bool
}

// bound returns round k's share (from 0) of the measured window split into
// n rounds: requests spread with the remainder on the first rounds, or an
// equal part of the duration.
func (l Load) bound(k, n int) loadgen.Bound {
	if l.Requests > 0 {
		per, rest := l.Requests/int64(n), l.Requests%int64(n)
		if int64(k) < rest {
			per++
		}
		return loadgen.Bound{Requests: per}
	}
	return loadgen.Bound{Duration: l.Duration / time.Duration(n)}
}

// LoadOf returns the load of profile i: Loads[i], or Load.
func (pl *Plan) LoadOf(i int) Load {
	if len(pl.Loads) > 0 {
		return pl.Loads[i]
	}
	return pl.Load
}

// settings are the run-wide settings of the results: Load's, with a load
// sweep's largest level in Concurrency and Rate (each profile records its
// own), and the sweep.
func (pl *Plan) settings() results.Settings {
	s := pl.Load.Settings()
	for _, l := range pl.Loads {
		s.Concurrency, s.Rate, s.MaxWorkers = max(s.Concurrency, l.Workers), max(s.Rate, l.Rate), max(s.MaxWorkers, l.MaxWorkers)
	}
	s.Sweep = pl.Sweep
	s.Rate = pl.Segment.Rate(s.Rate) // a segment's share: merged segments add up
	return s
}

// check rejects a plan whose loads do not match its profiles.
func (pl *Plan) check() error {
	if len(pl.Loads) > 0 && len(pl.Loads) != len(pl.Profiles) {
		return fmt.Errorf("plan: %d loads for %d profiles", len(pl.Loads), len(pl.Profiles))
	}
	return nil
}

// Settings returns the run-wide settings a results file records.
func (l Load) Settings() results.Settings {
	s := results.Settings{Concurrency: l.Workers, WarmupS: l.Warmup.Seconds(), Rate: l.Rate, MaxWorkers: l.MaxWorkers,
		MaxErrors: l.MaxErrors, MaxErrorRate: l.MaxErrorRate, NoRedirects: l.NoRedirects}
	if l.Requests > 0 {
		s.Requests = l.Requests
	} else {
		s.DurationS = l.Duration.Seconds()
	}
	return s
}

// TargetNames names a run's targets for results files: the distinct URLs,
// redacted (loadgen.RedactURL: user-info and, unless showQuery, query
// values), at most three and a count of the rest. It takes time linear in
// the number of targets.
func TargetNames(ts []loadgen.Target, showQuery bool) string {
	var names []string
	seen := map[string]bool{}
	for _, t := range ts {
		n := loadgen.RedactURL(t.URL, showQuery)
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:3], " "), len(names)-3)
	}
	return strings.Join(names, " ")
}

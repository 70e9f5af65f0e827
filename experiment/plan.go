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
	"slices"
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
	Load     Load
	// Rounds splits each profile's measured window into this many rounds,
	// interleaved across profiles (0 or 1: one round each, in turn).
	Rounds int
	// Seed, if set, shuffles the order of each round reproducibly instead
	// of the balanced rotation.
	Seed *uint64
	// Baseline names the profile the others are compared with ("": the
	// first).
	Baseline string
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
// without credentials, at most three and a count of the rest.
func TargetNames(ts []loadgen.Target) string {
	var names []string
	for _, t := range ts {
		if n := t.URL.Redacted(); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:3], " "), len(names)-3)
	}
	return strings.Join(names, " ")
}

package experiment

import (
	"context"
	"fmt"
	"time"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
)

// warmupLabel labels the connections a profile's warm-up opens on the
// embedded target: they are not the measured window's, as in the pool.
func warmupLabel(name string) string { return name + " (warm-up)" }

// alignTarget makes the embedded target count what follows under label:
// once it has accepted every connection the client opened before, so that
// none of them is counted under the new label, connections it accepts from
// now on, and requests that start from now on, are label's. ctx bounds the
// wait (with 5 s).
func alignTarget(ctx context.Context, srv *server.Server, openedBefore int64, label string) {
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	srv.WaitAccepted(wctx, openedBefore) // on timeout, the cross-check will say so
	srv.SetLabel(label)
}

// crossCheck reads the embedded target's counts for the profile's measured
// rounds (label), once every connection the pool opened in them has closed
// on the server too, and notes any disagreement with the client's counts.
// An interrupted run abandoned requests in flight, which the target may have
// served: then only the connection counts are compared.
func crossCheck(wind context.Context, srv *server.Server, p *results.Profile, label string, interrupted bool) {
	ctx, cancel := context.WithTimeout(wind, 5*time.Second)
	defer cancel()
	if err := srv.WaitLabelClosed(ctx, label, p.Connections.Opened); err != nil {
		p.Checks = append(p.Checks, err.Error())
	}
	c := srv.LabelCounts(label)
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

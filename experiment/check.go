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
// on the target too and its handlers have returned, and notes any
// disagreement with the client's counts: every request the client put on
// the wire (attempts.sent, the transport's silent retries and followed
// redirects included) must be one the target read, answered or not. An
// interrupted run may have cut a request between the client's write and the
// target's read: then only the connection counts are compared.
func crossCheck(wind context.Context, srv *server.Server, p *results.Profile, label string, interrupted bool) {
	ctx, cancel := context.WithTimeout(wind, 5*time.Second)
	defer cancel()
	if err := srv.WaitLabelClosed(ctx, label, p.Connections.Opened); err != nil {
		p.Checks = append(p.Checks, err.Error())
	}
	if err := srv.WaitIdle(ctx); err != nil {
		p.Checks = append(p.Checks, err.Error())
	}
	c := srv.LabelCounts(label)
	p.Server = &results.ServerCounts{Accepted: c.Accepted, Requests: c.Requests, Unused: c.Unused,
		TLSHandshakes: c.TLSHandshakes, TLSResumed: c.TLSResumed,
		Read: c.Read, Aborted: c.Aborted, Dropped: c.Dropped, Reset: c.Reset, Stale: c.Stale, ClosedBy: c.ClosedBy}
	var sent int64
	if p.Attempts != nil {
		sent = p.Attempts.Sent
	}
	if c.Accepted != p.Connections.Opened {
		p.Checks = append(p.Checks, fmt.Sprintf("the target accepted %d connections; the pool counted %d", c.Accepted, p.Connections.Opened))
	}
	if !interrupted && c.Unused != p.Connections.Unused {
		p.Checks = append(p.Checks, fmt.Sprintf("the target saw %d connections carry no request; the pool counted %d unused", c.Unused, p.Connections.Unused))
	}
	if !interrupted && c.Read != sent {
		p.Checks = append(p.Checks, fmt.Sprintf("the target read %d requests (%d answered, %d not); the client put %d on the wire",
			c.Read, c.Requests, c.Read-c.Requests, sent))
	}
}

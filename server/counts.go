package server

import (
	"context"
	"fmt"
	"maps"
)

// Counts is a consistent snapshot of what the server has seen since Start
// or the last Reset (Server.Counts), or of what it has seen on the
// connections of one label (Server.LabelCounts, which Reset leaves alone).
//
// In Server.Counts, connection counters (Accepted, Closed, Active, Unused,
// BySource, ClosedBy, TLSHandshakes, TLSResumed) cover the connections
// accepted since the last Reset; connections accepted before it are left
// out of them entirely, even when they close or handshake later. Request
// counters (Read, Requests, Statuses, Protocols, MaxPerConn, Aborted,
// Dropped, Reset, Stale) cover the requests read since the last Reset on
// any connection. Open counts every open connection. In Server.LabelCounts,
// every counter covers the label's connections only, since Start.
//
// Every request read ends one way: once no handler runs, Read == Requests +
// Aborted + Dropped + Reset + Stale.
type Counts struct {
	Accepted      int64            // connections accepted (http.Server.ConnState StateNew)
	Closed        int64            // of those, connections that reached StateClosed or StateHijacked
	Active        int64            // Accepted - Closed: of those, open now
	Read          int64            // requests read, answered or not: every request whose bytes arrived
	Requests      int64            // requests answered (all paths), counted when the response starts
	Unused        int64            // closed connections on which no request started
	MaxPerConn    int64            // most requests answered on one connection
	TLSHandshakes int64            // completed TLS handshakes
	TLSResumed    int64            // of those, resumed sessions (tls.ConnectionState.DidResume)
	Statuses      map[int]int64    // status code -> responses
	BySource      map[string]int64 // remote IP (no port) -> connections accepted
	Protocols     map[string]int64 // Request.Proto ("HTTP/1.1", "HTTP/2.0") -> requests
	Open          int64            // all connections open now, including ones accepted before the last Reset
	Aborted       int64            // requests read but not answered: client gone, or server closing
	Dropped       int64            // requests read and closed without an answer (Faults.DropAfter)
	Reset         int64            // responses reset in the middle of the body (Faults.Reset)
	Stale         int64            // requests that arrived on a connection the target had closed for writing or forgotten: never answered
	ClosedBy      map[string]int64 // closed connections by who closed them and why (CloseReasons)
}

// String formats the main counts on one line:
// "accepted N conns, closed N, read N, requests N (max N per conn, N unused), TLS handshakes N (N resumed)",
// followed by the requests not answered and the reasons connections
// closed, when there are any.
func (c Counts) String() string {
	s := fmt.Sprintf("accepted %d conns, closed %d, read %d, requests %d (max %d per conn, %d unused), TLS handshakes %d (%d resumed)",
		c.Accepted, c.Closed, c.Read, c.Requests, c.MaxPerConn, c.Unused, c.TLSHandshakes, c.TLSResumed)
	if c.Aborted+c.Dropped+c.Reset+c.Stale > 0 {
		s += fmt.Sprintf("; not answered: %d aborted, %d dropped, %d reset, %d stale", c.Aborted, c.Dropped, c.Reset, c.Stale)
	}
	if by := closedByText(c.ClosedBy); by != "" {
		s += "; closed by " + by
	}
	return s
}

// tally is one scope's aggregates behind Counts: the current epoch's (in
// counters) or one label's. Guarded by Server.mu.
type tally struct {
	accepted, closed, read, requests int64
	unused, maxPerConn, aborted      int64
	dropped, reset, stale            int64
	handshakes, resumed              int64
	statuses                         map[int]int64
	bySource, protocols, closedBy    map[string]int64
}

func newTally() *tally {
	return &tally{statuses: make(map[int]int64), bySource: make(map[string]int64),
		protocols: make(map[string]int64), closedBy: make(map[string]int64)}
}

// snapshot returns t as Counts, with Open and Active set to open. A nil t
// is a label never set.
func (t *tally) snapshot(open int64) Counts {
	if t == nil {
		t = newTally()
	}
	return Counts{
		Accepted:      t.accepted,
		Closed:        t.closed,
		Active:        t.accepted - t.closed,
		Read:          t.read,
		Requests:      t.requests,
		Unused:        t.unused,
		MaxPerConn:    t.maxPerConn,
		TLSHandshakes: t.handshakes,
		TLSResumed:    t.resumed,
		Statuses:      maps.Clone(t.statuses),
		BySource:      maps.Clone(t.bySource),
		Protocols:     maps.Clone(t.protocols),
		Open:          open,
		Aborted:       t.aborted,
		Dropped:       t.dropped,
		Reset:         t.reset,
		Stale:         t.stale,
		ClosedBy:      maps.Clone(t.closedBy),
	}
}

// counters are the current epoch's aggregates and every label's. Guarded
// by Server.mu.
type counters struct {
	epoch   uint64   // incremented by Reset
	labels  labelSet // kept by reset: labels are independent of the epoch
	cur     *tally   // the epoch's counts
	rootSeq uint64   // requests started on "/", for the fault rules
}

// reset zeroes everything but the epoch, which it advances, and the
// labels, which it keeps (creating them, with the default label "" current,
// at the first reset, from Start).
func (c *counters) reset() {
	labels := c.labels
	if labels.byName == nil {
		labels.byName = make(map[string]*tally)
		labels.cur = labels.get("")
	}
	*c = counters{epoch: c.epoch + 1, labels: labels, cur: newTally()}
}

// labelSet is every label's counters and the current label. Guarded by
// Server.mu.
type labelSet struct {
	cur    *tally            // the current label's; given to connections at StateNew
	byName map[string]*tally // label -> its counters, from its first SetLabel on
}

// get returns the counters of label, creating them if needed.
func (l *labelSet) get(label string) *tally {
	t := l.byName[label]
	if t == nil {
		t = newTally()
		l.byName[label] = t
	}
	return t
}

// Counts returns a snapshot of the counters.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c.cur.snapshot(int64(len(s.conns)))
}

// Reset zeroes the counters of Counts, for example between the profiles of
// one run. Connections open at the time keep being served; their later
// requests are counted, but they are never counted as accepted, closed or
// unused again. It also restarts the sequence of requests to "/" that
// FailRate and the request faults follow.
//
// Labels are independent of Reset: it changes neither the current label
// nor any label's counts (LabelCounts).
func (s *Server) Reset() {
	s.mu.Lock()
	s.c.reset()
	s.mu.Unlock()
}

// WaitClosed blocks until Counts().Closed >= n or ctx is done, in which case
// it returns an error wrapping ctx.Err() that quotes the counts.
func (s *Server) WaitClosed(ctx context.Context, n int64) error {
	err := s.waitFor(ctx, func() bool { return s.c.cur.closed >= n })
	if err != nil {
		c := s.Counts()
		return fmt.Errorf("target: waiting for %d closed connections (accepted %d, closed %d, active %d, open %d): %w",
			n, c.Accepted, c.Closed, c.Active, c.Open, err)
	}
	return nil
}

// SetLabel makes label the current label: the connections accepted from now
// on (http.StateNew) carry it, for as long as they stay open, whatever label
// is current when they are used or close. Until the first SetLabel the
// current label is "". Each label's counters are kept for the life of the
// server, so labels should be few (such as the profiles of one run).
func (s *Server) SetLabel(label string) {
	s.mu.Lock()
	s.c.labels.cur = s.c.labels.get(label)
	s.mu.Unlock()
}

// LabelCounts returns a snapshot of label's counts since Start: the
// connections that carry it count in Accepted, BySource, Closed, ClosedBy,
// Unused, TLSHandshakes and TLSResumed whenever the event happens, even
// after other labels were set; the requests that were read while it was
// current count in Read, Requests, Statuses, Protocols, Aborted, Dropped,
// Reset and Stale, whichever connection they came on (MaxPerConn is the
// most any connection had answered, ever, when one of those requests was
// answered). Open and Active are both the label's open connections. Reset
// changes none of it. A label never set has zero counts (and empty maps).
func (s *Server) LabelCounts(label string) Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.c.labels.byName[label]
	var open int64
	if t != nil {
		open = t.accepted - t.closed
	}
	return t.snapshot(open)
}

// WaitLabelClosed blocks until LabelCounts(label).Closed >= n or ctx is
// done, in which case it returns an error wrapping ctx.Err() that quotes
// the label's counts.
func (s *Server) WaitLabelClosed(ctx context.Context, label string, n int64) error {
	err := s.waitFor(ctx, func() bool {
		t := s.c.labels.byName[label]
		if t == nil {
			return n <= 0
		}
		return t.closed >= n
	})
	if err != nil {
		c := s.LabelCounts(label)
		return fmt.Errorf("target: waiting for %d closed connections labelled %q (accepted %d, closed %d, active %d): %w",
			n, label, c.Accepted, c.Closed, c.Active, err)
	}
	return nil
}

// WaitAccepted blocks until the server has accepted at least total
// connections since it started (Reset does not change that count), or ctx is
// done. A client that opened total connections calls it before Reset, so
// that a connection it opened before is not counted after.
func (s *Server) WaitAccepted(ctx context.Context, total int64) error {
	if err := s.waitFor(ctx, func() bool { return s.accepts >= total }); err != nil {
		return fmt.Errorf("target: waiting for %d connections accepted since start: %w", total, err)
	}
	return nil
}

// WaitOpen blocks until at most n connections are open (Counts().Open <= n,
// which includes connections accepted before the last Reset) or ctx is
// done, in which case it returns an error wrapping ctx.Err().
func (s *Server) WaitOpen(ctx context.Context, n int64) error {
	err := s.waitFor(ctx, func() bool { return int64(len(s.conns)) <= n })
	if err != nil {
		return fmt.Errorf("target: waiting for at most %d open connections (open %d): %w",
			n, s.Counts().Open, err)
	}
	return nil
}

// WaitIdle blocks until no handler runs and no request is being counted,
// so that Read equals the sum of the ways a request ends, or ctx is done.
func (s *Server) WaitIdle(ctx context.Context) error {
	if err := s.waitFor(ctx, func() bool { return s.inflight == 0 }); err != nil {
		return fmt.Errorf("target: waiting for the handlers to return: %w", err)
	}
	return nil
}

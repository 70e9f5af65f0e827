package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"maps"
	"net"
	"net/http"
)

// Counts is a consistent snapshot of what the server has seen since Start
// or the last Reset (Server.Counts), or of what it has seen on the
// connections of one label (Server.LabelCounts, which Reset leaves alone).
//
// In Server.Counts, connection counters (Accepted, Closed, Active, Unused,
// BySource, TLSHandshakes, TLSResumed) cover the connections accepted since
// the last Reset; connections accepted before it are left out of them
// entirely, even when they close or handshake later. Request counters
// (Requests, Statuses, Protocols, MaxPerConn, Aborted) cover the requests
// answered since the last Reset on any connection. Open counts every open
// connection. In Server.LabelCounts, every counter covers the label's
// connections only, since Start.
type Counts struct {
	Accepted      int64            // connections accepted (http.Server.ConnState StateNew)
	Closed        int64            // of those, connections that reached StateClosed or StateHijacked
	Active        int64            // Accepted - Closed: of those, open now
	Requests      int64            // requests answered (all paths), counted when the response starts
	Unused        int64            // closed connections on which no request started
	MaxPerConn    int64            // most requests answered on one connection
	TLSHandshakes int64            // completed TLS handshakes
	TLSResumed    int64            // of those, resumed sessions (tls.ConnectionState.DidResume)
	Statuses      map[int]int64    // status code -> responses
	BySource      map[string]int64 // remote IP (no port) -> connections accepted
	Protocols     map[string]int64 // Request.Proto ("HTTP/1.1", "HTTP/2.0") -> requests
	Open          int64            // all connections open now, including ones accepted before the last Reset
	Aborted       int64            // requests dropped before answering: client gone or server closing
}

// String formats the main counts on one line:
// "accepted N conns, closed N, requests N (max N per conn, N unused), TLS handshakes N (N resumed)".
func (c Counts) String() string {
	return fmt.Sprintf("accepted %d conns, closed %d, requests %d (max %d per conn, %d unused), TLS handshakes %d (%d resumed)",
		c.Accepted, c.Closed, c.Requests, c.MaxPerConn, c.Unused, c.TLSHandshakes, c.TLSResumed)
}

// counters are the aggregates behind Counts. Guarded by Server.mu.
type counters struct {
	epoch                       uint64   // incremented by Reset
	labels                      labelSet // kept by reset: labels are independent of the epoch
	accepted, closed, requests  int64
	unused, maxPerConn, aborted int64
	handshakes, resumed         int64
	rootSeq                     uint64 // requests started on "/", for FailRate
	statuses                    map[int]int64
	bySource, protocols         map[string]int64
}

// reset zeroes everything but the epoch, which it advances, and the
// labels, which it keeps (creating them, with the default label "" current,
// at the first reset, from Start).
func (c *counters) reset() {
	labels := c.labels
	if labels.byName == nil {
		labels.byName = make(map[string]*labelCounters)
		labels.cur = labels.get("")
	}
	*c = counters{
		epoch:     c.epoch + 1,
		labels:    labels,
		statuses:  make(map[int]int64),
		bySource:  make(map[string]int64),
		protocols: make(map[string]int64),
	}
}

// labelSet is every label's counters and the current label. Guarded by
// Server.mu.
type labelSet struct {
	cur    *labelCounters            // the current label's; given to connections at StateNew
	byName map[string]*labelCounters // label -> its counters, from its first SetLabel on
}

// get returns the counters of label, creating them if needed.
func (l *labelSet) get(label string) *labelCounters {
	lc := l.byName[label]
	if lc == nil {
		lc = &labelCounters{
			statuses:  make(map[int]int64),
			bySource:  make(map[string]int64),
			protocols: make(map[string]int64),
		}
		l.byName[label] = lc
	}
	return lc
}

// labelCounters are the aggregates behind LabelCounts: they count the
// connections that carry one label and the requests on them, for the life
// of the server. Guarded by Server.mu.
type labelCounters struct {
	accepted, closed, requests  int64
	unused, maxPerConn, aborted int64
	handshakes, resumed         int64
	statuses                    map[int]int64
	bySource, protocols         map[string]int64
}

// snapshot returns lc as Counts. A nil lc is a label never set.
func (lc *labelCounters) snapshot() Counts {
	if lc == nil {
		return Counts{Statuses: map[int]int64{}, BySource: map[string]int64{}, Protocols: map[string]int64{}}
	}
	return Counts{
		Accepted:      lc.accepted,
		Closed:        lc.closed,
		Active:        lc.accepted - lc.closed,
		Requests:      lc.requests,
		Unused:        lc.unused,
		MaxPerConn:    lc.maxPerConn,
		TLSHandshakes: lc.handshakes,
		TLSResumed:    lc.resumed,
		Statuses:      maps.Clone(lc.statuses),
		BySource:      maps.Clone(lc.bySource),
		Protocols:     maps.Clone(lc.protocols),
		Open:          lc.accepted - lc.closed,
		Aborted:       lc.aborted,
	}
}

// connRecord is the per-connection state, from ConnContext until the
// connection closes. Fields other than conn, tls and source are guarded by
// Server.mu.
type connRecord struct {
	conn        net.Conn
	tls         *tls.Conn      // nil for plain connections
	source      string         // remote IP
	accepted    bool           // StateNew seen
	epoch       uint64         // counters.epoch when accepted
	label       *labelCounters // the label current at StateNew; nil before
	hsChecked   bool           // TLS handshake looked at (counted if complete)
	started     int64          // requests started on this connection, ever
	answered    int64          // requests answered on this connection, ever
	served      int64          // requests answered since servedEpoch
	servedEpoch uint64
}

// connKey is the request context key of the *connRecord.
type connKey struct{}

// Counts returns a snapshot of the counters.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.c
	return Counts{
		Accepted:      c.accepted,
		Closed:        c.closed,
		Active:        c.accepted - c.closed,
		Requests:      c.requests,
		Unused:        c.unused,
		MaxPerConn:    c.maxPerConn,
		TLSHandshakes: c.handshakes,
		TLSResumed:    c.resumed,
		Statuses:      maps.Clone(c.statuses),
		BySource:      maps.Clone(c.bySource),
		Protocols:     maps.Clone(c.protocols),
		Open:          int64(len(s.conns)),
		Aborted:       c.aborted,
	}
}

// Reset zeroes the counters of Counts, for example between the profiles of
// one run. Connections open at the time keep being served; their later
// requests are counted, but they are never counted as accepted, closed or
// unused again. It also restarts the FailRate sequence.
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
	err := s.waitFor(ctx, func() bool { return s.c.closed >= n })
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
// connections that carry it count in Accepted, BySource, Closed, Unused,
// TLSHandshakes and TLSResumed whenever the event happens, even after other
// labels were set; the requests that started while it was current count in
// Requests, Statuses, Protocols and Aborted, whichever connection they came
// on (MaxPerConn is the most any connection had answered, ever, when one of
// those requests was answered). Open
// and Active are both the label's open connections. Reset changes none of
// it. A label never set has zero counts (and empty maps).
func (s *Server) LabelCounts(label string) Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c.labels.byName[label].snapshot()
}

// WaitLabelClosed blocks until LabelCounts(label).Closed >= n or ctx is
// done, in which case it returns an error wrapping ctx.Err() that quotes
// the label's counts.
func (s *Server) WaitLabelClosed(ctx context.Context, label string, n int64) error {
	err := s.waitFor(ctx, func() bool {
		lc := s.c.labels.byName[label]
		if lc == nil {
			return n <= 0
		}
		return lc.closed >= n
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

// connContext is http.Server.ConnContext: it creates the connection's
// record and puts it in the context that every request on the connection
// (HTTP/1 and HTTP/2 alike) derives from.
func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	rec := &connRecord{conn: c, source: remoteIP(c)}
	rec.tls, _ = c.(*tls.Conn)
	s.mu.Lock()
	s.conns[c] = rec
	s.mu.Unlock()
	return context.WithValue(ctx, connKey{}, rec)
}

// remoteIP returns the IP of c's remote address without the port.
func remoteIP(c net.Conn) string {
	a := c.RemoteAddr()
	switch a := a.(type) {
	case nil:
		return ""
	case *net.TCPAddr:
		return a.IP.String()
	}
	if host, _, err := net.SplitHostPort(a.String()); err == nil {
		return host
	}
	return a.String()
}

// connState is http.Server.ConnState. StateNew and StateClosed arrive with
// the accepted conn (a *tls.Conn for TLS). For h2c, net/http's HTTP/2
// server reports StateActive and StateIdle with a wrapper conn that is not
// in s.conns; those are ignored.
func (s *Server) connState(c net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		s.mu.Lock()
		rec := s.conns[c]
		if rec == nil { // ConnContext always runs first; be safe anyway
			rec = &connRecord{conn: c, source: remoteIP(c)}
			rec.tls, _ = c.(*tls.Conn)
			s.conns[c] = rec
		}
		rec.accepted = true
		rec.epoch = s.c.epoch
		s.c.accepted++
		s.accepts++
		s.notifyLocked()
		s.c.bySource[rec.source]++
		lc := s.c.labels.cur
		rec.label = lc
		lc.accepted++
		lc.bySource[rec.source]++
		s.mu.Unlock()
	case http.StateActive, http.StateIdle:
		if _, ok := c.(*tls.Conn); ok {
			s.checkHandshake(c)
		}
	case http.StateClosed, http.StateHijacked:
		s.checkHandshake(c)
		s.mu.Lock()
		if rec := s.conns[c]; rec != nil {
			delete(s.conns, c)
			if rec.accepted && rec.epoch == s.c.epoch {
				s.c.closed++
				if rec.started == 0 {
					s.c.unused++
				}
			}
			if lc := rec.label; lc != nil {
				lc.closed++
				if rec.started == 0 {
					lc.unused++
				}
			}
			s.notifyLocked()
		}
		s.mu.Unlock()
	}
}

// checkHandshake counts the TLS handshake of c once it has completed. It
// runs from ConnState: at the first StateActive or StateIdle (HTTP/1: the
// first request's bytes arrived; HTTP/2: the connection started), and at
// StateClosed for connections that handshook but sent no request.
func (s *Server) checkHandshake(c net.Conn) {
	s.mu.Lock()
	rec := s.conns[c]
	need := rec != nil && rec.tls != nil && !rec.hsChecked
	s.mu.Unlock()
	if !need {
		return
	}
	// Outside s.mu: ConnectionState takes the tls.Conn's handshake lock.
	// No handshake is running here: net/http finishes it before any
	// state but StateNew, and a failed one before StateClosed.
	cs := rec.tls.ConnectionState()
	if !cs.HandshakeComplete {
		return
	}
	s.mu.Lock()
	if !rec.hsChecked {
		rec.hsChecked = true
		if rec.accepted && rec.epoch == s.c.epoch {
			s.c.handshakes++
			if cs.DidResume {
				s.c.resumed++
			}
		}
		if lc := rec.label; lc != nil {
			lc.handshakes++
			if cs.DidResume {
				lc.resumed++
			}
		}
	}
	s.mu.Unlock()
}

// request is one request from its begin to its end: the connection it came
// on (nil without a record), the label current when it started, which its
// counts go to, and its sequence number on "/" (0 for other paths).
type request struct {
	conn  *connRecord
	label *labelCounters
	seq   uint64
}

// begin records the start of a request on rec (nil if the request came
// without a record). The request counts for the label current now: only one
// client sends at a time in a run of interleaved rounds, while a connection
// may be older than the current label (a warm-up's, kept for the rounds).
func (s *Server) begin(rec *connRecord, root bool) *request {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight++
	req := &request{conn: rec, label: s.c.labels.cur}
	if rec != nil {
		rec.started++
	}
	if root {
		s.c.rootSeq++
		req.seq = s.c.rootSeq
	}
	return req
}

// commit counts a request answered with status, just before the response
// is written (so a client that has read it sees it counted).
func (s *Server) commit(req *request, status int, proto string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c.requests++
	s.c.statuses[status]++
	s.c.protocols[proto]++
	lc := req.label
	if lc != nil {
		lc.requests++
		lc.statuses[status]++
		lc.protocols[proto]++
	}
	if rec := req.conn; rec != nil {
		if rec.servedEpoch != s.c.epoch {
			rec.servedEpoch = s.c.epoch
			rec.served = 0
		}
		rec.served++
		s.c.maxPerConn = max(s.c.maxPerConn, rec.served)
		rec.answered++
		if lc != nil {
			lc.maxPerConn = max(lc.maxPerConn, rec.answered)
		}
	}
}

// end records the end of a handler; aborted requests were not committed.
// An aborted request counts for the label current when it started.
func (s *Server) end(req *request, aborted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	if aborted {
		s.c.aborted++
		if req.label != nil {
			req.label.aborted++
		}
	}
	if s.inflight == 0 {
		select {
		case <-s.done:
			s.notifyLocked() // Close is waiting for handlers
		default:
		}
	}
}

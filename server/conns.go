package server

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
)

// connRecord is the per-connection state, from ConnContext until the
// connection closes. Fields other than conn, tls, fc and source are guarded
// by Server.mu.
type connRecord struct {
	conn        net.Conn
	tls         *tls.Conn  // nil for plain connections
	fc          *faultConn // the accepted connection under any TLS; nil if not the target's listener's
	source      string     // remote IP
	accepted    bool       // StateNew seen
	epoch       uint64     // counters.epoch when accepted
	label       *tally     // the label current at StateNew; nil before
	hsChecked   bool       // TLS handshake looked at (counted if complete)
	started     int64      // requests started on this connection, ever
	answered    int64      // requests answered on this connection, ever
	served      int64      // requests answered since servedEpoch
	servedEpoch uint64
}

// connKey is the request context key of the *connRecord.
type connKey struct{}

// connContext is http.Server.ConnContext: it creates the connection's
// record and puts it in the context that every request on the connection
// (HTTP/1 and HTTP/2 alike) derives from.
func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	rec := s.newRecord(c)
	s.mu.Lock()
	s.conns[c] = rec
	s.mu.Unlock()
	return context.WithValue(ctx, connKey{}, rec)
}

// newRecord returns a new record for c, which the listener accepted.
func (s *Server) newRecord(c net.Conn) *connRecord {
	rec := &connRecord{conn: c, source: remoteIP(c), fc: asFaultConn(c)}
	rec.tls, _ = c.(*tls.Conn)
	if rec.fc != nil {
		rec.fc.attach(rec)
	}
	return rec
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
			rec = s.newRecord(c)
			s.conns[c] = rec
		}
		rec.accepted = true
		rec.epoch = s.c.epoch
		s.c.cur.accepted++
		s.accepts++
		s.notifyLocked()
		s.c.cur.bySource[rec.source]++
		lc := s.c.labels.cur
		rec.label = lc
		lc.accepted++
		lc.bySource[rec.source]++
		s.mu.Unlock()
	case http.StateActive, http.StateIdle:
		if fc := asFaultConn(c); fc != nil {
			fc.setIdle(st == http.StateIdle)
		}
		if _, ok := c.(*tls.Conn); ok {
			s.checkHandshake(c)
		}
	case http.StateClosed, http.StateHijacked:
		s.checkHandshake(c)
		s.mu.Lock()
		if rec := s.conns[c]; rec != nil {
			delete(s.conns, c)
			why := ReasonClient
			if rec.fc != nil {
				why = rec.fc.closeReason()
			}
			if rec.accepted && rec.epoch == s.c.epoch {
				s.c.cur.closed++
				s.c.cur.closedBy[why]++
				if rec.started == 0 {
					s.c.cur.unused++
				}
			}
			if lc := rec.label; lc != nil {
				lc.closed++
				lc.closedBy[why]++
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
			s.c.cur.handshakes++
			if cs.DidResume {
				s.c.cur.resumed++
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

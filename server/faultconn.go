package server

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// faultListener wraps the target's listener: every connection it accepts
// is a faultConn, under TLS when the target serves it.
type faultListener struct {
	net.Listener
	s *Server
}

// Accept accepts a connection and wraps it.
func (l *faultListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &faultConn{Conn: c, s: l.s}, nil
}

// faultConn is an accepted connection as the target's faults see it: it
// knows when the connection went idle, why the target closed it, and it
// reads what arrives after the target sent a FIN or forgot the connection,
// counting a request among it as stale.
type faultConn struct {
	net.Conn
	s         *Server
	rec       atomic.Pointer[connRecord]
	idleSince atomic.Int64 // UnixNano when it went idle (StateIdle); 0 while not idle
	finishing atomic.Bool  // the target sent a FIN: what comes now is a stale request

	mu          sync.Mutex
	reason      string // guarded by mu: why the target closed it, "" until it does
	closeCalled bool   // guarded by mu
}

// asFaultConn returns the faultConn under c (a *tls.Conn or the faultConn
// itself), or nil.
func asFaultConn(c net.Conn) *faultConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	fc, _ := c.(*faultConn)
	return fc
}

func (fc *faultConn) attach(rec *connRecord) { fc.rec.Store(rec) }

// setIdle notes that the connection went idle (waiting for its next
// request) or active.
func (fc *faultConn) setIdle(idle bool) {
	if idle {
		fc.idleSince.Store(time.Now().UnixNano())
	} else {
		fc.idleSince.Store(0)
	}
}

// setReason records why the target closes the connection; the first
// reason stays.
func (fc *faultConn) setReason(r string) {
	fc.mu.Lock()
	if fc.reason == "" {
		fc.reason = r
	}
	fc.mu.Unlock()
}

// closeReason is the connection's key in Counts.ClosedBy.
func (fc *faultConn) closeReason() string {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	switch {
	case fc.reason != "":
		return fc.reason
	case fc.s.closing.Load():
		return ReasonShutdown
	}
	return ReasonClient
}

// countStale counts a stale request on the connection.
func (fc *faultConn) countStale() {
	if rec := fc.rec.Load(); rec != nil {
		fc.s.staleRequest(rec)
	}
}

// Read reads the next bytes from the client. After the target's FIN it
// lingers instead; on a connection idle for longer than Faults.ForgetIdle
// the bytes are a stale request, answered with a reset or with silence.
func (fc *faultConn) Read(b []byte) (int, error) {
	if fc.finishing.Load() {
		return 0, fc.linger()
	}
	n, err := fc.Conn.Read(b)
	if n > 0 {
		if d := fc.s.cfg.Faults.ForgetIdle; d > 0 && fc.idleFor() >= d {
			return 0, fc.forgotten(b[:n])
		}
		return n, err
	}
	if errors.Is(err, os.ErrDeadlineExceeded) && fc.idleFor() > 0 && fc.s.cfg.Faults.IdleClose > 0 {
		fc.setReason(ReasonIdleClose) // net/http's idle timeout; Close lingers
	}
	return n, err
}

// idleFor is how long the connection has been idle, 0 when it is not.
func (fc *faultConn) idleFor() time.Duration {
	since := fc.idleSince.Load()
	if since == 0 {
		return 0
	}
	return max(time.Since(time.Unix(0, since)), time.Nanosecond)
}

// forgotten handles the first bytes on a forgotten connection: a stale
// request, then a reset, or silence until the client closes. It returns
// the error net/http sees.
func (fc *faultConn) forgotten(first []byte) error {
	reason := ReasonClient // a TLS client's close_notify: it was closing anyway
	if fc.isRequest(first) {
		reason = ReasonForgetIdle
		fc.countStale()
	}
	fc.setReason(reason)
	if fc.s.cfg.Faults.ForgetSilent {
		for {
			if _, err := fc.Conn.Read(first[:cap(first)]); err != nil {
				return err
			}
		}
	}
	fc.abort(reason)
	return &net.OpError{Op: "read", Net: "tcp", Addr: fc.RemoteAddr(), Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

// tlsAlertMax is the longest TLS record an encrypted alert makes (31 bytes
// in TLS 1.2 with AES-GCM, 24 in TLS 1.3, where an alert is disguised as
// application data); any HTTP request is longer.
const tlsAlertMax = 40

// isRequest reports whether bytes that arrived on an idle or closing
// connection start a request, rather than the client's TLS close_notify.
func (fc *faultConn) isRequest(b []byte) bool {
	if !fc.s.cfg.TLS {
		return len(b) > 0
	}
	return len(b) >= 5 && b[0] == 23 && int(b[3])<<8|int(b[4]) > tlsAlertMax
}

// finish sends a FIN for reason: the connection answers nothing more, and
// what arrives from now on is read by linger.
func (fc *faultConn) finish(reason string) {
	fc.setReason(reason)
	if cw, ok := fc.Conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	fc.finishing.Store(true)
}

// linger reads what arrives after the target's FIN, until the client
// closes, the connection is closed or LingerTimeout passes, counting a
// request among it as stale. It returns io.EOF: for net/http, the end of
// the connection.
func (fc *faultConn) linger() error {
	fc.Conn.SetReadDeadline(time.Now().Add(LingerTimeout))
	buf := make([]byte, 2048)
	counted := false // the client sends one request, then waits
	for {
		n, err := fc.Conn.Read(buf)
		if n > 0 && !counted && fc.isRequest(buf[:n]) {
			counted = true
			fc.countStale()
		}
		if err != nil {
			return io.EOF
		}
	}
}

// closeNow closes the connection at once, for reason.
func (fc *faultConn) closeNow(reason string) {
	fc.setReason(reason)
	fc.Conn.Close()
}

// abort closes the connection with a TCP reset, for reason.
func (fc *faultConn) abort(reason string) {
	fc.setReason(reason)
	switch c := fc.Conn.(type) {
	case *net.TCPConn:
		c.SetLinger(0)
		c.Close()
	case *memConn:
		c.reset()
	default:
		c.Close()
	}
}

// CloseWrite shuts down the writing side (net/http's graceful close after
// a "Connection: close" response).
func (fc *faultConn) CloseWrite() error {
	if cw, ok := fc.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close closes the connection. After net/http's idle timeout (IdleClose)
// it first sends a FIN and lingers, so that a request crossing the close is
// counted, unless the target is shutting down.
func (fc *faultConn) Close() error {
	fc.mu.Lock()
	first := !fc.closeCalled
	fc.closeCalled = true
	lingerFirst := first && fc.reason == ReasonIdleClose
	fc.mu.Unlock()
	if lingerFirst && !fc.finishing.Load() && !fc.s.closing.Load() {
		fc.finish(ReasonIdleClose)
		fc.linger()
	}
	return fc.Conn.Close()
}

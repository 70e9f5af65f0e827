package trace

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"time"
)

// DialTimer is implemented by connections that timed their own dial (the
// pool's connections do). The trace reads a new connection's dns, connect and
// tls durations from it, because httptrace reports a dial to the request that
// started it, which is not always the request that uses the connection and may
// have returned already.
type DialTimer interface {
	Dial() Conn
}

// Claimer is implemented by connections that count their own first use (the
// pool's connections do): Claim returns true for the first request only.
// GotConnInfo.Reused is not that: Go's transport marks a connection reused as
// soon as it is handed to a request other than the one that dialed it.
type Claimer interface {
	Claim() bool
}

// attempt collects the hook events of one attempt. Hooks may fire
// concurrently and after the attempt returned, so every field is guarded by mu
// and events after done are dropped. The phases are the last request's of
// the attempt (after a transport retry or a redirect); the hops count them
// all. A Tracer reuses an attempt, its hooks and its context for request
// after request, resetting its events each time.
type attempt struct {
	mu  sync.Mutex
	ctx context.Context // the context carrying the hooks, built once
	// cancel ends ctx, with the cause: the timer's TimeoutError, or
	// context.Canceled once the attempt is retired.
	cancel context.CancelCauseFunc
	// timer, made on the first request that has a timeout, cancels ctx
	// when the current request's timeout passes.
	timer   *time.Timer
	timeout time.Duration
	events
}

// events is what the hooks saw of one attempt: zero at its start.
type events struct {
	done                     bool
	hop, last                hop  // the request on the wire now, and the last one ended
	redirecting              bool // CheckRedirect let a redirect through: the next GetConn is its request
	wire                     Wire
	retried                  [NumErrorClasses]int32
	getConns                 int32 // GetConn calls (GotConn's are wire.NewConns + wire.ReusedConns)
	wroteReqs                int32 // WroteRequest calls
	getConn, gotConn         time.Time
	wrote, firstByte         time.Time
	info                     httptrace.GotConnInfo
	claimed, claimable       bool
	tlsStart, tlsDone        time.Time
	connectStart, connectEnd time.Time
	dnsStart, dnsDone        time.Time
	resumed                  bool
}

// newAttempt builds an attempt and its context, under parent.
func newAttempt(parent context.Context) *attempt {
	a := &attempt{}
	a.done = true // until a request begins
	ctx, cancel := context.WithCancelCause(parent)
	a.ctx, a.cancel = context.WithValue(httptrace.WithClientTrace(ctx, a.clientTrace()), attemptKey{}, a), cancel
	return a
}

// startTimer starts the whole-request timeout d of the request beginning.
func (a *attempt) startTimer(d time.Duration) {
	a.timeout = d
	if a.timer == nil {
		a.timer = time.AfterFunc(d, func() { a.cancel(&TimeoutError{After: a.timeout}) })
		return
	}
	a.timer.Reset(d)
}

// stopTimer stops the timeout and reports whether it had passed: ctx is
// cancelled then, and the attempt cannot serve another request.
func (a *attempt) stopTimer() (passed bool) {
	return a.timer != nil && !a.timer.Stop()
}

// begin starts a request's events.
func (a *attempt) begin() {
	a.mu.Lock()
	a.events = events{}
	a.mu.Unlock()
}

// end ends the request's events (later hooks are dropped) and reports
// whether a hook of it may still fire: a request that failed (a dial or a
// read still running), or one whose response came before its
// WroteRequest. Such an attempt is not reused.
func (a *attempt) end(failed bool) (mayFire bool) {
	a.mu.Lock()
	a.done = true
	a.endHop()
	gotConns := a.wire.NewConns + a.wire.ReusedConns
	mayFire = failed || a.getConns != gotConns || a.wroteReqs < gotConns
	a.mu.Unlock()
	return mayFire
}

func (a *attempt) stamp(f func()) {
	a.mu.Lock()
	if !a.done {
		f()
	}
	a.mu.Unlock()
}

func (a *attempt) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) {
			now := time.Now()
			a.stamp(func() {
				a.nextHop()
				a.getConn = now
				a.getConns++
			})
		},
		GotConn: func(info httptrace.GotConnInfo) {
			now := time.Now()
			var first, claimable bool
			if c, ok := findConn[Claimer](info.Conn); ok {
				first, claimable = c.Claim(), true
			}
			counter, written := writeCounter(info.Conn)
			reused := info.Reused
			if claimable {
				reused = !first
			}
			a.stamp(func() {
				a.gotConn, a.info, a.claimed, a.claimable = now, info, first, claimable
				a.startHop(reused, counter, written)
			})
		},
		DNSStart: func(httptrace.DNSStartInfo) {
			now := time.Now()
			a.stamp(func() {
				if a.dnsStart.IsZero() {
					a.dnsStart = now
				}
			})
		},
		DNSDone: func(info httptrace.DNSDoneInfo) {
			now := time.Now()
			a.stamp(func() {
				if info.Err == nil {
					a.dnsDone = now
				}
			})
		},
		ConnectStart: func(string, string) {
			now := time.Now()
			a.stamp(func() {
				if a.connectStart.IsZero() {
					a.connectStart = now
				}
			})
		},
		ConnectDone: func(_, _ string, err error) {
			now := time.Now()
			a.stamp(func() {
				if err == nil {
					a.connectEnd = now
				}
			})
		},
		TLSHandshakeStart: func() {
			now := time.Now()
			a.stamp(func() { a.tlsStart = now })
		},
		TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
			now := time.Now()
			a.stamp(func() {
				if err == nil {
					a.tlsDone, a.resumed = now, cs.DidResume
				}
			})
		},
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			now := time.Now()
			a.stamp(func() {
				a.wrote = now
				a.wroteReqs++
				a.hop.wrote = info.Err == nil
			})
		},
		GotFirstResponseByte: func() {
			now := time.Now()
			a.stamp(func() {
				a.firstByte = now
				a.hop.firstByte = true
			})
		},
	}
}

// Do sends req with client as one traced attempt, reads the body to EOF and
// closes it (so the connection can return to the pool), and returns the sample.
// The request's context carries the trace; req itself is not modified.
// A worker sending request after request uses a Tracer instead, which
// builds the trace once.
//
// The sample counts every request the attempt put on the wire (Wire), the
// transport's silent retries and followed redirects included; those need
// the client's CheckRedirect to call Redirected and, to count exactly what
// was written, connections that implement WriteCounter (the pool's do).
func Do(client *http.Client, req *http.Request) Sample {
	t := Tracer{parent: req.Context()}
	defer t.Close()
	return t.Do(client, req)
}

// HostPort returns u's host with its port, the scheme's default one when
// u has none, as a dial names it: "127.0.0.1:80" for http://127.0.0.1/.
func HostPort(u *url.URL) string {
	if u.Port() != "" || u.Host == "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// fill derives the phases from the attempt's events; a is done, so no hook
// writes to it any more.
func (a *attempt) fill(s *Sample, end time.Time, bodyOK bool) {
	s.set(Total, end.Sub(s.Start))
	if a.gotConn.IsZero() {
		return
	}
	s.GotConn = true
	s.TraceReused = a.info.Reused
	s.Reused = a.info.Reused
	if a.claimable {
		s.Reused = !a.claimed
	}
	s.WasIdle = a.info.WasIdle
	s.IdleTime = a.info.IdleTime
	var dial time.Duration
	if !s.Reused {
		dial = a.newConn(s)
	}
	if !a.getConn.IsZero() {
		s.set(Wait, max(a.gotConn.Sub(a.getConn)-dial, 0))
	}
	if !a.wrote.IsZero() && !a.firstByte.IsZero() {
		s.set(TTFB, max(a.firstByte.Sub(a.wrote), 0))
		if bodyOK {
			s.set(Body, max(end.Sub(a.firstByte), 0))
		}
	}
}

// newConn fills the dial phases of a request's new connection and returns
// their sum. They come from the connection itself when it timed its dial, else
// from this attempt's own hooks (a connection the transport dialed itself).
func (a *attempt) newConn(s *Sample) time.Duration {
	c := a.info.Conn
	if tc, ok := c.(*tls.Conn); ok {
		s.TLSHandshake = true
		s.TLSResumed = tc.ConnectionState().DidResume
	}
	if dt, ok := findConn[DialTimer](c); ok {
		d := dt.Dial()
		if d.HasHandshake {
			s.TLSHandshake, s.TLSResumed = true, d.Resumed
		}
		sum := s.setIf(DNS, d.DNS, d.HasDNS) + s.setIf(Connect, d.Connect, d.HasConnect) + s.setIf(TLS, d.Handshake, d.HasHandshake)
		if !d.HasHandshake && s.TLSHandshake && !a.tlsStart.IsZero() && !a.tlsDone.IsZero() {
			// TLS the transport did itself on a connection the pool dialed.
			sum += s.setIf(TLS, a.tlsDone.Sub(a.tlsStart), true)
		}
		return sum
	}
	var sum time.Duration
	if !a.dnsStart.IsZero() && !a.dnsDone.IsZero() {
		d := a.dnsDone.Sub(a.dnsStart)
		s.set(DNS, d)
		sum += d
	}
	if !a.connectStart.IsZero() && !a.connectEnd.IsZero() {
		d := a.connectEnd.Sub(a.connectStart)
		s.set(Connect, d)
		sum += d
	}
	if !a.tlsStart.IsZero() && !a.tlsDone.IsZero() {
		d := a.tlsDone.Sub(a.tlsStart)
		s.set(TLS, d)
		s.TLSHandshake, s.TLSResumed = true, a.resumed
		sum += d
	}
	return sum
}

// findConn finds a connection implementing T, unwrapping TLS connections.
func findConn[T any](c net.Conn) (T, bool) {
	for range 4 {
		if c == nil {
			break
		}
		if t, ok := c.(T); ok {
			return t, true
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = u.NetConn()
	}
	var zero T
	return zero, false
}

func (s *Sample) set(p Phase, d time.Duration) {
	s.Phases[p] = d
	s.Has[p] = true
}

// setIf records a phase that happened and returns its duration, or 0.
func (s *Sample) setIf(p Phase, d time.Duration, happened bool) time.Duration {
	if !happened {
		return 0
	}
	s.set(p, d)
	return d
}

package pool

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/reusebench/reusebench/trace"
)

// TimeoutError is a dial step that ran out of time. Stage is "dial" or "tls".
type TimeoutError struct {
	Stage string
	Err   error
}

// Error names the step that timed out.
func (e *TimeoutError) Error() string { return e.Stage + " timeout: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *TimeoutError) Unwrap() error { return e.Err }

// Timeout reports true (net.Error).
func (e *TimeoutError) Timeout() bool { return true }

// TimeoutStage returns "dial" or "tls" (trace.StagedTimeout).
func (e *TimeoutError) TimeoutStage() string { return e.Stage }

// dialContext dials a plain TCP connection (http:// targets and proxies).
func (p *Pool) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	p.dialing.Add(1)
	defer p.dialDone()
	if p.closing.Load() {
		return nil, ErrClosed
	}
	info := trace.Conn{At: time.Now(), Host: addr}
	c, err := p.dialTCP(ctx, network, addr, &info)
	p.report(&info, err)
	if err != nil {
		return nil, err
	}
	c.dial = info
	return c, nil
}

// ErrClosed is the error of a dial the transport starts after Close: a
// request's dial goroutine can reach the dialer after every request is done.
var ErrClosed = errors.New("pool: closed")

// dialDone ends a dial. A dial raises the in-flight count before it checks
// whether the pool is closing, so Close either waits for it or it fails.
func (p *Pool) dialDone() {
	p.dialing.Add(-1)
	p.notify()
}

// dialTLSContext dials TCP and does the TLS handshake itself, so the
// handshake is timed on the connection, whichever request ends up using it.
func (p *Pool) dialTLSContext(ctx context.Context, network, addr string) (net.Conn, error) {
	p.dialing.Add(1)
	defer p.dialDone()
	if p.closing.Load() {
		return nil, ErrClosed
	}
	info := trace.Conn{At: time.Now(), Host: addr}
	proxy, err := p.proxyFor(addr)
	if err != nil {
		p.report(&info, err)
		return nil, err
	}
	dialAddr := addr
	if proxy != nil {
		dialAddr = trace.HostPort(proxy)
		info.Host = dialAddr
	}
	c, err := p.dialTCP(ctx, network, dialAddr, &info)
	if err != nil {
		p.report(&info, err)
		return nil, err
	}
	if proxy != nil {
		if _, err := connectTunnel(ctx, c, proxy, addr); err != nil {
			c.Close()
			p.report(&info, err)
			return nil, err
		}
	}
	cfg := p.tls.Clone()
	if cfg.ServerName == "" {
		host, _, _ := net.SplitHostPort(addr)
		cfg.ServerName = host
	}
	tc := tls.Client(c, cfg)
	// Unlike the connect, the handshake keeps the transport's cancellation:
	// finishing handshakes Go would abandon would change the client under
	// test. A cancelled one leaves an opened, unused connection.
	hctx, cancel := ctx, context.CancelFunc(func() {})
	if p.cfg.TLSTimeout > 0 {
		hctx, cancel = context.WithTimeout(ctx, p.cfg.TLSTimeout)
	}
	defer cancel()
	start := time.Now()
	err = tc.HandshakeContext(hctx)
	info.Handshake = time.Since(start)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && p.cfg.TLSTimeout > 0 && ctx.Err() == nil {
			err = &TimeoutError{Stage: "tls", Err: err}
		}
		tc.Close()
		p.report(&info, fmt.Errorf("tls handshake with %s: %w", addr, err))
		return nil, err
	}
	info.HasHandshake, info.Resumed = true, tc.ConnectionState().DidResume
	p.counts.handshakes.Add(1)
	if info.Resumed {
		p.counts.resumed.Add(1)
	}
	p.report(&info, nil)
	c.dial = info
	return tc, nil
}

// finish returns the context the TCP connect runs under: with a dial timeout,
// the transport's cancellation is detached from it. Go's transport cancels a
// dial no request waits for any more; a connect the kernel had already
// completed would then be a connection the server accepted and the pool never
// counted. A connect takes microseconds on a nearby server, so finishing it
// changes nothing measurable; the TLS handshake that follows stays
// cancellable. abort (the pool's Abort, if set) still ends it: an
// interrupted run does not wait out the dial timeout.
func finish(ctx, abort context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	if limit <= 0 {
		return ctx, func() {}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	if abort == nil {
		return dctx, cancel
	}
	stop := context.AfterFunc(abort, cancel)
	return dctx, func() { stop(); cancel() }
}

// dialTCP resolves addr (timed, unless it is an IP literal) and connects to
// the first address that answers.
func (p *Pool) dialTCP(ctx context.Context, network, addr string, info *trace.Conn) (*conn, error) {
	ctx, cancel := finish(ctx, p.cfg.Abort, p.cfg.DialTimeout)
	defer cancel()
	if p.cfg.Dial != nil {
		start := time.Now()
		nc, err := p.cfg.Dial(ctx, network, addr)
		info.Connect = time.Since(start)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) && p.cfg.DialTimeout > 0 {
				err = &TimeoutError{Stage: "dial", Err: err}
			}
			return nil, err
		}
		return p.wrap(nc, info), nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	ips := []string{host}
	if net.ParseIP(host) == nil {
		start := time.Now()
		addrs, err := net.DefaultResolver.LookupHost(ctx, host)
		info.DNS, info.HasDNS = time.Since(start), true
		if err != nil {
			return nil, err
		}
		ips = addrs
	}
	var lastErr error
	start := time.Now()
	for _, ip := range ips {
		nc, err := p.dialer.DialContext(ctx, network, net.JoinHostPort(ip, port))
		if err == nil {
			info.Connect = time.Since(start)
			return p.wrap(nc, info), nil
		}
		lastErr = err
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && p.cfg.DialTimeout > 0 {
			lastErr = &TimeoutError{Stage: "dial", Err: err}
		}
	}
	info.Connect = time.Since(start)
	return nil, lastErr
}

func (p *Pool) wrap(nc net.Conn, info *trace.Conn) *conn {
	p.counts.opened.Add(1)
	info.HasConnect = true
	return &conn{Conn: nc, pool: p, window: p.window.Load()}
}

// report counts a failed dial and hands the dial's record to OnConn.
func (p *Pool) report(info *trace.Conn, err error) {
	if err != nil {
		p.counts.dialErrors.Add(1)
		info.Err = trace.Classify(err)
	}
	if p.cfg.OnConn != nil {
		p.cfg.OnConn(info)
	}
}

// conn is a pooled connection that knows how its dial went and whether it
// ever carried a request.
type conn struct {
	net.Conn
	pool *Pool
	// dial is how the connection's dial went, as reported to OnConn.
	dial            trace.Conn
	window          int64 // the pool's window when it was opened
	claimed, closed atomic.Bool
	written         atomic.Int64 // bytes written, each write counted before it is made
}

// Write writes b, counting its bytes first (trace.WriteCounter): a request
// whose response arrives before Write returns is already counted.
func (c *conn) Write(b []byte) (int, error) {
	c.written.Add(int64(len(b)))
	n, err := c.Conn.Write(b)
	if n < len(b) {
		c.written.Add(int64(n - len(b)))
	}
	return n, err
}

// Written returns the bytes written so far (trace.WriteCounter).
func (c *conn) Written() int64 { return c.written.Load() }

// current reports whether c was opened in the pool's current window.
func (c *conn) current() bool { return c.window == c.pool.window.Load() }

// Claim is called when a request gets the connection; it returns true for the
// first request only, and only when the connection was opened in the current
// window (one kept from a warm-up is reused). That makes reuse exact: Go's
// transport reports a fresh connection as reused when it hands it to a
// request other than the one that dialed it.
func (c *conn) Claim() bool { return c.claimed.CompareAndSwap(false, true) && c.current() }

// Dial reports how the connection's dial went (trace.DialTimer).
func (c *conn) Dial() trace.Conn { return c.dial }

// Close counts the close once, and whether a connection of the current
// window never carried a request (no request claimed it). Only the trace
// claims connections, so a pool used without trace.Do counts every
// connection as unused.
func (c *conn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		if !c.claimed.Load() && c.current() {
			c.pool.counts.unused.Add(1)
		}
		c.pool.counts.closed.Add(1) // after unused: Closed == Opened means all final
		c.pool.notify()
	}
	return c.Conn.Close()
}

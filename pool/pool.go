package pool

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/reusebench/reusebench/trace"
)

// Config says how a pool reaches the target.
type Config struct {
	Options
	// Workers is the size of the fleet (the per-worker strategy keeps one client each).
	Workers int
	// TLS is the base TLS configuration (roots, client certificates,
	// InsecureSkipVerify); the pool clones it. Nil means the system defaults.
	TLS *tls.Config
	// Proxy is http.Transport.Proxy (nil: no proxy).
	Proxy func(*http.Request) (*url.URL, error)
	// Dial replaces the TCP dial (in-memory networks in tests); nil dials TCP.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Cookies seed every session's jar; fresh clients, which keep no jar, send
	// them on every request instead.
	Cookies []*http.Cookie
	// Abort, if set, ends the dials that run detached from their request's
	// cancellation (see finish) once it is done: a run that was interrupted
	// does not wait out a dial timeout. Nil: they run to their timeout.
	Abort context.Context
	// NoRedirects makes clients return 3xx responses instead of following
	// them (http.ErrUseLastResponse). Followed redirects are counted by
	// trace.Redirected.
	NoRedirects bool
	// OnConn, if set, is called once for every dial, from the dialing
	// goroutine, with the dial's record in the form stats consumes. It must
	// not keep the pointer.
	OnConn func(*trace.Conn)
}

// Counts are the pool's connection counters.
type Counts struct {
	// Opened counts TCP connections established.
	Opened int64
	// Closed counts connections closed, and Unused those of them that never
	// carried a request.
	Closed, Unused int64
	// TLSHandshakes counts completed handshakes, TLSResumed the resumed ones.
	TLSHandshakes, TLSResumed int64
	// DialErrors counts dials (TCP or TLS) that failed.
	DialErrors int64
}

// Sub returns c − o, field by field: what happened between two snapshots.
func (c Counts) Sub(o Counts) Counts {
	return Counts{
		Opened: c.Opened - o.Opened, Closed: c.Closed - o.Closed, Unused: c.Unused - o.Unused,
		TLSHandshakes: c.TLSHandshakes - o.TLSHandshakes, TLSResumed: c.TLSResumed - o.TLSResumed,
		DialErrors: c.DialErrors - o.DialErrors,
	}
}

type counters struct {
	opened, closed, unused, handshakes, resumed, dialErrors atomic.Int64
}

// Pool hands out the clients of one profile and counts their connections.
type Pool struct {
	cfg     Config
	tls     *tls.Config
	dialer  net.Dialer
	counts  counters
	dialing atomic.Int64                  // dials in flight
	window  atomic.Int64                  // the measured window new connections belong to
	changed chan struct{}                 // a dial ended or a connection closed
	shared  *http.Client                  // the shared strategy's client, and the fresh one's over HTTP/1.1
	clients []atomic.Pointer[http.Client] // per worker, made on first use
	targets []*url.URL                    // for seeding cookie jars
	closing atomic.Bool
}

// New builds a pool for cfg; targets are the URLs cookies are seeded for.
func New(cfg Config, targets ...*url.URL) (*Pool, error) {
	if cfg.Workers < 1 {
		return nil, fmt.Errorf("pool: %d workers, need at least 1", cfg.Workers)
	}
	if _, err := ParseStrategy(string(cfg.Strategy)); err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	p := &Pool{cfg: cfg, targets: targets, changed: make(chan struct{}, 1)}
	if cfg.Strategy == PerWorker {
		p.clients = make([]atomic.Pointer[http.Client], cfg.Workers)
	}
	if cfg.TLS != nil {
		p.tls = cfg.TLS.Clone()
	} else {
		p.tls = &tls.Config{}
	}
	if cfg.HTTP2 {
		p.tls.NextProtos = []string{"h2", "http/1.1"}
	} else {
		p.tls.NextProtos = []string{"http/1.1"}
	}
	if cfg.TLSResume {
		p.tls.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	} else {
		p.tls.ClientSessionCache = nil
	}
	p.dialer = net.Dialer{Timeout: cfg.DialTimeout}
	if cfg.LocalAddr != "" {
		ip := net.ParseIP(cfg.LocalAddr)
		if ip == nil {
			return nil, fmt.Errorf("pool: local-addr %q is not an IP address", cfg.LocalAddr)
		}
		p.dialer.LocalAddr = &net.TCPAddr{IP: ip}
	}
	switch {
	case cfg.Strategy == Shared:
		c, err := p.newClient(true)
		if err != nil {
			return nil, err
		}
		p.shared = c
	case cfg.Strategy == Fresh && !freshPerRequest(cfg.Options):
		c, err := p.newClient(false)
		if err != nil {
			return nil, err
		}
		noIdle(c)
		p.shared = c
	}
	return p, nil
}

// freshPerRequest reports whether a fresh profile needs a client of its own
// for every request: over HTTP/2 one transport would multiplex every
// request on one connection. Over HTTP/1.1 one transport that keeps no idle
// connection gives every request a connection of its own all the same.
func freshPerRequest(o Options) bool { return o.HTTP2 || o.H2C }

// noIdle makes c's transport keep no idle connection: each connection is
// closed, by the client, once its response is read. Unlike
// DisableKeepAlives it sends no "Connection: close", so the server sees
// the same requests as from a client made for one request and closed after
// it.
func noIdle(c *http.Client) {
	t := c.Transport.(*http.Transport)
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 0, -1
}

// Client returns the client worker should use for its next request, and a
// function to call once the response body is closed.
func (p *Pool) Client(worker int) (*http.Client, func(), error) {
	switch {
	case p.shared != nil: // shared, and fresh over HTTP/1.1
		return p.shared, nop, nil
	case p.cfg.Strategy == PerWorker:
		c, err := p.workerClient(worker)
		return c, nop, err
	}
	c, err := p.newClient(false) // fresh over HTTP/2: a client per request
	if err != nil {
		return nil, nil, err
	}
	return c, c.CloseIdleConnections, nil
}

func nop() {}

// workerClient returns worker's own client, made on its first request. No
// lock: this is on every request's path.
func (p *Pool) workerClient(worker int) (*http.Client, error) {
	if worker < 0 || worker >= len(p.clients) {
		return nil, fmt.Errorf("pool: worker %d of a pool for %d workers", worker, len(p.clients))
	}
	slot := &p.clients[worker]
	if c := slot.Load(); c != nil {
		return c, nil
	}
	c, err := p.newClient(true)
	if err != nil {
		return nil, err
	}
	slot.CompareAndSwap(nil, c) // one worker per slot: it cannot lose
	return slot.Load(), nil
}

// newClient builds a client with its own transport; withJar gives it a cookie
// jar seeded with the configured cookies.
func (p *Pool) newClient(withJar bool) (*http.Client, error) {
	o := p.cfg.Options
	t := &http.Transport{
		Proxy:                 p.transportProxy,
		DialContext:           p.dialContext,
		DialTLSContext:        p.dialTLSContext,
		TLSClientConfig:       p.tls.Clone(), // a transport writes its NextProtos when it sets up HTTP/2
		TLSHandshakeTimeout:   o.TLSTimeout,
		MaxIdleConns:          o.MaxIdle,
		MaxIdleConnsPerHost:   o.MaxIdlePerHost,
		MaxConnsPerHost:       o.MaxConnsPerHost,
		IdleConnTimeout:       o.IdleTimeout,
		DisableKeepAlives:     !o.KeepAlive,
		ResponseHeaderTimeout: o.HeaderTimeout,
		ForceAttemptHTTP2:     o.HTTP2,
	}
	var protos http.Protocols
	protos.SetHTTP1(!o.H2C)
	protos.SetHTTP2(o.HTTP2 || o.H2C)
	protos.SetUnencryptedHTTP2(o.H2C)
	t.Protocols = &protos
	c := &http.Client{Transport: t, Timeout: o.Timeout, CheckRedirect: p.checkRedirect}
	if withJar {
		jar, err := newJar()
		if err != nil {
			return nil, fmt.Errorf("pool: cookie jar: %w", err)
		}
		seedJar(jar, p.targets, p.cfg.Cookies)
		c.Jar = jar
	}
	return c, nil
}

// maxRedirects is how many redirects a request follows, as Go's default.
const maxRedirects = 10

// checkRedirect is every client's CheckRedirect: Go's default policy (at
// most 10 redirects), or none with NoRedirects; each redirect followed is
// counted on the request's trace.
func (p *Pool) checkRedirect(req *http.Request, via []*http.Request) error {
	if p.cfg.NoRedirects {
		return http.ErrUseLastResponse
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	trace.Redirected(req.Context())
	return nil
}

// seedJar puts cookies into jar once for every distinct target host, for the
// whole site (Path "/" unless the cookie names one), so a session sends each
// seeded cookie once on every path, as a fresh client does.
func seedJar(jar http.CookieJar, targets []*url.URL, cookies []*http.Cookie) {
	if len(cookies) == 0 {
		return
	}
	site := make([]*http.Cookie, len(cookies))
	for i, c := range cookies {
		cc := *c
		if cc.Path == "" {
			cc.Path = "/"
		}
		site[i] = &cc
	}
	seen := map[string]bool{}
	for _, u := range targets {
		key := u.Scheme + "://" + u.Host
		if seen[key] {
			continue
		}
		seen[key] = true
		jar.SetCookies(&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}, site)
	}
}

// Cookies returns the cookies a client without a jar must send itself: the
// configured ones for the fresh strategy, none otherwise.
func (p *Pool) Cookies() []*http.Cookie {
	if p.cfg.Strategy == Fresh {
		return p.cfg.Cookies
	}
	return nil
}

// Counts returns a snapshot of the pool's connection counters.
func (p *Pool) Counts() Counts {
	c := &p.counts
	return Counts{
		Opened: c.opened.Load(), Closed: c.closed.Load(), Unused: c.unused.Load(),
		TLSHandshakes: c.handshakes.Load(), TLSResumed: c.resumed.Load(),
		DialErrors: c.dialErrors.Load(),
	}
}

// closeWait bounds how long Close waits for the transport to close its
// connections. It exceeds the 5 s write deadline crypto/tls puts on sending
// close_notify, so a TLS close that has to wait out that deadline still
// counts.
const closeWait = 10 * time.Second

// Close closes every connection of the pool and returns once they are all
// closed, so the counts are final: it waits for dials still in flight (a dial
// can outlive the request that started it) and for connections the transport
// is still putting back or closing on its own goroutines, closing idle ones
// as they appear, for at most closeWait.
func (p *Pool) Close() { p.CloseContext(context.Background()) }

// CloseContext is Close, waiting at most until ctx is done: an interrupted
// run bounds its wind-down so.
func (p *Pool) CloseContext(ctx context.Context) {
	p.closing.Store(true)
	p.waitUntil(ctx, p.closeIdle, func() bool {
		c := p.Counts()
		return p.dialing.Load() == 0 && c.Closed >= c.Opened
	})
}

// StartWindow starts a new measured window, after a warm-up: it waits for
// dials still in flight, then makes every connection opened so far belong to
// the past, so its first use from now on is a reuse and its close is not
// counted unused; the window's counts are Counts() minus the returned ones.
// Connections stay open: the warm-up keeps its purpose.
func (p *Pool) StartWindow() Counts {
	p.Settle(context.Background())
	p.window.Add(1)
	return p.Counts()
}

// Settle waits for dials still in flight (at most closeWait, or until ctx is
// done) and returns the counts then: at the end of a round, the connections
// the round opened.
func (p *Pool) Settle(ctx context.Context) Counts {
	p.waitUntil(ctx, nil, func() bool { return p.dialing.Load() == 0 })
	return p.Counts()
}

// waitUntil calls each (if set) and returns once done is true, waking on
// every dial end and connection close, and at least every 5 ms, for at most
// closeWait or until ctx is done.
func (p *Pool) waitUntil(ctx context.Context, each func(), done func() bool) {
	deadline := time.NewTimer(closeWait)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if each != nil {
			each()
		}
		if done() {
			return
		}
		select {
		case <-p.changed:
		case <-tick.C:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// notify wakes Close after a dial ended or a connection closed.
func (p *Pool) notify() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

func (p *Pool) closeIdle() {
	if p.shared != nil {
		p.shared.CloseIdleConnections()
	}
	for i := range p.clients {
		if c := p.clients[i].Load(); c != nil {
			c.CloseIdleConnections()
		}
	}
}

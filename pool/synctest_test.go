package pool_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/trace"
)

// These tests run in a synctest bubble on an in-memory network: the fake
// clock makes timeouts exact, and synctest.Wait lets every goroutine of the
// transport settle, so counts that depend on net/http's background work are
// deterministic.

// pipePool builds a pool that dials pl; the bubble's cleanup closes it
// (before the server, cleanups run last-in first-out).
func pipePool(t *testing.T, srv *server.Server, pl *server.PipeListener, s pool.Strategy, workers int, mod func(*pool.Config)) *pool.Pool {
	t.Helper()
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg := pool.Config{Options: pool.DefaultOptions(s, workers), Workers: workers, Dial: pl.DialContext}
	if cp := srv.CertPool(); cp != nil {
		cfg.TLS = &tls.Config{RootCAs: cp}
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := pool.New(cfg, u)
	if err != nil {
		t.Fatalf("pool.New: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

func TestProtocolsSequential(t *testing.T) {
	const n = 10
	tests := []struct {
		name   string
		target server.Config
		mod    func(*pool.Config)
		proto  string
	}{
		{"h2 over TLS", server.Config{TLS: true, HTTP2: true}, func(c *pool.Config) { c.HTTP2 = true }, "HTTP/2.0"},
		{"h2 off, server offers h2", server.Config{TLS: true, HTTP2: true}, nil, "HTTP/1.1"},
		{"h2 on, server without h2", server.Config{TLS: true}, func(c *pool.Config) { c.HTTP2 = true }, "HTTP/1.1"},
		{"h2c", server.Config{H2C: true}, func(c *pool.Config) { c.H2C = true }, "HTTP/2.0"},
		{"http/1.1", server.Config{}, nil, "HTTP/1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := servertest.Pipe(t, tt.target)
				var mu sync.Mutex
				var infos []trace.Conn
				p := pipePool(t, srv, pl, pool.Shared, 1, func(c *pool.Config) {
					if tt.mod != nil {
						tt.mod(c)
					}
					c.OnConn = func(ci *trace.Conn) {
						mu.Lock()
						infos = append(infos, *ci)
						mu.Unlock()
					}
				})
				for i := range n {
					s := send(t, p, 0, srv.URL()+"/")
					if s.Err != trace.ErrNone || s.Proto != tt.proto {
						t.Fatalf("request %d: err %q proto %q, want %s", i, s.Err, s.Proto, tt.proto)
					}
					if s.Reused != (i > 0) {
						t.Errorf("request %d: Reused %v", i, s.Reused)
					}
					// net/http adds a new HTTP/2 connection to its idle
					// pool from the dial goroutine, after handing it to the
					// first request: let it settle, as a real client would
					// between sequential requests.
					synctest.Wait()
				}
				p.Close()
				synctest.Wait()
				pc, sc := p.Counts(), srv.Counts()
				if pc.Opened != 1 || sc.Accepted != 1 {
					t.Errorf("opened: pool %d server %d, want 1", pc.Opened, sc.Accepted)
				}
				if pc.Closed != 1 || sc.Closed != 1 || pc.Unused != 0 || sc.Unused != 0 {
					t.Errorf("after Close: pool %+v, server %v; want 1 closed, 0 unused", pc, sc)
				}
				if sc.Protocols[tt.proto] != n || sc.Requests != n {
					t.Errorf("server protocols %v requests %d, want %d×%s", sc.Protocols, sc.Requests, n, tt.proto)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(infos) != 1 {
					t.Fatalf("OnConn called %d times, want once per dial (1)", len(infos))
				}
				ci := infos[0]
				wantHS := tt.target.TLS
				if ci.Err != trace.ErrNone || ci.HasDNS || !ci.HasConnect || ci.HasHandshake != wantHS || ci.Resumed {
					t.Errorf("dial %+v: want no error, no dns, a connect, handshake %v, not resumed", ci, wantHS)
				}
			})
		})
	}
}

// Several workers on one shared client: each first request dials its own
// connection, later ones reuse them. The server agrees on every count.
func TestSharedConcurrentWorkers(t *testing.T) {
	const workers, each = 3, 5
	synctest.Test(t, func(t *testing.T) {
		srv, pl := servertest.Pipe(t, server.Config{Latency: 10 * time.Millisecond})
		p := pipePool(t, srv, pl, pool.Shared, workers, nil)
		var mu sync.Mutex
		var fresh int64
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for range each {
					s := send(t, p, w, srv.URL()+"/")
					if s.Err != trace.ErrNone {
						t.Errorf("worker %d: %q", w, s.Err)
					}
					if !s.Reused {
						mu.Lock()
						fresh++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		synctest.Wait()
		p.Close()
		synctest.Wait()
		pc, sc := p.Counts(), srv.Counts()
		if pc.Opened != workers || sc.Accepted != workers {
			t.Errorf("opened: pool %d server %d, want %d (one per worker)", pc.Opened, sc.Accepted, workers)
		}
		if fresh != pc.Opened-pc.Unused {
			t.Errorf("%d samples on a new connection, pool opened %d (%d unused)", fresh, pc.Opened, pc.Unused)
		}
		if sc.Requests != workers*each || sc.MaxPerConn > each+2 {
			t.Errorf("server: %v; want %d requests spread over the connections", sc, workers*each)
		}
		if pc.Closed != pc.Opened || sc.Closed != sc.Accepted || pc.Unused != sc.Unused {
			t.Errorf("after Close: pool %+v, server %v", pc, sc)
		}
	})
}

// A connection the pool dialed for a request that was cancelled meanwhile
// goes to net/http's idle pool and never carries a request: Close counts it
// unused, as the server does. It was opened in the pool's current window (no
// StartWindow here); TestUnusedWindow has one kept from an earlier window.
func TestUnusedDial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, pl := servertest.Pipe(t, server.Config{})
		release := make(chan struct{})
		p := pipePool(t, srv, pl, pool.Shared, 1, func(c *pool.Config) {
			c.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
				<-release // a slow dial, that outlives its request
				return pl.DialContext(ctx, network, addr)
			}
		})
		client, _, err := p.Client(0)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan trace.Sample)
		go func() { done <- trace.Do(client, req) }()
		synctest.Wait() // the request waits for its dial
		cancel()
		s := <-done
		if s.Err != trace.ErrCanceled || s.GotConn {
			t.Fatalf("cancelled request: err %q GotConn %v, want canceled without a connection", s.Err, s.GotConn)
		}
		close(release)
		synctest.Wait() // the dial completes; net/http keeps the connection idle
		if sc := srv.Counts(); sc.Accepted != 1 || sc.Requests != 0 {
			t.Fatalf("server before Close: %v; want 1 connection, no request", sc)
		}
		p.Close()
		synctest.Wait()
		pc, sc := p.Counts(), srv.Counts()
		if pc.Opened != 1 || pc.Closed != 1 || pc.Unused != 1 {
			t.Errorf("pool %+v, want 1 opened, closed and unused", pc)
		}
		if sc.Closed != 1 || sc.Unused != pc.Unused {
			t.Errorf("server %v: unused %d, pool unused %d", sc, sc.Unused, pc.Unused)
		}
	})
}

// idleUnused makes p dial a connection no request uses, as TestUnusedDial
// does: the request that started the dial is cancelled before it completes,
// and net/http keeps the connection idle.
func idleUnused(t *testing.T, p *pool.Pool, release chan struct{}, rawURL string) {
	t.Helper()
	client, _, err := p.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan trace.Sample)
	go func() { done <- trace.Do(client, req) }()
	synctest.Wait() // the request waits for its dial
	cancel()
	if s := <-done; s.Err != trace.ErrCanceled || s.GotConn {
		t.Fatalf("cancelled request: err %q GotConn %v, want canceled without a connection", s.Err, s.GotConn)
	}
	release <- struct{}{}
	synctest.Wait() // the dial completes; net/http keeps the connection idle
}

// A connection counts as unused only in the window it was opened in. One
// dialed before StartWindow and never used is not unused in the new window
// when it closes, and its first request there is a reuse, not a new
// connection: the server, reset as the window starts (as a run aligns its
// target), agrees, having counted neither that connection nor its close.
func TestUnusedWindow(t *testing.T) {
	for _, use := range []bool{false, true} {
		name := "closed unused"
		if use {
			name = "first used in the window"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := servertest.Pipe(t, server.Config{})
				release := make(chan struct{})
				p := pipePool(t, srv, pl, pool.Shared, 1, func(c *pool.Config) {
					c.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
						<-release // a slow dial, that outlives its request
						return pl.DialContext(ctx, network, addr)
					}
				})
				idleUnused(t, p, release, srv.URL()+"/")
				if sc := srv.Counts(); sc.Accepted != 1 || sc.Requests != 0 {
					t.Fatalf("server before the window: %v; want 1 connection, no request", sc)
				}
				before := p.StartWindow()
				srv.Reset()
				if want := (pool.Counts{Opened: 1}); before != want {
					t.Fatalf("counts at StartWindow %+v, want %+v", before, want)
				}
				var wantReqs int64
				if use {
					s := send(t, p, 0, srv.URL()+"/")
					if s.Err != trace.ErrNone || !s.GotConn || !s.Reused {
						t.Errorf("request in the window: err %q GotConn %v reused %v; want the connection from before the window, reused",
							s.Err, s.GotConn, s.Reused)
					}
					wantReqs = 1
				}
				p.Close()
				synctest.Wait()
				// The window opened nothing and closed the old connection:
				// one close, no unused.
				if got, want := p.Counts().Sub(before), (pool.Counts{Closed: 1}); got != want {
					t.Errorf("window counts %+v, want %+v", got, want)
				}
				if sc := srv.Counts(); sc.Accepted != 0 || sc.Closed != 0 || sc.Unused != 0 || sc.Requests != wantReqs {
					t.Errorf("server after Close: %v; want no connection of its own counted, %d requests", sc, wantReqs)
				}
			})
		})
	}
}

// The pool's timeouts keep their own class through net/http's wrapping, and
// a failed request still has its latency: on the fake clock, exactly the timeout.
func TestTimeoutClasses(t *testing.T) {
	const limit = 100 * time.Millisecond
	tests := []struct {
		name   string
		target server.Config
		mod    func(*pool.Config)
		want   trace.ErrorClass
	}{
		{"header timeout", server.Config{Latency: time.Second}, func(c *pool.Config) { c.HeaderTimeout = limit }, trace.ErrHeaderTimeout},
		{"client timeout", server.Config{Latency: time.Second}, func(c *pool.Config) { c.Timeout = limit }, trace.ErrTimeout},
		{"header timeout over TLS", server.Config{TLS: true, Latency: time.Second}, func(c *pool.Config) { c.HeaderTimeout = limit }, trace.ErrHeaderTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, pl := servertest.Pipe(t, tt.target)
				p := pipePool(t, srv, pl, pool.Shared, 1, tt.mod)
				s := send(t, p, 0, srv.URL()+"/")
				if s.Err != tt.want {
					t.Errorf("Err = %q, want %q", s.Err, tt.want)
				}
				if s.Latency() != limit || s.Phases[trace.Total] != limit {
					t.Errorf("latency %v, total %v, want %v", s.Latency(), s.Phases[trace.Total], limit)
				}
				if !s.GotConn || s.Status != 0 {
					t.Errorf("GotConn %v status %d, want a connection and no response", s.GotConn, s.Status)
				}
				p.Close()
				synctest.Wait()
				if sc := srv.Counts(); sc.Aborted != 1 || sc.Requests != 0 {
					t.Errorf("server %v, aborted %d: want the request dropped, not answered", sc, sc.Aborted)
				}
			})
		})
	}
}

// A peer that accepts TCP but never answers the TLS handshake: the pool's
// TLS timeout fires and the request is classified tls_timeout.
func TestTLSHandshakeTimeout(t *testing.T) {
	const limit = 100 * time.Millisecond
	synctest.Test(t, func(t *testing.T) {
		pl := server.NewPipeListener()
		silent := make(chan net.Conn, 1)
		go func() {
			c, err := pl.Accept()
			if err == nil {
				silent <- c // hold it: read nothing, answer nothing
			}
			close(silent)
		}()
		var mu sync.Mutex
		var infos []trace.Conn
		u, _ := url.Parse("https://127.0.0.1:443/")
		cfg := pool.Config{Options: pool.DefaultOptions(pool.Shared, 1), Workers: 1, Dial: pl.DialContext,
			OnConn: func(ci *trace.Conn) { mu.Lock(); infos = append(infos, *ci); mu.Unlock() }}
		cfg.TLSTimeout = limit
		p, err := pool.New(cfg, u)
		if err != nil {
			t.Fatal(err)
		}
		s := send(t, p, 0, u.String())
		p.Close()
		pl.Close()
		for c := range silent {
			c.Close()
		}
		if s.Err != trace.ErrTLSTimeout {
			t.Errorf("Err = %q, want tls_timeout", s.Err)
		}
		if s.Latency() != limit || s.GotConn {
			t.Errorf("latency %v GotConn %v, want %v and no connection", s.Latency(), s.GotConn, limit)
		}
		pc := p.Counts()
		if pc.Opened != 1 || pc.DialErrors != 1 || pc.TLSHandshakes != 0 || pc.Closed != 1 || pc.Unused != 1 {
			t.Errorf("pool %+v: want 1 TCP connection opened and closed unused, 1 dial error, no handshake", pc)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(infos) != 1 {
			t.Fatalf("OnConn called %d times, want 1", len(infos))
		}
		if ci := infos[0]; ci.Err != trace.ErrTLSTimeout || ci.Handshake != limit || ci.HasHandshake || !ci.HasConnect {
			t.Errorf("dial %+v: want a tls_timeout error after a %v handshake, connected, no handshake completed", ci, limit)
		}
	})
}

// Close promises final counts. With keep-alive off net/http closes each
// connection itself, from its read loop, after the body was read; on the
// in-memory network a TLS close waits for its close_notify to be read, which
// makes the window that exists on real sockets deterministic.
func TestCloseCountsFinal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, pl := servertest.Pipe(t, server.Config{TLS: true})
		p := pipePool(t, srv, pl, pool.Shared, 1, func(c *pool.Config) { c.KeepAlive = false })
		if s := send(t, p, 0, srv.URL()+"/"); s.Err != trace.ErrNone {
			t.Fatalf("request: %q", s.Err)
		}
		p.Close()
		c := p.Counts()
		time.Sleep(10 * time.Second) // let the transport finish closing, for the cleanup
		if c.Closed != c.Opened {
			t.Errorf("right after Close: %d of %d connections counted closed; later %+v", c.Closed, c.Opened, p.Counts())
		}
	})
}

// On real sockets, several workers sharing an HTTP/2 client, then Close:
// every connection the pool opened must be closed once Close returned and the
// transport settled, or its close (and whether it was unused) is never counted.
// Over TLS, so the server takes part in every connection: with h2c the client
// writes its preface at once, an unused connection closes with unread data
// (an RST), and the kernel may drop it from the accept queue unseen.
func TestCloseLeavesNoConnection(t *testing.T) {
	srv := servertest.Start(t, server.Config{TLS: true, HTTP2: true})
	const iterations, workers = 100, 4
	var opened int64
	for i := range iterations {
		p := newPool(t, srv, pool.Shared, workers, func(c *pool.Config) { c.HTTP2 = true })
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				if s := send(t, p, w, srv.URL()+"/"); s.Err != trace.ErrNone {
					t.Errorf("iteration %d worker %d: %q", i, w, s.Err)
				}
			})
		}
		wg.Wait()
		p.Close()
		atClose := p.Counts()
		opened += atClose.Opened
		// A connection the client closed may still wait in the accept
		// queue: let the target accept every one, then see them all close.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := srv.WaitAccepted(ctx, opened)
		if err == nil {
			err = srv.WaitOpen(ctx, 0)
		}
		cancel()
		if err != nil {
			t.Fatalf("iteration %d: after pool.Close: %v; pool at Close %+v, now %+v; target %+v", i, err, atClose, p.Counts(), srv.Counts())
		}
		if c := srv.Counts(); c.Accepted != opened || atClose.Closed != atClose.Opened {
			t.Fatalf("iteration %d: pool at Close %+v; the target accepted %d connections in all, the pools opened %d",
				i, atClose, c.Accepted, opened)
		}
		if now := p.Counts(); now != atClose {
			t.Fatalf("iteration %d: pool counts changed after Close: %+v, then %+v", i, atClose, now)
		}
	}
}

// A dial that does not complete within the dial timeout is classified
// dial_timeout, and the pool counts a dial error but no connection.
func TestDialTimeout(t *testing.T) {
	const limit = 100 * time.Millisecond
	synctest.Test(t, func(t *testing.T) {
		srv, pl := servertest.Pipe(t, server.Config{})
		p := pipePool(t, srv, pl, pool.Shared, 1, func(c *pool.Config) {
			c.DialTimeout = limit
			c.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
				<-ctx.Done() // a peer that never answers the SYN
				return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
			}
		})
		s := send(t, p, 0, srv.URL()+"/")
		if s.Err != trace.ErrDialTimeout {
			t.Errorf("Err = %q, want dial_timeout", s.Err)
		}
		if s.Latency() != limit || s.GotConn {
			t.Errorf("latency %v GotConn %v, want %v and no connection", s.Latency(), s.GotConn, limit)
		}
		if pc := p.Counts(); pc.Opened != 0 || pc.DialErrors != 1 {
			t.Errorf("pool %+v, want no connection and 1 dial error", pc)
		}
		if sc := srv.Counts(); sc.Accepted != 0 {
			t.Errorf("server accepted %d connections, want 0", sc.Accepted)
		}
	})
}

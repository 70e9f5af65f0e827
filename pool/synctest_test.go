package pool_test

import (
	"context"
	"crypto/tls"
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

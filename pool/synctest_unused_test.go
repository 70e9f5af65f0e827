package pool_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/trace"
)

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

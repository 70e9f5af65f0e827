package pool_test

import (
	"context"
	"net"
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

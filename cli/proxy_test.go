package cli

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// forwardProxy is a loopback HTTP forward proxy: CONNECT requests are
// tunnelled to their host, absolute-URI requests are forwarded with its own
// transport. It counts the connections it accepts, the tunnels it opens and
// the requests it forwards.
type forwardProxy struct {
	srv       *httptest.Server
	transport *http.Transport
	accepted  atomic.Int64 // client connections (ConnState StateNew)
	tunnels   atomic.Int64 // CONNECT tunnels established
	forwarded atomic.Int64 // absolute-URI requests forwarded and answered

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // both ends of every open tunnel
	closed bool
	wg     sync.WaitGroup // tunnel copy goroutines, added under mu
}

func newForwardProxy(t *testing.T) *forwardProxy {
	t.Helper()
	p := &forwardProxy{transport: &http.Transport{}, conns: map[net.Conn]struct{}{}}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serveHTTP))
	p.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			p.accepted.Add(1)
		}
	}
	p.srv.Start()
	t.Cleanup(p.close)
	return p
}

// URL is the proxy's URL, for --proxy.
func (p *forwardProxy) URL() string { return p.srv.URL }

func (p *forwardProxy) reset() {
	p.accepted.Store(0)
	p.tunnels.Store(0)
	p.forwarded.Store(0)
}

// close stops the server, closes every tunnel and idle upstream connection
// and waits for every goroutine the proxy started.
func (p *forwardProxy) close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.srv.Close()
	p.wg.Wait() // no tunnel starts after closed is set
	p.transport.CloseIdleConnections()
}

// track registers the two ends of a tunnel and its two copy goroutines; it
// returns false (and closes both ends) when the proxy is closing.
func (p *forwardProxy) track(a, b net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		a.Close()
		b.Close()
		return false
	}
	p.conns[a], p.conns[b] = struct{}{}, struct{}{}
	p.wg.Add(2)
	return true
}

func (p *forwardProxy) untrack(a, b net.Conn) {
	p.mu.Lock()
	delete(p.conns, a)
	delete(p.conns, b)
	p.mu.Unlock()
	a.Close()
	b.Close()
}

func (p *forwardProxy) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() {
		http.Error(w, "proxy: want an absolute URI or CONNECT", http.StatusBadRequest)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	for _, h := range []string{"Proxy-Connection", "Proxy-Authorization", "Connection", "Keep-Alive", "Te", "Trailer", "Upgrade"} {
		out.Header.Del(h)
	}
	if r.ContentLength == 0 {
		out.Body = nil
	}
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	p.forwarded.Add(1) // before the client can see the response
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// tunnel answers a CONNECT: it dials the host, hijacks the client's
// connection and copies both ways until either side closes.
func (p *forwardProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	up, err := net.Dial("tcp", r.Host)
	if err != nil {
		http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "proxy: cannot hijack", http.StatusInternalServerError)
		return
	}
	client, rw, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if !p.track(client, up) {
		return
	}
	// Counted before the client can see the tunnel, so a finished run has
	// every tunnel counted.
	p.tunnels.Add(1)
	var once sync.Once
	done := func() {
		once.Do(func() { p.untrack(client, up) })
		p.wg.Done()
	}
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		done()
		done()
		return
	}
	go func() {
		defer done()
		io.Copy(up, rw.Reader) // bytes sent right after CONNECT, then the connection
	}()
	go func() {
		defer done()
		io.Copy(client, up)
	}()
}

// TestProxy checks --proxy sends every request through the proxy: absolute
// URIs for plain targets, a CONNECT tunnel per connection for https ones.
func TestProxy(t *testing.T) {
	proxy := newForwardProxy(t)
	t.Run("http", func(t *testing.T) {
		srv := servertest.Start(t, server.Config{})
		for _, tt := range []struct {
			spec string
			c, n int64
		}{
			{"shared", 2, 40},
			{"fresh", 2, 10},
		} {
			t.Run(tt.spec, func(t *testing.T) {
				srv.Reset()
				proxy.reset()
				p := runOne(t, "-c", fmt.Sprint(tt.c), "-n", fmt.Sprint(tt.n), "--proxy", proxy.URL(), "-p", tt.spec, srv.URL()+"/")
				// The target's connections are the proxy's: close its idle
				// ones so every request on them is settled.
				proxy.transport.CloseIdleConnections()
				c := settled(t, srv, srv.Counts().Accepted)
				if f := proxy.forwarded.Load(); f != tt.n || c.Requests != tt.n || p.Requests != tt.n {
					t.Errorf("proxy forwarded %d requests, target served %d, results say %d; want %d", f, c.Requests, p.Requests, tt.n)
				}
				if p.Errors.Total != 0 || p.Status["200"] != tt.n {
					t.Errorf("results status %v errors %+v, want %d×200", p.Status, p.Errors, tt.n)
				}
				if a := proxy.accepted.Load(); a != p.Connections.Opened || a == 0 {
					t.Errorf("proxy accepted %d connections, results opened %d", a, p.Connections.Opened)
				}
				if tt.spec == "fresh" && p.Connections.Opened != tt.n {
					t.Errorf("fresh opened %d connections to the proxy, want one per request (%d)", p.Connections.Opened, tt.n)
				}
				if n := proxy.tunnels.Load(); n != 0 {
					t.Errorf("a plain-HTTP target was reached through %d CONNECT tunnels", n)
				}
			})
		}
	})
	t.Run("https", func(t *testing.T) {
		srv := servertest.Start(t, server.Config{TLS: true})
		ca := filepath.Join(t.TempDir(), "ca.pem")
		writeFile(t, ca, srv.CertPEM())
		for _, tt := range []struct {
			spec string
			c, n int64
		}{
			{"shared", 2, 40},
			{"fresh", 2, 10},
		} {
			t.Run(tt.spec, func(t *testing.T) {
				srv.Reset()
				proxy.reset()
				p := runOne(t, "-c", fmt.Sprint(tt.c), "-n", fmt.Sprint(tt.n), "--proxy", proxy.URL(), "--cacert", ca, "-p", tt.spec, srv.URL()+"/")
				c := settled(t, srv, p.Connections.Opened)
				if p.Errors.Total != 0 || p.Status["200"] != tt.n || c.Requests != tt.n {
					t.Errorf("results status %v errors %+v, target served %d; want %d×200", p.Status, p.Errors, c.Requests, tt.n)
				}
				tunnels := proxy.tunnels.Load()
				if tunnels != p.Connections.Opened || tunnels == 0 {
					t.Errorf("proxy opened %d CONNECT tunnels, results opened %d connections", tunnels, p.Connections.Opened)
				}
				// Each tunnel reached the target; each that carried requests
				// finished its handshake (Go may cancel a spare one mid-way).
				used := p.Connections.Opened - p.Connections.Unused
				if c.Accepted != tunnels || c.TLSHandshakes > tunnels || c.TLSHandshakes < used {
					t.Errorf("target accepted %d connections with %d handshakes through %d tunnels", c.Accepted, c.TLSHandshakes, tunnels)
				}
				if p.Connections.TLSHandshakes != c.TLSHandshakes {
					t.Errorf("results count %d TLS handshakes (opened %d, unused %d), target completed %d",
						p.Connections.TLSHandshakes, p.Connections.Opened, p.Connections.Unused, c.TLSHandshakes)
				}
				if f := proxy.forwarded.Load(); f != 0 {
					t.Errorf("proxy forwarded %d requests in the clear for an https target", f)
				}
				if tt.spec == "fresh" && tunnels != tt.n {
					t.Errorf("fresh went through %d tunnels, want one per request (%d)", tunnels, tt.n)
				}
				// The handshakes the target completed are timed too: the tls
				// phase is recorded once per handshake, as without a proxy.
				t.Run("tls phase", func(t *testing.T) {
					if got := p.Phases["tls"].Count; got != c.TLSHandshakes {
						t.Errorf("through a CONNECT proxy: "+
							"tls phase recorded %d times, target completed %d handshakes (results tls_handshakes %d)",
							got, c.TLSHandshakes, p.Connections.TLSHandshakes)
					}
				})
			})
		}
	})
}

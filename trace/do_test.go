package trace_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/trace"
)

// waitTimeout bounds every wait on the server in these tests.
const waitTimeout = 20 * time.Second

func newRequest(t *testing.T, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// plainClient is a client with its own transport (no pool, so no Claimer or
// DialTimer on its connections).
func plainClient(t *testing.T, tlsCfg *tls.Config) (*http.Client, *http.Transport) {
	tr := &http.Transport{TLSClientConfig: tlsCfg}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitTimeout}, tr
}

// phases lists the phases a sample has, by name, for messages.
func phases(s *trace.Sample) []string {
	var out []string
	for p := range trace.NumPhases {
		if s.Has[p] {
			out = append(out, trace.Phase(p).String())
		}
	}
	return out
}

func checkSuccess(t *testing.T, s *trace.Sample, wantBytes int64, wantProto string) {
	t.Helper()
	if s.Err != trace.ErrNone || s.Status != http.StatusOK {
		t.Fatalf("sample: err %q status %d, want success with 200", s.Err, s.Status)
	}
	if s.Bytes != wantBytes {
		t.Errorf("Bytes = %d, want %d", s.Bytes, wantBytes)
	}
	if s.Proto != wantProto {
		t.Errorf("Proto = %q, want %q", s.Proto, wantProto)
	}
	if !s.GotConn {
		t.Error("GotConn false on a success")
	}
	for _, p := range []trace.Phase{trace.Wait, trace.TTFB, trace.Body, trace.Total} {
		if !s.Has[p] {
			t.Errorf("phase %s missing on a success (has %v)", p, phases(s))
		}
	}
	if got, want := s.Phases[trace.Total], s.End.Sub(s.Start); got != want || got <= 0 {
		t.Errorf("total = %v, want End−Start = %v (> 0)", got, want)
	}
	if sum := s.Phases[trace.TTFB] + s.Phases[trace.Body]; sum > s.Phases[trace.Total] {
		t.Errorf("ttfb %v + body %v > total %v", s.Phases[trace.TTFB], s.Phases[trace.Body], s.Phases[trace.Total])
	}
}

func TestDoSuccess(t *testing.T) {
	tests := []struct {
		name      string
		cfg       server.Config
		wantBytes int64
		wantProto string
	}{
		{"http body 100", server.Config{BodySize: 100}, 100, "HTTP/1.1"},
		{"http large body", server.Config{BodySize: 100_000}, 100_000, "HTTP/1.1"},
		{"http empty body", server.Config{BodySize: -1}, 0, "HTTP/1.1"},
		{"https", server.Config{TLS: true, BodySize: 10}, 10, "HTTP/1.1"},
		{"https h2", server.Config{TLS: true, HTTP2: true, BodySize: 10}, 10, "HTTP/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := servertest.Start(t, tt.cfg)
			var tlsCfg *tls.Config
			if tt.cfg.TLS {
				tlsCfg = &tls.Config{RootCAs: srv.CertPool()}
			}
			c, tr := plainClient(t, tlsCfg)
			if tt.cfg.HTTP2 {
				tr.ForceAttemptHTTP2 = true
			}
			s := trace.Do(c, newRequest(t, srv.URL()+"/"))
			checkSuccess(t, &s, tt.wantBytes, tt.wantProto)
			if s.Host != srv.Addr() {
				t.Errorf("Host = %q, want %q", s.Host, srv.Addr())
			}
			// A plain transport's new connection: phases from the hooks.
			if s.Reused || s.TraceReused {
				t.Errorf("first request on a new transport: Reused %v TraceReused %v", s.Reused, s.TraceReused)
			}
			if !s.Has[trace.Connect] {
				t.Errorf("first request: no connect phase (has %v)", phases(&s))
			}
			if s.Has[trace.TLS] != tt.cfg.TLS || s.TLSHandshake != tt.cfg.TLS {
				t.Errorf("tls phase %v, TLSHandshake %v, want %v", s.Has[trace.TLS], s.TLSHandshake, tt.cfg.TLS)
			}
			if s.Has[trace.DNS] {
				t.Errorf("dns phase for an IP literal (has %v)", phases(&s))
			}
			// The server agrees: one connection, one request answered 200.
			got := srv.Counts()
			if got.Accepted != 1 || got.Requests != 1 || got.Statuses[200] != 1 {
				t.Errorf("server counts: %v, statuses %v; want 1 conn, 1 request, 1×200", got, got.Statuses)
			}
			if got.Protocols[tt.wantProto] != 1 {
				t.Errorf("server protocols %v, want 1×%s", got.Protocols, tt.wantProto)
			}
		})
	}
}

func TestDoStatusErrors(t *testing.T) {
	tests := []struct {
		name   string
		cfg    server.Config
		path   string
		status int
		want   trace.ErrorClass
	}{
		{"503", server.Config{FailRate: 1}, "/", 503, trace.ErrHTTP5xx},
		{"500", server.Config{FailRate: 1, FailStatus: 500}, "/", 500, trace.ErrHTTP5xx},
		{"404", server.Config{}, "/no-such-path", 404, trace.ErrHTTP4xx},
		{"401", server.Config{}, "/protected", 401, trace.ErrHTTP4xx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := servertest.Start(t, tt.cfg)
			c, _ := plainClient(t, nil)
			s := trace.Do(c, newRequest(t, srv.URL()+tt.path))
			if s.Status != tt.status || s.Err != tt.want || !s.Failed() {
				t.Errorf("status %d err %q failed %v, want %d %q failed", s.Status, s.Err, s.Failed(), tt.status, tt.want)
			}
			if s.Bytes == 0 {
				t.Error("error response body not read (Bytes 0)")
			}
			if !s.GotConn || !s.Has[trace.TTFB] || !s.Has[trace.Body] || !s.Has[trace.Total] {
				t.Errorf("GotConn %v, phases %v: want a connection and ttfb, body, total", s.GotConn, phases(&s))
			}
			if got := srv.Counts(); got.Statuses[tt.status] != 1 || got.Requests != 1 {
				t.Errorf("server statuses %v requests %d, want 1×%d", got.Statuses, got.Requests, tt.status)
			}
		})
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestDoRefused(t *testing.T) {
	addr := closedAddr(t)
	u, _ := url.Parse("http://" + addr + "/")
	p, err := pool.New(pool.Config{Options: pool.DefaultOptions(pool.Shared, 1), Workers: 1}, u)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pc, _, _ := p.Client(0)
	plain, _ := plainClient(t, nil)
	for _, tc := range []struct {
		name   string
		client *http.Client
	}{{"plain transport", plain}, {"pool", pc}} {
		t.Run(tc.name, func(t *testing.T) {
			s := trace.Do(tc.client, newRequest(t, u.String()))
			if s.Err != trace.ErrRefused {
				t.Errorf("Err = %q, want refused", s.Err)
			}
			if s.GotConn || s.Status != 0 || s.Bytes != 0 {
				t.Errorf("GotConn %v status %d bytes %d, want no connection and no response", s.GotConn, s.Status, s.Bytes)
			}
			if !s.Has[trace.Total] || s.Phases[trace.Total] <= 0 || s.Phases[trace.Total] != s.Latency() {
				t.Errorf("total phase %v (has %v), latency %v: a failed request still has a latency", s.Phases[trace.Total], s.Has[trace.Total], s.Latency())
			}
			for _, ph := range []trace.Phase{trace.Wait, trace.DNS, trace.Connect, trace.TLS, trace.TTFB, trace.Body} {
				if s.Has[ph] {
					t.Errorf("phase %s on a refused connection", ph)
				}
			}
		})
	}
	if c := p.Counts(); c.Opened != 0 || c.DialErrors != 1 {
		t.Errorf("pool counts %+v, want 0 opened and 1 dial error", c)
	}
}

// newPool returns a shared pool of one worker for srv, closed at cleanup.
func newPool(t *testing.T, srv *server.Server, mod func(*pool.Config)) *pool.Pool {
	t.Helper()
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg := pool.Config{Options: pool.DefaultOptions(pool.Shared, 1), Workers: 1}
	if cp := srv.CertPool(); cp != nil {
		cfg.TLS = &tls.Config{RootCAs: cp}
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := pool.New(cfg, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func TestDoReusedThroughPool(t *testing.T) {
	tests := []struct {
		name  string
		cfg   server.Config
		host  string // "" keeps the IP literal
		proto string
	}{
		{"http ip literal", server.Config{}, "", "HTTP/1.1"},
		{"https ip literal", server.Config{TLS: true}, "", "HTTP/1.1"},
		{"https h2", server.Config{TLS: true, HTTP2: true}, "", "HTTP/2.0"},
		{"http localhost", server.Config{}, "localhost", "HTTP/1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.host != "" {
				addrs, err := net.DefaultResolver.LookupHost(context.Background(), tt.host)
				if err != nil || len(addrs) == 0 {
					t.Skipf("%s does not resolve: %v", tt.host, err)
				}
				for _, a := range addrs {
					if a != "127.0.0.1" {
						t.Skipf("%s resolves to %v, not only 127.0.0.1", tt.host, addrs)
					}
				}
			}
			srv := servertest.Start(t, tt.cfg)
			p := newPool(t, srv, func(c *pool.Config) { c.HTTP2 = tt.cfg.HTTP2 })
			client, release, err := p.Client(0)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(srv.URL() + "/")
			if tt.host != "" {
				u.Host = net.JoinHostPort(tt.host, u.Port())
			}
			var got [3]trace.Sample
			for i := range got {
				got[i] = trace.Do(client, newRequest(t, u.String()))
				release()
				checkSuccess(t, &got[i], 64, tt.proto)
			}
			isTLS := tt.cfg.TLS
			for i, s := range got {
				first := i == 0
				if s.Reused == first {
					t.Errorf("request %d: Reused %v, want %v", i, s.Reused, !first)
				}
				if s.Has[trace.Connect] != first {
					t.Errorf("request %d: connect phase %v, want %v (has %v)", i, s.Has[trace.Connect], first, phases(&s))
				}
				if want := first && isTLS; s.Has[trace.TLS] != want || s.TLSHandshake != want {
					t.Errorf("request %d: tls phase %v TLSHandshake %v, want %v", i, s.Has[trace.TLS], s.TLSHandshake, want)
				}
				if want := first && tt.host != ""; s.Has[trace.DNS] != want {
					t.Errorf("request %d: dns phase %v, want %v (has %v)", i, s.Has[trace.DNS], want, phases(&s))
				}
				if s.TLSResumed {
					t.Errorf("request %d: TLSResumed without a session cache", i)
				}
			}
			if !got[2].WasIdle {
				t.Error("third request: WasIdle false on a connection returned to the pool")
			}
			if c := p.Counts(); c.Opened != 1 {
				t.Errorf("pool opened %d connections, want 1", c.Opened)
			}
			sc := srv.Counts()
			if sc.Accepted != 1 || sc.Requests != int64(len(got)) || sc.MaxPerConn != int64(len(got)) {
				t.Errorf("server: %v; want 1 connection carrying %d requests", sc, len(got))
			}
		})
	}
}

// A plain transport times a new connection from its own hooks: dns, like
// connect, must be there when a host name was looked up.
func TestDoPlainTransportDNS(t *testing.T) {
	addrs, err := net.DefaultResolver.LookupHost(context.Background(), "localhost")
	if err != nil || len(addrs) != 1 || addrs[0] != "127.0.0.1" {
		t.Skipf("localhost resolves to %v (%v), want only 127.0.0.1", addrs, err)
	}
	srv := servertest.Start(t, server.Config{})
	u, _ := url.Parse(srv.URL() + "/")
	u.Host = net.JoinHostPort("localhost", u.Port())
	c, _ := plainClient(t, nil)
	s := trace.Do(c, newRequest(t, u.String()))
	checkSuccess(t, &s, 64, "HTTP/1.1")
	if !s.Has[trace.Connect] {
		t.Errorf("no connect phase (has %v)", phases(&s))
	}
	if !s.Has[trace.DNS] {
		t.Errorf("no dns phase for a new connection to localhost (has %v)", phases(&s))
	}
}

package server

import (
	"crypto/tls"
	"io"
	"maps"
	"net"
	"net/http"
	"sync"
	"testing"
)

func TestHTTP1Counts(t *testing.T) {
	const n = 20
	tests := []struct {
		name         string
		keepAlive    bool
		wantAccepted int64
		wantMax      int64
	}{
		{"keep-alive", true, 1, n},
		{"no keep-alive", false, n, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{})
			tr := &http.Transport{DisableKeepAlives: !tc.keepAlive}
			c := &http.Client{Transport: tr}
			for range n {
				if code, body := get(t, c, s.URL()+"/"); code != 200 || len(body) != DefaultBodySize {
					t.Fatalf("GET / = %d with %d bytes, want 200 with %d", code, len(body), DefaultBodySize)
				}
			}
			got := closeAndWait(t, s, tr)
			want := Counts{
				Accepted: tc.wantAccepted, Closed: tc.wantAccepted, Requests: n, MaxPerConn: tc.wantMax,
				Statuses:  map[int]int64{200: n},
				BySource:  map[string]int64{"127.0.0.1": tc.wantAccepted},
				Protocols: map[string]int64{"HTTP/1.1": n},
			}
			checkCounts(t, got, want)
		})
	}
}

// checkCounts compares every field of got with want.
func checkCounts(t *testing.T, got, want Counts) {
	t.Helper()
	eq := got.Accepted == want.Accepted && got.Closed == want.Closed && got.Active == want.Active &&
		got.Requests == want.Requests && got.Unused == want.Unused && got.MaxPerConn == want.MaxPerConn &&
		got.TLSHandshakes == want.TLSHandshakes && got.TLSResumed == want.TLSResumed &&
		got.Open == want.Open && got.Aborted == want.Aborted &&
		maps.Equal(got.Statuses, orEmpty(want.Statuses)) && maps.Equal(got.BySource, orEmpty(want.BySource)) &&
		maps.Equal(got.Protocols, orEmpty(want.Protocols))
	if !eq {
		t.Errorf("counts:\n got %+v\nwant %+v", got, want)
	}
	if ended := got.Requests + got.Aborted + got.Dropped + got.Reset + got.Stale; got.Read != ended {
		t.Errorf("read %d requests, but %d ended (answered %d, aborted %d, dropped %d, reset %d, stale %d)",
			got.Read, ended, got.Requests, got.Aborted, got.Dropped, got.Reset, got.Stale)
	}
}

func orEmpty[K comparable](m map[K]int64) map[K]int64 {
	if m == nil {
		return map[K]int64{}
	}
	return m
}

func TestUnusedConnection(t *testing.T) {
	tests := []struct {
		name           string
		tls            bool
		wantHandshakes int64
	}{
		{"tcp", false, 0},
		{"tls handshake only", true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{TLS: tc.tls})
			conn, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if tc.tls {
				tc := tls.Client(conn, &tls.Config{RootCAs: s.CertPool(), ServerName: "127.0.0.1"})
				if err := tc.HandshakeContext(waitCtx(t)); err != nil {
					t.Fatal(err)
				}
				conn = tc
			}
			conn.Close()
			if err := s.WaitClosed(waitCtx(t), 1); err != nil {
				t.Fatal(err)
			}
			checkCounts(t, s.Counts(), Counts{
				Accepted: 1, Closed: 1, Unused: 1, TLSHandshakes: tc.wantHandshakes,
				BySource: map[string]int64{"127.0.0.1": 1},
			})
		})
	}
}

func TestTLSProtocols(t *testing.T) {
	const n = 10
	tests := []struct {
		name             string
		serverH2         bool
		clientH1         bool
		clientH2         bool
		wantProto        string
		wantAccepted     int64
		wantMaxPerConn   int64
		disableKeepAlive bool
	}{
		{"h1 server, h1 client", false, true, false, "HTTP/1.1", 1, n, false},
		{"h1 server, h2-capable client", false, true, true, "HTTP/1.1", 1, n, false},
		{"h2 server, h1 client", true, true, false, "HTTP/1.1", 1, n, false},
		{"h2 server, h2 client", true, true, true, "HTTP/2.0", 1, n, false},
		{"h2 server, h2-only client", true, false, true, "HTTP/2.0", 1, n, false},
		{"h2 server, h1 client without keep-alive", true, true, false, "HTTP/1.1", n, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{TLS: true, HTTP2: tc.serverH2})
			tr := &http.Transport{
				TLSClientConfig:   &tls.Config{RootCAs: s.CertPool()},
				Protocols:         protocols(tc.clientH1, tc.clientH2, false),
				DisableKeepAlives: tc.disableKeepAlive,
			}
			c := &http.Client{Transport: tr}
			for range n {
				resp, err := c.Get(s.URL() + "/")
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.Proto != tc.wantProto {
					t.Fatalf("client saw %s, want %s", resp.Proto, tc.wantProto)
				}
			}
			got := closeAndWait(t, s, tr)
			checkCounts(t, got, Counts{
				Accepted: tc.wantAccepted, Closed: tc.wantAccepted, Requests: n, MaxPerConn: tc.wantMaxPerConn,
				TLSHandshakes: tc.wantAccepted,
				Statuses:      map[int]int64{200: n},
				BySource:      map[string]int64{"127.0.0.1": tc.wantAccepted},
				Protocols:     map[string]int64{tc.wantProto: n},
			})
		})
	}
}

func TestH2C(t *testing.T) {
	const n = 10
	tests := []struct {
		name      string
		client    *http.Protocols
		wantProto string
	}{
		{"h2c client", protocols(false, false, true), "HTTP/2.0"},
		{"h1 client", protocols(true, false, false), "HTTP/1.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{H2C: true})
			tr := &http.Transport{Protocols: tc.client}
			c := &http.Client{Transport: tr}
			for range n {
				get(t, c, s.URL()+"/")
			}
			// Concurrent requests share the one HTTP/2 connection.
			var wg sync.WaitGroup
			for range n {
				if tc.wantProto != "HTTP/2.0" {
					break
				}
				wg.Go(func() {
					resp, err := c.Get(s.URL() + "/echo")
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				})
			}
			wg.Wait()
			total := int64(n)
			if tc.wantProto == "HTTP/2.0" {
				total = 2 * n
			}
			got := closeAndWait(t, s, tr)
			// Go's HTTP/2 client may dial one spare connection before its
			// first one is in its pool; the spare carries nothing, and every
			// request still goes over one connection (MaxPerConn).
			var spare int64
			if tc.wantProto == "HTTP/2.0" && got.Unused == 1 {
				spare = 1
			}
			checkCounts(t, got, Counts{
				Accepted: 1 + spare, Closed: 1 + spare, Unused: spare, Requests: total, MaxPerConn: total,
				Statuses:  map[int]int64{200: total},
				BySource:  map[string]int64{"127.0.0.1": 1 + spare},
				Protocols: map[string]int64{tc.wantProto: total},
			})
		})
	}
}

func TestTLSResumption(t *testing.T) {
	const n = 8
	tests := []struct {
		name        string
		cache       bool
		maxVersion  uint16
		wantResumed int64
	}{
		{"TLS 1.3 with session cache", true, 0, n - 1},
		{"TLS 1.2 with session cache", true, tls.VersionTLS12, n - 1},
		{"no session cache", false, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{TLS: true})
			cfg := &tls.Config{RootCAs: s.CertPool(), MaxVersion: tc.maxVersion}
			if tc.cache {
				cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
			}
			tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}
			c := &http.Client{Transport: tr}
			var resumed int64
			for range n {
				resp, err := c.Get(s.URL() + "/")
				if err != nil {
					t.Fatal(err)
				}
				// Read the response before the connection closes: TLS 1.3
				// tickets arrive after the handshake.
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if resp.TLS.DidResume {
					resumed++
				}
			}
			got := closeAndWait(t, s, tr)
			if got.TLSHandshakes != n || got.TLSResumed != tc.wantResumed || resumed != tc.wantResumed {
				t.Errorf("handshakes %d, resumed %d (client saw %d), want %d and %d",
					got.TLSHandshakes, got.TLSResumed, resumed, n, tc.wantResumed)
			}
		})
	}
}

func TestClientCert(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		name           string
		withCert       bool
		wantHandshakes int64
		wantUnused     int64
	}{
		{"with certificate", true, 1, 0},
		{"without certificate", false, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{TLS: true, RequireClientCert: true, ClientCAs: ca.pool})
			cfg := &tls.Config{RootCAs: s.CertPool()}
			if tc.withCert {
				cfg.Certificates = []tls.Certificate{ca.clientCert(t)}
			}
			tr := &http.Transport{TLSClientConfig: cfg}
			c := &http.Client{Transport: tr}
			resp, err := c.Get(s.URL() + "/")
			if tc.withCert {
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			} else if err == nil {
				resp.Body.Close()
				t.Fatal("request without a client certificate succeeded")
			}
			got := closeAndWait(t, s, tr)
			if got.Accepted != 1 || got.TLSHandshakes != tc.wantHandshakes || got.Unused != tc.wantUnused {
				t.Errorf("counts %+v: want 1 accepted, %d handshakes, %d unused", got, tc.wantHandshakes, tc.wantUnused)
			}
		})
	}
}

func TestBySource(t *testing.T) {
	s := startServer(t, Config{})
	for _, src := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.2"} {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		tr := &http.Transport{DialContext: d.DialContext}
		c := &http.Client{Transport: tr}
		resp, err := c.Get(s.URL() + "/")
		if err != nil {
			if src != "127.0.0.1" {
				t.Skipf("cannot use source address %s: %v", src, err)
			}
			t.Fatal(err)
		}
		resp.Body.Close()
		tr.CloseIdleConnections()
	}
	if err := s.WaitClosed(waitCtx(t), 3); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Counts().BySource, map[string]int64{"127.0.0.1": 1, "127.0.0.2": 2}; !maps.Equal(got, want) {
		t.Errorf("BySource = %v, want %v", got, want)
	}
}

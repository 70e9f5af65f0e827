package server

import (
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

func TestLabelUnusedClosesLater(t *testing.T) {
	tests := []struct {
		name           string
		tls            bool
		wantHandshakes int64 // of a's unused connection
	}{
		{"tcp", false, 0},
		{"tls handshake only", true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{TLS: tc.tls})
			s.SetLabel("a")
			conn, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if tc.tls {
				tc := tls.Client(conn, &tls.Config{RootCAs: s.CertPool(), ServerName: "127.0.0.1"})
				if err := tc.HandshakeContext(waitCtx(t)); err != nil {
					t.Fatal(err)
				}
				conn = tc
			}
			if err := s.WaitAccepted(waitCtx(t), 1); err != nil {
				t.Fatal(err)
			}

			// Under "b", another client uses a connection of its own while
			// a's stays open, then a's closes without a request.
			s.SetLabel("b")
			b := newProfileClient(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CertPool()}})
			b.get(t, s, 1)
			if got := s.LabelCounts("a"); got.Open != 1 || got.Closed != 0 {
				t.Fatalf("a before its connection closes: %+v, want 1 open, 0 closed", got)
			}
			conn.Close()
			waitLabelClosed(t, s, "a", 1)
			b.tr.CloseIdleConnections()
			waitLabelClosed(t, s, "b", 1)

			checkCounts(t, s.LabelCounts("a"), Counts{
				Accepted: 1, Closed: 1, Unused: 1, TLSHandshakes: tc.wantHandshakes,
				BySource: map[string]int64{"127.0.0.1": 1},
			})
			checkCounts(t, s.LabelCounts("b"), Counts{
				Accepted: 1, Closed: 1, Requests: 1, MaxPerConn: 1, TLSHandshakes: tc.wantHandshakes,
				Statuses: map[int]int64{200: 1}, BySource: map[string]int64{"127.0.0.1": 1},
				Protocols: map[string]int64{"HTTP/1.1": 1},
			})
		})
	}
}

func TestLabelAborted(t *testing.T) {
	tests := []struct {
		name         string
		labelAtAbort string // current when b's client gives up
	}{
		{"b current", "b"},
		{"a current again", "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Fake time: every request is held for an hour; b's client gives
			// up after a minute, while the handler holds its request.
			synctest.Test(t, func(t *testing.T) {
				s, _, _ := pipeClient(t, Config{Latency: time.Hour})
				pl := s.cfg.Listener.(*PipeListener)
				a := newProfileClient(&http.Transport{DialContext: pl.DialContext})
				b := newProfileClient(&http.Transport{DialContext: pl.DialContext})
				b.c.Timeout = time.Minute
				t.Cleanup(a.tr.CloseIdleConnections)

				s.SetLabel("a")
				a.get(t, s, 1) // a's connection stays open

				s.SetLabel("b")
				errc := make(chan error, 1)
				go func() {
					resp, err := b.c.Get(s.URL() + "/")
					if err == nil {
						resp.Body.Close()
					}
					errc <- err
				}()
				synctest.Wait() // b's request is held by the handler
				if n := s.inflightNow(); n != 1 {
					t.Fatalf("%d requests in flight, want 1", n)
				}
				s.SetLabel(tc.labelAtAbort)
				if err := <-errc; err == nil {
					t.Fatal("b's request succeeded, want its client timeout")
				}
				// The Transport closes the connection of a request it gives
				// up; the server counts it closed after the handler returned.
				waitLabelClosed(t, s, "b", 1)

				checkCounts(t, s.LabelCounts("b"), Counts{
					Accepted: 1, Closed: 1, Aborted: 1, // not unused: a request started on it
					BySource: map[string]int64{"127.0.0.1": 1},
				})
				checkCounts(t, s.LabelCounts("a"), Counts{
					Accepted: 1, Active: 1, Open: 1, Requests: 1, MaxPerConn: 1,
					Statuses: map[int]int64{200: 1}, BySource: map[string]int64{"127.0.0.1": 1},
					Protocols: map[string]int64{"HTTP/1.1": 1},
				})
				if got := s.Counts(); got.Aborted != 1 {
					t.Errorf("Counts().Aborted = %d, want 1", got.Aborted)
				}
			})
		})
	}
}

func TestLabelTLSHandshakes(t *testing.T) {
	s := startServer(t, Config{TLS: true})
	cacheA := tls.NewLRUClientSessionCache(0)
	tlsConfig := func(cache tls.ClientSessionCache) *tls.Config {
		return &tls.Config{RootCAs: s.CertPool(), ServerName: "127.0.0.1", ClientSessionCache: cache}
	}
	a := newProfileClient(&http.Transport{TLSClientConfig: tlsConfig(cacheA)})
	// a2 is a's second client: no keep-alive, and a's session cache, so
	// it resumes the session a's first connection got.
	a2 := newProfileClient(&http.Transport{TLSClientConfig: tlsConfig(cacheA), DisableKeepAlives: true})
	b := newProfileClient(&http.Transport{
		TLSClientConfig: tlsConfig(tls.NewLRUClientSessionCache(0)), DisableKeepAlives: true,
	})

	// First, under "a", a connection that handshakes (fully: no session
	// cache) and sends nothing. The server looks at its handshake only
	// when it closes, at the end, under "b".
	s.SetLabel("a")
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	raw := tls.Client(conn, tlsConfig(nil))
	if err := raw.HandshakeContext(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitAccepted(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}

	rounds := []struct {
		label  string
		client *profileClient
		n      int
	}{
		{"a", a, 2},  // 1 connection, 1 full handshake
		{"b", b, 4},  // 4 connections: 1 full handshake, 3 resumed
		{"a", a2, 1}, // 1 connection, resumed
		{"a", a, 1},  // a's kept connection: no handshake
	}
	for _, r := range rounds {
		s.SetLabel(r.label)
		r.client.get(t, s, r.n)
	}
	s.SetLabel("b")
	raw.Close()
	a.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "a", 3)
	waitLabelClosed(t, s, "b", 4)

	tests := []struct {
		label string
		want  Counts
	}{
		{"a", Counts{
			Accepted: 3, Closed: 3, Unused: 1, Requests: 4, MaxPerConn: 3, TLSHandshakes: 3, TLSResumed: 1,
			Statuses: map[int]int64{200: 4}, BySource: map[string]int64{"127.0.0.1": 3},
			Protocols: map[string]int64{"HTTP/1.1": 4},
		}},
		{"b", Counts{
			Accepted: 4, Closed: 4, Requests: 4, MaxPerConn: 1, TLSHandshakes: 4, TLSResumed: 3,
			Statuses: map[int]int64{200: 4}, BySource: map[string]int64{"127.0.0.1": 4},
			Protocols: map[string]int64{"HTTP/1.1": 4},
		}},
	}
	for _, tc := range tests {
		t.Run("label "+tc.label, func(t *testing.T) {
			checkCounts(t, s.LabelCounts(tc.label), tc.want)
		})
	}
	if got := s.Counts(); got.TLSHandshakes != 7 || got.TLSResumed != 4 {
		t.Errorf("Counts: %d handshakes, %d resumed; want 7 and 4", got.TLSHandshakes, got.TLSResumed)
	}
}

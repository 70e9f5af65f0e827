package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pipeClient starts a target on a PipeListener (inside a synctest bubble)
// and returns it with a client dialling it; both are closed at the end of
// the bubble's function.
func pipeClient(t *testing.T, cfg Config) (*Server, *http.Client, *http.Transport) {
	t.Helper()
	pl := NewPipeListener()
	cfg.Listener = pl
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{DialContext: pl.DialContext, DialTLSContext: nil}
	if cfg.TLS {
		tr.TLSClientConfig = &tls.Config{RootCAs: s.CertPool(), ServerName: "127.0.0.1"}
		tr.Protocols = protocols(true, cfg.HTTP2, false)
	}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, &http.Client{Transport: tr}, tr
}

func TestStall(t *testing.T) {
	stall := Stall{Every: time.Second, For: 500 * time.Millisecond}
	tests := []struct {
		name    string
		latency time.Duration
		arrive  time.Duration // after Start
		want    time.Duration // from send to body read
	}{
		{"arrives 100ms into the stall", 0, 100 * time.Millisecond, 400 * time.Millisecond},
		{"arrives at the stall's start", 0, 0, 500 * time.Millisecond},
		{"arrives in the second stall", 0, 1200 * time.Millisecond, 300 * time.Millisecond},
		{"arrives outside the stall", 0, 600 * time.Millisecond, 0},
		{"arrives as the stall ends", 0, 500 * time.Millisecond, 0},
		{"latency after the stall", 50 * time.Millisecond, 100 * time.Millisecond, 450 * time.Millisecond},
		{"latency outside the stall", 50 * time.Millisecond, 600 * time.Millisecond, 50 * time.Millisecond},
		{"latency ends inside the next stall", 150 * time.Millisecond, 900 * time.Millisecond, 600 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c, _ := pipeClient(t, Config{Stall: stall, Latency: tc.latency})
				time.Sleep(tc.arrive)
				start := time.Now()
				if code, _ := get(t, c, s.URL()+"/"); code != 200 {
					t.Errorf("status %d", code)
				}
				if got := time.Since(start); got != tc.want {
					t.Errorf("request took %v, want %v", got, tc.want)
				}
			})
		})
	}
}

func TestStallReleasesTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c, _ := pipeClient(t, Config{Stall: Stall{Every: time.Second, For: 500 * time.Millisecond}})
		var mu sync.Mutex
		var done []time.Duration
		var wg sync.WaitGroup
		for _, at := range []time.Duration{100, 300, 499} {
			wg.Go(func() {
				time.Sleep(at * time.Millisecond)
				get(t, c, s.URL()+"/echo")
				mu.Lock()
				done = append(done, time.Since(s.start))
				mu.Unlock()
			})
		}
		wg.Wait()
		for _, d := range done {
			if d != 500*time.Millisecond {
				t.Errorf("requests completed at %v, want all at 500ms", done)
				break
			}
		}
		if got := s.Counts(); got.Requests != 3 || got.Protocols["HTTP/1.1"] != 3 {
			t.Errorf("counts %+v, want 3 HTTP/1.1 requests", got)
		}
	})
}

func TestCloseReleasesHeldRequests(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"latency", Config{Latency: time.Hour}},
		{"stall", Config{Stall: Stall{Every: 2 * time.Hour, For: time.Hour}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c, _ := pipeClient(t, tc.cfg)
				errc := make(chan error, 1)
				go func() {
					resp, err := c.Get(s.URL() + "/")
					if err == nil {
						resp.Body.Close()
					}
					errc <- err
				}()
				synctest.Wait() // the request is held
				if n := s.inflightNow(); n != 1 {
					t.Fatalf("%d requests in flight, want 1", n)
				}
				start := time.Now()
				if err := s.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				if err := <-errc; err == nil {
					t.Error("held request succeeded after Close")
				}
				if d := time.Since(start); d != 0 {
					t.Errorf("Close took %v of fake time, want 0", d)
				}
				if got := s.Counts(); got.Aborted != 1 || got.Requests != 0 || got.Open != 0 || got.Closed != 1 {
					t.Errorf("counts after Close %+v, want 1 aborted, 0 requests, all closed", got)
				}
			})
		})
	}
}

// inflightNow returns the number of running handlers.
func (s *Server) inflightNow() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight
}

func TestPipeTLS(t *testing.T) {
	const n = 5
	for _, h2 := range []bool{false, true} {
		proto := map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[h2]
		t.Run(proto, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c, tr := pipeClient(t, Config{TLS: true, HTTP2: h2, Latency: 10 * time.Millisecond})
				for range n {
					get(t, c, s.URL()+"/")
				}
				tr.CloseIdleConnections()
				if err := s.WaitClosed(t.Context(), 1); err != nil {
					t.Fatal(err)
				}
				checkCounts(t, s.Counts(), Counts{
					Accepted: 1, Closed: 1, Requests: n, MaxPerConn: n, TLSHandshakes: 1,
					Statuses:  map[int]int64{200: n},
					BySource:  map[string]int64{"127.0.0.1": 1},
					Protocols: map[string]int64{proto: n},
				})
			})
		})
	}
}

func TestPipeListener(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewPipeListener()
		if got := l.Addr().String(); got != "127.0.0.1:0" {
			t.Errorf("Addr = %s", got)
		}
		for i := range 2 {
			accepted := make(chan net.Conn, 1)
			go func() {
				c, err := l.Accept()
				if err != nil {
					t.Error(err)
				}
				accepted <- c
			}()
			cc, err := l.DialContext(t.Context(), "tcp", "ignored:1")
			if err != nil {
				t.Fatal(err)
			}
			sc := <-accepted
			wantPort := 49152 + i
			if ra, ok := sc.RemoteAddr().(*net.TCPAddr); !ok || ra.Port != wantPort || ra.IP.String() != "127.0.0.1" {
				t.Errorf("server RemoteAddr %v, want 127.0.0.1:%d", sc.RemoteAddr(), wantPort)
			}
			if cc.LocalAddr().String() != sc.RemoteAddr().String() || cc.RemoteAddr().String() != l.Addr().String() {
				t.Errorf("client addresses %v -> %v", cc.LocalAddr(), cc.RemoteAddr())
			}
			go cc.Write([]byte("hi"))
			b := make([]byte, 2)
			if _, err := io.ReadFull(sc, b); err != nil || string(b) != "hi" {
				t.Errorf("read %q, %v", b, err)
			}
			cc.Close()
			sc.Close()
		}
		// A dial nobody accepts ends with its context.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := l.DialContext(ctx, "tcp", ""); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("unaccepted dial: %v, want DeadlineExceeded", err)
		}
		l.Close()
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
		}
		if _, err := l.DialContext(t.Context(), "tcp", ""); !errors.Is(err, net.ErrClosed) {
			t.Errorf("DialContext after Close: %v, want net.ErrClosed", err)
		}
		if err := l.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

package cli

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

type holdListener struct {
	ln                       net.Listener
	accepted, hellos, closed atomic.Int64
	mu                       sync.Mutex
	conns                    []net.Conn
	wg                       sync.WaitGroup
}

func newHoldListener(t *testing.T) *holdListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &holdListener{ln: ln}
	h.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.accepted.Add(1)
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
			h.wg.Go(func() {
				var first [1]byte
				if _, err := io.ReadFull(c, first[:]); err == nil && first[0] == 0x16 { // TLS handshake record
					h.hellos.Add(1)
				}
				if _, err := io.Copy(io.Discard, c); err == nil { // EOF: the client closed it
					h.closed.Add(1)
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		h.mu.Lock()
		for _, c := range h.conns {
			c.Close()
		}
		h.mu.Unlock()
		h.wg.Wait()
	})
	return h
}

// waitFor polls cond every few milliseconds for up to 10 s (a bound, not a
// measurement) and reports whether it became true.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// fullListener is a Linux listener with a backlog of 0 whose accept queue
// is full, so that a new connect gets no SYN-ACK and blocks.
type fullListener struct {
	ln      *net.TCPListener
	addr    string
	fillers []net.Conn
}

func newFullListener(t *testing.T) (*fullListener, error) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "backlog0")
	defer f.Close()
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return nil, fmt.Errorf("bind: %w", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	l, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("file listener: %w", err)
	}
	fl := &fullListener{ln: l.(*net.TCPListener), addr: l.Addr().String()}
	t.Cleanup(func() {
		fl.ln.Close()
		for _, c := range fl.fillers {
			c.Close()
		}
	})
	// Fill the accept queue until a connect blocks.
	for range 16 {
		c, err := net.DialTimeout("tcp", fl.addr, 200*time.Millisecond)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && len(fl.fillers) > 0 {
				return fl, nil
			}
			return nil, fmt.Errorf("filling the accept queue: %w", err)
		}
		fl.fillers = append(fl.fillers, c)
	}
	return nil, fmt.Errorf("%d connects succeeded on a listener with backlog 0: the kernel does not drop SYNs on a full accept queue", len(fl.fillers))
}

// drain accepts whatever the kernel established and returns how many.
func (fl *fullListener) drain() int {
	n := 0
	for {
		fl.ln.SetDeadline(time.Now().Add(300 * time.Millisecond))
		c, err := fl.ln.Accept()
		if err != nil {
			return n
		}
		c.Close()
		n++
	}
}

// TestTimeouts checks each timeout knob cuts the request at its own step and
// is classified as such, and that the other side saw the request abandoned
// at that step.
func TestTimeouts(t *testing.T) {
	// The latency is far above the timeouts so that a loaded machine cannot
	// answer in time; the held requests end as soon as the client gives up.
	slow := servertest.Start(t, server.Config{Latency: 3 * time.Second})
	const n = 4
	// abandoned checks the slow target saw every attempt and answered none.
	abandoned := func(t *testing.T, p results.Profile) {
		c := settled(t, slow, p.Connections.Opened)
		if c.Requests != 0 || c.Aborted != n || c.Requests+c.Aborted != n {
			t.Errorf("target served %d requests and saw %d abandoned, want 0 and %d (the client gave up on each)", c.Requests, c.Aborted, n)
		}
		if c.Accepted != p.Connections.Opened {
			t.Errorf("target accepted %d connections, results opened %d", c.Accepted, p.Connections.Opened)
		}
	}
	tests := []struct {
		name  string
		spec  string
		class string
		// setup returns the URL to run against and the check of the other side.
		setup func(t *testing.T) (string, func(*testing.T, results.Profile))
	}{
		{name: "header-timeout", spec: "shared,header-timeout=50ms", class: "header_timeout",
			setup: func(t *testing.T) (string, func(*testing.T, results.Profile)) {
				slow.Reset()
				return slow.URL() + "/", abandoned
			}},
		{name: "timeout", spec: "shared,timeout=100ms", class: "timeout",
			setup: func(t *testing.T) (string, func(*testing.T, results.Profile)) {
				slow.Reset()
				return slow.URL() + "/", abandoned
			}},
		{name: "tls-timeout", spec: "shared,tls-timeout=50ms", class: "tls_timeout",
			setup: func(t *testing.T) (string, func(*testing.T, results.Profile)) {
				h := newHoldListener(t)
				return "https://" + h.ln.Addr().String() + "/", func(t *testing.T, p results.Profile) {
					if !waitFor(func() bool { return h.closed.Load() >= n }) {
						t.Errorf("the client closed %d of %d connections after its TLS timeout", h.closed.Load(), h.accepted.Load())
					}
					if a, hs := h.accepted.Load(), h.hellos.Load(); a != n || hs != n || p.Connections.Opened != n {
						t.Errorf("listener accepted %d connections, %d began a TLS handshake, results opened %d; want %d each",
							a, hs, p.Connections.Opened, n)
					}
					if p.Connections.TLSHandshakes != 0 {
						t.Errorf("results count %d TLS handshakes against a server that never answered", p.Connections.TLSHandshakes)
					}
				}
			}},
		{name: "dial-timeout", spec: "shared,dial-timeout=50ms", class: "dial_timeout",
			setup: func(t *testing.T) (string, func(*testing.T, results.Profile)) {
				fl, err := newFullListener(t)
				if err != nil {
					t.Skipf("no connect that blocks on loopback here (%v): dial-timeout is not reachable without it", err)
				}
				return "http://" + fl.addr + "/", func(t *testing.T, p results.Profile) {
					if p.Connections.Opened != 0 {
						t.Errorf("results opened %d connections to a listener that answers no SYN", p.Connections.Opened)
					}
					if got := fl.drain(); got != len(fl.fillers) {
						t.Errorf("the listener's queue held %d connections, want only the test's %d fillers", got, len(fl.fillers))
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, check := tt.setup(t)
			p := runOne(t, "-c", "1", "-n", fmt.Sprint(n), "-p", tt.spec, url)
			if p.Requests != n || p.Errors.Total != n || p.Errors.ByClass[tt.class] != n {
				t.Errorf("%d requests, errors %+v; want all %d of class %q", p.Requests, p.Errors, n, tt.class)
			}
			if len(p.Status) != 0 {
				t.Errorf("results status %v, want none (no response arrived)", p.Status)
			}
			check(t, p)
		})
	}
}

// TestRetries checks the retry loop against a target that fails every
// second request: each retry is one more request the target served.
func TestRetries(t *testing.T) {
	srv := servertest.Start(t, server.Config{FailRate: 0.5, FailStatus: 503})
	const n = 100
	t.Run("retries", func(t *testing.T) {
		srv.Reset()
		p := runOne(t, "-c", "1", "-n", fmt.Sprint(n), "-p", "shared,retries=3,retry-on=503,backoff=1ms:2ms", srv.URL()+"/")
		c := settled(t, srv, p.Connections.Opened)
		if p.Requests != n || !maps.Equal(p.Status, map[string]int64{"200": n}) || p.Errors.Total != 0 {
			t.Errorf("results: %d requests, status %v, errors %+v; want %d, all 200, none", p.Requests, p.Status, p.Errors, n)
		}
		if p.Retries == nil {
			t.Fatalf("results have no retries section")
		}
		if p.Retries.Total != c.Statuses[503] || p.Retries.Total == 0 {
			t.Errorf("results count %d retries, target answered 503 %d times", p.Retries.Total, c.Statuses[503])
		}
		// Each failure is followed by a success (every second request fails).
		if p.Retries.RequestsRetried != c.Statuses[503] {
			t.Errorf("results count %d requests retried, target answered 503 %d times, each followed by a 200", p.Retries.RequestsRetried, c.Statuses[503])
		}
		if c.Requests != n+p.Retries.Total || c.Statuses[200] != n {
			t.Errorf("target served %d requests (%v), want %d + %d retries with %d×200", c.Requests, c.Statuses, n, p.Retries.Total, n)
		}
		h, err := p.Histogram(results.HistFirstAttempt)
		if err != nil || h == nil {
			t.Fatalf("first_attempt histogram: %v, %v", h, err)
		}
		if h.TotalCount() != n {
			t.Errorf("first_attempt histogram holds %d values, want %d", h.TotalCount(), n)
		}
	})
	t.Run("no retries", func(t *testing.T) {
		srv.Reset()
		p := runOne(t, "-c", "1", "-n", fmt.Sprint(n), "-p", "shared", srv.URL()+"/")
		c := settled(t, srv, p.Connections.Opened)
		want := map[string]int64{"200": n / 2, "503": n / 2}
		if !maps.Equal(p.Status, want) || p.Errors.ByClass["http_5xx"] != n/2 {
			t.Errorf("results status %v, errors %+v; want %v", p.Status, p.Errors, want)
		}
		if !maps.Equal(c.Statuses, map[int]int64{200: n / 2, 503: n / 2}) || c.Requests != n {
			t.Errorf("target answered %v, want %d×200 and %d×503", c.Statuses, n/2, n/2)
		}
		if p.Retries != nil {
			t.Errorf("results have a retries section without retries: %+v", p.Retries)
		}
		if _, ok := p.Histograms[results.HistFirstAttempt]; ok {
			t.Errorf("results have a first_attempt histogram without retries")
		}
	})
	// A retry resends the request that failed, not the next one in the
	// round-robin: with a target that always fails and one that never does,
	// the failing one's requests end in 503 after every attempt.
	t.Run("retry resends the same target", func(t *testing.T) {
		bad := servertest.Start(t, server.Config{FailRate: 1, FailStatus: 503})
		good := servertest.Start(t, server.Config{})
		const n, retries = 10, 2
		p := runOne(t, "-c", "1", "-n", fmt.Sprint(n), "-p", fmt.Sprintf("shared,retries=%d,retry-on=503,backoff=1ms:2ms", retries),
			bad.URL()+"/", good.URL()+"/")
		b := settled(t, bad, p.Hosts[bad.Addr()].Opened)
		g := settled(t, good, p.Hosts[good.Addr()].Opened)
		if b.Requests != n/2*(1+retries) || g.Requests != n/2 {
			t.Errorf("a retry went to another target: "+
				"the failing target served %d requests and the good one %d, want %d and %d; results status %v",
				b.Requests, g.Requests, n/2*(1+retries), n/2, p.Status)
		}
		if want := map[string]int64{"200": n / 2, "503": n / 2}; !maps.Equal(p.Status, want) {
			t.Errorf("results status %v, want %v", p.Status, want)
		}
	})
}

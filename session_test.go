package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reusebench/reusebench/stats"
	"github.com/reusebench/reusebench/target"
)

// cliResult is one `reusebench run --json ...` through dispatch.
type cliResult struct {
	code           int
	res            stats.Results
	stdout, stderr string
}

// runCLI runs `reusebench run --json ARGS...` and parses the results when
// the run exits 0.
func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), append([]string{"run", "--json"}, args...), &stdout, &stderr)
	r := cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
	if code == 0 {
		if err := json.Unmarshal(stdout.Bytes(), &r.res); err != nil {
			t.Fatalf("reusebench run %q: stdout is not results JSON: %v\n%s", args, err, r.stdout)
		}
	}
	return r
}

// runOne runs one profile and returns its results; the run must exit 0.
func runOne(t *testing.T, args ...string) stats.Profile {
	t.Helper()
	r := runCLI(t, args...)
	if r.code != 0 {
		t.Fatalf("reusebench run %q: exit %d, want 0; stderr:\n%s", args, r.code, r.stderr)
	}
	if len(r.res.Profiles) != 1 {
		t.Fatalf("reusebench run %q: %d profiles in the results, want 1", args, len(r.res.Profiles))
	}
	return r.res.Profiles[0]
}

// wantUsage runs args and checks the run refuses them as bad input: exit 2
// and one line on stderr that contains want.
func wantUsage(t *testing.T, want string, args ...string) {
	t.Helper()
	r := runCLI(t, args...)
	if r.code != 2 {
		t.Errorf("reusebench run %q: exit %d, want 2 (bad input); stderr:\n%s", args, r.code, r.stderr)
	}
	msg := strings.TrimSpace(r.stderr)
	if strings.Count(msg, "\n") > 0 {
		t.Errorf("reusebench run %q: usage error is more than one line:\n%s", args, r.stderr)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("reusebench run %q: stderr %q lacks %q", args, msg, want)
	}
	if r.stdout != "" {
		t.Errorf("reusebench run %q: bad input printed on stdout:\n%s", args, r.stdout)
	}
}

// settled waits until the target has seen opened connections close, so
// every request and abort on them is counted, and returns its counts.
func settled(t *testing.T, srv *target.Server, opened int64) target.Counts {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitClosed(ctx, opened); err != nil {
		t.Fatalf("target: %v", err)
	}
	return srv.Counts()
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// countingServer is an httptest server whose handler counts every request
// and those match accepts.
type countingServer struct {
	*httptest.Server
	total, matched atomic.Int64
}

func newCountingServer(t *testing.T, match func(r *http.Request, body []byte) bool) *countingServer {
	t.Helper()
	cs := &countingServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		cs.total.Add(1)
		if match(r, body) {
			cs.matched.Add(1)
		}
		io.WriteString(w, "ok\n")
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *countingServer) reset() {
	cs.total.Store(0)
	cs.matched.Store(0)
}

// cookieCount is how many cookies named name with value value r carries.
func cookieCount(r *http.Request, name, value string) int {
	n := 0
	for _, c := range r.Cookies() {
		if c.Name == name && c.Value == value {
			n++
		}
	}
	return n
}

// TestCookies checks the session strategies keep cookies as a client would:
// a shared or per-worker session logs in once and stays authorised, a fresh
// client has no jar; and --cookie reaches the server on every request.
func TestCookies(t *testing.T) {
	srv := startTarget(t, target.Config{})
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.txt")
	writeFile(t, targets, fmt.Appendf(nil, "# log in, then use the session\nGET %s/login\n\nGET %s/protected\n", srv.URL(), srv.URL()))

	tests := []struct {
		spec     string
		statuses map[int]int64    // as the target counts them
		status   map[string]int64 // as the results report them
		http4xx  int64
	}{
		{"shared", map[int]int64{200: 20}, map[string]int64{"200": 20}, 0},
		{"per-worker", map[int]int64{200: 20}, map[string]int64{"200": 20}, 0},
		{"fresh", map[int]int64{200: 10, 401: 10}, map[string]int64{"200": 10, "401": 10}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			srv.Reset()
			p := runOne(t, "-c", "1", "-n", "20", "-p", tt.spec, "--targets", targets)
			c := settled(t, srv, p.Connections.Opened)
			if !maps.Equal(c.Statuses, tt.statuses) {
				t.Errorf("target answered %v, want %v", c.Statuses, tt.statuses)
			}
			if c.Requests != 20 || p.Requests != 20 {
				t.Errorf("target served %d requests, results say %d; want 20", c.Requests, p.Requests)
			}
			if !maps.Equal(p.Status, tt.status) {
				t.Errorf("results status %v, want %v", p.Status, tt.status)
			}
			if p.Errors.Total != tt.http4xx || p.Errors.ByClass["http_4xx"] != tt.http4xx {
				t.Errorf("results errors %+v, want %d http_4xx", p.Errors, tt.http4xx)
			}
			if c.Accepted != p.Connections.Opened {
				t.Errorf("target accepted %d connections, results opened %d", c.Accepted, p.Connections.Opened)
			}
		})
	}

	// --cookie: every request carries it exactly once, whatever the strategy.
	var dup atomic.Int64 // requests carrying k=v more than once
	cs := newCountingServer(t, func(r *http.Request, _ []byte) bool {
		n := cookieCount(r, "k", "v")
		if n > 1 {
			dup.Add(1)
		}
		return n == 1
	})
	cookieTargets := filepath.Join(dir, "cookie-targets.txt")
	writeFile(t, cookieTargets, fmt.Appendf(nil, "GET %s/\nGET %s/app/page\n", cs.URL, cs.URL))
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"shared", []string{"-p", "shared", cs.URL + "/"}},
		{"fresh", []string{"-p", "fresh", cs.URL + "/"}},
		{"per-worker", []string{"-p", "per-worker", cs.URL + "/"}},
		{"shared, two paths", []string{"-p", "shared", "--targets", cookieTargets}},
		{"fresh, two paths", []string{"-p", "fresh", "--targets", cookieTargets}},
	} {
		t.Run("--cookie "+tt.name, func(t *testing.T) {
			cs.reset()
			dup.Store(0)
			const n = 12
			p := runOne(t, append([]string{"-c", "2", "-n", fmt.Sprint(n), "--cookie", "k=v"}, tt.args...)...)
			if got := cs.total.Load(); got != n || p.Requests != n {
				t.Errorf("server saw %d requests, results say %d; want %d", got, p.Requests, n)
			}
			if d := dup.Load(); d > 0 && !strings.HasPrefix(tt.name, "fresh") {
				t.Errorf("%d of %d requests sent the seeded cookie twice (\"Cookie: k=v; k=v\")",
					d, cs.total.Load())
			}
			if got := cs.matched.Load(); got != n {
				t.Errorf("%d of %d requests carried the cookie k=v exactly once, want all", got, cs.total.Load())
			}
		})
	}
}

// TestAuth checks --bearer and --basic reach the server on every request
// and never reach the output.
func TestAuth(t *testing.T) {
	var mu sync.Mutex
	var want string
	cs := newCountingServer(t, func(r *http.Request, _ []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		return len(r.Header.Values("Authorization")) == 1 && r.Header.Get("Authorization") == want
	})
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.txt")
	writeFile(t, targets, fmt.Appendf(nil, "GET %s/a\nPOST %s/b\nX-Extra: 1\n", cs.URL, cs.URL))

	const token, user, pass = "tok123-Zq7", "alice", "pw-Xy9secret"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	// -o also draws the plots, seconds under -race: two runs write the report.
	tests := []struct {
		name    string
		args    []string
		header  string
		secrets []string
		report  bool
	}{
		{"bearer", []string{"--bearer", token, "-p", "shared", cs.URL + "/"}, "Bearer " + token, []string{token}, true},
		{"bearer fresh", []string{"--bearer", token, "-p", "fresh", cs.URL + "/"}, "Bearer " + token, []string{token}, false},
		{"bearer targets file", []string{"--bearer", token, "-p", "shared", "--targets", targets}, "Bearer " + token, []string{token}, false},
		{"basic", []string{"--basic", user + ":" + pass, "-p", "shared", cs.URL + "/"}, basic,
			[]string{pass, strings.TrimPrefix(basic, "Basic ")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs.reset()
			mu.Lock()
			want = tt.header
			mu.Unlock()
			out := filepath.Join(t.TempDir(), "report")
			const n = 10
			args := []string{"-c", "2", "-n", fmt.Sprint(n)}
			if tt.report {
				args = append(args, "--plots=false", "-o", out)
			}
			r := runCLI(t, append(args, tt.args...)...)
			if r.code != 0 || len(r.res.Profiles) != 1 {
				t.Fatalf("exit %d with %d profiles, want 0 and 1; stderr:\n%s", r.code, len(r.res.Profiles), r.stderr)
			}
			if got := cs.total.Load(); got != n {
				t.Errorf("server saw %d requests, want %d", got, n)
			}
			if got := cs.matched.Load(); got != n {
				t.Errorf("%d of %d requests carried Authorization %q, want all", got, cs.total.Load(), tt.header)
			}
			var file []byte
			if tt.report {
				var err error
				if file, err = os.ReadFile(filepath.Join(out, "results.json")); err != nil {
					t.Fatalf("-o: %v", err)
				}
			}
			for _, secret := range tt.secrets {
				for what, b := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "results.json": string(file)} {
					if strings.Contains(b, secret) {
						t.Errorf("the secret %q appears in %s", secret, what)
					}
				}
			}
		})
	}
	t.Run("bearer and basic", func(t *testing.T) {
		cs.reset()
		wantUsage(t, "--bearer and --basic", "-n", "1", "--bearer", "x", "--basic", "a:b", cs.URL+"/")
		if got := cs.total.Load(); got != 0 {
			t.Errorf("a refused run sent %d requests", got)
		}
	})
}

// holdListener accepts TCP connections and never writes to them: a TLS
// handshake on it never completes. It records whether each connection sent
// a TLS record first and whether the client closed it.
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
	slow := startTarget(t, target.Config{Latency: 3 * time.Second})
	const n = 4
	// abandoned checks the slow target saw every attempt and answered none.
	abandoned := func(t *testing.T, p stats.Profile) {
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
		setup func(t *testing.T) (string, func(*testing.T, stats.Profile))
	}{
		{name: "header-timeout", spec: "shared,header-timeout=50ms", class: "header_timeout",
			setup: func(t *testing.T) (string, func(*testing.T, stats.Profile)) {
				slow.Reset()
				return slow.URL() + "/", abandoned
			}},
		{name: "timeout", spec: "shared,timeout=100ms", class: "timeout",
			setup: func(t *testing.T) (string, func(*testing.T, stats.Profile)) {
				slow.Reset()
				return slow.URL() + "/", abandoned
			}},
		{name: "tls-timeout", spec: "shared,tls-timeout=50ms", class: "tls_timeout",
			setup: func(t *testing.T) (string, func(*testing.T, stats.Profile)) {
				h := newHoldListener(t)
				return "https://" + h.ln.Addr().String() + "/", func(t *testing.T, p stats.Profile) {
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
			setup: func(t *testing.T) (string, func(*testing.T, stats.Profile)) {
				fl, err := newFullListener(t)
				if err != nil {
					t.Skipf("no connect that blocks on loopback here (%v): dial-timeout is not reachable without it", err)
				}
				return "http://" + fl.addr + "/", func(t *testing.T, p stats.Profile) {
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
	srv := startTarget(t, target.Config{FailRate: 0.5, FailStatus: 503})
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
		h, err := p.Histogram(stats.HistFirstAttempt)
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
		if _, ok := p.Histograms[stats.HistFirstAttempt]; ok {
			t.Errorf("results have a first_attempt histogram without retries")
		}
	})
	// A retry resends the request that failed, not the next one in the
	// round-robin: with a target that always fails and one that never does,
	// the failing one's requests end in 503 after every attempt.
	t.Run("retry resends the same target", func(t *testing.T) {
		bad := startTarget(t, target.Config{FailRate: 1, FailStatus: 503})
		good := startTarget(t, target.Config{})
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

// TestH2C checks the protocol knobs reach the wire: h2c multiplexes every
// request over one plain-text connection, and over TLS only http2=true
// negotiates HTTP/2.
func TestH2C(t *testing.T) {
	t.Run("h2c", func(t *testing.T) {
		srv := startTarget(t, target.Config{H2C: true})
		const n = 50
		p := runOne(t, "-c", "1", "-n", fmt.Sprint(n), "-p", "h2c=shared,h2c=true", srv.URL()+"/")
		c := settled(t, srv, p.Connections.Opened)
		if p.Protocol != "HTTP/2.0" || p.Connections.Opened != 1 || p.Connections.RequestsPerConn != n {
			t.Errorf("results: protocol %q, %d connections, %.1f requests per connection; want HTTP/2.0, 1, %d",
				p.Protocol, p.Connections.Opened, p.Connections.RequestsPerConn, n)
		}
		if c.Protocols["HTTP/2.0"] != n || c.Requests != n || c.Accepted != 1 {
			t.Errorf("target: protocols %v over %d connections, want %d×HTTP/2.0 over 1", c.Protocols, c.Accepted, n)
		}
	})
	t.Run("tls", func(t *testing.T) {
		srv := startTarget(t, target.Config{TLS: true, HTTP2: true})
		ca := filepath.Join(t.TempDir(), "ca.pem")
		writeFile(t, ca, srv.CertPEM())
		const n = 30
		for _, tt := range []struct {
			spec, proto string
		}{
			{"h2=shared,http2=true", "HTTP/2.0"},
			{"shared", "HTTP/1.1"},
			{"h1=shared,http2=false", "HTTP/1.1"},
		} {
			t.Run(tt.spec, func(t *testing.T) {
				srv.Reset()
				p := runOne(t, "-c", "2", "-n", fmt.Sprint(n), "--cacert", ca, "-p", tt.spec, srv.URL()+"/")
				c := settled(t, srv, p.Connections.Opened)
				if c.Protocols[tt.proto] != n || len(c.Protocols) != 1 {
					t.Errorf("target saw protocols %v, want %d×%s", c.Protocols, n, tt.proto)
				}
				if p.Protocol != tt.proto || p.Errors.Total != 0 {
					t.Errorf("results: protocol %q, errors %+v; want %s and none", p.Protocol, p.Errors, tt.proto)
				}
				if c.TLSHandshakes != p.Connections.TLSHandshakes || c.Accepted != p.Connections.Opened {
					t.Errorf("target accepted %d connections with %d handshakes, results opened %d with %d",
						c.Accepted, c.TLSHandshakes, p.Connections.Opened, p.Connections.TLSHandshakes)
				}
			})
		}
	})
}

// TestSourceAddress checks local-addr picks the source IP the target sees.
func TestSourceAddress(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot bind 127.0.0.2 on this machine (%v): local-addr needs a second loopback address", err)
	}
	probe.Close()
	srv := startTarget(t, target.Config{})
	for _, tt := range []struct {
		spec string
		n    int64
	}{
		{"shared,local-addr=127.0.0.2", 20},
		{"fresh,local-addr=127.0.0.2", 10},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			srv.Reset()
			p := runOne(t, "-c", "2", "-n", fmt.Sprint(tt.n), "-p", tt.spec, srv.URL()+"/")
			c := settled(t, srv, p.Connections.Opened)
			if p.Errors.Total != 0 || c.Requests != tt.n {
				t.Errorf("errors %+v, target served %d; want none and %d", p.Errors, c.Requests, tt.n)
			}
			if c.BySource["127.0.0.2"] != p.Connections.Opened || p.Connections.Opened == 0 {
				t.Errorf("target accepted %d connections from 127.0.0.2, results opened %d", c.BySource["127.0.0.2"], p.Connections.Opened)
			}
			if got := c.BySource["127.0.0.1"]; got != 0 {
				t.Errorf("target accepted %d connections from 127.0.0.1, want none (by source: %v)", got, c.BySource)
			}
			if p.Options["local-addr"] != "127.0.0.2" {
				t.Errorf("results options local-addr %q, want 127.0.0.2", p.Options["local-addr"])
			}
		})
	}
	t.Run("bad local-addr", func(t *testing.T) {
		srv.Reset()
		r := runCLI(t, "-n", "1", "-p", "shared,local-addr=nope", srv.URL()+"/")
		if c := srv.Counts(); c.Accepted != 0 {
			t.Errorf("a run with a bad local-addr reached the target: %v", c)
		}
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("a bad local-addr: "+
				"the run exits %d (want 2, bad input) after printing the profile header; stderr:\n%s", r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "local-addr") {
			t.Errorf("stderr %q does not name local-addr", r.stderr)
		}
	})
}

// newClientCA makes a CA and a client certificate signed by it, writes the
// client's certificate and key as PEM files in dir and returns a pool
// holding the CA.
func newClientCA(t *testing.T, dir string) (pool *x509.CertPool, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test client CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "reusebench client"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	writeFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	pool = x509.NewCertPool()
	pool.AddCert(caCert)
	return pool, certFile, keyFile
}

// TestClientCert checks --cert/--key present a client certificate the
// target verifies, and that without it the target completes no handshake.
func TestClientCert(t *testing.T) {
	dir := t.TempDir()
	cas, certFile, keyFile := newClientCA(t, dir)
	srv := startTarget(t, target.Config{TLS: true, RequireClientCert: true, ClientCAs: cas})
	ca := filepath.Join(dir, "target-ca.pem")
	writeFile(t, ca, srv.CertPEM())
	for _, tt := range []struct {
		spec string
		n    int64
	}{
		{"shared", 20},
		{"fresh", 8},
	} {
		t.Run("with cert "+tt.spec, func(t *testing.T) {
			srv.Reset()
			p := runOne(t, "-c", "2", "-n", fmt.Sprint(tt.n), "--cacert", ca, "--cert", certFile, "--key", keyFile, "-p", tt.spec, srv.URL()+"/")
			c := settled(t, srv, p.Connections.Opened)
			if p.Status["200"] != tt.n || p.Errors.Total != 0 || c.Statuses[200] != tt.n {
				t.Errorf("results status %v errors %+v, target %v; want %d×200", p.Status, p.Errors, c.Statuses, tt.n)
			}
			if c.TLSHandshakes != p.Connections.Opened || c.TLSHandshakes == 0 || p.Connections.TLSHandshakes != c.TLSHandshakes {
				t.Errorf("target completed %d handshakes, results opened %d connections with %d handshakes",
					c.TLSHandshakes, p.Connections.Opened, p.Connections.TLSHandshakes)
			}
		})
	}
	t.Run("without cert", func(t *testing.T) {
		srv.Reset()
		const n = 4
		p := runOne(t, "-c", "1", "-n", fmt.Sprint(n), "--cacert", ca, "-p", "shared", srv.URL()+"/")
		c := settled(t, srv, p.Connections.Opened)
		if p.Requests != n || p.Errors.ByClass["tls"] != n {
			t.Errorf("results: %d requests, errors %+v; want all %d of class tls", p.Requests, p.Errors, n)
		}
		if c.TLSHandshakes != 0 || c.Requests != 0 {
			t.Errorf("target completed %d handshakes and served %d requests without a client certificate, want none", c.TLSHandshakes, c.Requests)
		}
		if c.Accepted != p.Connections.Opened {
			t.Errorf("target accepted %d connections, results opened %d", c.Accepted, p.Connections.Opened)
		}
	})
	t.Run("cert without key", func(t *testing.T) {
		srv.Reset()
		wantUsage(t, "--cert and --key go together", "-n", "1", "--cacert", ca, "--cert", certFile, srv.URL()+"/")
		wantUsage(t, "--cert and --key go together", "-n", "1", "--cacert", ca, "--key", keyFile, srv.URL()+"/")
		if c := srv.Counts(); c.Accepted != 0 {
			t.Errorf("a refused run reached the target: %v", c)
		}
	})
}

// TestSeveralTargets checks requests go round-robin over several targets,
// each with its own method, headers and body.
func TestSeveralTargets(t *testing.T) {
	t.Run("urls", func(t *testing.T) {
		a := startTarget(t, target.Config{})
		b := startTarget(t, target.Config{})
		const n = 40
		p := runOne(t, "-c", "2", "-n", fmt.Sprint(n), "-p", "shared", a.URL()+"/", b.URL()+"/")
		if p.Requests != n || p.Errors.Total != 0 {
			t.Errorf("results: %d requests, errors %+v; want %d and none", p.Requests, p.Errors, n)
		}
		if len(p.Hosts) != 2 {
			t.Fatalf("results hosts %v, want %s and %s", p.Hosts, a.Addr(), b.Addr())
		}
		var opened int64
		for _, srv := range []*target.Server{a, b} {
			h, ok := p.Hosts[srv.Addr()]
			if !ok {
				t.Errorf("results hosts %v lack %s", p.Hosts, srv.Addr())
				continue
			}
			opened += h.Opened
			c := settled(t, srv, h.Opened)
			if c.Requests != n/2 || h.Requests != n/2 {
				t.Errorf("%s served %d requests, results say %d; want %d each", srv.Addr(), c.Requests, h.Requests, n/2)
			}
			if c.Accepted != h.Opened || h.Opened == 0 {
				t.Errorf("%s accepted %d connections, results opened %d to it", srv.Addr(), c.Accepted, h.Opened)
			}
		}
		if opened != p.Connections.Opened {
			t.Errorf("hosts opened %d connections in all, results %d", opened, p.Connections.Opened)
		}
	})
	t.Run("targets file", func(t *testing.T) {
		srv := startTarget(t, target.Config{})
		dir := t.TempDir()
		body1 := []byte(`{"first": true}` + "\n")
		body2 := []byte("second body, from a file in a sub-folder\n")
		writeFile(t, filepath.Join(dir, "one.json"), body1)
		if err := os.Mkdir(filepath.Join(dir, "bodies"), 0o700); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "bodies", "two.txt"), body2)
		// One counter per target: its own method, header and body, the -H
		// header every target gets, and none of the other target's header.
		match := func(method, tag string, body []byte) func(*http.Request, []byte) bool {
			return func(r *http.Request, got []byte) bool {
				return r.Method == method && bytes.Equal(got, body) &&
					strings.Join(r.Header.Values("X-Target"), ",") == tag &&
					r.Header.Get("X-Common") == "c" && r.URL.Path == "/check"
			}
		}
		one := newCountingServer(t, match(http.MethodPost, "one", body1))
		two := newCountingServer(t, match(http.MethodPut, "two", body2))
		targets := filepath.Join(dir, "targets.txt")
		writeFile(t, targets, fmt.Appendf(nil, "POST %s/check\nX-Target: one\n@one.json\n\nPUT %s/check\nX-Target: two\n@bodies/two.txt\n\nPOST %s/echo\nContent-Type: text/plain\n@%s\n",
			one.URL, two.URL, srv.URL(), filepath.Join(dir, "one.json")))
		const n = 30
		p := runOne(t, "-c", "2", "-n", fmt.Sprint(n), "-H", "X-Common: c", "-p", "shared", "--targets", targets)
		c := settled(t, srv, p.Hosts[srv.Addr()].Opened)
		for _, cs := range []*countingServer{one, two} {
			if cs.total.Load() != n/3 || cs.matched.Load() != n/3 {
				t.Errorf("%s saw %d requests, %d with the right method, headers and body; want %d", cs.URL, cs.total.Load(), cs.matched.Load(), n/3)
			}
		}
		if c.Statuses[200] != n/3 || c.Protocols["HTTP/1.1"] != n/3 || c.Requests != n/3 {
			t.Errorf("target served %d requests, statuses %v, protocols %v; want %d×200 over HTTP/1.1", c.Requests, c.Statuses, c.Protocols, n/3)
		}
		if len(p.Hosts) != 3 || p.Requests != n || p.Errors.Total != 0 {
			t.Errorf("results: hosts %v, %d requests, errors %+v; want 3 hosts, %d requests, none", p.Hosts, p.Requests, p.Errors, n)
		}
	})
}

package trace_test

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/trace"
)

// pipePool starts a target with cfg on an in-memory network (inside a
// synctest bubble) and a shared pool dialling it.
func pipePool(t *testing.T, cfg server.Config, mod func(*pool.Config)) (*server.Server, *pool.Pool) {
	t.Helper()
	srv, pl := servertest.Pipe(t, cfg)
	u, _ := url.Parse(srv.URL())
	pc := pool.Config{Options: pool.DefaultOptions(pool.Shared, 1), Workers: 1, Dial: pl.DialContext}
	if mod != nil {
		mod(&pc)
	}
	p, err := pool.New(pc, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return srv, p
}

// doN sends n requests to path, one after the other, through p's client,
// waiting gap after each.
func doN(t *testing.T, srv *server.Server, p *pool.Pool, method, path string, n int, gap time.Duration) []trace.Sample {
	t.Helper()
	client, release, err := p.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	var out []trace.Sample
	for range n {
		req := newRequest(t, srv.URL()+path)
		req.Method = method
		out = append(out, trace.Do(client, req))
		release()
		time.Sleep(gap)
	}
	return out
}

// sumWire adds up the samples' wire counts.
func sumWire(ss []trace.Sample) trace.Wire {
	var w trace.Wire
	for _, s := range ss {
		w.Add(s.Wire)
	}
	return w
}

// checkServer checks that the target read exactly what the samples sent
// and accepted what the pool opened.
func checkServer(t *testing.T, srv *server.Server, p *pool.Pool, ss []trace.Sample) server.Counts {
	t.Helper()
	p.Close()
	if err := srv.WaitClosed(t.Context(), srv.Counts().Accepted); err != nil {
		t.Fatal(err)
	}
	c := srv.Counts()
	w := sumWire(ss)
	if c.Read != int64(w.Sent) || c.Accepted != p.Counts().Opened || int64(w.NewConns) != p.Counts().Opened-p.Counts().Unused {
		t.Errorf("target read %d and accepted %d; client sent %d, pool opened %d (%d unused), %d first uses",
			c.Read, c.Accepted, w.Sent, p.Counts().Opened, p.Counts().Unused, w.NewConns)
	}
	return c
}

func TestWireTransportRetry(t *testing.T) {
	// The target drops request 2 of every connection: each GET after the
	// first goes out twice, the second time silently, on a new connection.
	synctest.Test(t, func(t *testing.T) {
		srv, p := pipePool(t, server.Config{Faults: server.Faults{DropAfter: 2}}, nil)
		ss := doN(t, srv, p, "GET", "/", 4, 0)
		for i, s := range ss {
			want := trace.Wire{Sent: 2, TransportRetries: 1, NewConns: 1, ReusedConns: 1}
			if i == 0 {
				want = trace.Wire{Sent: 1, NewConns: 1}
			}
			if s.Err != trace.ErrNone || s.Wire != want || (i > 0) != (s.Retried[trace.ErrStale] == 1) {
				t.Errorf("GET %d: err %q, wire %+v, stale retried %d; want success, %+v", i, s.Err, s.Wire, s.Retried[trace.ErrStale], want)
			}
			if s.Reused {
				t.Errorf("GET %d: Reused, but its last request went out on a new connection", i)
			}
		}
		if c := checkServer(t, srv, p, ss); c.Read != 7 || c.Dropped != 3 {
			t.Errorf("target %v; want 7 read, 3 dropped", c)
		}
	})
}

func TestWireStale(t *testing.T) {
	// A POST on a connection the target forgot: Go does not retry it; it
	// fails as stale, and its message keeps no query value.
	synctest.Test(t, func(t *testing.T) {
		srv, p := pipePool(t, server.Config{Faults: server.Faults{ForgetIdle: time.Second}}, nil)
		ss := doN(t, srv, p, "POST", "/?token=s3cret&user=bob", 2, 2*time.Second)
		s := ss[1]
		if s.Err != trace.ErrStale || s.Wire != (trace.Wire{Sent: 1, ReusedConns: 1}) {
			t.Errorf("POST on a forgotten connection: err %q wire %+v; want stale, one request sent on a reused connection", s.Err, s.Wire)
		}
		if strings.Contains(s.ErrMsg(), "s3cret") || strings.Contains(s.ErrMsg(), "bob") || !strings.Contains(s.ErrMsg(), "token=…&user=…") ||
			!strings.Contains(s.ErrMsg(), "connection reset by peer") {
			t.Errorf("message %q: want the reset, the query keys, no values", s.ErrMsg())
		}
		if c := checkServer(t, srv, p, ss); c.Stale != 1 {
			t.Errorf("target %v; want 1 stale", c)
		}
	})
	// The same GET is retried by the transport: a success that cost two
	// requests.
	synctest.Test(t, func(t *testing.T) {
		srv, p := pipePool(t, server.Config{Faults: server.Faults{ForgetIdle: time.Second}}, nil)
		ss := doN(t, srv, p, "GET", "/", 2, 2*time.Second)
		if s := ss[1]; s.Err != trace.ErrNone || s.Wire.TransportRetries != 1 || s.Wire.Sent != 2 || s.Retried[trace.ErrStale] != 1 {
			t.Errorf("GET on a forgotten connection: err %q wire %+v; want a success after a silent retry", s.Err, s.Wire)
		}
		checkServer(t, srv, p, ss)
	})
}

func TestWireRedirects(t *testing.T) {
	for _, follow := range []bool{true, false} {
		t.Run(fmt.Sprint("follow ", follow), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, p := pipePool(t, server.Config{}, func(c *pool.Config) { c.NoRedirects = !follow })
				ss := doN(t, srv, p, "GET", "/redirect/3", 2, 0)
				want, status := trace.Wire{Sent: 4, Redirects: 3, NewConns: 1, ReusedConns: 3}, 200
				if !follow {
					want, status = trace.Wire{Sent: 1, NewConns: 1}, 302
				}
				if s := ss[0]; s.Err != trace.ErrNone || s.Status != status || s.Wire != want {
					t.Errorf("first GET: err %q status %d wire %+v; want %d, %+v", s.Err, s.Status, s.Wire, status, want)
				}
				checkServer(t, srv, p, ss)
			})
		})
	}
}

func TestRetryAfterSample(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, p := pipePool(t, server.Config{FailRate: 1, FailStatus: 429, Faults: server.Faults{RetryAfter: 2}}, nil)
		s := doN(t, srv, p, "GET", "/", 1, 0)[0]
		if s.Status != 429 || s.Err != trace.ErrHTTP4xx || s.RetryAfter != 2*time.Second || s.ErrMsg() != "429 Too Many Requests" {
			t.Errorf("sample: status %d err %q retry-after %v message %q; want 429, 2s, the status as message", s.Status, s.Err, s.RetryAfter, s.ErrMsg())
		}
	})
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"3": 3 * time.Second, "0": 0, "-1": 0, "x": 0, "": 0,
		"Tue, 01 Dec 2026 12:00:10 GMT": 10 * time.Second, "Tue, 01 Dec 2026 11:00:00 GMT": 0,
	} {
		if got := trace.ParseRetryAfter(v, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestMessageAndURLs(t *testing.T) {
	err := &url.Error{Op: "Get", URL: "https://alice:pw@example.com/a?k=v#frag", Err: errors.New("EOF")}
	if got := trace.Message(err); got != `Get "https://example.com/a?k=…": EOF` {
		t.Errorf("Message = %q", got)
	}
	if got := trace.Message(errors.New(strings.Repeat("é", 300))); len(got) > 200 || !strings.HasSuffix(got, "…") {
		t.Errorf("long message: %d bytes, %q…", len(got), got[:10])
	}
	for raw, want := range map[string]string{
		"http://127.0.0.1/": "127.0.0.1:80", "https://h/": "h:443", "http://h:8080/": "h:8080", "https://[::1]/": "[::1]:443",
	} {
		u, _ := url.Parse(raw)
		if got := trace.HostPort(u); got != want {
			t.Errorf("HostPort(%s) = %s, want %s", raw, got, want)
		}
	}
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.EADDRNOTAVAIL, syscall.ENFILE} {
		err := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", e)}
		if got := trace.Classify(err); got != trace.ErrClientResources {
			t.Errorf("Classify(%v) = %q, want client_resources", err, got)
		}
	}
}

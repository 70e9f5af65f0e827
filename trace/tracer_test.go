package trace_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/trace"
)

// sharedClient is a one-worker shared pool's client for u, closed when the
// test ends.
func sharedClient(t *testing.T, u *url.URL) *http.Client {
	t.Helper()
	p, err := pool.New(pool.Config{Options: pool.DefaultOptions(pool.Shared, 1), Workers: 1}, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	c, _, err := p.Client(0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTracerReuse: request after request on one connection, a tracer
// keeps its context (its hooks are built once), and every sample is whole:
// one request on the wire, the first on a new connection, the rest reused,
// each with its wait, ttfb and body.
func TestTracerReuse(t *testing.T) {
	u := servertest.Canned(t)
	client := sharedClient(t, u)
	tr := trace.NewTracer(context.Background())
	ctx := tr.Context()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		s := tr.Do(client, req)
		want := trace.Wire{Sent: 1, ReusedConns: 1}
		if i == 0 {
			want = trace.Wire{Sent: 1, NewConns: 1}
		}
		if s.Status != 200 || s.Bytes != 64 || s.Wire != want || s.Reused != (i > 0) {
			t.Errorf("request %d: status %d, %d bytes, wire %+v, reused %v; want 200, 64, %+v, %v",
				i, s.Status, s.Bytes, s.Wire, s.Reused, want, i > 0)
		}
		for _, p := range []trace.Phase{trace.Wait, trace.TTFB, trace.Body, trace.Total} {
			if !s.Has[p] {
				t.Errorf("request %d: no %s phase", i, p)
			}
		}
		if got := tr.Context(); got != ctx {
			t.Fatalf("request %d changed the tracer's context: a success must keep its hooks", i)
		}
	}
}

// TestTracerAllocs: a tracer's request allocates nothing beyond what
// net/http allocates for the same request untraced, on the same warm
// connection (servertest.Canned allocates nothing itself). Building the
// trace for each request cost 21 allocations.
func TestTracerAllocs(t *testing.T) {
	u := servertest.Canned(t)
	client := sharedClient(t, u)
	tr := trace.NewTracer(context.Background())
	traced, err := http.NewRequestWithContext(tr.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	bare := traced.WithContext(context.Background())
	tr.Do(client, traced) // dial the connection both reuse
	withTrace := testing.AllocsPerRun(200, func() { tr.Do(client, traced) })
	without := testing.AllocsPerRun(200, func() {
		resp, err := client.Do(bare)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	})
	// The race detector drops sync.Pool items at random, and net/http
	// allocates a little more or less from one run to the next then.
	slack := 0.0
	if raceEnabled {
		slack = 2
	}
	if withTrace > without+slack {
		t.Errorf("traced request: %v allocations, untraced %v: the trace allocates %v of its own, want 0",
			withTrace, without, withTrace-without)
	}
}

// blockedBody is a request body whose first Read waits until release is
// closed.
type blockedBody struct {
	release chan struct{}
	r       io.Reader
}

func (b *blockedBody) Read(p []byte) (int, error) {
	<-b.release
	return b.r.Read(p)
}

// TestTracerRetires: a request whose hooks may still fire once it is done
// retires the tracer's hooks, and the late hooks do not reach the next
// request. (a) servertest.Canned answers a POST as soon as its header
// arrives, while its body is still held back: the response comes before
// WroteRequest. (b) A refused connection fails.
func TestTracerRetires(t *testing.T) {
	u := servertest.Canned(t)
	client := sharedClient(t, u)
	tr := trace.NewTracer(context.Background())

	ctx := tr.Context()
	body := &blockedBody{release: make(chan struct{}), r: bytes.NewReader([]byte("hello"))}
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), body)
	if err != nil {
		t.Fatal(err)
	}
	post.ContentLength = 5
	s := tr.Do(client, post)
	if s.Status != 200 {
		t.Fatalf("POST: status %d (%v), want 200 before its body was sent", s.Status, s.Cause)
	}
	if tr.Context() == ctx {
		t.Fatal("the response came before WroteRequest, and the tracer kept its hooks")
	}
	close(body.release) // the write ends, WroteRequest fires on the retired hooks

	ctx = tr.Context()
	get, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s = tr.Do(client, get)
		if s.Status != 200 || s.Wire.Sent != 1 || s.Wire.NewConns+s.Wire.ReusedConns != 1 || s.Wire.TransportRetries != 0 {
			t.Errorf("GET %d after the retired POST: status %d, wire %+v; want 200, one request on one connection", i, s.Status, s.Wire)
		}
	}
	if tr.Context() != ctx {
		t.Error("successful GETs changed the tracer's context")
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+closedAddr(t)+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.Do(http.DefaultClient, req); s.Err != trace.ErrRefused {
		t.Errorf("refused connection: class %q, want %q", s.Err, trace.ErrRefused)
	}
	if tr.Context() == ctx {
		t.Error("a failed request kept the tracer's hooks")
	}
}

// TestTracerTimeout: a tracer enforces its client's Timeout itself, on the
// fake clock. A request held 1 s by the target fails after exactly the
// 100 ms timeout, as a TimeoutError of class timeout, and retires the
// hooks; the target counts it aborted. Requests that finish in time leave
// no timer behind: a second later the tracer's context is still live and
// the next request reuses it.
func TestTracerTimeout(t *testing.T) {
	const limit = 100 * time.Millisecond
	synctest.Test(t, func(t *testing.T) {
		timeout := func(c *pool.Config) { c.Timeout = limit }
		slow, slowPool := pipePool(t, server.Config{Latency: time.Second}, timeout)
		fast, fastPool := pipePool(t, server.Config{}, timeout)
		slowClient, _, _ := slowPool.Client(0)
		fastClient, _, _ := fastPool.Client(0)
		tr := trace.NewTracer(context.Background())

		ctx := tr.Context()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, slow.URL()+"/", nil)
		s := tr.Do(slowClient, req)
		var te *trace.TimeoutError
		if s.Err != trace.ErrTimeout || !errors.As(s.Cause, &te) || te.After != limit {
			t.Errorf("held request: class %q, cause %v; want timeout, a TimeoutError after %v", s.Err, s.Cause, limit)
		}
		if s.Latency() != limit {
			t.Errorf("held request: latency %v, want %v", s.Latency(), limit)
		}
		if tr.Context() == ctx {
			t.Error("a request that timed out kept the tracer's hooks")
		}

		ctx = tr.Context()
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, fast.URL()+"/", nil)
		for i := range 3 {
			if s := tr.Do(fastClient, req); s.Status != 200 {
				t.Errorf("request %d: status %d (%v), want 200", i, s.Status, s.Cause)
			}
			time.Sleep(time.Second) // ten timeouts: a timer left running fires
			if tr.Context() != ctx || ctx.Err() != nil {
				t.Fatalf("request %d: the tracer's context changed or ended (%v) after a request in time", i, ctx.Err())
			}
		}
		slowPool.Close()
		fastPool.Close()
		synctest.Wait()
		if sc := slow.Counts(); sc.Aborted != 1 || sc.Requests != 0 {
			t.Errorf("held target: %v; want the one request aborted", sc)
		}
		if fc := fast.Counts(); fc.Requests != 3 || fc.Accepted != 1 {
			t.Errorf("fast target: %v; want 3 requests on 1 connection", fc)
		}
	})
}

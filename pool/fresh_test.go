package pool_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reusebench/reusebench/pool"
)

// TestFreshWire: over HTTP/1.1 the fresh strategy shares one transport that
// keeps no idle connection, and the server must see what a client made for
// one request sends: each request on a connection of its own, none asking
// the server to close ("Connection: close"), every connection closed by the
// client after its response.
func TestFreshWire(t *testing.T) {
	var asked, served atomic.Int64
	conns := map[net.Conn]int{} // requests served on each connection
	var mu sync.Mutex
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Close {
			asked.Add(1)
		}
		w.Write([]byte("ok"))
	}))
	var closed atomic.Int64
	ts.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateActive:
			conns[c]++
		case http.StateClosed:
			closed.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	u, _ := url.Parse(ts.URL)
	p, err := pool.New(pool.Config{Options: pool.DefaultOptions(pool.Fresh, 2), Workers: 2}, u)
	if err != nil {
		t.Fatal(err)
	}
	// 2 workers × 10 requests: 20 requests, 20 connections.
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for range 10 {
				if s := send(t, p, w, ts.URL+"/"); s.Status != 200 || s.Reused {
					t.Errorf("worker %d: status %d, reused %v; want 200 on a new connection", w, s.Status, s.Reused)
				}
			}
		})
	}
	wg.Wait()
	p.Close()
	if got := p.Counts(); got.Opened != 20 || got.Closed != 20 {
		t.Errorf("pool opened %d and closed %d connections, want 20 and 20", got.Opened, got.Closed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for closed.Load() < 20 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) != 20 || served.Load() != 20 {
		t.Errorf("server served %d requests on %d connections, want 20 on 20", served.Load(), len(conns))
	}
	for _, n := range conns {
		if n != 1 {
			t.Errorf("server served %d requests on one connection, want 1", n)
		}
	}
	if asked.Load() != 0 {
		t.Errorf("%d requests asked the server to close, want 0", asked.Load())
	}
	if closed.Load() != 20 {
		t.Errorf("server saw %d connections close, want 20", closed.Load())
	}
}

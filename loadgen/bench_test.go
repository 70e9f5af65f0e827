package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/trace"
)

// The per-request path, measured against a canned responder: a loopback
// HTTP/1.1 server that answers every request with the same 64-byte body and
// allocates nothing per request, so the allocations a benchmark reports
// are the client's. Run:
//
//	go test -run '^$' -bench 'Request|BareLoop' -benchmem ./loadgen/
//
// and compare BenchmarkRequest (reusebench's worker path: pick a target,
// build the request, trace it, record it) with BenchmarkBareLoop (what
// bench/baseline does: http.NewRequest, Do, drain, close), each in
// keep-alive and fresh-connection mode.

// cannedResponse is what nginx sends for bench/nginx.sh's location, less
// the Date and Server headers.
const cannedResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 64\r\n\r\n" +
	"reusebench nginx peer: this fixed body is exactly 64 bytes long."

// startCanned starts the canned responder on loopback and stops it when
// the benchmark ends. It closes a connection after answering a request
// that asked for it (Connection: close).
func startCanned(tb testing.TB) *url.URL {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open[c] = true
			mu.Unlock()
			wg.Go(func() {
				serveCanned(c)
				mu.Lock()
				delete(open, c)
				mu.Unlock()
			})
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return &url.URL{Scheme: "http", Host: ln.Addr().String(), Path: "/"}
}

func serveCanned(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	resp := []byte(cannedResponse)
	for {
		closeAfter := false
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 { // the blank line ending the header
				break
			}
			if len(line) > 11 && bytes.EqualFold(line[:11], []byte("connection:")) &&
				bytes.Contains(bytes.ToLower(line[11:]), []byte("close")) {
				closeAfter = true
			}
		}
		if _, err := c.Write(resp); err != nil || closeAfter {
			return
		}
	}
}

// discard is a Sink that keeps nothing: the record step has its own
// benchmark (stats.BenchmarkRecord).
type discard struct{}

func (discard) Begin(time.Time)           {}
func (discard) Record(int, *trace.Sample) {}
func (discard) RecordConn(*trace.Conn)    {}

// BenchmarkRequest is one worker's request, as a closed-model round sends
// it: r.do (target, request, pool client, trace.Do) and r.emit.
func BenchmarkRequest(b *testing.B) {
	u := startCanned(b)
	for _, strategy := range []pool.Strategy{pool.Shared, pool.Fresh} {
		b.Run(string(strategy), func(b *testing.B) {
			cfg := Config{
				Pool:     pool.Config{Options: pool.DefaultOptions(strategy, 1)},
				Targets:  []Target{{Method: http.MethodGet, URL: u}},
				Workers:  1,
				Requests: 1,
			}
			ctx := context.Background()
			f, err := NewFleet(ctx, cfg, discard{})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close(ctx)
			r := f.r
			b.ReportAllocs()
			for b.Loop() {
				s := r.do(ctx, 0, time.Time{})
				if s.Status != http.StatusOK {
					b.Fatalf("status %d, error %v", s.Status, s.Cause)
				}
				r.emit(ctx, 0, &s, true)
			}
		})
	}
}

// BenchmarkBareLoop is bench/baseline's loop body: the yardstick.
func BenchmarkBareLoop(b *testing.B) {
	u := startCanned(b).String()
	for _, mode := range []string{"keepalive", "fresh"} {
		b.Run(mode, func(b *testing.B) {
			var protos http.Protocols
			protos.SetHTTP1(true)
			tr := &http.Transport{
				MaxIdleConns: 100, MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second,
				DisableKeepAlives: mode == "fresh", Protocols: &protos,
			}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			b.ReportAllocs()
			for b.Loop() {
				req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
				if err != nil {
					b.Fatal(err)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

package loadgen

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/trace"
)

// The per-request path, measured against servertest.Canned: a loopback
// HTTP/1.1 responder that answers every request with the same 64-byte body
// and allocates nothing per request, so the allocations a benchmark
// reports are the client's. Run:
//
//	go test -run '^$' -bench 'Request|BareLoop' -benchmem ./loadgen/
//
// and compare BenchmarkRequest (reusebench's worker path: pick a target,
// build the request, trace it, record it) with BenchmarkBareLoop (what
// bench/baseline does: http.NewRequest, Do, drain, close), each in
// keep-alive and fresh-connection mode.

// discard is a Sink that keeps nothing: the record step has its own
// benchmark (stats.BenchmarkRecord).
type discard struct{}

func (discard) Begin(time.Time)           {}
func (discard) Record(int, *trace.Sample) {}
func (discard) RecordConn(*trace.Conn)    {}

// BenchmarkRequest is one worker's request, as a closed-model round sends
// it: r.do (target, request, pool client, the worker's tracer) and r.emit.
func BenchmarkRequest(b *testing.B) {
	u := servertest.Canned(b)
	for _, tc := range []struct {
		name      string
		strategy  pool.Strategy
		keepAlive bool
	}{
		{"shared", pool.Shared, true},
		{"fresh", pool.Fresh, true},                  // the client closes, as a client made per request does
		{"fresh,keepalive=false", pool.Fresh, false}, // Connection: close, as BareLoop/fresh
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := pool.DefaultOptions(tc.strategy, 1)
			opts.KeepAlive = tc.keepAlive
			cfg := Config{
				Pool:     pool.Config{Options: opts},
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
			wk := newWorker(ctx, 0)
			b.ReportAllocs()
			for b.Loop() {
				wk.sample = r.do(ctx, wk, time.Time{})
				if s := &wk.sample; s.Status != http.StatusOK {
					b.Fatalf("status %d, error %v", s.Status, s.Cause)
				}
				r.emit(ctx, 0, &wk.sample, true)
			}
		})
	}
}

// BenchmarkBareLoop is bench/baseline's loop body: the yardstick.
func BenchmarkBareLoop(b *testing.B) {
	u := servertest.Canned(b).String()
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

package server

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"testing"
)

// wire counts, from the client's side, what went on the wire: every
// request written to a connection (each is one Write: net/http flushes a
// request of less than 4 KB at once), and every connection a request got
// (GotConn). httptrace's WroteRequest cannot tell: it fires once the
// request is in the transport's buffer, before the write that may fail.
type wire struct {
	sent, gotConn atomic.Int64
}

// attach makes tr's connections count their writes into w: over TLS, the
// writes of the TLS connection, which does its handshake itself.
func (w *wire) attach(tr *http.Transport) {
	dial := tr.DialContext
	if cfg := tr.TLSClientConfig; cfg != nil {
		tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			tc := tls.Client(c, cfg)
			if err := tc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, err
			}
			return &countingConn{Conn: tc, writes: &w.sent}, nil
		}
		return
	}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, writes: &w.sent}, nil
	}
}

// countingConn counts its successful writes.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1) // before the write: its response can come before Write returns
	n, err := c.Conn.Write(b)
	if err != nil {
		c.writes.Add(-1)
	}
	return n, err
}

// do sends GET path with c, traced into w, reads the body and returns the
// status (0 on an error) and the error.
func (w *wire) do(c *http.Client, method, url string) (int, error) {
	tr := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { w.gotConn.Add(1) }}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return 0, err
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), tr))
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, err
	}
	return resp.StatusCode, nil
}

// settle closes the client's idle connections and waits until the target
// has seen every connection close and every handler return.
func settle(t *testing.T, s *Server, tr *http.Transport) Counts {
	t.Helper()
	tr.CloseIdleConnections()
	if err := s.WaitClosed(t.Context(), s.Counts().Accepted); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s.Counts()
}

// checkWire checks that the target read exactly what the client wrote.
func checkWire(t *testing.T, got Counts, w *wire) {
	t.Helper()
	if got.Read != w.sent.Load() {
		t.Errorf("target read %d requests, the client wrote %d", got.Read, w.sent.Load())
	}
	if ended := got.Requests + got.Aborted + got.Dropped + got.Reset + got.Stale; got.Read != ended {
		t.Errorf("read %d, ended %d: %v", got.Read, ended, got)
	}
}

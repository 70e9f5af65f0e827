package servertest

import (
	"bufio"
	"bytes"
	"net"
	"net/url"
	"sync"
	"testing"
)

// cannedResponse is what Canned answers to every request: nginx's answer
// for bench/nginx.sh's location, less its Date and Server headers.
const cannedResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 64\r\n\r\n" +
	"reusebench nginx peer: this fixed body is exactly 64 bytes long."

// Canned starts a minimal HTTP/1.1 responder on loopback and returns its
// URL; it stops when the test ends. It answers every request with
// cannedResponse as soon as the request's header has arrived, reading no
// body, and allocates nothing per request, so the allocations a benchmark
// or an AllocsPerRun sees are the client's. It closes a connection after a
// request that asks it to (Connection: close). It counts nothing: tests
// that check counts use Start.
func Canned(tb testing.TB) *url.URL {
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

var (
	connectionKey = []byte("connection:")
	closeToken    = []byte("close")
)

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
			if len(line) > len(connectionKey) && bytes.EqualFold(line[:len(connectionKey)], connectionKey) &&
				containsFold(line[len(connectionKey):], closeToken) {
				closeAfter = true
			}
		}
		if _, err := c.Write(resp); err != nil || closeAfter {
			return
		}
	}
}

// containsFold reports whether b contains tok, ASCII case folded, without
// allocating.
func containsFold(b, tok []byte) bool {
	for i := 0; i+len(tok) <= len(b); i++ {
		if bytes.EqualFold(b[i:i+len(tok)], tok) {
			return true
		}
	}
	return false
}

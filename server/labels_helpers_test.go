package server

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
)

// profileClient is one profile's client: its own Transport, so that it keeps
// its connections across its rounds, and, from the client's side, how many
// requests went over each of its connections (by local address).
type profileClient struct {
	tr *http.Transport
	c  *http.Client

	mu      sync.Mutex
	perConn map[string]int64 // guarded by mu
	// got receives one value for every connection a request got.
	got chan struct{}
}

func newProfileClient(tr *http.Transport) *profileClient {
	return &profileClient{tr: tr, c: &http.Client{Transport: tr}, perConn: make(map[string]int64), got: make(chan struct{}, 64)}
}

// do sends req with a trace that notes the connection it went over, reads
// the whole response and fails the test unless it is a 200.
func (p *profileClient) do(t *testing.T, req *http.Request) {
	t.Helper()
	trace := &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
		p.mu.Lock()
		p.perConn[ci.Conn.LocalAddr().String()]++
		p.mu.Unlock()
		p.got <- struct{}{}
	}}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := p.c.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", req.Method, req.URL, err)
		return
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Errorf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s %s: status %d, want 200", req.Method, req.URL, resp.StatusCode)
	}
}

// get sends n GET / one after the other. Each reads its response to the end,
// which puts the connection back in the Transport's pool before the next.
func (p *profileClient) get(t *testing.T, s *Server, n int) {
	t.Helper()
	for range n {
		req, err := http.NewRequest(http.MethodGet, s.URL()+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		p.do(t, req)
		select { // its GotConn: only open waits on them
		case <-p.got:
		default:
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// open makes the client open k new connections, one request on each: it
// sends k POST / at once with bodies it holds back until the server has
// accepted k more connections and every request has got its connection.
// While its body is held, a request keeps its connection busy, so the
// Transport must dial one per request; waiting for every GotConn keeps a
// request from taking another's connection once that one's body is sent.
func (p *profileClient) open(t *testing.T, s *Server, k int) {
	t.Helper()
	s.mu.Lock()
	base := s.accepts
	s.mu.Unlock()
	var wg sync.WaitGroup
	writers := make([]*io.PipeWriter, k)
	for i := range k {
		pr, pw := io.Pipe()
		writers[i] = pw
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/", pr)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { p.do(t, req) })
	}
	err := s.WaitAccepted(waitCtx(t), base+int64(k))
	ctx := waitCtx(t)
	for range k {
		select {
		case <-p.got:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	for _, pw := range writers {
		pw.Write([]byte("body"))
		pw.Close()
	}
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// maxPerConn returns how many connections the client used and the most
// requests it sent over one of them.
func (p *profileClient) maxPerConn() (conns int, most int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.perConn {
		most = max(most, n)
	}
	return len(p.perConn), most
}

// waitLabelClosed waits until label has n closed connections.
func waitLabelClosed(t *testing.T, s *Server, label string, n int64) {
	t.Helper()
	if err := s.WaitLabelClosed(waitCtx(t), label, n); err != nil {
		t.Fatal(err)
	}
}

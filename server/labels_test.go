package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
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

func TestLabelInterleaving(t *testing.T) {
	s := startServer(t, Config{})
	a := newProfileClient(&http.Transport{})
	b := newProfileClient(&http.Transport{})
	// The rounds of two profiles, interleaved as a run does. Each profile
	// keeps its connections open across its rounds, and each round sets
	// its profile's label first.
	const keep = "" // no SetLabel before the round
	rounds := []struct {
		setLabel string
		client   *profileClient
		newConns int // opened by the round's first requests, one each
		more     int // then sent one by one over the kept connections
	}{
		{"a", a, 2, 1},
		{"b", b, 1, 1},
		{"a", a, 0, 4},
		{"b", b, 0, 1},
	}
	for _, r := range rounds {
		if r.setLabel != keep {
			s.SetLabel(r.setLabel)
		}
		if r.newConns > 0 {
			r.client.open(t, s, r.newConns)
		}
		r.client.get(t, s, r.more)
	}
	a.tr.CloseIdleConnections()
	b.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "a", 2)
	waitLabelClosed(t, s, "b", 1)

	// a: 2 connections, opened in its first round with one request each,
	// then 1 + 4 requests over them: 7 requests, all 200 over HTTP/1.1; both
	// connections closed, neither unused. How the 5 later requests spread
	// over the 2 connections is the Transport's choice: the client's trace
	// tells MaxPerConn.
	// b: 1 connection, opened with one request, then 1 + 1 over it: 3
	// requests, all on that connection (MaxPerConn 3); closed, not unused.
	aConns, aMax := a.maxPerConn()
	bConns, bMax := b.maxPerConn()
	if aConns != 2 || bConns != 1 || bMax != 3 {
		t.Fatalf("client side: a used %d connections, b used %d with at most %d requests on one; want 2, 1 and 3",
			aConns, bConns, bMax)
	}
	tests := []struct {
		label string
		want  Counts
	}{
		{"a", Counts{
			Accepted: 2, Closed: 2, Requests: 7, Unused: 0, MaxPerConn: aMax,
			Statuses: map[int]int64{200: 7}, BySource: map[string]int64{"127.0.0.1": 2},
			Protocols: map[string]int64{"HTTP/1.1": 7},
		}},
		{"b", Counts{
			Accepted: 1, Closed: 1, Requests: 3, Unused: 0, MaxPerConn: 3,
			Statuses: map[int]int64{200: 3}, BySource: map[string]int64{"127.0.0.1": 1},
			Protocols: map[string]int64{"HTTP/1.1": 3},
		}},
		{"", Counts{}}, // the default label, never current while a client dialled
		{"never set", Counts{}},
	}
	for _, tc := range tests {
		t.Run("label "+tc.label, func(t *testing.T) {
			checkCounts(t, s.LabelCounts(tc.label), tc.want)
		})
	}
	// The epoch counts are the sum of both.
	checkCounts(t, s.Counts(), Counts{
		Accepted: 3, Closed: 3, Requests: 10, MaxPerConn: max(aMax, 3),
		Statuses: map[int]int64{200: 10}, BySource: map[string]int64{"127.0.0.1": 3},
		Protocols: map[string]int64{"HTTP/1.1": 10},
	})
}

func TestLabelUnusedClosesLater(t *testing.T) {
	tests := []struct {
		name           string
		tls            bool
		wantHandshakes int64 // of a's unused connection
	}{
		{"tcp", false, 0},
		{"tls handshake only", true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{TLS: tc.tls})
			s.SetLabel("a")
			conn, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if tc.tls {
				tc := tls.Client(conn, &tls.Config{RootCAs: s.CertPool(), ServerName: "127.0.0.1"})
				if err := tc.HandshakeContext(waitCtx(t)); err != nil {
					t.Fatal(err)
				}
				conn = tc
			}
			if err := s.WaitAccepted(waitCtx(t), 1); err != nil {
				t.Fatal(err)
			}

			// Under "b", another client uses a connection of its own while
			// a's stays open, then a's closes without a request.
			s.SetLabel("b")
			b := newProfileClient(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CertPool()}})
			b.get(t, s, 1)
			if got := s.LabelCounts("a"); got.Open != 1 || got.Closed != 0 {
				t.Fatalf("a before its connection closes: %+v, want 1 open, 0 closed", got)
			}
			conn.Close()
			waitLabelClosed(t, s, "a", 1)
			b.tr.CloseIdleConnections()
			waitLabelClosed(t, s, "b", 1)

			checkCounts(t, s.LabelCounts("a"), Counts{
				Accepted: 1, Closed: 1, Unused: 1, TLSHandshakes: tc.wantHandshakes,
				BySource: map[string]int64{"127.0.0.1": 1},
			})
			checkCounts(t, s.LabelCounts("b"), Counts{
				Accepted: 1, Closed: 1, Requests: 1, MaxPerConn: 1, TLSHandshakes: tc.wantHandshakes,
				Statuses: map[int]int64{200: 1}, BySource: map[string]int64{"127.0.0.1": 1},
				Protocols: map[string]int64{"HTTP/1.1": 1},
			})
		})
	}
}

func TestLabelAborted(t *testing.T) {
	tests := []struct {
		name         string
		labelAtAbort string // current when b's client gives up
	}{
		{"b current", "b"},
		{"a current again", "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Fake time: every request is held for an hour; b's client gives
			// up after a minute, while the handler holds its request.
			synctest.Test(t, func(t *testing.T) {
				s, _, _ := pipeClient(t, Config{Latency: time.Hour})
				pl := s.cfg.Listener.(*PipeListener)
				a := newProfileClient(&http.Transport{DialContext: pl.DialContext})
				b := newProfileClient(&http.Transport{DialContext: pl.DialContext})
				b.c.Timeout = time.Minute
				t.Cleanup(a.tr.CloseIdleConnections)

				s.SetLabel("a")
				a.get(t, s, 1) // a's connection stays open

				s.SetLabel("b")
				errc := make(chan error, 1)
				go func() {
					resp, err := b.c.Get(s.URL() + "/")
					if err == nil {
						resp.Body.Close()
					}
					errc <- err
				}()
				synctest.Wait() // b's request is held by the handler
				if n := s.inflightNow(); n != 1 {
					t.Fatalf("%d requests in flight, want 1", n)
				}
				s.SetLabel(tc.labelAtAbort)
				if err := <-errc; err == nil {
					t.Fatal("b's request succeeded, want its client timeout")
				}
				// The Transport closes the connection of a request it gives
				// up; the server counts it closed after the handler returned.
				waitLabelClosed(t, s, "b", 1)

				checkCounts(t, s.LabelCounts("b"), Counts{
					Accepted: 1, Closed: 1, Aborted: 1, // not unused: a request started on it
					BySource: map[string]int64{"127.0.0.1": 1},
				})
				checkCounts(t, s.LabelCounts("a"), Counts{
					Accepted: 1, Active: 1, Open: 1, Requests: 1, MaxPerConn: 1,
					Statuses: map[int]int64{200: 1}, BySource: map[string]int64{"127.0.0.1": 1},
					Protocols: map[string]int64{"HTTP/1.1": 1},
				})
				if got := s.Counts(); got.Aborted != 1 {
					t.Errorf("Counts().Aborted = %d, want 1", got.Aborted)
				}
			})
		})
	}
}

func TestLabelTLSHandshakes(t *testing.T) {
	s := startServer(t, Config{TLS: true})
	cacheA := tls.NewLRUClientSessionCache(0)
	tlsConfig := func(cache tls.ClientSessionCache) *tls.Config {
		return &tls.Config{RootCAs: s.CertPool(), ServerName: "127.0.0.1", ClientSessionCache: cache}
	}
	a := newProfileClient(&http.Transport{TLSClientConfig: tlsConfig(cacheA)})
	// a2 is a's second client: no keep-alive, and a's session cache, so
	// it resumes the session a's first connection got.
	a2 := newProfileClient(&http.Transport{TLSClientConfig: tlsConfig(cacheA), DisableKeepAlives: true})
	b := newProfileClient(&http.Transport{
		TLSClientConfig: tlsConfig(tls.NewLRUClientSessionCache(0)), DisableKeepAlives: true,
	})

	// First, under "a", a connection that handshakes (fully: no session
	// cache) and sends nothing. The server looks at its handshake only
	// when it closes, at the end, under "b".
	s.SetLabel("a")
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	raw := tls.Client(conn, tlsConfig(nil))
	if err := raw.HandshakeContext(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitAccepted(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}

	rounds := []struct {
		label  string
		client *profileClient
		n      int
	}{
		{"a", a, 2},  // 1 connection, 1 full handshake
		{"b", b, 4},  // 4 connections: 1 full handshake, 3 resumed
		{"a", a2, 1}, // 1 connection, resumed
		{"a", a, 1},  // a's kept connection: no handshake
	}
	for _, r := range rounds {
		s.SetLabel(r.label)
		r.client.get(t, s, r.n)
	}
	s.SetLabel("b")
	raw.Close()
	a.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "a", 3)
	waitLabelClosed(t, s, "b", 4)

	tests := []struct {
		label string
		want  Counts
	}{
		{"a", Counts{
			Accepted: 3, Closed: 3, Unused: 1, Requests: 4, MaxPerConn: 3, TLSHandshakes: 3, TLSResumed: 1,
			Statuses: map[int]int64{200: 4}, BySource: map[string]int64{"127.0.0.1": 3},
			Protocols: map[string]int64{"HTTP/1.1": 4},
		}},
		{"b", Counts{
			Accepted: 4, Closed: 4, Requests: 4, MaxPerConn: 1, TLSHandshakes: 4, TLSResumed: 3,
			Statuses: map[int]int64{200: 4}, BySource: map[string]int64{"127.0.0.1": 4},
			Protocols: map[string]int64{"HTTP/1.1": 4},
		}},
	}
	for _, tc := range tests {
		t.Run("label "+tc.label, func(t *testing.T) {
			checkCounts(t, s.LabelCounts(tc.label), tc.want)
		})
	}
	if got := s.Counts(); got.TLSHandshakes != 7 || got.TLSResumed != 4 {
		t.Errorf("Counts: %d handshakes, %d resumed; want 7 and 4", got.TLSHandshakes, got.TLSResumed)
	}
}

func TestLabelReset(t *testing.T) {
	s := startServer(t, Config{})
	x := newProfileClient(&http.Transport{})
	a := newProfileClient(&http.Transport{})
	a2 := newProfileClient(&http.Transport{})

	x.get(t, s, 1) // before any SetLabel: label ""
	s.SetLabel("a")
	a.get(t, s, 2)
	s.Reset()

	// Counts starts over (both connections stay open); the labels do not.
	checkCounts(t, s.Counts(), Counts{Open: 2})
	beforeReset := Counts{
		Accepted: 1, Active: 1, Open: 1, Requests: 2, MaxPerConn: 2,
		Statuses: map[int]int64{200: 2}, BySource: map[string]int64{"127.0.0.1": 1},
		Protocols: map[string]int64{"HTTP/1.1": 2},
	}
	checkCounts(t, s.LabelCounts("a"), beforeReset)

	// After Reset: one more request on a's kept connection, and a new
	// connection with one request, still labelled "a" (Reset keeps the
	// current label).
	a.get(t, s, 1)
	a2.get(t, s, 1)
	x.tr.CloseIdleConnections()
	a.tr.CloseIdleConnections()
	a2.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "", 1)
	waitLabelClosed(t, s, "a", 2)

	tests := []struct {
		name string
		got  Counts
		want Counts
	}{
		// As before labels: only a2's connection was accepted since Reset;
		// both requests since Reset count, one per connection.
		{"Counts", s.Counts(), Counts{
			Accepted: 1, Closed: 1, Requests: 2, MaxPerConn: 1,
			Statuses: map[int]int64{200: 2}, BySource: map[string]int64{"127.0.0.1": 1},
			Protocols: map[string]int64{"HTTP/1.1": 2},
		}},
		{"label a", s.LabelCounts("a"), Counts{
			Accepted: 2, Closed: 2, Requests: 4, MaxPerConn: 3,
			Statuses: map[int]int64{200: 4}, BySource: map[string]int64{"127.0.0.1": 2},
			Protocols: map[string]int64{"HTTP/1.1": 4},
		}},
		{"default label", s.LabelCounts(""), Counts{
			Accepted: 1, Closed: 1, Requests: 1, MaxPerConn: 1,
			Statuses: map[int]int64{200: 1}, BySource: map[string]int64{"127.0.0.1": 1},
			Protocols: map[string]int64{"HTTP/1.1": 1},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkCounts(t, tc.got, tc.want)
		})
	}
}

func TestWaitLabelClosed(t *testing.T) {
	s := startServer(t, Config{})
	s.SetLabel("a")
	a := newProfileClient(&http.Transport{})
	a.get(t, s, 1)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		label   string
		n       int64
		wantErr bool
	}{
		{"nothing to wait for", canceled, "never set", 0, false},
		{"label never set", canceled, "never set", 1, true},
		{"open connection", canceled, "a", 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.WaitLabelClosed(tc.ctx, tc.label, tc.n)
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), `labelled "`+tc.label+`"`) {
				t.Fatalf("err = %v, want one wrapping context.Canceled that names label %q", err, tc.label)
			}
		})
	}
	a.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "a", 1)
}

func TestLabelRequestsFollowCurrentLabel(t *testing.T) {
	// A connection accepted under "w" (a warm-up's) and used after
	// SetLabel("a") stays w's connection, but the requests sent over it from
	// then on are a's: w has 1 connection and 1 request, a 0 connections
	// and 2 requests, and no connection of either is unused.
	s := startServer(t, Config{})
	c := newProfileClient(&http.Transport{})
	s.SetLabel("w")
	c.open(t, s, 1)
	s.SetLabel("a")
	c.get(t, s, 2)
	c.tr.CloseIdleConnections()
	waitLabelClosed(t, s, "w", 1)
	checkCounts(t, s.LabelCounts("w"), Counts{Accepted: 1, Closed: 1, Requests: 1, MaxPerConn: 1,
		Statuses: map[int]int64{200: 1}, BySource: map[string]int64{"127.0.0.1": 1},
		Protocols: map[string]int64{"HTTP/1.1": 1}})
	checkCounts(t, s.LabelCounts("a"), Counts{Requests: 2, MaxPerConn: 3,
		Statuses: map[int]int64{200: 2}, BySource: map[string]int64{},
		Protocols: map[string]int64{"HTTP/1.1": 2}})
}

package pool_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
	"github.com/reusebench/reusebench/trace"
)

// waitTimeout bounds every wait on the server in these tests.
const waitTimeout = 20 * time.Second

// newPool builds a pool for srv with the strategy's default options, changed by mod.
func newPool(t *testing.T, srv *server.Server, s pool.Strategy, workers int, mod func(*pool.Config)) *pool.Pool {
	t.Helper()
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg := pool.Config{Options: pool.DefaultOptions(s, workers), Workers: workers}
	if cp := srv.CertPool(); cp != nil {
		cfg.TLS = &tls.Config{RootCAs: cp}
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := pool.New(cfg, u)
	if err != nil {
		t.Fatalf("pool.New: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// send sends one traced GET / as worker w and returns its sample.
func send(t *testing.T, p *pool.Pool, w int, rawURL string) trace.Sample {
	t.Helper()
	client, release, err := p.Client(w)
	if err != nil {
		t.Fatalf("Client(%d): %v", w, err)
	}
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := trace.Do(client, req)
	release()
	return s
}

// closeAndWait closes p (its counts are final then) and waits until the
// server saw n connections close.
func closeAndWait(t *testing.T, p *pool.Pool, srv *server.Server, n int64) {
	t.Helper()
	p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := srv.WaitClosed(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func TestStrategyCounts(t *testing.T) {
	tests := []struct {
		name      string
		strategy  pool.Strategy
		tls       bool
		keepAlive bool
		http2     bool
		workers   int
		each      int // sequential requests per worker
		// wantMin and wantMax bound the connections opened.
		wantMin, wantMax int64
	}{
		{"shared http 1 worker", pool.Shared, false, true, false, 1, 20, 1, 1},
		{"shared https 1 worker", pool.Shared, true, true, false, 1, 20, 1, 1},
		{"fresh http", pool.Fresh, false, true, false, 1, 20, 20, 20},
		{"fresh https", pool.Fresh, true, true, false, 1, 10, 10, 10},
		{"fresh http 2 workers", pool.Fresh, false, true, false, 2, 5, 10, 10},
		// HTTP/2 multiplexes a transport's requests on one connection, so
		// fresh keeps a client per request there.
		{"fresh https http2 2 workers", pool.Fresh, true, true, true, 2, 5, 10, 10},
		{"shared https http2", pool.Shared, true, true, true, 1, 10, 1, 1},
		{"per-worker http 3 workers", pool.PerWorker, false, true, false, 3, 5, 3, 3},
		{"per-worker https 3 workers", pool.PerWorker, true, true, false, 3, 5, 3, 3},
		{"shared http keep-alive off", pool.Shared, false, false, false, 1, 20, 20, 20},
		{"shared https keep-alive off", pool.Shared, true, false, false, 1, 10, 10, 10},
		{"per-worker http keep-alive off", pool.PerWorker, false, false, false, 2, 5, 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := servertest.Start(t, server.Config{TLS: tt.tls, HTTP2: tt.http2})
			p := newPool(t, srv, tt.strategy, tt.workers, func(c *pool.Config) { c.KeepAlive, c.HTTP2 = tt.keepAlive, tt.http2 })
			samples := make([][]trace.Sample, tt.workers)
			var wg sync.WaitGroup
			for w := range tt.workers {
				wg.Go(func() {
					for range tt.each {
						samples[w] = append(samples[w], send(t, p, w, srv.URL()+"/"))
					}
				})
			}
			wg.Wait()
			total := int64(tt.workers * tt.each)
			var fresh int64
			for w := range samples {
				for i, s := range samples[w] {
					if s.Err != trace.ErrNone || s.Status != 200 {
						t.Fatalf("worker %d request %d: err %q status %d", w, i, s.Err, s.Status)
					}
					if !s.Reused {
						fresh++
					}
				}
			}
			closeAndWait(t, p, srv, p.Counts().Opened)
			pc, sc := p.Counts(), srv.Counts()

			if pc.Opened < tt.wantMin || pc.Opened > tt.wantMax {
				t.Errorf("pool opened %d connections, want %d..%d", pc.Opened, tt.wantMin, tt.wantMax)
			}
			if sc.Accepted != pc.Opened {
				t.Errorf("server accepted %d connections, pool counted %d", sc.Accepted, pc.Opened)
			}
			if tt.http2 && sc.Protocols["HTTP/2.0"] != total {
				t.Errorf("server read %v requests by protocol, want all %d over HTTP/2.0", sc.Protocols, total)
			}
			if sc.Requests != total || sc.Statuses[200] != total {
				t.Errorf("server answered %d requests (%v), want %d", sc.Requests, sc.Statuses, total)
			}
			if fresh != pc.Opened {
				t.Errorf("%d samples not reused, pool opened %d connections", fresh, pc.Opened)
			}
			if pc.Closed != pc.Opened || sc.Closed != sc.Accepted {
				t.Errorf("after Close: pool closed %d of %d, server saw %d of %d close", pc.Closed, pc.Opened, sc.Closed, sc.Accepted)
			}
			if pc.Unused != 0 || sc.Unused != 0 || pc.DialErrors != 0 {
				t.Errorf("unused: pool %d server %d, dial errors %d; want 0", pc.Unused, sc.Unused, pc.DialErrors)
			}
			wantHS := int64(0)
			if tt.tls {
				wantHS = pc.Opened
			}
			if pc.TLSHandshakes != wantHS || sc.TLSHandshakes != wantHS {
				t.Errorf("TLS handshakes: pool %d server %d, want %d", pc.TLSHandshakes, sc.TLSHandshakes, wantHS)
			}
			if pc.TLSResumed != 0 || sc.TLSResumed != 0 {
				t.Errorf("TLS resumed: pool %d server %d, want 0 (resumption off by default)", pc.TLSResumed, sc.TLSResumed)
			}
			if tt.wantMin == tt.wantMax && tt.keepAlive && tt.strategy != pool.Fresh {
				if want := total / tt.wantMax; sc.MaxPerConn != want {
					t.Errorf("server: at most %d requests on one connection, want %d", sc.MaxPerConn, want)
				}
			}
			if !tt.keepAlive || tt.strategy == pool.Fresh {
				if sc.MaxPerConn != 1 {
					t.Errorf("server: %d requests on one connection, want 1", sc.MaxPerConn)
				}
			}
		})
	}
}

func TestTLSResume(t *testing.T) {
	const n = 10
	tests := []struct {
		name     string
		strategy pool.Strategy
		resume   bool
	}{
		{"fresh resume", pool.Fresh, true},
		{"fresh no resume", pool.Fresh, false},
		{"shared keep-alive off resume", pool.Shared, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := servertest.Start(t, server.Config{TLS: true})
			p := newPool(t, srv, tt.strategy, 1, func(c *pool.Config) {
				c.TLSResume = tt.resume
				if tt.strategy == pool.Shared {
					c.KeepAlive = false // one connection per request
				}
			})
			var sampleResumed, handshakes int64
			for i := range n {
				s := send(t, p, 0, srv.URL()+"/")
				if s.Err != trace.ErrNone {
					t.Fatalf("request %d: %q", i, s.Err)
				}
				if s.TLSHandshake {
					handshakes++
				}
				if s.TLSResumed {
					sampleResumed++
				}
				if i == 0 && s.TLSResumed {
					t.Error("first connection resumed a session")
				}
			}
			closeAndWait(t, p, srv, n)
			pc, sc := p.Counts(), srv.Counts()
			if pc.Opened != n || sc.Accepted != n {
				t.Fatalf("opened: pool %d server %d, want %d", pc.Opened, sc.Accepted, n)
			}
			want := int64(0)
			if tt.resume {
				want = pc.Opened - 1
			}
			if pc.TLSResumed != want {
				t.Errorf("pool: %d resumed of %d handshakes, want %d", pc.TLSResumed, pc.TLSHandshakes, want)
			}
			if sc.TLSResumed != pc.TLSResumed || sc.TLSHandshakes != pc.TLSHandshakes {
				t.Errorf("server: %d handshakes, %d resumed; pool: %d, %d", sc.TLSHandshakes, sc.TLSResumed, pc.TLSHandshakes, pc.TLSResumed)
			}
			if sampleResumed != pc.TLSResumed || handshakes != pc.TLSHandshakes {
				t.Errorf("samples: %d handshakes, %d resumed; pool: %d, %d", handshakes, sampleResumed, pc.TLSHandshakes, pc.TLSResumed)
			}
		})
	}
}

// TestLocalAddr checks every strategy's connections leave from local-addr, as
// the server sees them: per-worker too, whose clients are made lazily, one a
// worker, after New.
func TestLocalAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot bind 127.0.0.2 on this machine: %v", err)
	}
	ln.Close()
	const n = 5 // sequential requests per worker
	for _, tt := range []struct {
		strategy pool.Strategy
		workers  int
		want     int64 // connections: one for shared, one a worker, one a request for fresh
	}{
		{pool.Shared, 1, 1},
		{pool.PerWorker, 3, 3},
		{pool.Fresh, 1, n},
	} {
		t.Run(string(tt.strategy), func(t *testing.T) {
			srv := servertest.Start(t, server.Config{})
			p := newPool(t, srv, tt.strategy, tt.workers, func(c *pool.Config) { c.LocalAddr = "127.0.0.2" })
			for w := range tt.workers {
				for i := range n {
					if s := send(t, p, w, srv.URL()+"/"); s.Err != trace.ErrNone || s.Status != 200 {
						t.Fatalf("worker %d request %d: err %q status %d", w, i, s.Err, s.Status)
					}
				}
			}
			pc := p.Counts()
			closeAndWait(t, p, srv, pc.Opened)
			sc := srv.Counts()
			if pc.Opened != tt.want || sc.Accepted != tt.want || len(sc.BySource) != 1 || sc.BySource["127.0.0.2"] != tt.want {
				t.Errorf("server saw connections by source %v (accepted %d), pool opened %d; want all %d from 127.0.0.2",
					sc.BySource, sc.Accepted, pc.Opened, tt.want)
			}
		})
	}
}

func TestParseStrategy(t *testing.T) {
	tests := []struct {
		in      string
		want    pool.Strategy
		wantErr bool
	}{
		{"shared", pool.Shared, false},
		{"per-worker", pool.PerWorker, false},
		{"fresh", pool.Fresh, false},
		{"", "", true},
		{"Shared", "", true},
		{"per_worker", "", true},
		{" fresh", "", true},
		{"session", "", true},
	}
	for _, tt := range tests {
		got, err := pool.ParseStrategy(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseStrategy(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "shared, per-worker, fresh") {
			t.Errorf("ParseStrategy(%q) error %q does not list the valid strategies", tt.in, err)
		}
	}
	if len(pool.Strategies) != 3 {
		t.Errorf("Strategies = %v", pool.Strategies)
	}
}

func TestNewErrors(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:1/")
	tests := []struct {
		name string
		mod  func(*pool.Config)
		want string // the whole error
	}{
		{"0 workers", func(c *pool.Config) { c.Workers = 0 }, "pool: 0 workers, need at least 1"},
		{"negative workers", func(c *pool.Config) { c.Workers = -3 }, "pool: -3 workers, need at least 1"},
		{"unknown strategy", func(c *pool.Config) { c.Strategy = "bogus" }, `pool: unknown strategy "bogus" (valid: shared, per-worker, fresh)`},
		{"empty strategy", func(c *pool.Config) { c.Strategy = "" }, `pool: unknown strategy "" (valid: shared, per-worker, fresh)`},
		{"local-addr not an IP", func(c *pool.Config) { c.LocalAddr = "not-an-ip" }, `pool: local-addr "not-an-ip" is not an IP address`},
		{"local-addr with port", func(c *pool.Config) { c.LocalAddr = "127.0.0.1:80" }, `pool: local-addr "127.0.0.1:80" is not an IP address`},
		{"local-addr host name", func(c *pool.Config) { c.LocalAddr = "localhost" }, `pool: local-addr "localhost" is not an IP address`},
	}
	for _, tt := range tests {
		// Every strategy rejects a bad config in New, per-worker and fresh
		// too, which build no client there: a check done only when a client
		// is made would pass New for them and fail (or not) on first use.
		for _, strategy := range pool.Strategies {
			t.Run(tt.name+"/"+string(strategy), func(t *testing.T) {
				cfg := pool.Config{Options: pool.DefaultOptions(strategy, 2), Workers: 2}
				tt.mod(&cfg)
				p, err := pool.New(cfg, u)
				if err == nil {
					p.Close()
					t.Fatalf("New succeeded, want %q", tt.want)
				}
				if err.Error() != tt.want {
					t.Errorf("error %q, want %q", err, tt.want)
				}
			})
		}
	}
	// And valid ones for contrast, so the table cannot pass on a New that
	// always fails: local-addr is an IP for every strategy, per-worker
	// included (it is no per-worker restriction), and its clients come.
	for _, strategy := range pool.Strategies {
		for _, addr := range []string{"127.0.0.1", "::1"} {
			cfg := pool.Config{Options: pool.DefaultOptions(strategy, 2), Workers: 2}
			cfg.LocalAddr = addr
			p, err := pool.New(cfg, u)
			if err != nil {
				t.Errorf("%s, local-addr %s: %v", strategy, addr, err)
				continue
			}
			for w := range cfg.Workers {
				if c, release, err := p.Client(w); err != nil || c == nil {
					t.Errorf("%s, local-addr %s: Client(%d) = %v, %v", strategy, addr, w, c, err)
				} else {
					release()
				}
			}
			p.Close()
		}
	}
}

func TestDefaultOptions(t *testing.T) {
	for _, tc := range []struct {
		workers             int
		maxIdle, maxPerHost int
	}{{1, 100, 2}, {8, 100, 8}, {500, 500, 500}} {
		o := pool.DefaultOptions(pool.Shared, tc.workers)
		if o.MaxIdle != tc.maxIdle || o.MaxIdlePerHost != tc.maxPerHost || !o.KeepAlive || o.Strategy != pool.Shared {
			t.Errorf("DefaultOptions(shared, %d) = %+v, want max idle %d, per host %d, keep-alive", tc.workers, o, tc.maxIdle, tc.maxPerHost)
		}
	}
}

func TestCountsSub(t *testing.T) {
	a := pool.Counts{Opened: 10, Closed: 8, Unused: 2, TLSHandshakes: 7, TLSResumed: 5, DialErrors: 3}
	b := pool.Counts{Opened: 4, Closed: 3, Unused: 1, TLSHandshakes: 2, TLSResumed: 1, DialErrors: 1}
	want := pool.Counts{Opened: 6, Closed: 5, Unused: 1, TLSHandshakes: 5, TLSResumed: 4, DialErrors: 2}
	if got := a.Sub(b); got != want {
		t.Errorf("Sub = %+v, want %+v", got, want)
	}
}

// errorsIsTimeout reports whether err is a pool.TimeoutError of stage.
func errorsIsTimeout(err error, stage string) bool {
	var te *pool.TimeoutError
	return errors.As(err, &te) && te.Stage == stage && te.Timeout()
}

func TestTimeoutError(t *testing.T) {
	inner := errors.New("i/o timeout")
	err := error(&pool.TimeoutError{Stage: "tls", Err: inner})
	if !errors.Is(err, inner) {
		t.Error("TimeoutError does not unwrap to its cause")
	}
	if !errorsIsTimeout(err, "tls") || errorsIsTimeout(err, "dial") {
		t.Error("TimeoutError stage or Timeout wrong")
	}
	var to interface{ Timeout() bool }
	if !errors.As(err, &to) || !to.Timeout() {
		t.Error("TimeoutError does not report Timeout")
	}
	if got := err.Error(); got != "tls timeout: i/o timeout" {
		t.Errorf("Error() = %q", got)
	}
}

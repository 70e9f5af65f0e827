package cli

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// TestCookies checks the session strategies keep cookies as a client would:
// a shared or per-worker session logs in once and stays authorised, a fresh
// client has no jar; and --cookie reaches the server on every request.
func TestCookies(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.txt")
	writeFile(t, targets, fmt.Appendf(nil, "# log in, then use the session\nGET %s/login\n\nGET %s/protected\n", srv.URL(), srv.URL()))

	tests := []struct {
		spec     string
		statuses map[int]int64    // as the target counts them
		status   map[string]int64 // as the results report them
		http4xx  int64
	}{
		{"shared", map[int]int64{200: 20}, map[string]int64{"200": 20}, 0},
		{"per-worker", map[int]int64{200: 20}, map[string]int64{"200": 20}, 0},
		{"fresh", map[int]int64{200: 10, 401: 10}, map[string]int64{"200": 10, "401": 10}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			srv.Reset()
			p := runOne(t, "-c", "1", "-n", "20", "-p", tt.spec, "--targets", targets)
			c := settled(t, srv, p.Connections.Opened)
			if !maps.Equal(c.Statuses, tt.statuses) {
				t.Errorf("target answered %v, want %v", c.Statuses, tt.statuses)
			}
			if c.Requests != 20 || p.Requests != 20 {
				t.Errorf("target served %d requests, results say %d; want 20", c.Requests, p.Requests)
			}
			if !maps.Equal(p.Status, tt.status) {
				t.Errorf("results status %v, want %v", p.Status, tt.status)
			}
			if p.Errors.Total != tt.http4xx || p.Errors.ByClass["http_4xx"] != tt.http4xx {
				t.Errorf("results errors %+v, want %d http_4xx", p.Errors, tt.http4xx)
			}
			if c.Accepted != p.Connections.Opened {
				t.Errorf("target accepted %d connections, results opened %d", c.Accepted, p.Connections.Opened)
			}
		})
	}

	// --cookie: every request carries it exactly once, whatever the strategy.
	var dup atomic.Int64 // requests carrying k=v more than once
	cs := newCountingServer(t, func(r *http.Request, _ []byte) bool {
		n := cookieCount(r, "k", "v")
		if n > 1 {
			dup.Add(1)
		}
		return n == 1
	})
	cookieTargets := filepath.Join(dir, "cookie-targets.txt")
	writeFile(t, cookieTargets, fmt.Appendf(nil, "GET %s/\nGET %s/app/page\n", cs.URL, cs.URL))
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"shared", []string{"-p", "shared", cs.URL + "/"}},
		{"fresh", []string{"-p", "fresh", cs.URL + "/"}},
		{"per-worker", []string{"-p", "per-worker", cs.URL + "/"}},
		{"shared, two paths", []string{"-p", "shared", "--targets", cookieTargets}},
		{"fresh, two paths", []string{"-p", "fresh", "--targets", cookieTargets}},
	} {
		t.Run("--cookie "+tt.name, func(t *testing.T) {
			cs.reset()
			dup.Store(0)
			const n = 12
			p := runOne(t, append([]string{"-c", "2", "-n", fmt.Sprint(n), "--cookie", "k=v"}, tt.args...)...)
			if got := cs.total.Load(); got != n || p.Requests != n {
				t.Errorf("server saw %d requests, results say %d; want %d", got, p.Requests, n)
			}
			if d := dup.Load(); d > 0 && !strings.HasPrefix(tt.name, "fresh") {
				t.Errorf("%d of %d requests sent the seeded cookie twice (\"Cookie: k=v; k=v\")",
					d, cs.total.Load())
			}
			if got := cs.matched.Load(); got != n {
				t.Errorf("%d of %d requests carried the cookie k=v exactly once, want all", got, cs.total.Load())
			}
		})
	}
}

// TestAuth checks --bearer and --basic reach the server on every request
// and never reach the output.
func TestAuth(t *testing.T) {
	var mu sync.Mutex
	var want string
	cs := newCountingServer(t, func(r *http.Request, _ []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		return len(r.Header.Values("Authorization")) == 1 && r.Header.Get("Authorization") == want
	})
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.txt")
	writeFile(t, targets, fmt.Appendf(nil, "GET %s/a\nPOST %s/b\nX-Extra: 1\n", cs.URL, cs.URL))

	const token, user, pass = "tok123-Zq7", "alice", "pw-Xy9secret"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	// -o also draws the plots, seconds under -race: two runs write the report.
	tests := []struct {
		name    string
		args    []string
		header  string
		secrets []string
		report  bool
	}{
		{"bearer", []string{"--bearer", token, "-p", "shared", cs.URL + "/"}, "Bearer " + token, []string{token}, true},
		{"bearer fresh", []string{"--bearer", token, "-p", "fresh", cs.URL + "/"}, "Bearer " + token, []string{token}, false},
		{"bearer targets file", []string{"--bearer", token, "-p", "shared", "--targets", targets}, "Bearer " + token, []string{token}, false},
		{"basic", []string{"--basic", user + ":" + pass, "-p", "shared", cs.URL + "/"}, basic,
			[]string{pass, strings.TrimPrefix(basic, "Basic ")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs.reset()
			mu.Lock()
			want = tt.header
			mu.Unlock()
			out := filepath.Join(t.TempDir(), "report")
			const n = 10
			args := []string{"-c", "2", "-n", fmt.Sprint(n)}
			if tt.report {
				args = append(args, "--plots=false", "-o", out)
			}
			r := runCLI(t, append(args, tt.args...)...)
			if r.code != 0 || len(r.res.Profiles) != 1 {
				t.Fatalf("exit %d with %d profiles, want 0 and 1; stderr:\n%s", r.code, len(r.res.Profiles), r.stderr)
			}
			if got := cs.total.Load(); got != n {
				t.Errorf("server saw %d requests, want %d", got, n)
			}
			if got := cs.matched.Load(); got != n {
				t.Errorf("%d of %d requests carried Authorization %q, want all", got, cs.total.Load(), tt.header)
			}
			var file []byte
			if tt.report {
				var err error
				if file, err = os.ReadFile(filepath.Join(out, "results.json")); err != nil {
					t.Fatalf("-o: %v", err)
				}
			}
			for _, secret := range tt.secrets {
				for what, b := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "results.json": string(file)} {
					if strings.Contains(b, secret) {
						t.Errorf("the secret %q appears in %s", secret, what)
					}
				}
			}
		})
	}
	t.Run("bearer and basic", func(t *testing.T) {
		cs.reset()
		wantUsage(t, "--bearer and --basic", "-n", "1", "--bearer", "x", "--basic", "a:b", cs.URL+"/")
		if got := cs.total.Load(); got != 0 {
			t.Errorf("a refused run sent %d requests", got)
		}
	})
}

// holdListener accepts TCP connections and never writes to them: a TLS
// handshake on it never completes. It records whether each connection sent
// a TLS record first and whether the client closed it.

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// measured is one profile's results next to what the target counted for it.
type measured struct {
	prof   results.Profile
	server server.Counts
}

// runProfiles runs each spec as its own profile against srv and reads the
// target's own counts after each, once every connection the pool opened has
// closed on the server's side too.
func runProfiles(t *testing.T, srv *server.Server, args []string, specs ...string) map[string]measured {
	t.Helper()
	out := map[string]measured{}
	for _, spec := range specs {
		rc, err := parseRun(append(append([]string{}, args...), "-p", spec, srv.URL()+"/"), io.Discard)
		if err != nil {
			t.Fatalf("parse %v -p %s: %v", args, spec, err)
		}
		pl, err := resolve(rc, io.Discard)
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		pl.TLS.RootCAs = srv.CertPool()
		pl.Embedded = srv // resets the target's counters as the window starts
		res, err := experiment.Run(context.Background(), pl, nil)
		if err != nil {
			t.Fatalf("profile %s: %v", spec, err)
		}
		p := res.Profiles[0]
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := srv.WaitLabelClosed(ctx, p.Name, p.Connections.Opened); err != nil {
			t.Fatalf("profile %s: %v", p.Name, err)
		}
		cancel()
		out[p.Name] = measured{prof: p, server: srv.LabelCounts(p.Name)}
	}
	return out
}

// TestConnectionsAgreeWithServer is the engine's acceptance test: with -c 8
// -n 2000 over plain HTTP/1.1, fresh opens one connection per request, shared
// reuses at least 99 %, and every count
// matches what the target saw.
func TestConnectionsAgreeWithServer(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	const n = 2000
	got := runProfiles(t, srv, []string{"-c", "8", "-n", "2000"},
		"shared",
		"go-default=shared,max-idle=100,max-idle-per-host=2,idle-timeout=90s",
		"fresh")

	for name, m := range got {
		p, c := m.prof, m.server
		t.Logf("%-10s opened %4d unused %3d reused %4d | target accepted %4d unused %3d served %d",
			name, p.Connections.Opened, p.Connections.Unused, p.Connections.Reused, c.Accepted, c.Unused, c.Requests)
		if p.Requests != n || c.Requests != n {
			t.Errorf("%s: client recorded %d requests, target served %d, want %d", name, p.Requests, c.Requests, n)
		}
		if p.Connections.Opened != c.Accepted {
			t.Errorf("%s: pool opened %d connections, target accepted %d", name, p.Connections.Opened, c.Accepted)
		}
		if p.Connections.Unused != c.Unused {
			t.Errorf("%s: pool counted %d unused connections, target %d", name, p.Connections.Unused, c.Unused)
		}
		if got := p.Connections.Opened - p.Connections.Unused + p.Connections.Reused; got != p.Requests {
			t.Errorf("%s: opened %d − unused %d + reused %d = %d, want requests %d", name,
				p.Connections.Opened, p.Connections.Unused, p.Connections.Reused, got, p.Requests)
		}
		if cnt := p.Phases["connect"].Count; cnt != p.Connections.Opened {
			t.Errorf("%s: connect phase recorded %d times, want opened %d", name, cnt, p.Connections.Opened)
		}
		if _, ok := p.Phases["tls"]; ok {
			t.Errorf("%s: plain HTTP recorded a tls phase", name)
		}
		if _, ok := p.Phases["dns"]; ok {
			t.Errorf("%s: an IP literal recorded a dns phase", name)
		}
		if p.Protocol != "HTTP/1.1" {
			t.Errorf("%s: protocol %q, want HTTP/1.1", name, p.Protocol)
		}
		if len(p.Checks) > 0 {
			t.Errorf("%s: checks failed: %q", name, p.Checks)
		}
		if p.Errors.Total != 0 {
			t.Errorf("%s: %d errors: %v", name, p.Errors.Total, p.Errors.ByClass)
		}
	}
	if o := got["fresh"].prof.Connections.Opened; o != n {
		t.Errorf("fresh opened %d connections, want %d", o, n)
	}
	fresh, shared := got["fresh"].prof, got["shared"].prof
	if r := report.ReusePercent(&fresh); r != 0 {
		t.Errorf("fresh reuse %.2f %%, want 0", r)
	}
	if r := report.ReusePercent(&shared); r < 99 {
		t.Errorf("shared reuse %.2f %%, want at least 99 %%", r)
	}
	// How much go-default churns depends on how many of its 8 workers
	// return a connection at once, which a loaded machine serializes: on a
	// busy 2-core box it can open no more than shared. Its counts must agree
	// with the target's all the same (above); the churn is logged.
	if s, g := got["shared"].prof.Connections.Opened, got["go-default"].prof.Connections.Opened; g <= s {
		t.Logf("go-default opened %d connections, shared %d: no churn this time (the machine serialized the workers)", g, s)
	}
}

// TestTLSHandshakesAgreeWithServer checks the tls and connect phases are
// recorded once per connection, resumption is reported when sessions are
// shared, and HTTP/2 is negotiated when asked for.
func TestTLSHandshakesAgreeWithServer(t *testing.T) {
	srv := servertest.Start(t, server.Config{TLS: true, HTTP2: true})
	got := runProfiles(t, srv, []string{"-c", "1", "-n", "40"},
		"fresh", "resume=fresh,tls-resume=true", "shared", "h2=shared,http2=true")
	for name, m := range got {
		p, c := m.prof, m.server
		if p.Connections.Opened != c.Accepted || p.Connections.TLSHandshakes != c.TLSHandshakes {
			t.Errorf("%s: pool opened %d connections with %d handshakes; target accepted %d with %d", name,
				p.Connections.Opened, p.Connections.TLSHandshakes, c.Accepted, c.TLSHandshakes)
		}
		if p.Connections.TLSResumed != c.TLSResumed {
			t.Errorf("%s: pool saw %d resumed handshakes, target %d", name, p.Connections.TLSResumed, c.TLSResumed)
		}
		for _, ph := range []string{"connect", "tls"} {
			if cnt := p.Phases[ph].Count; cnt != p.Connections.Opened {
				t.Errorf("%s: %s phase recorded %d times, want opened %d", name, ph, cnt, p.Connections.Opened)
			}
		}
		if len(p.Checks) > 0 {
			t.Errorf("%s: checks failed: %q", name, p.Checks)
		}
	}
	if r := got["fresh"].prof.Connections.TLSResumed; r != 0 {
		t.Errorf("fresh without tls-resume resumed %d handshakes, want 0", r)
	}
	res := got["resume"].prof.Connections
	if res.Opened != 40 || res.TLSResumed != res.Opened-1 {
		t.Errorf("fresh with tls-resume: %d connections, %d resumed; want 40 and 39", res.Opened, res.TLSResumed)
	}
	if p := got["h2"].prof; p.Protocol != "HTTP/2.0" || p.Connections.Opened != 1 {
		t.Errorf("h2: protocol %q over %d connections, want HTTP/2.0 over 1", p.Protocol, p.Connections.Opened)
	}
	if p := got["shared"].prof; p.Protocol != "HTTP/1.1" {
		t.Errorf("shared over TLS: protocol %q, want HTTP/1.1 (profiles speak HTTP/1.1 unless http2=true)", p.Protocol)
	}
}

func TestRunCLI(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // substrings
		stderr   []string
		noOutput string // must appear nowhere
	}{
		{name: "bad strategy", args: []string{"run", "-p", "pooled", srv.URL()}, code: 2,
			stderr: []string{"unknown strategy \"pooled\" (valid: shared, per-worker, fresh)"}},
		{name: "bad key", args: []string{"run", "-p", "shared,max-idel=3", srv.URL()}, code: 2,
			stderr: []string{"unknown key \"max-idel\"", "max-idle-per-host"}},
		{name: "bad value", args: []string{"run", "-p", "shared,keepalive=maybe", srv.URL()}, code: 2,
			stderr: []string{"keepalive=maybe: want true or false"}},
		{name: "bad url", args: []string{"run", "-n", "1", "ftp://x"}, code: 2,
			stderr: []string{"want an http:// or https:// URL"}},
		{name: "flags after the url", args: []string{"run", srv.URL(), "-n", "5", "-c", "1", "--wide", "-p", "one=shared"}, code: 0,
			stdout: []string{"│ one ", "p99.9"}},
		{name: "flag error", args: []string{"run", srv.URL(), "-n"}, code: 2,
			stderr: []string{"reusebench run: flag needs an argument: -n; run 'reusebench run -h' for flags"}},
		{name: "unknown command", args: []string{"walk"}, code: 2, stderr: []string{"unknown command"}},
		{name: "refused is data, not failure", args: []string{"run", "-n", "3", "-c", "1", "-p", "shared", "http://127.0.0.1:1/"}, code: 0,
			stdout: []string{"shared", "3 (100.0%)"}},
		{name: "tables", args: []string{"run", "-n", "50", "-c", "2", "-p", "a=shared", "-p", "b=fresh", srv.URL()}, code: 0,
			stdout: []string{"p99", "conns", "reuse %", "vs a", "Over 20 rounds", "│ a ", "│ b "}},
		{name: "json and -o, no secrets", args: []string{"run", "--json", "--plots=false", "-n", "20", "-c", "2", "-o", dir,
			"-H", "Authorization: Bearer s3cr3t-token", "-H", "Cookie: sid=c00kie-value", "-p", "shared", srv.URL()}, code: 0,
			stdout: []string{`"profiles"`, `"histograms"`}, noOutput: "s3cr3t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := dispatch(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
			if strings.Contains(stderr.String(), "\x1b") {
				t.Errorf("stderr is not a terminal, yet it has control codes: %q", stderr.String())
			}
			if tt.code == 2 && strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
				t.Errorf("usage error is more than one line:\n%s", stderr.String())
			}
			if tt.noOutput != "" {
				// -o wrote results.json: the same results as --json printed
				// (both go through results.Encode), a valid file of the one
				// profile's 20 requests, so the leak check below reads a
				// real file, not an empty one.
				path := filepath.Join(dir, "results.json")
				file, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("-o %s: %v", dir, err)
				}
				if !bytes.Equal(file, stdout.Bytes()) {
					t.Errorf("results.json differs from the --json output:\nfile:\n%s\nstdout:\n%s", file, stdout.String())
				}
				res, err := results.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Profiles) != 1 {
					t.Fatalf("results.json holds %d profiles, want 1", len(res.Profiles))
				}
				p := res.Profiles[0]
				h, err := p.Histogram("total")
				if err != nil {
					t.Fatalf("results.json total histogram: %v", err)
				}
				if p.Name != "shared" || p.Requests != 20 || p.Status["200"] != 20 || h == nil || h.TotalCount() != 20 ||
					res.Settings.Requests != 20 || res.Settings.Concurrency != 2 || res.Target != srv.URL() {
					t.Errorf("results.json: target %q, settings %+v, profile %q with %d requests, statuses %v; want %s, -n 20 -c 2, shared with 20×200 and 20 in the total histogram",
						res.Target, res.Settings, p.Name, p.Requests, p.Status, srv.URL())
				}
				for _, b := range [][]byte{stdout.Bytes(), stderr.Bytes(), file} {
					if bytes.Contains(b, []byte(tt.noOutput)) || bytes.Contains(b, []byte("c00kie")) {
						t.Errorf("a secret leaked into the output")
					}
				}
			}
		})
	}
}

// TestResultsJSONContract checks the fields every later report relies on.
func TestResultsJSONContract(t *testing.T) {
	srv := servertest.Start(t, server.Config{FailRate: 0.1, FailStatus: 503})
	var stdout bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "--json", "-n", "100", "-c", "2", "-p", "shared", srv.URL()}, &stdout, io.Discard)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var raw map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatalf("results are not JSON: %v", err)
	}
	for _, k := range []string{"version", "started", "target", "settings", "profiles"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("results lack %q", k)
		}
	}
	var res results.Results
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	p := res.Profiles[0]
	if p.Status["503"] != 10 || p.Status["200"] != 90 {
		t.Errorf("status %v, want 90×200 and 10×503 (the target fails exactly 10 %%)", p.Status)
	}
	if p.Errors.Total != 10 || p.Errors.ByClass["http_5xx"] != 10 {
		t.Errorf("errors %+v, want 10 http_5xx", p.Errors)
	}
	if p.Options["max-idle-per-host"] != "2" || p.Options["keepalive"] != "true" {
		t.Errorf("options as resolved: %v", p.Options)
	}
	h, err := p.Histogram("total")
	if err != nil || h == nil || h.TotalCount() != 100 {
		t.Fatalf("total histogram: %v, %v", h, err)
	}
	if res.Settings.Requests != 100 || res.Settings.Concurrency != 2 {
		t.Errorf("settings.requests")
	}
}

// TestWarmupWindowAgreesWithServer checks a run with a warm-up: the target's
// counters are reset as the measured window starts, so the window's
// connections and requests, and their per-second series, must equal what the
// target counted in it.
func TestWarmupWindowAgreesWithServer(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	got := runProfiles(t, srv, []string{"-c", "4", "-n", "400", "--warmup", "200ms"},
		"go-default=shared,max-idle-per-host=1", "fresh")
	for name, m := range got {
		p, c := m.prof, m.server
		var reqs, conns int64
		for _, pt := range p.Series {
			reqs += pt.Requests
			conns += pt.NewConns
		}
		if p.Requests != 400 || c.Requests != 400 || reqs != 400 {
			t.Errorf("%s: %d requests recorded, %d in the series, %d served by the target; want 400", name, p.Requests, reqs, c.Requests)
		}
		if p.Connections.Opened != c.Accepted || conns != c.Accepted {
			t.Errorf("%s: pool opened %d, series holds %d new connections, target accepted %d", name, p.Connections.Opened, conns, c.Accepted)
		}
		if len(p.Checks) > 0 {
			t.Errorf("%s: checks failed: %q", name, p.Checks)
		}
	}
}

// TestResultsJSONRounds checks the rounds fields of results.json, by their
// JSON names: a run of two profiles in 8 rounds of 25 requests (-n 200), with
// --seed, records the seed, 8 rows of order, the baseline, 8 rounds per
// profile and, for the second only, vs_baseline with a verdict of exactly
// better, worse or same for each of throughput, p50 and p99.
func TestResultsJSONRounds(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	var stdout bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "--json", "-n", "200", "-c", "2", "--rounds", "8", "--seed", "7",
		"-p", "a=shared", "-p", "b=fresh", srv.URL()}, &stdout, io.Discard)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var raw struct {
		Version  int `json:"version"`
		Settings struct {
			Rounds   int        `json:"rounds"`
			Order    [][]string `json:"order"`
			Seed     *uint64    `json:"seed"`
			Baseline string     `json:"baseline"`
		} `json:"settings"`
		Profiles []struct {
			Name   string           `json:"name"`
			Rounds []map[string]any `json:"rounds"`
			Vs     map[string]any   `json:"vs_baseline"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatalf("results are not JSON: %v", err)
	}
	s := raw.Settings
	if raw.Version != results.Version || s.Rounds != 8 || len(s.Order) != 8 || s.Seed == nil || *s.Seed != 7 || s.Baseline != "a" {
		t.Errorf("version %d, settings %+v: want version %d, 8 rounds, 8 rows of order, seed 7, baseline a", raw.Version, s, results.Version)
	}
	for _, row := range s.Order {
		if len(row) != 2 || row[0] == row[1] {
			t.Errorf("order row %v: want a and b once each", row)
		}
	}
	for i, p := range raw.Profiles {
		if len(p.Rounds) != 8 {
			t.Fatalf("%s: %d rounds, want 8", p.Name, len(p.Rounds))
		}
		for _, k := range []string{"round", "started", "duration_s", "requests", "errors", "throughput", "latency_ms", "opened"} {
			if _, ok := p.Rounds[0][k]; !ok {
				t.Errorf("%s: round lacks %q: %v", p.Name, k, p.Rounds[0])
			}
		}
		if lat, _ := p.Rounds[0]["latency_ms"].(map[string]any); lat["p50"] == nil || lat["p99"] == nil {
			t.Errorf("%s: round latency_ms %v, want p50 and p99", p.Name, p.Rounds[0]["latency_ms"])
		}
		if (i == 0) != (p.Vs == nil) {
			t.Errorf("%s: vs_baseline %v, want it on b only", p.Name, p.Vs)
			continue
		}
		if i == 0 {
			continue
		}
		if p.Vs["baseline"] != "a" {
			t.Errorf("b: vs_baseline.baseline %v, want a", p.Vs["baseline"])
		}
		for _, fig := range []string{"throughput", "p50", "p99"} {
			r, _ := p.Vs[fig].(map[string]any)
			v, _ := r["verdict"].(string)
			if v != "better" && v != "worse" && v != "same" {
				t.Errorf("b: %s verdict %q, want better, worse or same", fig, v)
			}
			for _, k := range []string{"ratio", "lo", "hi"} {
				if _, ok := r[k].(float64); !ok {
					t.Errorf("b: %s.%s missing: %v", fig, k, r)
				}
			}
		}
	}
}

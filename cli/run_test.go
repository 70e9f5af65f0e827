package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

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

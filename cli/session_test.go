package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
)

// cliResult is one `reusebench run --json ...` through dispatch.
type cliResult struct {
	code           int
	res            results.Results
	stdout, stderr string
}

// runCLI runs `reusebench run --json ARGS...` and parses the results when
// the run exits 0.
func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), append([]string{"run", "--json"}, args...), &stdout, &stderr)
	r := cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
	if code == 0 {
		if err := json.Unmarshal(stdout.Bytes(), &r.res); err != nil {
			t.Fatalf("reusebench run %q: stdout is not results JSON: %v\n%s", args, err, r.stdout)
		}
	}
	return r
}

// runOne runs one profile and returns its results; the run must exit 0.
func runOne(t *testing.T, args ...string) results.Profile {
	t.Helper()
	r := runCLI(t, args...)
	if r.code != 0 {
		t.Fatalf("reusebench run %q: exit %d, want 0; stderr:\n%s", args, r.code, r.stderr)
	}
	if len(r.res.Profiles) != 1 {
		t.Fatalf("reusebench run %q: %d profiles in the results, want 1", args, len(r.res.Profiles))
	}
	return r.res.Profiles[0]
}

// wantUsage runs args and checks the run refuses them as bad input: exit 2
// and one line on stderr that contains want.
func wantUsage(t *testing.T, want string, args ...string) {
	t.Helper()
	r := runCLI(t, args...)
	if r.code != 2 {
		t.Errorf("reusebench run %q: exit %d, want 2 (bad input); stderr:\n%s", args, r.code, r.stderr)
	}
	msg := strings.TrimSpace(r.stderr)
	if strings.Count(msg, "\n") > 0 {
		t.Errorf("reusebench run %q: usage error is more than one line:\n%s", args, r.stderr)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("reusebench run %q: stderr %q lacks %q", args, msg, want)
	}
	if r.stdout != "" {
		t.Errorf("reusebench run %q: bad input printed on stdout:\n%s", args, r.stdout)
	}
}

// settled waits until the target has seen opened connections close, so
// every request and abort on them is counted, and returns its counts.
func settled(t *testing.T, srv *server.Server, opened int64) server.Counts {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitClosed(ctx, opened); err != nil {
		t.Fatalf("target: %v", err)
	}
	return srv.Counts()
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// countingServer is an httptest server whose handler counts every request
// and those match accepts.
type countingServer struct {
	*httptest.Server
	total, matched atomic.Int64
}

func newCountingServer(t *testing.T, match func(r *http.Request, body []byte) bool) *countingServer {
	t.Helper()
	cs := &countingServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		cs.total.Add(1)
		if match(r, body) {
			cs.matched.Add(1)
		}
		io.WriteString(w, "ok\n")
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *countingServer) reset() {
	cs.total.Store(0)
	cs.matched.Store(0)
}

// cookieCount is how many cookies named name with value value r carries.
func cookieCount(r *http.Request, name, value string) int {
	n := 0
	for _, c := range r.Cookies() {
		if c.Name == name && c.Value == value {
			n++
		}
	}
	return n
}

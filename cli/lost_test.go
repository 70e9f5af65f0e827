package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// brokenPipe is a stdout whose reader went away (| head): every write fails
// with EPIPE, as os.Stdout's do once SIGPIPE is ignored.
type brokenPipe struct{}

// Write fails with EPIPE.
func (brokenPipe) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// TestBrokenStdoutKeepsFiles checks that a run whose stdout is closed
// still writes results.json and the plots, and exits 141 with nothing on
// stderr but the files it wrote.
func TestBrokenStdoutKeepsFiles(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	dir := t.TempDir()
	var stderr bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "-n", "40", "-c", "2", "-o", dir, "-p", "a=shared", "-p", "b=fresh", srv.URL()}, brokenPipe{}, &stderr)
	if code != 141 {
		t.Errorf("exit %d, want 141; stderr:\n%s", code, stderr.String())
	}
	if _, err := results.ReadFile(filepath.Join(dir, "results.json")); err != nil {
		t.Errorf("results.json: %v", err)
	}
	for _, f := range []string{"summary.png", "latency.png", "a.hgrm", "b.hgrm"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if strings.Contains(stderr.String(), "broken pipe") {
		t.Errorf("stderr reports the closed stdout:\n%s", stderr.String())
	}
	var rep bytes.Buffer
	if code := dispatch(context.Background(), []string{"report", "--plots=false", filepath.Join(dir, "results.json")}, brokenPipe{}, &rep); code != 141 {
		t.Errorf("report to a closed stdout: exit %d, want 141 (%s)", code, rep.String())
	}
}

// TestTerminatedRunKeepsResults stops a run of a minute with SIGTERM's
// cancellation once the target has served 300 requests: the run exits 143,
// prints its tables, and leaves a valid results.json of what it measured,
// marked interrupted.
func TestTerminatedRunKeepsResults(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var served atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if served.Add(1) == 300 {
			cancel(Interrupt{Signal: syscall.SIGTERM})
		}
		fmt.Fprintln(w, "ok")
	}))
	defer target.Close()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := dispatch(ctx, []string{"run", "-d", "60s", "-c", "2", "--rounds", "4", "-o", dir, "-p", "a=shared", "-p", "b=per-worker", target.URL}, &stdout, &stderr)
	if code != 143 {
		t.Fatalf("exit %d, want 143; stderr:\n%s", code, stderr.String())
	}
	res, err := results.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Profiles) == 0 || res.Profiles[0].Requests == 0 || !strings.Contains(strings.Join(res.Profiles[0].Notes, " "), "interrupted") {
		t.Errorf("results.json holds %+v; want the measured profiles, marked interrupted", res.Profiles)
	}
	if !strings.Contains(stdout.String(), "req/s") || !strings.Contains(stderr.String(), "interrupted: the results above") {
		t.Errorf("stdout:\n%s\nstderr:\n%s\nwant the tables and the interrupted line", stdout.String(), stderr.String())
	}
}

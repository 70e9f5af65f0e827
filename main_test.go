package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reusebench/reusebench/results"
)

// TestMain runs main itself when the test binary is started as reusebench
// by the tests below (REUSEBENCH_MAIN set), so signals reach the real
// process.
func TestMain(m *testing.M) {
	if os.Getenv("REUSEBENCH_MAIN") == "1" {
		os.Args = append([]string{"reusebench"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// startRun starts reusebench run against a loopback target, writing into
// dir, for a minute at most, and returns once its second round is done: the
// first round's checkpoint, written before the second round starts, is on
// disk.
func startRun(t *testing.T, dir string) (*exec.Cmd, <-chan string) {
	t.Helper()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }))
	t.Cleanup(target.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound, not an assertion
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "run", "-d", "30s", "-c", "2", "--rounds", "30", "-o", dir,
		"-p", "a=shared", "-p", "b=per-worker", target.URL)
	cmd.Env = append(os.Environ(), "REUSEBENCH_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	waitFor(t, lines, "round 2/30")
	return cmd, lines
}

// waitFor reads lines until one contains want.
func waitFor(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	for l := range lines {
		if strings.Contains(l, want) {
			return
		}
	}
	t.Fatalf("stderr ended without a line containing %q", want)
}

// exitCode waits for cmd and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd, lines <-chan string) int {
	t.Helper()
	for range lines { // drain, so the process never blocks on stderr
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// checkFolder checks that dir holds a valid results.json and no temporary
// file of one.
func checkFolder(t *testing.T, dir string) {
	t.Helper()
	if _, err := results.ReadFile(filepath.Join(dir, "results.json")); err != nil {
		t.Errorf("results.json: %v", err)
	}
	tmp, _ := filepath.Glob(filepath.Join(dir, ".results.json.*"))
	if len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// TestSIGTERM checks that SIGTERM stops a run as a first Ctrl-C does:
// results saved, exit status 143.
func TestSIGTERM(t *testing.T) {
	dir := t.TempDir()
	cmd, lines := startRun(t, dir)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, lines); code != 143 {
		t.Errorf("exit %d, want 143", code)
	}
	checkFolder(t, dir)
}

// TestSecondInterrupt checks that a second Ctrl-C, sent as soon as the first
// is acknowledged, exits with 130 and leaves the last complete results.json
// and no half-written one.
func TestSecondInterrupt(t *testing.T) {
	dir := t.TempDir()
	cmd, lines := startRun(t, dir)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitFor(t, lines, "a second signal quits at once")
	if err := cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, lines); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	checkFolder(t, dir)
}

package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// A run whose stderr is a real terminal (a pty, 100 columns) gets the live
// view, and it ends with the run's line and each profile's totals; the
// tables still go to stdout, which is not a terminal, compact.
func TestRunLiveViewOnAPty(t *testing.T) {
	t.Setenv("TERM", "xterm")
	srv := servertest.Start(t, server.Config{})
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	var screen bytes.Buffer
	read := make(chan struct{})
	go func() {
		io.Copy(&screen, ptmx) // until the tty closes
		close(read)
	}()
	var stdout bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "-n", "400", "-c", "2", "-p", "a=shared", "-p", "b=fresh", srv.URL()}, &stdout, tty)
	tty.Close()
	<-read
	if code != 0 {
		t.Fatalf("exit %d; terminal:\n%s", code, screen.String())
	}
	// The terminal turns "\n" into "\r\n", and each frame starts with "\r".
	out := strings.ReplaceAll(screen.String(), "\r", "")
	// The last frame: after the last redraw (if the run was long enough to
	// draw more than one).
	if m := redraw.FindAllStringIndex(out, -1); len(m) > 0 {
		out = out[m[len(m)-1][1]:]
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || lines[0] != strings.TrimSpace(lines[0]) || !strings.HasPrefix(lines[0], "reusebench: 2 of 2 profiles done in ") ||
		!strings.HasPrefix(lines[1], "a  done: 400 requests in ") || !strings.HasPrefix(lines[2], "b  done: 400 requests in ") {
		t.Errorf("the terminal's last frame:\n%q\nwant the run's line and a done line per profile", out)
	}
	if strings.ContainsAny(out, "\x1b") {
		t.Errorf("control codes after the last frame: %q", out)
	}
	if !strings.Contains(stdout.String(), "│ b ") || strings.Contains(stdout.String(), "p99.9") {
		t.Errorf("stdout lacks the compact tables:\n%s", stdout.String())
	}
}

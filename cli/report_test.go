package cli

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// TestReportReproducesRun checks that `report` on a saved results.json prints
// exactly the tables the run printed, and redraws the plots from the file.
func TestReportReproducesRun(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	dir := t.TempDir()
	for i, format := range []string{"table", "markdown", "csv"} {
		var run, rep, stderr bytes.Buffer
		// Plots are drawn (and checked) once: rendering dominates the time.
		plots := fmt.Sprintf("--plots=%v", i == 0)
		args := []string{"run", "--format", format, plots, "-n", "200", "-c", "2", "-o", dir,
			"-p", "shared", "-p", "go-default=shared,max-idle-per-host=1", "-p", "fresh", srv.URL()}
		if code := dispatch(context.Background(), args, &run, &stderr); code != 0 {
			t.Fatalf("run exit %d: %s", code, stderr.String())
		}
		for _, f := range []string{"latency.png", "phases.png", "timeline.png", "connections.png"} {
			os.Remove(filepath.Join(dir, f))
		}
		if code := dispatch(context.Background(), []string{"report", "--format", format, plots, filepath.Join(dir, "results.json")}, &rep, &stderr); code != 0 {
			t.Fatalf("report exit %d: %s", code, stderr.String())
		}
		if run.String() != rep.String() {
			t.Errorf("%s: report printed\n%s\nthe run printed\n%s", format, rep.String(), run.String())
		}
		if i > 0 {
			continue
		}
		for _, f := range []string{"latency.png", "phases.png", "timeline.png", "connections.png"} {
			fh, err := os.Open(filepath.Join(dir, f))
			if err != nil {
				t.Fatalf("report did not redraw %s: %v", f, err)
			}
			if _, err := png.Decode(fh); err != nil {
				t.Errorf("%s: %v", f, err)
			}
			fh.Close()
		}
	}
	// --wide, after the file: every column; without it, the compact tables.
	for _, wide := range []bool{false, true} {
		var out, stderr bytes.Buffer
		args := []string{"report", "--plots=false", filepath.Join(dir, "results.json")}
		if wide {
			args = append(args, "--wide")
		}
		if code := dispatch(context.Background(), args, &out, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		if got := strings.Contains(out.String(), "TLS hs (resumed)"); got != wide {
			t.Errorf("%v: the wide summary's TLS column shown: %v, want %v:\n%s", args, got, wide, out.String())
		}
	}
}

// TestReportMergesFiles checks that two runs merge by profile name.
func TestReportMergesFiles(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		if code := dispatch(context.Background(), []string{"run", "--plots=false", "-n", "100", "-c", "2", "-o", d, "-p", "shared", srv.URL()},
			&bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
			t.Fatalf("run exit %d", code)
		}
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), []string{"report", "--format", "csv", "--plots=false", "-o", out,
		filepath.Join(dirs[0], "results.json"), filepath.Join(dirs[1], "results.json")}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("report exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "shared,shared,HTTP/1.1,200,") {
		t.Errorf("merged csv:\n%s\nwant one profile with 200 requests", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(out, "results.json")); err != nil {
		t.Errorf("merged results.json not written: %v", err)
	}
	for _, bad := range [][]string{{"report"}, {"report", "--format", "xml", "x.json"}} {
		if code := dispatch(context.Background(), bad, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	if code := dispatch(context.Background(), []string{"report", "/nonexistent/results.json"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("missing file: exit %d, want 2 (bad input)", code)
	}
}

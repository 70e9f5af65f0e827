package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// savedRun runs one profile of 50 requests against srv with -o into a new
// folder and returns its results.json path.
func savedRun(t *testing.T, srv *server.Server, spec string) string {
	t.Helper()
	dir := t.TempDir()
	var stderr bytes.Buffer
	if code := dispatch(context.Background(), []string{"run", "--plots=false", "-n", "50", "-c", "2", "-o", dir, "-p", spec, srv.URL()},
		&bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("run exit %d: %s", code, stderr.String())
	}
	return filepath.Join(dir, "results.json")
}

// tampered writes a copy of the results file at path, changed by edit on
// its JSON, into a new folder and returns the copy's path.
func tampered(t *testing.T, path string, edit func(res map[string]any, prof map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	edit(res, res["profiles"].([]any)[0].(map[string]any))
	out, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(copyPath, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return copyPath
}

// TestReportRefusesHostileInput checks that report and compare refuse, with
// one line and exit status 2, what a results file must not hold, and that
// a summary the file lies about is recomputed from its histograms.
func TestReportRefusesHostileInput(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	good := savedRun(t, srv, "shared")
	other := savedRun(t, srv, "shared")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"version 99", []string{tampered(t, good, func(r, _ map[string]any) { r["version"] = 99 })}, "this build reads versions 1 to"},
		{"requests that disagree with the histogram",
			[]string{tampered(t, good, func(_, p map[string]any) { p["requests"] = 51 })}, "holds 50 values for 51 requests"},
		{"same file twice", []string{good, good}, "are the same run"},
		{"a copy of the same run", []string{good, tampered(t, good, func(_, _ map[string]any) {})}, "are the same run"},
		{"huge counts", []string{tampered(t, good, func(_, p map[string]any) {
			p["connections"].(map[string]any)["opened"] = 9223372036854775807
		}), other}, "overflow"},
		{"unreadable", []string{filepath.Join(t.TempDir(), "missing.json")}, "no such file"},
		{"not JSON", []string{tampered(t, good, func(r, _ map[string]any) { r["profiles"] = "x" })}, "not a results.json file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range []string{"report", "compare"} {
				args := append([]string{cmd, "--plots=false"}, tc.args...)
				if cmd == "compare" {
					if len(tc.args) != 2 {
						continue
					}
					args = append([]string{cmd}, tc.args...)
				}
				var stdout, stderr bytes.Buffer
				code := dispatch(context.Background(), args, &stdout, &stderr)
				if tc.name == "huge counts" && cmd == "compare" {
					continue // compare sums nothing
				}
				if code != 2 || !strings.Contains(stderr.String(), tc.want) || strings.Count(stderr.String(), "\n") != 1 {
					t.Errorf("%s: exit %d, stderr %q; want 2 and one line containing %q", cmd, code, stderr.String(), tc.want)
				}
				if stdout.Len() > 0 {
					t.Errorf("%s: printed %q for bad input", cmd, stdout.String())
				}
			}
		})
	}

	// A file whose stored p99 is −7 prints the p99 of its histogram.
	var want, got bytes.Buffer
	lie := tampered(t, good, func(_, p map[string]any) { p["latency_ms"].(map[string]any)["p99"] = -7 })
	if code := dispatch(context.Background(), []string{"report", "--plots=false", "--format", "csv", good}, &want, os.Stderr); code != 0 {
		t.Fatalf("report exit %d", code)
	}
	if code := dispatch(context.Background(), []string{"report", "--plots=false", "--format", "csv", lie}, &got, os.Stderr); code != 0 {
		t.Fatalf("report exit %d", code)
	}
	if got.String() != want.String() || strings.Contains(got.String(), "-7") {
		t.Errorf("report of a file with p99 −7 printed\n%s\nwant what its histograms say\n%s", got.String(), want.String())
	}
	if code := dispatch(context.Background(), []string{"report", "--plots=false", "--allow-duplicates", "-o", t.TempDir(), good, good},
		&bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Errorf("--allow-duplicates: exit %d, want 0", code)
	}
}

// TestReportNeverOverwritesInput checks that report refuses a -o folder
// where it would overwrite one of its inputs, and leaves the input whole.
func TestReportNeverOverwritesInput(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	a, b := savedRun(t, srv, "shared"), savedRun(t, srv, "fresh")
	before, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), []string{"report", "--plots=false", "-o", filepath.Dir(a), a, b}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "would overwrite the input "+a) || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 2 and one line saying it would overwrite %s", code, stderr.String(), a)
	}
	if after, err := os.ReadFile(a); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the input %s changed (%v)", a, err)
	}
	// The merge goes elsewhere, and notes the differing strategies.
	out := t.TempDir()
	stdout.Reset()
	renamed := tampered(t, b, func(_, p map[string]any) { p["name"] = "shared" })
	if code := dispatch(context.Background(), []string{"report", "--plots=false", "-o", out, a, renamed}, &stdout, &stderr); code != 0 {
		t.Fatalf("report exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "merged runs used different strategies (shared and fresh)") {
		t.Errorf("merged report lacks the strategies note:\n%s", stdout.String())
	}
}

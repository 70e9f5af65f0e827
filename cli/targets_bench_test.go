package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/stats"
)

// writeTargets writes a targets file of n targets, each with a header line
// and the same @FILE body, and returns its path.
func writeTargets(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "body.json"), []byte(`{"hello":"world"}`), 0o644); err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "POST http://127.0.0.1:8080/item/%d?page=%d\nContent-Type: application/json\n@body.json\n", i, i%10)
	}
	path := filepath.Join(dir, "targets.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkLoad100kTargets measures everything a run of 100,000 targets does
// before its first request: parse the flags and the targets file (one body
// file, read once), name the targets for results, and build a fleet's
// request templates and pool.
func BenchmarkLoad100kTargets(b *testing.B) {
	path := writeTargets(b, 100_000)
	b.ResetTimer()
	for b.Loop() {
		rc, err := parseRun([]string{"-n", "1", "-p", "shared", "--targets", path}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		pl, err := resolve(rc, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		if name := experiment.TargetNames(pl.Targets, false); !strings.HasSuffix(name, "and 99997 more") {
			b.Fatalf("targets named %q", name)
		}
		f, err := loadgen.NewFleet(context.Background(), loadgen.Config{Pool: pool.Config{Options: pl.Profiles[0].Pool}, Targets: pl.Targets, Workers: 1, Requests: 1}, stats.NewRecorder(stats.Options{}))
		if err != nil {
			b.Fatal(err)
		}
		f.Close(context.Background())
	}
}

package plots

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reusebench/reusebench/results"
)

// iv is an interval of 10 rounds.
func iv(center, lo, hi float64) results.Interval {
	return results.Interval{Center: center, Lo: lo, Hi: hi, N: 10}
}

// ratio is a comparison of 10 paired rounds.
func ratio(r, lo, hi float64, verdict string) results.Ratio {
	return results.Ratio{Ratio: r, Lo: lo, Hi: hi, Verdict: verdict, N: 10}
}

// summaryFixture is a run of 10 rounds of four profiles against "shared":
// go-default and fresh much worse, h2 the same. The overall figures
// (Throughput, Latency.P99) differ a little from the rounds' medians, as
// they do in a real file, so that a test tells which one was drawn.
func summaryFixture() *results.Results {
	return &results.Results{
		Version: results.Version, Started: time.Date(2025, 6, 1, 14, 30, 0, 0, time.UTC),
		Target:   "https://127.0.0.1:8443/small",
		Settings: results.Settings{Concurrency: 16, Rounds: 10, Baseline: "shared"},
		Profiles: []results.Profile{
			{Name: "shared", Requests: 600000, Throughput: 19900, Latency: results.Latency{P99: 2.3},
				Intervals: &results.Intervals{Throughput: iv(20000, 19500, 20400), P50: iv(0.7, 0.68, 0.72), P99: iv(2.2, 2.1, 2.35)}},
			{Name: "go-default", Requests: 195000, Throughput: 6450, Latency: results.Latency{P99: 7.9},
				Intervals: &results.Intervals{Throughput: iv(6500, 6300, 6700), P50: iv(2.3, 2.2, 2.4), P99: iv(7.7, 7.2, 8.3)},
				VsBaseline: &results.Comparison{Baseline: "shared", Throughput: ratio(0.32, 0.31, 0.34, results.Worse),
					P50: ratio(3.3, 3.1, 3.5, results.Worse), P99: ratio(3.5, 3.3, 3.8, results.Worse)}},
			{Name: "fresh", Requests: 42000, Throughput: 1390, Latency: results.Latency{P99: 25},
				Intervals: &results.Intervals{Throughput: iv(1400, 1350, 1460), P50: iv(10, 9.5, 10.6), P99: iv(24, 21, 27)},
				VsBaseline: &results.Comparison{Baseline: "shared", Throughput: ratio(0.07, 0.066, 0.074, results.Worse),
					P50: ratio(14, 13, 15, results.Worse), P99: ratio(10.9, 9.8, 12, results.Worse)}},
			{Name: "h2", Requests: 618000, Throughput: 20550, Latency: results.Latency{P99: 2.3},
				Intervals: &results.Intervals{Throughput: iv(20600, 19900, 21100), P50: iv(0.71, 0.69, 0.74), P99: iv(2.3, 2.1, 2.5)},
				VsBaseline: &results.Comparison{Baseline: "shared", Throughput: ratio(1.03, 0.99, 1.06, results.Same),
					P50: ratio(1.01, 0.98, 1.04, results.Same), P99: ratio(1.04, 0.95, 1.12, results.Same)}},
		},
	}
}

// withoutRounds strips res of what rounds add, as in a file of --rounds 1
// or one older than rounds.
func withoutRounds(res *results.Results) *results.Results {
	res.Settings.Rounds, res.Settings.Baseline = 0, ""
	for i := range res.Profiles {
		res.Profiles[i].Intervals, res.Profiles[i].VsBaseline = nil, nil
	}
	return res
}

// mixedFixture is summaryFixture with fresh run once (no interval, no
// comparison), h2's throughput compared on only 4 rounds and its p99
// better, and a profile without requests.
func mixedFixture() *results.Results {
	res := summaryFixture()
	res.Profiles[2].Intervals, res.Profiles[2].VsBaseline = nil, nil
	res.Profiles[3].VsBaseline.Throughput.N = 4
	res.Profiles[3].VsBaseline.P99 = ratio(0.8, 0.7, 0.9, results.Better)
	res.Profiles = append(res.Profiles, results.Profile{Name: "idle"})
	return res
}

// TestSummaryPNG renders summary.png for the fixtures: it must decode at
// 1200×700, not be blank, and show the verdict colours its words carry.
// With -plots.keep=DIR the files stay in DIR/summary-<case>, to look at.
func TestSummaryPNG(t *testing.T) {
	many := summaryFixture()
	for i := range 8 {
		p := many.Profiles[i%4]
		p.Name = fmt.Sprintf("per-worker-idle%ds-h%d-with-a-long-name", 30*i, 1+i%2)
		many.Profiles = append(many.Profiles, p)
	}
	near := summaryFixture()
	near.Profiles = []results.Profile{near.Profiles[0], near.Profiles[3]} // a linear axis
	allZero := &results.Results{Profiles: []results.Profile{{Name: "z"}}}
	for _, c := range []struct {
		name   string
		res    *results.Results
		colors []color.RGBA
	}{
		{"four", summaryFixture(), []color.RGBA{worseColor, sameColor}},
		{"mixed", mixedFixture(), []color.RGBA{worseColor, betterColor, sameColor}},
		{"one-round", withoutRounds(summaryFixture()), nil},
		{"many", many, []color.RGBA{worseColor}},
		{"near", near, []color.RGBA{sameColor}},
		{"all-zero", allZero, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if *keep != "" {
				dir = filepath.Join(*keep, "summary-"+c.name)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			path, err := writeSummary(c.res, filepath.Join(dir, SummaryFile))
			if err != nil || path == "" {
				t.Fatalf("writeSummary: %q, %v", path, err)
			}
			colors := distinctColors(decodePNG(t, path))
			if len(colors) < 50 {
				t.Errorf("only %d distinct colours: blank?", len(colors))
			}
			for _, want := range c.colors {
				if !colors[want] {
					t.Errorf("verdict colour %v missing", want)
				}
			}
		})
	}
}

func TestWriteSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := summaryFixture()
	paths, err := Write(res, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 || filepath.Base(paths[0]) != SummaryFile {
		t.Errorf("paths %v: want %s first", paths, SummaryFile)
	}
	// No profiles: no summary.png (nothing to summarise), the others as before.
	empty := t.TempDir()
	paths, err = Write(&results.Results{}, empty)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, SummaryFile) {
			t.Errorf("no profiles: wrote %s", p)
		}
	}
	if _, err := os.Stat(filepath.Join(empty, SummaryFile)); !os.IsNotExist(err) {
		t.Errorf("no profiles: %s exists (%v)", SummaryFile, err)
	}
}

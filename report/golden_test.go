package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run Golden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./report -run Golden -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// phase is a phase summary of p50 and p99 ms, seen count times.
func phase(p50, p99 float64, count int64) results.PhaseSummary {
	return results.PhaseSummary{Latency: results.Latency{P50: p50, P99: p99}, Count: count}
}

// demoResults is a run shaped like the demo's: four profiles over 20
// rounds against an https target, with intervals and verdicts against
// shared; fresh had errors of four classes and three error statuses.
func demoResults() *results.Results {
	ratio := func(r, lo, hi float64, verdict string) results.Ratio {
		return results.Ratio{Ratio: r, Lo: lo, Hi: hi, Verdict: verdict, N: 20}
	}
	iv := func(c, lo, hi float64) results.Interval { return results.Interval{Center: c, Lo: lo, Hi: hi, N: 20} }
	mk := func(name, proto string, requests int64, tput float64, lat results.Latency, c results.Connections,
		phases map[string]results.PhaseSummary, ivs results.Intervals, vs *results.Comparison) results.Profile {
		c.RequestsPerConn = float64(requests) / float64(max(c.Opened-c.Unused, 1))
		return results.Profile{Name: name, Strategy: "shared", Protocol: proto, Requests: requests, Throughput: tput,
			DurationS: 4, Latency: lat, Connections: c, Phases: phases, Intervals: &ivs, VsBaseline: vs,
			Errors: results.Errors{ByClass: map[string]int64{}}, Status: map[string]int64{"200": requests}}
	}
	shared := mk("shared", "HTTP/1.1", 135188, 33651,
		results.Latency{P50: 0.169, P90: 0.288, P99: 2.47, P999: 5.44, Max: 20.2},
		results.Connections{Opened: 13, Reused: 135175, TLSHandshakes: 13},
		map[string]results.PhaseSummary{"wait": phase(0.001, 0.032, 135188), "connect": phase(0.693, 4.96, 13),
			"tls": phase(2.99, 5.36, 13), "ttfb": phase(0.153, 1.85, 135188), "body": phase(0.006, 0.080, 135188),
			"total": phase(0.169, 2.47, 135188)},
		results.Intervals{Throughput: iv(33889, 32155, 35967), P50: iv(0.177, 0.169, 0.186), P99: iv(2.01, 1.53, 2.69)}, nil)
	goDefault := mk("go-default", "HTTP/1.1", 35764, 8868,
		results.Latency{P50: 0.239, P90: 2.80, P99: 6.96, P999: 11.8, Max: 29.7},
		results.Connections{Opened: 5230, Reused: 30534, TLSHandshakes: 5230},
		map[string]results.PhaseSummary{"wait": phase(0.001, 2.23, 35764), "connect": phase(0.460, 4.59, 5230),
			"tls": phase(2.83, 15.4, 5230), "ttfb": phase(0.219, 5.00, 35764), "body": phase(0.007, 0.832, 35764),
			"total": phase(0.239, 6.96, 35764)},
		results.Intervals{Throughput: iv(8359, 7966, 9704), P50: iv(0.248, 0.225, 0.283), P99: iv(6.99, 6.33, 7.33)},
		&results.Comparison{Baseline: "shared", Throughput: ratio(0.26, 0.21, 0.31, results.Worse),
			P50: ratio(1.41, 1.26, 1.68, results.Worse), P99: ratio(3.58, 2.22, 4.81, results.Worse)})
	fresh := mk("fresh", "HTTP/1.1", 6663, 1639,
		results.Latency{P50: 4.58, P90: 7.09, P99: 12.1, P999: 17.0, Max: 21.0},
		results.Connections{Opened: 6663, TLSHandshakes: 6663},
		map[string]results.PhaseSummary{"wait": phase(0.028, 0.328, 6663), "connect": phase(0.427, 2.85, 6663),
			"tls": phase(2.24, 7.83, 6663), "ttfb": phase(0.885, 4.04, 6663), "body": phase(0.016, 0.122, 6663),
			"total": phase(4.58, 12.1, 6663)},
		results.Intervals{Throughput: iv(1648, 1537, 1724), P50: iv(4.61, 4.51, 4.86), P99: iv(10.5, 9.15, 13.3)},
		&results.Comparison{Baseline: "shared", Throughput: ratio(0.048, 0.046, 0.051, results.Worse),
			P50: ratio(26.2, 24.0, 28.8, results.Worse), P99: ratio(5.67, 3.74, 6.76, results.Worse)})
	fresh.Errors = results.Errors{Total: 412, ByClass: map[string]int64{"http_5xx": 333, "reset": 66, "timeout": 9, "eof": 4}}
	fresh.Status = map[string]int64{"200": 6254, "503": 300, "502": 30, "500": 3}
	h2 := mk("h2", "HTTP/2.0", 98209, 24467,
		results.Latency{P50: 0.250, P90: 0.392, P99: 2.56, P999: 5.89, Max: 10.6},
		results.Connections{Opened: 8, Unused: 7, Reused: 98208, TLSHandshakes: 8},
		map[string]results.PhaseSummary{"wait": phase(0.001, 0.001, 98209), "connect": phase(0.784, 3.94, 8),
			"tls": phase(4.78, 9.26, 8), "ttfb": phase(0.161, 1.24, 98209), "body": phase(0.066, 0.964, 98209),
			"total": phase(0.250, 2.56, 98209)},
		results.Intervals{Throughput: iv(24836, 23680, 25390), P50: iv(0.255, 0.247, 0.271), P99: iv(2.27, 1.91, 2.77)},
		&results.Comparison{Baseline: "shared", Throughput: ratio(0.71, 0.65, 0.75, results.Worse),
			P50: ratio(1.46, 1.35, 1.59, results.Worse), P99: ratio(1.28, 0.76, 1.50, results.Same)})
	return &results.Results{Version: results.Version, Target: "https://127.0.0.1:8443/",
		Settings: results.Settings{Concurrency: 8, DurationS: 4, Rounds: 20, Baseline: "shared"},
		Profiles: []results.Profile{shared, goDefault, fresh, h2}}
}

// The tables of the demo-shaped run, golden: compact by default and in a
// terminal too narrow for the wide ones, every column with --wide or in a
// terminal wide enough, and Markdown (every column, every error class).
// Compact tables fit report.CompactWidth columns.
func TestTablesGolden(t *testing.T) {
	cases := []struct {
		name     string
		layout   report.Layout
		markdown bool
		maxWidth int // 0: no limit
	}{
		{"compact", report.Layout{}, false, report.CompactWidth},
		{"compact", report.Layout{Width: 120}, false, report.CompactWidth}, // the wide tables do not fit 120
		{"130", report.Layout{Width: 130}, false, 130},                     // the wide phases table does
		{"wide", report.Layout{Wide: true}, false, 0},
		{"wide", report.Layout{Width: 300}, false, 0},
		{"markdown", report.Layout{}, true, 0},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := report.WriteTablesLayout(&buf, demoResults(), c.markdown, c.layout); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		golden(t, "tables-"+c.name, out)
		if c.maxWidth > 0 {
			for _, l := range strings.Split(out, "\n") {
				if !strings.HasPrefix(l, "note:") && report.TextWidth(l) > c.maxWidth {
					t.Errorf("%s %+v: a line of %d columns, want at most %d:\n%s", c.name, c.layout, report.TextWidth(l), c.maxWidth, l)
				}
			}
		}
	}
}

// The errors table alone: the top three classes and statuses of a profile,
// the rest on one line, and only the profiles that had errors.
func TestErrorsTableGolden(t *testing.T) {
	res := demoResults()
	var buf bytes.Buffer
	if err := report.WriteTables(&buf, res, false); err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for _, l := range strings.Split(buf.String(), "\n") {
		in = in || strings.HasPrefix(l, "Errors:")
		if in {
			lines = append(lines, l)
		}
		if in && strings.HasPrefix(l, "└") {
			break
		}
	}
	if len(lines) == 0 {
		t.Fatalf("no errors table:\n%s", buf.String())
	}
	errorsTable := strings.Join(lines, "\n") + "\n"
	golden(t, "errors", errorsTable)
	for _, want := range []string{"5.0 % http_5xx (333)", "1.0 % reset (66)", "0.1 % timeout (9)", "<0.1 % in 1 more (4)", "4.5 % 503 (300)"} {
		if !strings.Contains(errorsTable, want) {
			t.Errorf("errors table lacks %q:\n%s", want, errorsTable)
		}
	}
	for _, name := range []string{"shared", "go-default", "h2"} {
		if rowsNamed(errorsTable, name) != 0 {
			t.Errorf("errors table has a row for %s, which had none:\n%s", name, errorsTable)
		}
	}
	res.Profiles[2].Errors = results.Errors{ByClass: map[string]int64{}}
	buf.Reset()
	if err := report.WriteTables(&buf, res, false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Errors:") {
		t.Errorf("an errors table without errors:\n%s", buf.String())
	}
}

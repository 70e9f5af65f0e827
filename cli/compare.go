package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

const compareUsage = `usage: reusebench compare [flags] OLD NEW

Compares two saved runs profile by profile (by name): NEW's throughput, p50, p99,
connections per 1,000 requests and error rate against OLD's, each as a ratio
NEW/OLD (the median of every new/old pair of rounds) with an interval and a verdict
(better, worse, or ~ for same). The rounds of two runs did not run side by side, so
they are compared unpaired: the Mann-Whitney interval at {conf} % and a {effect} % minimal
effect; a verdict needs {rounds} rounds in each run. OLD and NEW are results.json files
or report folders (-o DIR of run). Flags may come before or after the files.

exit status: 0; 1 with --fail-on-regression and a regression; 2 for bad input.
`

// compareExamples ends `reusebench compare -h`.
const compareExamples = `  # the embedded target at 8 workers, then at 32: NEW (after) against OLD (before)
  reusebench run -o before -c 8
  reusebench run -o after -c 32
  reusebench compare before after

  # in CI: fail when the branch's run is more than 5 % slower (throughput or p99)
  reusebench compare --fail-on-regression 5 --format markdown main/results.json pr/results.json
`

// compareCmd is `reusebench compare [flags] OLD NEW`: it compares each
// profile of two saved runs, unpaired, and with --fail-on-regression exits 1
// when one got worse by more than the given percentage.
func compareCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	format := fs.String("format", "table", "what to print on stdout: "+report.CompareFormatNames)
	allowDup := fs.Bool("allow-duplicates", false, "compare a run with itself (same start and target) instead of refusing it")
	var failPct float64
	failSet := false
	fs.Func("fail-on-regression", "exit 1 when a profile's throughput or p99 is worse by more than `PCT` % (5 means 5 %)", func(s string) error {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return errors.New("want a percentage, 0 or more (5 means 5 %)")
		}
		failPct, failSet = v, true
		return nil
	})
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "reusebench compare: "+format+"\n", a...)
		return 2
	}
	if err := parseArgs(fs, args); errors.Is(err, flag.ErrHelp) {
		c := stats.CompareCriteria()
		pct := func(v float64) string { return strconv.FormatFloat(100*v, 'f', -1, 64) }
		help(stdout, fs, strings.NewReplacer("{conf}", pct(c.Confidence), "{effect}", pct(c.MinEffect),
			"{rounds}", strconv.Itoa(c.MinUnpairedRounds())).Replace(compareUsage), compareExamples)
		return 0
	} else if err != nil {
		return flagError(stderr, "compare", err)
	}
	files := fs.Args()
	switch {
	case !report.ValidCompareFormat(*format):
		return fail("--format %q: want %s", *format, report.CompareFormatNames)
	case len(files) != 2:
		return fail("want two runs, OLD and NEW (results.json files or report folders), got %d", len(files))
	}
	runs, err := readInputs(files, nil, *allowDup)
	if err != nil {
		return fail("%v", err)
	}
	rc := report.CompareRuns(runs[0], runs[1], failPct)
	if code := stdoutCode(report.WriteComparison(stdout, rc, *format), "compare", stderr); code != 0 {
		return code
	}
	if failSet && len(rc.Regressed) > 0 {
		fmt.Fprintf(stderr, "reusebench compare: regression beyond %s %% in throughput or p99: %s\n",
			strconv.FormatFloat(failPct, 'f', -1, 64), strings.Join(rc.Regressed, ", "))
		return 1
	}
	return 0
}

// readRun reads a results.json file, or FOLDER/results.json for a folder,
// validated (results.ReadFile).
func readRun(path string) (*results.Results, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		file := filepath.Join(path, "results.json")
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("%s is a folder without a results.json", path)
		}
		path = file
	}
	return results.ReadFile(path)
}

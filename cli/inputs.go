package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/reusebench/reusebench/plots"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// readInputs reads and validates the results files report and compare are
// given (results.ReadFile; "-" is every document on stdin, validated
// alike), recomputes their intervals and verdicts from their rounds, and
// refuses the same run twice (same start and target; for the segments of a
// split run, the same segment) unless allowDuplicates. Every error is bad
// input: exit status 2.
func readInputs(paths []string, stdin io.Reader, allowDuplicates bool) ([]*results.Results, error) {
	var all []*results.Results
	var names []string
	for _, path := range paths {
		var rs []*results.Results
		if path == "-" {
			if stdin == nil {
				return nil, usagef("- (stdin) is read by report only; name the files")
			}
			var err error
			if rs, err = results.ReadStream(stdin); err != nil {
				return nil, usagef("stdin: %v", err)
			}
		} else {
			r, err := readRun(path)
			if err != nil {
				return nil, usagef("%v", err)
			}
			rs = []*results.Results{r}
		}
		for k, r := range rs {
			name := path
			if path == "-" {
				name = fmt.Sprintf("stdin document %d", k+1)
			}
			if err := assess(r); err != nil {
				return nil, usagef("%s: %v", name, err)
			}
			for j, prev := range all {
				if !allowDuplicates && sameRun(prev, r) {
					return nil, usagef("%s and %s are the same run (started %s, target %s): counting it twice would double it; --allow-duplicates to merge them anyway",
						names[j], name, r.Started.Format("2006-01-02 15:04:05.000"), orNone(r.Target))
				}
			}
			all, names = append(all, r), append(names, name)
		}
	}
	return all, nil
}

// sameRun reports whether a and b are one run's results: the same start
// and target, and for segments of a split run, the same segment.
func sameRun(a, b *results.Results) bool {
	if !a.Started.Equal(b.Started) || a.Target != b.Target {
		return false
	}
	sa, sb := a.Settings.Segment, b.Settings.Segment
	return sa == nil || sb == nil || (sa.RunID == sb.RunID && sa.Index == sb.Index)
}

// assess recomputes the intervals and verdicts of a run of rounds, rather
// than trust the file's.
func assess(r *results.Results) error {
	if r.Settings.Rounds <= 1 {
		return nil
	}
	return stats.Assess(r)
}

// orNone is s, or "none" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// checkNoOverwrite refuses to write into dir any file that is one of the
// inputs: results.json (when withResults) and the plots of res.
func checkNoOverwrite(dir string, inputs []string, res *results.Results, withResults, withPlots bool) error {
	var names []string
	if withResults {
		names = append(names, "results.json")
	}
	if withPlots {
		names = append(names, plots.SummaryFile, plots.LatencyFile, plots.PhasesFile, plots.TimelineFile, plots.ConnectionsFile)
		names = append(names, plots.HgrmNames(res)...)
	}
	for _, name := range names {
		out, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			continue // not there: nothing to overwrite
		}
		for _, in := range inputs {
			if fi, err := os.Stat(in); err == nil && os.SameFile(fi, out) {
				return usagef("-o %s would overwrite the input %s; write the report into another folder", dir, in)
			}
		}
	}
	return nil
}

// stdoutCode is the exit status of a command whose output to stdout failed
// with err: 141 (as a SIGPIPE would) when stdout was closed early (| head),
// quietly; 1 with a message otherwise; 0 without an error.
func stdoutCode(err error, cmd string, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, syscall.EPIPE):
		return 128 + int(syscall.SIGPIPE)
	}
	fmt.Fprintf(stderr, "reusebench %s: stdout: %v\n", cmd, err)
	return 1
}

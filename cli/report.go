package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
)

// reportUsage is the text of `reusebench report -h` before its flags.
const reportUsage = `usage: reusebench report [flags] FILE...

Prints the tables of saved results.json files and redraws their plots. With several
files, profiles of the same name are merged: histograms merged, counters summed,
throughput over the union of their time windows. FILE - reads results documents from
stdin (what kubectl logs prints for generators run with --format json); the segments of
a split run must all be there. Every input is validated; bad input exits 2, and no
input file is ever overwritten. Flags may come before or after the files; '--' ends them.
`

// reportExamples ends `reusebench report -h`.
const reportExamples = `  # the tables of a saved run again, every column, and its plots redrawn beside it
  reusebench report reusebench-report/results.json --wide
  # two machines' runs of the same profiles, merged into one report folder
  reusebench report -o merged host1/results.json host2/results.json
  # the tables as Markdown, for a pull request, without redrawing the plots
  reusebench report --format markdown --plots=false reusebench-report/results.json
`

// reportCmd is `reusebench report [flags] FILE...`: it reads saved results,
// validated (bad input exits 2), merges profiles of the same name across
// files, prints the tables and redraws the report from the results alone.
// It never overwrites one of its input files.
func reportCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	return reportFrom(args, os.Stdin, stdout, stderr)
}

// reportFrom is reportCmd reading "-" from stdin.
func reportFrom(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	format := fs.String("format", "table", "what to print on stdout: table, markdown, json or csv")
	withPlots := fs.Bool("plots", true, "draw the PNG plots and .hgrm files (--plots=false: tables, and with -o results.json, only)")
	allowPartial := fs.Bool("allow-partial", false, "merge the segments of a split run that are there, with a note naming the missing ones")
	allowDup := fs.Bool("allow-duplicates", false, "merge files of the same run (same start and target) instead of refusing them")
	outDir := fs.String("o", "", "write the merged results.json and the plots into `DIR` (default: the folder of a single FILE, else ./reusebench-merged)")
	wide := fs.Bool("wide", false, "print every column of the tables (default: the columns that fit 100, or the terminal's width)")
	if err := parseArgs(fs, args); errors.Is(err, flag.ErrHelp) {
		help(stdout, fs, reportUsage, reportExamples)
		return 0
	} else if err != nil {
		return flagError(stderr, "report", err)
	}
	files := fs.Args()
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "reusebench report: %v\n", err)
		return code
	}
	switch {
	case len(files) == 0:
		return fail(2, errors.New("name at least one results.json file (or - for stdin)"))
	case !report.ValidFormat(*format):
		return fail(2, fmt.Errorf("--format %q: want %s", *format, report.FormatNames))
	}
	all, err := readInputs(files, stdin, *allowDup)
	if err != nil {
		return fail(2, err)
	}
	if err := results.CheckSegments(all, *allowPartial); err != nil {
		return fail(2, err)
	}
	res, err := results.Merge(all...)
	if err == nil && len(all) > 1 {
		err = assess(res) // the merged rounds' verdicts
	}
	if err != nil {
		return fail(2, err)
	}
	// One file without -o: redraw beside it and leave the file alone.
	// Otherwise (stdin too) write the (merged) results.json as well.
	dir, single := *outDir, *outDir == "" && len(files) == 1 && files[0] != "-"
	switch {
	case single:
		dir = filepath.Dir(files[0])
	case dir == "":
		dir = "reusebench-merged"
	}
	if err := checkNoOverwrite(dir, files, res, !single, *withPlots); err != nil {
		return fail(2, err)
	}
	if code := stdoutCode(report.PrintLayout(stdout, res, *format, tableLayout(stdout, *wide)), "report", stderr); code != 0 {
		return code
	}
	var paths []string
	switch {
	case single && !*withPlots:
		return 0
	case single:
		paths, err = report.WritePlots(dir, res)
	default:
		paths, err = report.WriteFolder(dir, res, *withPlots)
	}
	if err != nil {
		return fail(1, err)
	}
	fmt.Fprintf(stderr, "wrote %d files to %s/: %v\n", len(paths), dir, report.Names(paths))
	return 0
}

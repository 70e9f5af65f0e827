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
	"github.com/reusebench/reusebench/stats"
)

// reportUsage is the text of `reusebench report -h` before its flags.
const reportUsage = `usage: reusebench report [flags] FILE...

Prints the tables of saved results.json files and redraws their plots. With several
files, profiles of the same name are merged: histograms merged, counters summed,
throughput over the union of their time windows. FILE - reads results documents from
stdin (what kubectl logs prints for generators run with --format json); the segments of
a split run must all be there. Flags may come before or after the files; '--' ends them.
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
// merges profiles of the same name across files, prints the tables and
// redraws the report from the results alone.
func reportCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	return reportFrom(args, os.Stdin, stdout, stderr)
}

// reportFrom is reportCmd reading "-" from stdin.
func reportFrom(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	format := fs.String("format", "table", "what to print on stdout: table, markdown, json or csv")
	withPlots := fs.Bool("plots", true, "draw the PNG plots and .hgrm files (--plots=false: tables, and with -o results.json, only)")
	allowPartial := fs.Bool("allow-partial", false, "merge the segments of a split run that are there, with a note naming the missing ones")
	outDir := fs.String("o", "", "write the merged results.json and the plots into `DIR` (default: the folder of a single FILE, else ./reusebench-merged)")
	wide := fs.Bool("wide", false, "print every column of the tables (default: the columns that fit 100, or the terminal's width)")
	if err := parseArgs(fs, args); errors.Is(err, flag.ErrHelp) {
		help(stdout, fs, reportUsage, reportExamples)
		return 0
	} else if err != nil {
		return flagError(stderr, "report", err)
	}
	files := fs.Args()
	switch {
	case len(files) == 0:
		fmt.Fprintln(stderr, "reusebench report: name at least one results.json file")
		return 2
	case !report.ValidFormat(*format):
		fmt.Fprintf(stderr, "reusebench report: --format %q: want %s\n", *format, report.FormatNames)
		return 2
	}
	var all []*results.Results
	for _, f := range files {
		if f == "-" {
			rs, err := results.ReadStream(stdin)
			if err != nil {
				fmt.Fprintf(stderr, "reusebench report: stdin: %v\n", err)
				return 2
			}
			all = append(all, rs...)
			continue
		}
		r, err := results.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "reusebench report: %v\n", err)
			return 1
		}
		all = append(all, r)
	}
	if err := results.CheckSegments(all, *allowPartial); err != nil {
		fmt.Fprintf(stderr, "reusebench report: %v\n", err)
		return 2
	}
	res, err := results.Merge(all...)
	if err == nil && len(all) > 1 && res.Settings.Rounds > 1 {
		err = stats.Assess(res) // the merged rounds' verdicts
	}
	if err != nil {
		fmt.Fprintf(stderr, "reusebench report: %v\n", err)
		return 1
	}
	if err := report.PrintLayout(stdout, res, *format, tableLayout(stdout, *wide)); err != nil {
		fmt.Fprintf(stderr, "reusebench report: %v\n", err)
		return 1
	}
	// One file without -o: redraw beside it and leave the file alone.
	// Otherwise write the (merged) results.json too.
	var paths []string
	dir := *outDir
	switch {
	case dir == "" && len(files) == 1 && files[0] == "-":
		dir = "reusebench-merged"
		paths, err = report.WriteFolder(dir, res, *withPlots)
	case dir == "" && len(files) == 1 && !*withPlots:
		return 0
	case dir == "" && len(files) == 1:
		dir = filepath.Dir(files[0])
		paths, err = report.WritePlots(dir, res)
	default:
		if dir == "" {
			dir = "reusebench-merged"
		}
		paths, err = report.WriteFolder(dir, res, *withPlots)
	}
	if err != nil {
		fmt.Fprintf(stderr, "reusebench report: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote %d files to %s/: %v\n", len(paths), dir, report.Names(paths))
	return 0
}

package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// reportCmd is `reusebench report [flags] FILE...`: it reads saved results,
// merges profiles of the same name across files, prints the tables and
// redraws the report from the results alone.
func reportCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	return reportFrom(args, os.Stdin, stdout, stderr)
}

// reportFrom is reportCmd reading "-" from stdin.
func reportFrom(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "what to print on stdout: table, markdown, json or csv")
	withPlots := fs.Bool("plots", true, "draw the PNG plots and .hgrm files (--plots=false: tables, and with -o results.json, only)")
	allowPartial := fs.Bool("allow-partial", false, "merge the segments of a split run that are there, with a note naming the missing ones")
	outDir := fs.String("o", "", "write the merged results.json and the plots into `DIR` (default: the folder of a single FILE, else ./reusebench-merged)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: reusebench report [flags] FILE...\n\n"+
			"Prints the tables of saved results.json files and redraws their plots. With several\n"+
			"files, profiles of the same name are merged: histograms merged, counters summed,\n"+
			"throughput over the union of their time windows. FILE - reads results documents\n"+
			"from stdin (what kubectl logs prints for generators run with --format json); the\n"+
			"segments of a split run must all be there. Flags go before the files.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err == flag.ErrHelp {
		return 0
	} else if err != nil {
		return 2
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
	if err := report.Print(stdout, res, *format); err != nil {
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

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
)

// reportCmd is `reusebench report [flags] FILE...`: it reads saved results,
// validated (bad input exits 2), merges profiles of the same name across
// files, prints the tables and redraws the report from the results alone.
// It never overwrites one of its input files.
func reportCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "what to print on stdout: table, markdown, json or csv")
	withPlots := fs.Bool("plots", true, "draw the PNG plots and .hgrm files (--plots=false: tables, and with -o results.json, only)")
	outDir := fs.String("o", "", "write the merged results.json and the plots into `DIR` (default: the folder of a single FILE, else ./reusebench-merged)")
	allowDup := fs.Bool("allow-duplicates", false, "merge files of the same run (same start and target) instead of refusing them")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: reusebench report [flags] FILE...\n\n"+
			"Prints the tables of saved results.json files and redraws their plots. With several\n"+
			"files, profiles of the same name are merged: histograms merged, counters summed,\n"+
			"throughput over the union of their time windows. Flags go before the files.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err == flag.ErrHelp {
		return 0
	} else if err != nil {
		return 2
	}
	files := fs.Args()
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "reusebench report: %v\n", err)
		return code
	}
	switch {
	case len(files) == 0:
		return fail(2, errors.New("name at least one results.json file"))
	case !report.ValidFormat(*format):
		return fail(2, fmt.Errorf("--format %q: want %s", *format, report.FormatNames))
	}
	all, err := readInputs(files, *allowDup)
	if err != nil {
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
	// Otherwise write the (merged) results.json too.
	dir, single := *outDir, *outDir == "" && len(files) == 1
	switch {
	case single:
		dir = filepath.Dir(files[0])
	case dir == "":
		dir = "reusebench-merged"
	}
	if err := checkNoOverwrite(dir, files, res, !single, *withPlots); err != nil {
		return fail(2, err)
	}
	if code := stdoutCode(report.Print(stdout, res, *format), "report", stderr); code != 0 {
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

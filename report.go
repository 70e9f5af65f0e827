package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/reusebench/reusebench/results"
)

// reportCmd is `reusebench report [flags] FILE...`: it reads saved results,
// merges profiles of the same name across files, prints the tables and
// redraws the report from the results alone.
func reportCmd(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "what to print on stdout: table, markdown, json or csv")
	withPlots := fs.Bool("plots", true, "draw the PNG plots and .hgrm files (--plots=false: tables, and with -o results.json, only)")
	outDir := fs.String("o", "", "write the merged results.json and the plots into `DIR` (default: the folder of a single FILE, else ./reusebench-merged)")
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
	switch {
	case len(files) == 0:
		fmt.Fprintln(stderr, "reusebench report: name at least one results.json file")
		return 2
	case *format != "table" && *format != "markdown" && *format != "json" && *format != "csv":
		fmt.Fprintf(stderr, "reusebench report: --format %q: want table, markdown, json or csv\n", *format)
		return 2
	}
	var all []*results.Results
	for _, f := range files {
		r, err := readResults(f)
		if err != nil {
			fmt.Fprintf(stderr, "reusebench report: %v\n", err)
			return 1
		}
		all = append(all, r)
	}
	res, err := results.Merge(all...)
	if err != nil {
		fmt.Fprintf(stderr, "reusebench report: %v\n", err)
		return 1
	}
	if err := printResults(stdout, res, *format); err != nil {
		fmt.Fprintf(stderr, "reusebench report: %v\n", err)
		return 1
	}
	// One file without -o: redraw beside it and leave the file alone.
	// Otherwise write the (merged) results.json too.
	var paths []string
	dir := *outDir
	switch {
	case dir == "" && len(files) == 1 && !*withPlots:
		return 0
	case dir == "" && len(files) == 1:
		dir = filepath.Dir(files[0])
		paths, err = writePlots(dir, res)
	default:
		if dir == "" {
			dir = "reusebench-merged"
		}
		paths, err = writeReport(dir, res, *withPlots)
	}
	if err != nil {
		fmt.Fprintf(stderr, "reusebench report: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote %d files to %s/: %v\n", len(paths), dir, names(paths))
	return 0
}

// readResults reads one results.json file.
func readResults(path string) (*results.Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var r results.Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s is not a results.json file: %w", path, err)
	}
	if r.Version == 0 || len(r.Profiles) == 0 {
		return nil, fmt.Errorf("%s is not a results.json file (no version or no profiles)", path)
	}
	return &r, nil
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/reusebench/reusebench/plots"
	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
)

// output prints res on stdout in the chosen format and writes the report
// folder when -o was given.
func output(rc *runConfig, res *results.Results, stdout, stderr io.Writer) error {
	if err := printResults(stdout, res, rc.format); err != nil {
		return err
	}
	if rc.outDir == "" {
		return nil
	}
	paths, err := writeReport(rc.outDir, res, rc.plots)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d files to %s/: %v\n", len(paths), rc.outDir, names(paths))
	return nil
}

func printResults(w io.Writer, res *results.Results, format string) error {
	switch format {
	case "json":
		return writeJSON(w, res)
	case "csv":
		return report.WriteCSV(w, res)
	case "markdown":
		return report.WriteTables(w, res, true)
	}
	return report.WriteTables(w, res, false)
}

func writeJSON(w io.Writer, res *results.Results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("results json: %w", err)
	}
	return nil
}

// writeReport writes results.json, and the plots when withPlots, into dir.
func writeReport(dir string, res *results.Results, withPlots bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report folder: %w", err)
	}
	path := filepath.Join(dir, "results.json")
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if err := writeJSON(f, res); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if !withPlots {
		return []string{path}, nil
	}
	plotted, err := writePlots(dir, res)
	if err != nil {
		return nil, err
	}
	return append([]string{path}, plotted...), nil
}

// writePlots draws the PNGs and .hgrm files of res into dir.
func writePlots(dir string, res *results.Results) ([]string, error) {
	paths, err := plots.Write(res, dir)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return paths, nil
}

func names(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/reusebench/reusebench/plots"
	"github.com/reusebench/reusebench/results"
)

// FormatNames lists what Print can write, for help and errors.
const FormatNames = "table, markdown, json or csv"

// ValidFormat reports whether Print can write format f.
func ValidFormat(f string) bool {
	switch f {
	case "table", "markdown", "json", "csv":
		return true
	}
	return false
}

// Print writes res to w in format: "table" (the default), "markdown",
// "json" (results.json itself) or "csv".
func Print(w io.Writer, res *results.Results, format string) error {
	switch format {
	case "json":
		return results.Encode(w, res)
	case "csv":
		return WriteCSV(w, res)
	case "markdown":
		return WriteTables(w, res, true)
	}
	return WriteTables(w, res, false)
}

// WriteFolder writes results.json, and the plots when withPlots, into dir,
// and returns the paths written.
func WriteFolder(dir string, res *results.Results, withPlots bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report folder: %w", err)
	}
	path := filepath.Join(dir, "results.json")
	if err := results.WriteFile(path, res); err != nil {
		return nil, err
	}
	if !withPlots {
		return []string{path}, nil
	}
	plotted, err := WritePlots(dir, res)
	if err != nil {
		return nil, err
	}
	return append([]string{path}, plotted...), nil
}

// WritePlots draws the PNGs and .hgrm files of res into dir.
func WritePlots(dir string, res *results.Results) ([]string, error) {
	paths, err := plots.Write(res, dir)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return paths, nil
}

// Names returns the base names of paths, for a "wrote N files" line.
func Names(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

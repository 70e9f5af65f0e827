// Package plots draws PNG plots and .hgrm percentile files from a finished
// results.Results, never from live state, so a saved results file can be
// re-plotted. The functions that compute what each plot shows (PercentileCurve,
// PhaseBars, Timeline, ConnectionsOverTime, SummaryBars) are pure and
// separate from the drawing.
//
// Every PNG is 1200×700 pixels; a profile has the same colour (ProfileColor of
// its index in Results.Profiles) in every plot that tells profiles apart by
// colour (summary.png names them on its axis and colours verdicts instead).
package plots

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

// The files Write produces besides one .hgrm per profile.
const (
	LatencyFile     = "latency.png"
	PhasesFile      = "phases.png"
	TimelineFile    = "timeline.png"
	ConnectionsFile = "connections.png"
)

// Write renders every plot for res into dir (which exists) and returns the
// paths written: summary.png (only when res has profiles), sweep.png (only
// when res swept a knob), latency.png,
// phases.png, timeline.png, connections.png and one <profile>.hgrm per
// profile that has a non-empty "total" histogram.
//
// A problem with one file or one profile (say, a histogram that does not
// decode) does not stop the others: Write renders what it can, returns the
// paths it wrote, and reports every problem in the returned error.
func Write(res *results.Results, dir string) ([]string, error) {
	if res == nil {
		return nil, errors.New("plots: no results")
	}
	var (
		paths []string
		errs  []error
	)
	summary, err := writeSummary(res, filepath.Join(dir, SummaryFile))
	if err != nil {
		errs = append(errs, fmt.Errorf("plots: %s: %w", SummaryFile, err))
	}
	if summary != "" {
		paths = append(paths, summary)
	}
	sweep, err := writeSweep(res, filepath.Join(dir, SweepFile))
	if err != nil {
		errs = append(errs, fmt.Errorf("plots: %s: %w", SweepFile, err))
	}
	if sweep != "" {
		paths = append(paths, sweep)
	}
	figures := []struct {
		name  string
		build func(*results.Results) (*figure, error)
	}{
		{LatencyFile, latencyFigure},
		{PhasesFile, phasesFigure},
		{TimelineFile, timelineFigure},
		{ConnectionsFile, connectionsFigure},
	}
	for _, f := range figures {
		fig, err := f.build(res)
		if err != nil {
			errs = append(errs, fmt.Errorf("plots: %s: %w", f.name, err))
		}
		if fig == nil {
			continue
		}
		if len(res.Profiles) == 0 {
			fig.panels, fig.legendWidth = nil, 0
			fig.note = "no profiles in this results file"
		}
		path := filepath.Join(dir, f.name)
		if err := fig.writePNG(path); err != nil {
			errs = append(errs, fmt.Errorf("plots: %s: %w", f.name, err))
			continue
		}
		paths = append(paths, path)
	}
	hgrms, err := writeHgrms(res, dir)
	paths = append(paths, hgrms...)
	if err != nil {
		errs = append(errs, err)
	}
	return paths, errors.Join(errs...)
}

// HgrmNames returns the .hgrm file name of each profile of res, in order:
// FileName of the profile name, made unique (case-insensitively, for file
// systems that ignore case) with a "-2", "-3"… suffix.
func HgrmNames(res *results.Results) []string {
	names := make([]string, len(res.Profiles))
	used := map[string]bool{}
	for i, p := range res.Profiles {
		base := FileName(p.Name)
		name := base
		for n := 2; used[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		used[strings.ToLower(name)] = true
		names[i] = name + ".hgrm"
	}
	return names
}

// writeHgrms writes the standard HdrHistogram percentile distribution of each
// profile's "total" histogram, in milliseconds, to <profile>.hgrm in dir.
// Profiles without a total histogram, or with an empty one, get no file.
func writeHgrms(res *results.Results, dir string) ([]string, error) {
	var (
		paths []string
		errs  []error
	)
	names := HgrmNames(res)
	for i := range res.Profiles {
		p := &res.Profiles[i]
		h, err := p.Histogram(trace.Total.String())
		if err != nil {
			errs = append(errs, fmt.Errorf("plots: %s: %w", names[i], err))
			continue
		}
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		path := filepath.Join(dir, names[i])
		if err := writeHgrm(path, func(w *bufio.Writer) error {
			// Values are recorded in µs; a scale of 1000 prints milliseconds.
			_, err := h.PercentilesPrint(w, 5, 1000.0)
			return err
		}); err != nil {
			errs = append(errs, fmt.Errorf("plots: %s: %w", names[i], err))
			continue
		}
		paths = append(paths, path)
	}
	return paths, errors.Join(errs...)
}

// writeHgrm writes path atomically, filled through a buffered writer.
func writeHgrm(path string, fill func(*bufio.Writer) error) error {
	return results.WriteAtomic(path, func(f io.Writer) error {
		w := bufio.NewWriter(f)
		if err := fill(w); err != nil {
			return err
		}
		return w.Flush()
	})
}

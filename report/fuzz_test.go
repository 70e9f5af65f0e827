package report_test

import (
	"io"
	"testing"
	"time"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// FuzzReport checks that no results file a reader accepts can panic a
// report: it is read, assessed, merged with a later copy of itself,
// printed in every format and compared with itself, as report and compare
// do.
func FuzzReport(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := results.Parse(b)
		if err != nil {
			return
		}
		later, err := results.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		later.Started = later.Started.Add(time.Hour)
		for i := range later.Profiles {
			later.Profiles[i].Started = later.Profiles[i].Started.Add(time.Hour)
			later.Profiles[i].Ended = later.Profiles[i].Ended.Add(time.Hour)
		}
		for _, r := range []*results.Results{res, later} {
			if r.Settings.Rounds > 1 {
				if stats.Assess(r) != nil {
					return // report refuses it
				}
			}
		}
		merged, err := results.Merge(res, later)
		if err == nil && merged.Settings.Rounds > 1 {
			err = stats.Assess(merged)
		}
		for _, r := range []*results.Results{res, merged} {
			if r == nil || err != nil {
				continue
			}
			for _, format := range []string{"table", "markdown", "json", "csv"} {
				if err := report.Print(io.Discard, r, format); err != nil {
					t.Errorf("print %s: %v", format, err)
				}
			}
		}
		rc := report.CompareRuns(res, later, 5)
		for _, format := range []string{"table", "markdown", "json"} {
			if err := report.WriteComparison(io.Discard, rc, format); err != nil {
				t.Errorf("compare %s: %v", format, err)
			}
		}
	})
}

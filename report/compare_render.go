package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/reusebench/reusebench/stats"
)

// CompareFormatNames lists what WriteComparison can write, for help and
// errors.
const CompareFormatNames = "table, markdown or json"

// ValidCompareFormat reports whether WriteComparison can write format f.
func ValidCompareFormat(f string) bool {
	return f == "table" || f == "markdown" || f == "json"
}

// WriteComparison writes rc in format: "table" (the default, 100 columns
// for profile names up to 10 characters), "markdown" or "json".
func WriteComparison(w io.Writer, rc *RunComparison, format string) error {
	if format == "json" {
		return writeComparisonJSON(w, rc)
	}
	markdown := format == "markdown"
	if len(rc.Profiles) == 0 {
		if _, err := fmt.Fprintln(w, "no profile is in both runs"); err != nil {
			return err
		}
	} else if err := comparisonTable(rc, markdown).render(w, markdown); err != nil {
		return err
	}
	var lines []string
	if len(rc.Regressed) > 0 {
		beyond := ""
		if rc.RegressionPct > 0 {
			beyond = " by more than " + strconv.FormatFloat(rc.RegressionPct, 'f', -1, 64) + " %"
		}
		lines = append(lines, "regressed (throughput or p99 worse"+beyond+"): "+strings.Join(rc.Regressed, ", "))
	}
	if len(rc.OnlyOld) > 0 {
		lines = append(lines, "only in OLD (not compared): "+strings.Join(rc.OnlyOld, ", "))
	}
	if len(rc.OnlyNew) > 0 {
		lines = append(lines, "only in NEW (not compared): "+strings.Join(rc.OnlyNew, ", "))
	}
	for _, n := range rc.Notes {
		lines = append(lines, "note: "+n)
	}
	for i := range rc.Profiles {
		lines = append(lines, rc.Profiles[i].warnings()...)
	}
	if markdown && len(lines) > 0 {
		for i := range lines {
			lines[i] = "- " + lines[i]
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	return nil
}

// figures are the compared figures of a profile, with their column names.
func (pc *ProfileChange) figures() []struct {
	name string
	c    *Change
} {
	return []struct {
		name string
		c    *Change
	}{
		{"throughput", &pc.Throughput}, {"p50", &pc.P50}, {"p99", &pc.P99},
		{"conns/1k", &pc.ConnsPer1k}, {"errors", &pc.ErrorRate},
	}
}

// warnings returns one line per distinct warning of pc's figures, naming
// the figures it is about.
func (pc *ProfileChange) warnings() []string {
	var order []string
	about := map[string][]string{}
	for _, f := range pc.figures() {
		if w := f.c.Ratio.Warning; w != "" {
			if about[w] == nil {
				order = append(order, w)
			}
			about[w] = append(about[w], f.name)
		}
	}
	out := make([]string, len(order))
	for i, w := range order {
		out[i] = fmt.Sprintf("warning: %s: %s: %s", pc.Name, strings.Join(about[w], ", "), w)
	}
	return out
}

func comparisonTable(rc *RunComparison, markdown bool) *table {
	t := &table{
		title:  "NEW against OLD: median of rounds OLD → NEW, ratio NEW/OLD [interval], verdict (~: same)",
		header: []string{"profile", "req/s", "p50 ms", "p99 ms", "conns/1k", "errors %"},
	}
	sep := "\n"
	if markdown {
		sep = " "
	}
	for i := range rc.Profiles {
		pc := &rc.Profiles[i]
		row := []string{pc.Name}
		for j, f := range pc.figures() {
			format := FormatMS
			scale := 1.0
			switch j {
			case 0:
				format = FormatRate
			case 4:
				scale = 100
			}
			row = append(row, strings.Join(changeCell(f.c, format, scale), sep))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// changeCell is the lines of one figure's cell: "OLD → NEW", the ratio with
// its verdict and the interval, or "too few rounds" instead of an interval
// and verdict; "0 → 0" and "~" alone when the figure is 0 in both runs.
func changeCell(c *Change, format func(float64) string, scale float64) []string {
	if c.Ratio.N == 0 {
		return []string{"-", "n/a"}
	}
	if c.Old == 0 && c.New == 0 && c.Ratio.Lo == 1 && c.Ratio.Hi == 1 {
		// Zero in both runs (no errors, no new connections): nothing to
		// compare.
		return []string{"0 → 0", "~"}
	}
	ratio, interval := c.Ratio.FormatParts()
	if c.Ratio.TooFew {
		interval = "too few rounds"
	}
	return []string{format(scale*c.Old) + " → " + format(scale*c.New), ratio, interval}
}

// comparisonJSON is the json format of a RunComparison.
type comparisonJSON struct {
	Profiles  []profileChangeJSON `json:"profiles"`
	Regressed []string            `json:"regressed"`
	OnlyOld   []string            `json:"only_old"`
	OnlyNew   []string            `json:"only_new"`
	Notes     []string            `json:"notes"`
}

type profileChangeJSON struct {
	Name       string    `json:"name"`
	Throughput ratioJSON `json:"throughput"`
	P50        ratioJSON `json:"p50"`
	P99        ratioJSON `json:"p99"`
	ConnsPer1k ratioJSON `json:"conns_per_1k"`
	ErrorRate  ratioJSON `json:"error_rate"`
}

// ratioJSON is results.Ratio's JSON, with null for an unbounded ratio or
// bound (a figure that was 0 in OLD), which JSON numbers cannot hold.
type ratioJSON struct {
	Ratio   *float64 `json:"ratio"`
	Lo      *float64 `json:"lo"`
	Hi      *float64 `json:"hi"`
	Verdict string   `json:"verdict"`
	N       int      `json:"n"`
	Warning string   `json:"warning,omitempty"`
}

func ratioToJSON(r stats.Ratio) ratioJSON {
	res := r.Result()
	finite := func(v float64) *float64 {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil
		}
		return &v
	}
	return ratioJSON{Ratio: finite(res.Ratio), Lo: finite(res.Lo), Hi: finite(res.Hi),
		Verdict: res.Verdict, N: res.N, Warning: res.Warning}
}

func writeComparisonJSON(w io.Writer, rc *RunComparison) error {
	out := comparisonJSON{Profiles: []profileChangeJSON{}, Regressed: nonNil(rc.Regressed),
		OnlyOld: nonNil(rc.OnlyOld), OnlyNew: nonNil(rc.OnlyNew), Notes: nonNil(rc.Notes)}
	for _, pc := range rc.Profiles {
		out.Profiles = append(out.Profiles, profileChangeJSON{
			Name:       pc.Name,
			Throughput: ratioToJSON(pc.Throughput.Ratio),
			P50:        ratioToJSON(pc.P50.Ratio),
			P99:        ratioToJSON(pc.P99.Ratio),
			ConnsPer1k: ratioToJSON(pc.ConnsPer1k.Ratio),
			ErrorRate:  ratioToJSON(pc.ErrorRate.Ratio),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("compare json: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

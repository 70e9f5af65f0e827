package report

import (
	"fmt"
	"io"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// vsBaseline is a profile's throughput against the baseline, as the summary
// table shows it: the ratio with its interval and verdict over rounds. A
// single round has no interval, so no ratio is printed: a difference without
// its uncertainty is what rounds exist to avoid.
func vsBaseline(res *results.Results, i int) string {
	p := &res.Profiles[i]
	if p.VsBaseline != nil {
		return formatRatio(p.VsBaseline.Throughput)
	}
	if p.Name == res.Settings.Baseline || (res.Settings.Baseline == "" && i == 0) {
		return "baseline"
	}
	return "n/a (1 round)"
}

// baselineOf returns the baseline profile of res.
func baselineOf(res *results.Results) *results.Profile {
	for i := range res.Profiles {
		if res.Profiles[i].Name == res.Settings.Baseline {
			return &res.Profiles[i]
		}
	}
	if len(res.Profiles) > 0 {
		return &res.Profiles[0]
	}
	return nil
}

// formatRatio is r as benchstat users read it: "1.23x [1.18,1.29] better",
// "~ 0.99x [0.95,1.03]" when there is no significant difference.
func formatRatio(r results.Ratio) string {
	return stats.RatioOf(r, stats.CompareCriteria().MinRounds()).Format()
}

// formatInterval is a median with its interval: "21.4k [20.9k–21.8k]".
func formatInterval(iv results.Interval, f func(float64) string) string {
	if iv.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%s [%s–%s]", f(iv.Center), f(iv.Lo), f(iv.Hi))
}

// roundsTable is the per-round statistics of a run of several rounds:
// medians with their 95 % intervals, and the ratios to the baseline with
// their 99 % intervals and verdicts. Without wide it keeps throughput, p99
// and p99's verdict (the summary has throughput's), in 100 columns.
func roundsTable(res *results.Results, wide bool) table {
	base := res.Settings.Baseline
	t := table{
		title: fmt.Sprintf("Over %d rounds: median [95 %% interval]; vs %s: ratio [99 %% interval], ~ = not significant",
			res.Settings.Rounds, base),
		header: []string{"profile", "req/s", "p50 ms", "p99 ms", "req/s vs " + base, "p50 vs " + base, "p99 vs " + base},
	}
	if !wide {
		t.header = []string{"profile", "req/s", "p99 ms", "p99 vs " + base}
	}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		if p.Intervals == nil {
			continue
		}
		tput, p99 := formatInterval(p.Intervals.Throughput, FormatRate), formatInterval(p.Intervals.P99, FormatMS)
		vs := []string{"baseline", "baseline", "baseline"}
		if c := p.VsBaseline; c != nil {
			vs = []string{formatRatio(c.Throughput), formatRatio(c.P50), formatRatio(c.P99)}
		}
		if !wide {
			t.rows = append(t.rows, []string{p.Name, tput, p99, vs[2]})
			continue
		}
		t.rows = append(t.rows, append([]string{p.Name, tput, formatInterval(p.Intervals.P50, FormatMS), p99}, vs...))
	}
	return t
}

// writeRoundsNote says what the verdicts rest on, and warns when too few
// rounds make an interval meaningless.
func writeRoundsNote(w io.Writer, res *results.Results) error {
	need := stats.CompareCriteria().MinRounds()
	if res.Settings.Rounds <= 1 {
		if len(res.Profiles) < 2 {
			return nil
		}
		_, err := fmt.Fprintf(w, "note: one round per profile: no interval, so no ratio to the baseline is shown (--rounds %d or more for ratios with intervals and verdicts)\n", 2*need)
		return err
	}
	msg := fmt.Sprintf("note: verdicts rest on %d interleaved rounds per profile, each round paired with the baseline's (%s); better/worse needs a 99 %% interval that excludes 1 and a ratio at least 2 %% from it",
		res.Settings.Rounds, res.Settings.Baseline)
	if res.Settings.Rounds < need {
		msg = fmt.Sprintf("WARNING: only %d rounds: an interval needs at least %d, so every verdict is ~ (no significant difference); use --rounds %d or more", res.Settings.Rounds, need, 2*need)
	}
	_, err := fmt.Fprintln(w, msg)
	return err
}

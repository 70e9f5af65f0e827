package plots

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// SummaryPoint is one figure (throughput or p99) of one profile in
// summary.png: a dot, its whiskers and its verdict against the baseline.
type SummaryPoint struct {
	// Value is the dot: the median of the per-round values, or the
	// profile's overall figure when it has no interval.
	Value float64
	// Lo and Hi are the ends of the whiskers, the 95 % interval of the
	// median (with fewer rounds than that needs: the rounds' range). They
	// equal Value when Interval is false.
	Lo, Hi float64
	// Interval says Lo and Hi are an interval of N rounds.
	Interval bool
	// N is the number of rounds of the interval, 0 without one.
	N int
	// Missing says there is nothing to draw: the value is zero, negative or
	// not finite (a profile without requests).
	Missing bool
	// Verdict is the comparison's verdict (results.Better, Worse or Same),
	// empty for the baseline, without a comparison and with too few rounds
	// for one.
	Verdict string
	// Text is what is written next to the row: "0.32x worse", "1.23x
	// better", "~ same", "baseline", "no verdict (4 rounds)", "n/a" (no
	// comparison when others have one), or empty when no profile has one.
	Text string
	// Label is the value written over the dot, with its interval:
	// "20,000 [19,500–20,400]", "2.20 [2.10–2.35]", "1,400" without an
	// interval, empty when Missing.
	Label string
}

// SummaryRow is what summary.png shows of one profile.
type SummaryRow struct {
	// Name is the profile's name, Label its axis label: the name
	// shortened, with " (baseline)" on the baseline.
	Name, Label string
	// Baseline says this is the profile the others are compared with.
	Baseline bool
	// Throughput is in requests per second (higher is better), P99 in
	// milliseconds (lower is better).
	Throughput, P99 SummaryPoint
}

// SummaryBars returns what summary.png draws of each profile of res, in run
// order (the order of res.Profiles). A profile's figures are the centres
// and 95 % intervals of its rounds (Profile.Intervals); without them (one
// round, or a file older than rounds) its overall Throughput and
// Latency.P99, with no whiskers. Verdicts come from Profile.VsBaseline; the
// baseline is SummaryBaseline's.
func SummaryBars(res *results.Results) []SummaryRow {
	if res == nil || len(res.Profiles) == 0 {
		return nil
	}
	base := SummaryBaseline(res)
	rows := make([]SummaryRow, len(res.Profiles))
	for i := range res.Profiles {
		p := &res.Profiles[i]
		row := SummaryRow{Name: p.Name, Label: shortName(p.Name), Baseline: i == base}
		if row.Baseline {
			row.Label += " (baseline)"
		}
		var tput, p99 *results.Interval
		if p.Intervals != nil {
			tput, p99 = &p.Intervals.Throughput, &p.Intervals.P99
		}
		row.Throughput = summaryPoint(tput, p.Throughput, formatNumber)
		row.P99 = summaryPoint(p99, p.Latency.P99, formatMS)
		switch {
		case row.Baseline:
			if hasComparison(res) {
				row.Throughput.Text, row.P99.Text = "baseline", "baseline"
			}
		case p.VsBaseline != nil:
			row.Throughput.Verdict, row.Throughput.Text = verdictText(p.VsBaseline.Throughput)
			row.P99.Verdict, row.P99.Text = verdictText(p.VsBaseline.P99)
		case hasComparison(res):
			// Say so, rather than leave a gap where the others have words.
			row.Throughput.Text, row.P99.Text = "n/a", "n/a"
		}
		rows[i] = row
	}
	return rows
}

// SummaryBaseline returns the index in res.Profiles of the profile the others
// are compared with, or -1 when there is none: Settings.Baseline when it
// names a profile, otherwise the baseline a comparison names, otherwise, in
// a run of rounds, the first profile (as stats.Assess chooses). A file
// without rounds or comparisons has no baseline.
func SummaryBaseline(res *results.Results) int {
	find := func(name string) int {
		for i := range res.Profiles {
			if name != "" && res.Profiles[i].Name == name {
				return i
			}
		}
		return -1
	}
	if i := find(res.Settings.Baseline); i >= 0 {
		return i
	}
	for i := range res.Profiles {
		if c := res.Profiles[i].VsBaseline; c != nil {
			if j := find(c.Baseline); j >= 0 {
				return j
			}
		}
	}
	if len(res.Profiles) > 0 && (res.Settings.Rounds > 1 || hasIntervals(res)) {
		return 0
	}
	return -1
}

func hasIntervals(res *results.Results) bool {
	for i := range res.Profiles {
		if res.Profiles[i].Intervals != nil {
			return true
		}
	}
	return false
}

func hasComparison(res *results.Results) bool {
	for i := range res.Profiles {
		if res.Profiles[i].VsBaseline != nil {
			return true
		}
	}
	return false
}

// summaryPoint is the point of an interval, or of the overall figure v when
// the interval is missing or rests on no rounds, labelled with format.
func summaryPoint(iv *results.Interval, v float64, format func(float64) string) SummaryPoint {
	pt := pointOf(iv, v)
	switch {
	case pt.Missing:
	case pt.Interval:
		pt.Label = format(pt.Value) + " [" + format(pt.Lo) + "–" + format(pt.Hi) + "]"
	default:
		pt.Label = format(pt.Value)
	}
	return pt
}

func pointOf(iv *results.Interval, v float64) SummaryPoint {
	if iv != nil && iv.N > 0 {
		pt := SummaryPoint{Value: iv.Center, Lo: iv.Lo, Hi: iv.Hi, Interval: true, N: iv.N}
		if !(pt.Value > 0) || math.IsInf(pt.Value, 0) {
			return SummaryPoint{Missing: true}
		}
		// Whiskers must hold the dot and stay drawable on a log axis.
		if !(pt.Lo > 0) || pt.Lo > pt.Value {
			pt.Lo = pt.Value
		}
		if !(pt.Hi >= pt.Value) || math.IsInf(pt.Hi, 0) {
			pt.Hi = pt.Value
		}
		return pt
	}
	if !(v > 0) || math.IsInf(v, 0) {
		return SummaryPoint{Missing: true}
	}
	return SummaryPoint{Value: v, Lo: v, Hi: v}
}

// verdictText returns the verdict and the words of a comparison with the
// baseline. A ratio on too few rounds for a verdict says so rather than
// "same".
func verdictText(r results.Ratio) (verdict, text string) {
	switch {
	case r.N == 0 || !(r.Ratio > 0) || math.IsInf(r.Ratio, 0):
		return "", "n/a"
	case r.N < stats.CompareCriteria().MinRounds():
		return "", fmt.Sprintf("no verdict (%d rounds)", r.N)
	case r.Verdict == results.Better || r.Verdict == results.Worse:
		return r.Verdict, stats.FormatRatio(r.Ratio) + "x " + r.Verdict
	}
	return results.Same, "~ same"
}

// SummaryCaption returns the line under summary.png saying what its dots,
// whiskers and verdicts are, for rows from SummaryBars: "median of 10
// rounds, whiskers and [lo–hi]: 95 % interval; verdicts: 99 % interval, ≥2 %
// effect", and "1 round: no interval" for profiles drawn from their overall
// figures. It is empty for no rows.
func SummaryCaption(rows []SummaryRow) string {
	minN, maxN := 0, 0
	var without []string
	ranges, verdicts, tooFew := false, false, false
	for _, r := range rows {
		iv := false
		for _, pt := range []SummaryPoint{r.Throughput, r.P99} {
			if pt.Interval {
				iv = true
				if minN == 0 || pt.N < minN {
					minN = pt.N
				}
				maxN = max(maxN, pt.N)
				ranges = ranges || pt.N < stats.Criteria{}.MinRounds()
			}
			verdicts = verdicts || pt.Verdict != ""
			tooFew = tooFew || strings.HasPrefix(pt.Text, "no verdict")
		}
		if !iv && !r.Throughput.Missing {
			without = append(without, shortName(r.Name))
		}
	}
	var parts []string
	if maxN > 0 {
		n := strconv.Itoa(maxN)
		if minN != maxN {
			n = strconv.Itoa(minN) + "–" + n
		}
		s := "median of " + n + " rounds, whiskers and [lo–hi]: " + percent(stats.SummaryConfidence) + " interval"
		if ranges {
			s += fmt.Sprintf(" (under %d rounds: their range)", stats.Criteria{}.MinRounds())
		}
		parts = append(parts, s)
	}
	if verdicts || tooFew {
		s := "verdicts: " + percent(stats.CompareConfidence) + " interval, ≥" + percent(stats.MinEffect) + " effect"
		if tooFew {
			s += fmt.Sprintf(", ≥%d rounds", stats.CompareCriteria().MinRounds())
		}
		parts = append(parts, s)
	}
	switch {
	case len(without) > 0 && maxN == 0:
		parts = append(parts, "1 round: no interval")
	case len(without) > 0:
		parts = append(parts, strings.Join(without, ", ")+": 1 round, no interval")
	}
	if len(parts) == 0 && len(rows) > 0 {
		return "nothing to draw: no profile has a throughput or a p99"
	}
	return strings.Join(parts, "; ")
}

// formatNumber prints v with about three significant digits, and from 1,000
// up as a whole number with thousands separators: 20,400, 950, 12.5.
func formatNumber(v float64) string {
	if math.Abs(v) < 999.5 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	s := strconv.FormatFloat(math.Round(math.Abs(v)), 'f', 0, 64)
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// formatMS prints milliseconds with about three significant digits, as the
// tables do: 0.512, 2.20, 24.0, 130, 1,250.
func formatMS(v float64) string {
	switch a := math.Abs(v); {
	case a >= 999.5:
		return formatNumber(v)
	case a >= 99.5:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 9.995:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 0.9995:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// percent prints a fraction as "95 %".
func percent(f float64) string {
	return strconv.FormatFloat(100*f, 'g', 4, 64) + " %"
}

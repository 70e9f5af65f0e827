package plots

import (
	"math"
	"reflect"
	"testing"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// sp is a SummaryPoint with an interval of 10 rounds.
func sp(v, lo, hi float64, verdict, text, label string) SummaryPoint {
	return SummaryPoint{Value: v, Lo: lo, Hi: hi, Interval: true, N: 10, Verdict: verdict, Text: text, Label: label}
}

// overall is a SummaryPoint of an overall figure: no whiskers.
func overall(v float64, text, label string) SummaryPoint {
	return SummaryPoint{Value: v, Lo: v, Hi: v, Text: text, Label: label}
}

func TestSummaryBars(t *testing.T) {
	// The baseline named by a comparison, not by the settings.
	namedByComparison := summaryFixture()
	namedByComparison.Settings.Baseline = "nope" // not a profile: ignored
	for i := range namedByComparison.Profiles {
		if c := namedByComparison.Profiles[i].VsBaseline; c != nil {
			c.Baseline = "go-default"
		}
	}
	namedByComparison.Profiles = namedByComparison.Profiles[:2]
	namedByComparison.Profiles[0].VsBaseline = namedByComparison.Profiles[1].VsBaseline
	namedByComparison.Profiles[1].VsBaseline = nil

	// Rounds but no comparison yet: the first profile is the baseline
	// (as stats.Assess picks), with no verdict words anywhere.
	firstByDefault := summaryFixture()
	firstByDefault.Settings.Baseline = ""
	for i := range firstByDefault.Profiles {
		firstByDefault.Profiles[i].VsBaseline = nil
	}
	firstByDefault.Profiles = firstByDefault.Profiles[:2]

	// Intervals that rest on no rounds, and whiskers that cannot be drawn.
	odd := summaryFixture()
	odd.Profiles = odd.Profiles[:3]
	odd.Profiles[1].Intervals.Throughput = results.Interval{}                                    // N = 0
	odd.Profiles[1].Intervals.P99 = results.Interval{Center: 7.7, Lo: -1, Hi: math.NaN(), N: 10} // bad ends
	odd.Profiles[2].VsBaseline.Throughput = results.Ratio{}                                      // no paired rounds
	odd.Profiles[2].Intervals.P99 = results.Interval{Center: math.Inf(1), N: 10}                 // not drawable

	tests := []struct {
		name string
		res  *results.Results
		want []SummaryRow
	}{
		{"nil", nil, nil},
		{"no profiles", &results.Results{}, nil},
		{"four profiles of 10 rounds", summaryFixture(), []SummaryRow{
			// The medians and intervals, not the overall figures (19,900;
			// 2.3); verdicts as the file has them, ratios to about three
			// digits: 0.32, 3.50 (3.5), 0.07 (below 0.0995: two
			// significant digits), 10.9.
			{Name: "shared", Label: "shared (baseline)", Baseline: true,
				Throughput: sp(20000, 19500, 20400, "", "baseline", "20,000 [19,500–20,400]"),
				P99:        sp(2.2, 2.1, 2.35, "", "baseline", "2.20 [2.10–2.35]")},
			{Name: "go-default", Label: "go-default",
				Throughput: sp(6500, 6300, 6700, results.Worse, "0.32x worse", "6,500 [6,300–6,700]"),
				P99:        sp(7.7, 7.2, 8.3, results.Worse, "3.50x worse", "7.70 [7.20–8.30]")},
			{Name: "fresh", Label: "fresh",
				Throughput: sp(1400, 1350, 1460, results.Worse, "0.07x worse", "1,400 [1,350–1,460]"),
				P99:        sp(24, 21, 27, results.Worse, "10.9x worse", "24.0 [21.0–27.0]")},
			// Same: the words, not the ratio, so 1.03x is not read as better.
			{Name: "h2", Label: "h2",
				Throughput: sp(20600, 19900, 21100, results.Same, "~ same", "20,600 [19,900–21,100]"),
				P99:        sp(2.3, 2.1, 2.5, results.Same, "~ same", "2.30 [2.10–2.50]")},
		}},
		{"one round: overall figures, no baseline", withoutRounds(summaryFixture()), []SummaryRow{
			// No rounds, no comparison: nothing names a baseline, so none
			// is claimed; the overall Throughput and Latency.P99, no
			// whiskers (Lo = Hi = Value), no verdict words.
			{Name: "shared", Label: "shared", Throughput: overall(19900, "", "19,900"), P99: overall(2.3, "", "2.30")},
			{Name: "go-default", Label: "go-default", Throughput: overall(6450, "", "6,450"), P99: overall(7.9, "", "7.90")},
			{Name: "fresh", Label: "fresh", Throughput: overall(1390, "", "1,390"), P99: overall(25, "", "25.0")},
			{Name: "h2", Label: "h2", Throughput: overall(20550, "", "20,550"), P99: overall(2.3, "", "2.30")},
		}},
		{"mixed: one round, too few rounds, better, no requests", mixedFixture(), []SummaryRow{
			{Name: "shared", Label: "shared (baseline)", Baseline: true,
				Throughput: sp(20000, 19500, 20400, "", "baseline", "20,000 [19,500–20,400]"),
				P99:        sp(2.2, 2.1, 2.35, "", "baseline", "2.20 [2.10–2.35]")},
			{Name: "go-default", Label: "go-default",
				Throughput: sp(6500, 6300, 6700, results.Worse, "0.32x worse", "6,500 [6,300–6,700]"),
				P99:        sp(7.7, 7.2, 8.3, results.Worse, "3.50x worse", "7.70 [7.20–8.30]")},
			// Its overall figures, and "n/a" where the others have words.
			{Name: "fresh", Label: "fresh", Throughput: overall(1390, "n/a", "1,390"), P99: overall(25, "n/a", "25.0")},
			// 4 paired rounds are under the 8 a 99 % verdict needs: no
			// verdict rather than "same"; p99 0.8 of the baseline's is
			// better (lower is better).
			{Name: "h2", Label: "h2",
				Throughput: sp(20600, 19900, 21100, "", "no verdict (4 rounds)", "20,600 [19,900–21,100]"),
				P99:        sp(2.3, 2.1, 2.5, results.Better, "0.80x better", "2.30 [2.10–2.50]")},
			// Zero throughput and p99: nothing to draw (a log axis cannot).
			{Name: "idle", Label: "idle", Throughput: SummaryPoint{Missing: true, Text: "n/a"}, P99: SummaryPoint{Missing: true, Text: "n/a"}},
		}},
		{"baseline named by a comparison", namedByComparison, []SummaryRow{
			{Name: "shared", Label: "shared",
				Throughput: sp(20000, 19500, 20400, results.Worse, "0.32x worse", "20,000 [19,500–20,400]"),
				P99:        sp(2.2, 2.1, 2.35, results.Worse, "3.50x worse", "2.20 [2.10–2.35]")},
			{Name: "go-default", Label: "go-default (baseline)", Baseline: true,
				Throughput: sp(6500, 6300, 6700, "", "baseline", "6,500 [6,300–6,700]"),
				P99:        sp(7.7, 7.2, 8.3, "", "baseline", "7.70 [7.20–8.30]")},
		}},
		{"rounds, no comparison: first profile is the baseline", firstByDefault, []SummaryRow{
			{Name: "shared", Label: "shared (baseline)", Baseline: true,
				Throughput: sp(20000, 19500, 20400, "", "", "20,000 [19,500–20,400]"),
				P99:        sp(2.2, 2.1, 2.35, "", "", "2.20 [2.10–2.35]")},
			{Name: "go-default", Label: "go-default",
				Throughput: sp(6500, 6300, 6700, "", "", "6,500 [6,300–6,700]"),
				P99:        sp(7.7, 7.2, 8.3, "", "", "7.70 [7.20–8.30]")},
		}},
		{"odd intervals", odd, []SummaryRow{
			{Name: "shared", Label: "shared (baseline)", Baseline: true,
				Throughput: sp(20000, 19500, 20400, "", "baseline", "20,000 [19,500–20,400]"),
				P99:        sp(2.2, 2.1, 2.35, "", "baseline", "2.20 [2.10–2.35]")},
			// An interval of no rounds falls back to the overall 6,450
			// (the verdict stands); a negative Lo and a NaN Hi shrink to
			// the centre.
			{Name: "go-default", Label: "go-default",
				Throughput: SummaryPoint{Value: 6450, Lo: 6450, Hi: 6450, Verdict: results.Worse, Text: "0.32x worse", Label: "6,450"},
				P99:        sp(7.7, 7.7, 7.7, results.Worse, "3.50x worse", "7.70 [7.70–7.70]")},
			// No paired rounds: n/a; an infinite centre: nothing to draw,
			// but the verdict stands.
			{Name: "fresh", Label: "fresh",
				Throughput: sp(1400, 1350, 1460, "", "n/a", "1,400 [1,350–1,460]"),
				P99:        SummaryPoint{Missing: true, Verdict: results.Worse, Text: "10.9x worse"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SummaryBars(tt.res)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d rows, want %d: %+v", len(got), len(tt.want), got)
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], tt.want[i]) {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestSummaryBaseline(t *testing.T) {
	old := withoutRounds(summaryFixture())
	oneRound := withoutRounds(summaryFixture())
	oneRound.Settings.Baseline = "h2" // --baseline h2 --rounds 1
	rounds := withoutRounds(summaryFixture())
	rounds.Settings.Rounds = 10
	for _, c := range []struct {
		name string
		res  *results.Results
		want int
	}{
		{"settings name it", summaryFixture(), 0},
		{"settings name h2", oneRound, 3},
		{"old file: none", old, -1},
		{"rounds without intervals yet: the first", rounds, 0},
		{"no profiles", &results.Results{}, -1},
	} {
		if got := SummaryBaseline(c.res); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}

func TestSummaryCaption(t *testing.T) {
	fewer := summaryFixture()
	fewer.Profiles[1].Intervals.Throughput.N = 8
	four := summaryFixture()
	for i := range four.Profiles {
		p := &four.Profiles[i]
		p.Intervals.Throughput.N, p.Intervals.P99.N = 4, 4
		if p.VsBaseline != nil {
			p.VsBaseline.Throughput.N, p.VsBaseline.P99.N = 4, 4
		}
	}
	for _, c := range []struct {
		name string
		res  *results.Results
		want string
	}{
		{"ten rounds", summaryFixture(),
			"median of 10 rounds, whiskers and [lo–hi]: 95 % interval; verdicts: 99 % interval, ≥2 % effect"},
		{"8 to 10 rounds", fewer,
			"median of 8–10 rounds, whiskers and [lo–hi]: 95 % interval; verdicts: 99 % interval, ≥2 % effect"},
		// 4 rounds: under the 6 a 95 % interval needs (the whiskers are
		// their range) and the 8 a verdict needs (no verdict at all).
		{"four rounds", four,
			"median of 4 rounds, whiskers and [lo–hi]: 95 % interval (under 6 rounds: their range); verdicts: 99 % interval, ≥2 % effect, ≥8 rounds"},
		// fresh is named; idle, with nothing drawn, is not.
		{"mixed", mixedFixture(),
			"median of 10 rounds, whiskers and [lo–hi]: 95 % interval; verdicts: 99 % interval, ≥2 % effect, ≥8 rounds; fresh: 1 round, no interval"},
		{"one round", withoutRounds(summaryFixture()), "1 round: no interval"},
		{"nothing drawn", &results.Results{Profiles: []results.Profile{{Name: "idle"}}},
			"nothing to draw: no profile has a throughput or a p99"},
		{"no profiles", &results.Results{}, ""},
	} {
		if got := SummaryCaption(SummaryBars(c.res)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestSummaryFormats(t *testing.T) {
	for _, c := range []struct {
		v          float64
		number, ms string
	}{
		{0.5123, "0.512", "0.512"},
		{2.2, "2.2", "2.20"},
		{24, "24", "24.0"},
		{130.4, "130", "130"},
		{999.4, "999", "999"},
		{999.6, "1,000", "1,000"},
		{20400, "20,400", "20,400"},
		{1234567, "1,234,567", "1,234,567"},
	} {
		if got := formatNumber(c.v); got != c.number {
			t.Errorf("formatNumber(%g) = %q, want %q", c.v, got, c.number)
		}
		if got := formatMS(c.v); got != c.ms {
			t.Errorf("formatMS(%g) = %q, want %q", c.v, got, c.ms)
		}
	}
	for v, want := range map[float64]string{0.068: "0.068", 0.07: "0.07", 0.32: "0.32", 3.5: "3.50", 10.9: "10.9", 120: "120"} {
		if got := stats.FormatRatio(v); got != want {
			t.Errorf("stats.FormatRatio(%g) = %q, want %q", v, got, want)
		}
	}
}

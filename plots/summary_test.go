package plots

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reusebench/reusebench/results"
)

// iv is an interval of 10 rounds.
func iv(center, lo, hi float64) results.Interval {
	return results.Interval{Center: center, Lo: lo, Hi: hi, N: 10}
}

// ratio is a comparison of 10 paired rounds.
func ratio(r, lo, hi float64, verdict string) results.Ratio {
	return results.Ratio{Ratio: r, Lo: lo, Hi: hi, Verdict: verdict, N: 10}
}

// summaryFixture is a run of 10 rounds of four profiles against "shared":
// go-default and fresh much worse, h2 the same. The overall figures
// (Throughput, Latency.P99) differ a little from the rounds' medians, as
// they do in a real file, so that a test tells which one was drawn.
func summaryFixture() *results.Results {
	return &results.Results{
		Version: results.Version, Started: time.Date(2025, 6, 1, 14, 30, 0, 0, time.UTC),
		Target:   "https://127.0.0.1:8443/small",
		Settings: results.Settings{Concurrency: 16, Rounds: 10, Baseline: "shared"},
		Profiles: []results.Profile{
			{Name: "shared", Requests: 600000, Throughput: 19900, Latency: results.Latency{P99: 2.3},
				Intervals: &results.Intervals{Throughput: iv(20000, 19500, 20400), P50: iv(0.7, 0.68, 0.72), P99: iv(2.2, 2.1, 2.35)}},
			{Name: "go-default", Requests: 195000, Throughput: 6450, Latency: results.Latency{P99: 7.9},
				Intervals: &results.Intervals{Throughput: iv(6500, 6300, 6700), P50: iv(2.3, 2.2, 2.4), P99: iv(7.7, 7.2, 8.3)},
				VsBaseline: &results.Comparison{Baseline: "shared", Throughput: ratio(0.32, 0.31, 0.34, results.Worse),
					P50: ratio(3.3, 3.1, 3.5, results.Worse), P99: ratio(3.5, 3.3, 3.8, results.Worse)}},
			{Name: "fresh", Requests: 42000, Throughput: 1390, Latency: results.Latency{P99: 25},
				Intervals: &results.Intervals{Throughput: iv(1400, 1350, 1460), P50: iv(10, 9.5, 10.6), P99: iv(24, 21, 27)},
				VsBaseline: &results.Comparison{Baseline: "shared", Throughput: ratio(0.07, 0.066, 0.074, results.Worse),
					P50: ratio(14, 13, 15, results.Worse), P99: ratio(10.9, 9.8, 12, results.Worse)}},
			{Name: "h2", Requests: 618000, Throughput: 20550, Latency: results.Latency{P99: 2.3},
				Intervals: &results.Intervals{Throughput: iv(20600, 19900, 21100), P50: iv(0.71, 0.69, 0.74), P99: iv(2.3, 2.1, 2.5)},
				VsBaseline: &results.Comparison{Baseline: "shared", Throughput: ratio(1.03, 0.99, 1.06, results.Same),
					P50: ratio(1.01, 0.98, 1.04, results.Same), P99: ratio(1.04, 0.95, 1.12, results.Same)}},
		},
	}
}

// withoutRounds strips res of what rounds add, as in a file of --rounds 1
// or one older than rounds.
func withoutRounds(res *results.Results) *results.Results {
	res.Settings.Rounds, res.Settings.Baseline = 0, ""
	for i := range res.Profiles {
		res.Profiles[i].Intervals, res.Profiles[i].VsBaseline = nil, nil
	}
	return res
}

// mixedFixture is summaryFixture with fresh run once (no interval, no
// comparison), h2's throughput compared on only 4 rounds and its p99
// better, and a profile without requests.
func mixedFixture() *results.Results {
	res := summaryFixture()
	res.Profiles[2].Intervals, res.Profiles[2].VsBaseline = nil, nil
	res.Profiles[3].VsBaseline.Throughput.N = 4
	res.Profiles[3].VsBaseline.P99 = ratio(0.8, 0.7, 0.9, results.Better)
	res.Profiles = append(res.Profiles, results.Profile{Name: "idle"})
	return res
}

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
		if got := ratioText(v); got != want {
			t.Errorf("ratioText(%g) = %q, want %q", v, got, want)
		}
	}
}

// TestSummaryPNG renders summary.png for the fixtures: it must decode at
// 1200×700, not be blank, and show the verdict colours its words carry.
// With -plots.keep=DIR the files stay in DIR/summary-<case>, to look at.
func TestSummaryPNG(t *testing.T) {
	many := summaryFixture()
	for i := range 8 {
		p := many.Profiles[i%4]
		p.Name = fmt.Sprintf("per-worker-idle%ds-h%d-with-a-long-name", 30*i, 1+i%2)
		many.Profiles = append(many.Profiles, p)
	}
	near := summaryFixture()
	near.Profiles = []results.Profile{near.Profiles[0], near.Profiles[3]} // a linear axis
	allZero := &results.Results{Profiles: []results.Profile{{Name: "z"}}}
	for _, c := range []struct {
		name   string
		res    *results.Results
		colors []color.RGBA
	}{
		{"four", summaryFixture(), []color.RGBA{worseColor, sameColor}},
		{"mixed", mixedFixture(), []color.RGBA{worseColor, betterColor, sameColor}},
		{"one-round", withoutRounds(summaryFixture()), nil},
		{"many", many, []color.RGBA{worseColor}},
		{"near", near, []color.RGBA{sameColor}},
		{"all-zero", allZero, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if *keep != "" {
				dir = filepath.Join(*keep, "summary-"+c.name)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			path, err := writeSummary(c.res, filepath.Join(dir, SummaryFile))
			if err != nil || path == "" {
				t.Fatalf("writeSummary: %q, %v", path, err)
			}
			colors := distinctColors(decodePNG(t, path))
			if len(colors) < 50 {
				t.Errorf("only %d distinct colours: blank?", len(colors))
			}
			for _, want := range c.colors {
				if !colors[want] {
					t.Errorf("verdict colour %v missing", want)
				}
			}
		})
	}
}

func TestWriteSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := summaryFixture()
	paths, err := Write(res, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 || filepath.Base(paths[0]) != SummaryFile {
		t.Errorf("paths %v: want %s first", paths, SummaryFile)
	}
	// No profiles: no summary.png (nothing to summarise), the others as before.
	empty := t.TempDir()
	paths, err = Write(&results.Results{}, empty)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, SummaryFile) {
			t.Errorf("no profiles: wrote %s", p)
		}
	}
	if _, err := os.Stat(filepath.Join(empty, SummaryFile)); !os.IsNotExist(err) {
		t.Errorf("no profiles: %s exists (%v)", SummaryFile, err)
	}
}

package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// SummaryFile is the one-picture summary of a run: per profile, throughput
// and p99 with their intervals and verdicts against the baseline.
const SummaryFile = "summary.png"

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
		return r.Verdict, ratioText(r.Ratio) + "x " + r.Verdict
	}
	return results.Same, "~ same"
}

// ratioText prints a ratio with about three significant digits: 20.4, 3.50,
// 0.32, 0.068.
func ratioText(v float64) string {
	switch {
	case v >= 99.95:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 9.995:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 0.0995:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
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

// numberTicks relabels the labelled ticks of a marker from 1,000 up with
// thousands separators (logTicks would print 1e+04).
type numberTicks struct{ plot.Ticker }

// Ticks implements plot.Ticker.
func (t numberTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := t.Ticker.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" && math.Abs(ticks[i].Value) >= 999.5 {
			ticks[i].Label = formatNumber(ticks[i].Value)
		}
	}
	return ticks
}

// percent prints a fraction as "95 %".
func percent(f float64) string {
	return strconv.FormatFloat(100*f, 'g', 4, 64) + " %"
}

// Colours of summary.png: verdicts (always with words too), dots, the
// baseline's reference line.
var (
	betterColor   = color.RGBA{0x1a, 0x7f, 0x37, 0xff}
	worseColor    = color.RGBA{0xc0, 0x1c, 0x28, 0xff}
	sameColor     = color.RGBA{0x6e, 0x6e, 0x6e, 0xff}
	dotColor      = color.RGBA{0x20, 0x20, 0x20, 0xff}
	baselineColor = color.RGBA{0x55, 0x55, 0x55, 0xff}
)

func verdictColor(v string) color.Color {
	switch v {
	case results.Better:
		return betterColor
	case results.Worse:
		return worseColor
	}
	return sameColor
}

// summaryFigure is summary.png: two panels side by side (throughput, p99)
// with one row per profile, a column of verdicts right of each panel, and
// a caption under them.
type summaryFigure struct {
	title, caption string
	panels         [2]*plot.Plot
	// titles are the panels' titles, drawn centred over their data areas
	// (not over the axes, as gonum does) so they stay clear of the verdicts.
	titles [2]string
	// texts are each panel's verdict words, one per row, with their verdicts.
	texts  [2][]SummaryPoint
	header string
	// columnW is the width of each panel's column of verdicts.
	columnW  [2]vg.Length
	rowLabel func(i int) float64
}

// newSummaryFigure builds summary.png for res, or returns nil when res has no
// profiles.
func newSummaryFigure(res *results.Results) (*summaryFigure, error) {
	rows := SummaryBars(res)
	if len(rows) == 0 {
		return nil, nil
	}
	n := len(rows)
	f := &summaryFigure{
		title:    "Throughput and p99 latency by profile\n" + Subtitle(res),
		caption:  SummaryCaption(rows),
		rowLabel: func(i int) float64 { return float64(n - 1 - i) },
	}
	if b := SummaryBaseline(res); b >= 0 && hasComparison(res) {
		f.header = "vs " + shortName(res.Profiles[b].Name)
	}
	specs := []struct {
		title, unit, logUnit string
		get                  func(SummaryRow) SummaryPoint
	}{
		{"Throughput (higher is better)", "requests per second", "requests per second (log scale)",
			func(r SummaryRow) SummaryPoint { return r.Throughput }},
		{"p99 latency (lower is better)", "p99 latency (ms)", "p99 latency (ms, log scale)",
			func(r SummaryRow) SummaryPoint { return r.P99 }},
	}
	ts := textStyle(tickSize)
	var errs []error
	for k, s := range specs {
		p := newPanel(s.unit, "")
		f.titles[k] = s.title
		pts := make([]SummaryPoint, n)
		ticks := make(plot.ConstantTicks, n)
		for i, r := range rows {
			pts[i] = s.get(r)
			ticks[i] = plot.Tick{Value: f.rowLabel(i)}
			if k == 0 {
				ticks[i].Label = r.Label
				if pts[i].Missing {
					ticks[i].Label += " (no data)"
				}
			}
			f.columnW[k] = max(f.columnW[k], ts.Width(pts[i].Text))
		}
		p.Y.Tick.Marker = ticks
		p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
		f.texts[k] = pts
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, pt := range pts {
			if !pt.Missing {
				lo, hi = math.Min(lo, pt.Lo), math.Max(hi, pt.Hi)
			}
		}
		switch {
		case math.IsInf(lo, 0):
			p.X.Min, p.X.Max = 0, 1
		case hi/lo > 10:
			// Verdicts are ratios: on a log axis a ratio is a distance,
			// the same wherever it lies, and a profile ten times slower
			// is not squashed against zero.
			p.X.Scale = plot.LogScale{}
			// A tenth of the span either side, so no dot or label sits on
			// the frame, but not a whole 1-2-5 step: that would squeeze
			// the data.
			pad := math.Pow(hi/lo, 0.1)
			p.X.Min, p.X.Max = lo/pad, hi*pad
			p.X.Tick.Marker = numberTicks{logTicks{}}
			p.X.Label.Text = s.logUnit
		default:
			p.X.Max = hi
			headroom(&p.X)
			p.X.Tick.Marker = numberTicks{niceTicks{}}
		}
		if b := SummaryBaseline(res); b >= 0 && !pts[b].Missing {
			ref, err := plotter.NewLine(plotter.XYs{{X: pts[b].Value, Y: p.Y.Min}, {X: pts[b].Value, Y: p.Y.Max}})
			if err != nil {
				errs = append(errs, err)
			} else {
				ref.Color, ref.Width, ref.Dashes = baselineColor, 1.5, []vg.Length{6, 4}
				p.Add(ref)
			}
		}
		p.Add(&dotWhiskers{pts: pts, y: f.rowLabel})
		f.panels[k] = p
	}
	for k := range f.columnW {
		if f.columnW[k] > 0 {
			f.columnW[k] = max(f.columnW[k], ts.Width(f.header)) + margin
		}
	}
	return f, errors.Join(errs...)
}

// dotWhiskers draws each point as a dot with whiskers from Lo to Hi.
type dotWhiskers struct {
	pts []SummaryPoint
	y   func(i int) float64
}

// Plot implements plot.Plotter.
func (d *dotWhiskers) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	line := draw.LineStyle{Color: dotColor, Width: 2}
	const capH, radius = 7, 4
	ls := textStyle(tickSize - 1)
	ls.Color, ls.YAlign = color.Gray{0x40}, draw.YBottom
	// Values are written over the dots when the rows leave room.
	labels := len(d.pts) < 2 || trY(d.y(0))-trY(d.y(1)) > 2.6*ls.Height("0")
	for i, pt := range d.pts {
		if pt.Missing {
			continue
		}
		x, y := trX(pt.Value), trY(d.y(i))
		if pt.Interval {
			lo, hi := trX(pt.Lo), trX(pt.Hi)
			c.StrokeLine2(line, lo, y, hi, y)
			// Caps hidden by the dot would only blur it (and one cap
			// alone looks like a skewed interval): the label gives a
			// narrow interval in numbers.
			if hi-lo > 2*radius+2 {
				c.StrokeLine2(line, lo, y-capH, lo, y+capH)
				c.StrokeLine2(line, hi, y-capH, hi, y+capH)
			}
		}
		c.DrawGlyph(draw.GlyphStyle{Color: dotColor, Radius: radius, Shape: draw.CircleGlyph{}}, vg.Point{X: x, Y: y})
		if labels && pt.Label != "" {
			w := ls.Width(pt.Label)
			lx := min(max(x-w/2, c.Min.X+2), c.Max.X-w-2)
			ly := y + capH + 3
			// A white box, so the baseline's dashed line does not cross it.
			box := vg.Rectangle{Min: vg.Point{X: lx - 2, Y: ly - 3}, Max: vg.Point{X: lx + w + 2, Y: ly + ls.Height(pt.Label) + 1}}
			c.SetColor(color.White)
			c.Fill(box.Path())
			c.FillText(ls, vg.Point{X: lx, Y: ly}, pt.Label)
		}
	}
}

// writePNG renders f into a 1200×700 PNG file at path.
func (f *summaryFigure) writePNG(path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render: %v", r)
		}
	}()
	c := vgimg.NewWith(vgimg.UseWH(pageW, pageH), vgimg.UseDPI(DPI))
	dc := draw.New(c)

	ts := textStyle(titleSize)
	ts.XAlign, ts.YAlign = draw.XCenter, draw.YTop
	dc.FillText(ts, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - margin}, f.title)
	top := ts.Height(f.title) + 2*margin

	cs := textStyle(tickSize)
	cs.Color = color.Gray{0x50}
	cs.XAlign, cs.YAlign = draw.XCenter, draw.YBottom
	dc.FillText(cs, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Min.Y + margin}, f.caption)
	bottom := cs.Height(f.caption) + 2*margin

	body := draw.Crop(dc, margin, -margin, bottom, -top)
	pts := textStyle(labelSize)
	pts.XAlign, pts.YAlign = draw.XCenter, draw.YBottom
	titleH := pts.Height("T") + 6
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: f.columnW[0] + 2*margin, PadRight: f.columnW[1] + margin, PadTop: titleH}
	canvases := plot.Align([][]*plot.Plot{f.panels[:]}, tiles, body)[0]
	vs := textStyle(tickSize)
	vs.XAlign, vs.YAlign = draw.XLeft, draw.YCenter
	for k, p := range f.panels {
		p.Draw(canvases[k])
		da := p.DataCanvas(canvases[k])
		x := da.Max.X + margin
		da.FillText(pts, vg.Point{X: (da.Min.X + da.Max.X) / 2, Y: da.Max.Y + 6}, f.titles[k])
		if f.header != "" && f.columnW[k] > 0 {
			hs := vs
			hs.Color, hs.YAlign = color.Gray{0x50}, draw.YBottom
			da.FillText(hs, vg.Point{X: x, Y: da.Max.Y + 6}, f.header)
		}
		for i, pt := range f.texts[k] {
			if pt.Text == "" {
				continue
			}
			vs.Color = verdictColor(pt.Verdict)
			if pt.Text == "baseline" {
				vs.Color = color.Black
			}
			da.FillText(vs, vg.Point{X: x, Y: da.Y(p.Y.Norm(f.rowLabel(i)))}, pt.Text)
		}
	}
	return writeCanvas(c, path)
}

// writeSummary writes summary.png for res into path, or nothing (and "")
// when res has no profiles.
func writeSummary(res *results.Results, path string) (string, error) {
	f, err := newSummaryFigure(res)
	if f == nil {
		return "", err
	}
	if werr := f.writePNG(path); werr != nil {
		return "", errors.Join(err, werr)
	}
	return path, err
}

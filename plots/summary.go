package plots

import (
	"errors"
	"image/color"
	"math"

	"github.com/reusebench/reusebench/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SummaryFile is the one-picture summary of a run: per profile, throughput
// and p99 with their intervals and verdicts against the baseline.
const SummaryFile = "summary.png"

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
func (f *summaryFigure) writePNG(path string) error { return renderPNG(f.paint, path) }

// paint draws f onto c, a page of pageW×pageH.
func (f *summaryFigure) paint(c vg.CanvasSizer) {
	dc := draw.New(c)
	top, bottom := pageHeader(dc, f.title, f.caption)

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

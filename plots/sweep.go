package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sweepFigure is sweep.png: three panels side by side (throughput, p99, new
// connections per 1,000 requests) against the knob's value, a legend column
// on the right and a caption under them.
type sweepFigure struct {
	title, caption string
	titles         [3]string
	panels         [3]*plot.Plot
	legend         plot.Legend
	legendW        vg.Length
}

// sweepMarks draws a line's points: whiskers from lo to hi (when they
// differ from the point), a ring around the recommended one and a square
// around the best.
type sweepMarks struct {
	pts          []XY
	lo, hi       []float64
	rings, boxes []bool
	color        color.Color
}

// Plot implements plot.Plotter.
func (m *sweepMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	line := draw.LineStyle{Color: m.color, Width: 1.5}
	const capW = 5
	for i, pt := range m.pts {
		x, y := trX(pt.X), trY(pt.Y)
		if m.lo != nil && m.hi[i] > m.lo[i] {
			lo, hi := trY(m.lo[i]), trY(m.hi[i])
			c.StrokeLine2(line, x, lo, x, hi)
			c.StrokeLine2(line, x-capW, lo, x+capW, lo)
			c.StrokeLine2(line, x-capW, hi, x+capW, hi)
		}
		if m.rings[i] {
			c.DrawGlyph(ringStyle(9), vg.Point{X: x, Y: y})
		}
		if m.boxes[i] {
			c.DrawGlyph(boxStyle(8), vg.Point{X: x, Y: y})
		}
	}
}

// ringStyle marks a recommended value, boxStyle the best.
func ringStyle(r vg.Length) draw.GlyphStyle {
	return draw.GlyphStyle{Color: color.Black, Radius: r, Shape: draw.RingGlyph{}}
}

func boxStyle(r vg.Length) draw.GlyphStyle {
	return draw.GlyphStyle{Color: color.Gray{0x60}, Radius: r, Shape: draw.SquareGlyph{}}
}

// newSweepFigure builds sweep.png for res, or returns nil when res swept no
// knob.
func newSweepFigure(res *results.Results) (*sweepFigure, error) {
	c := SweepData(res)
	if c == nil {
		return nil, nil
	}
	f := &sweepFigure{
		title:  fmt.Sprintf("Sweep of %s: throughput, p99 and new connections by value\n%s", c.Key, Subtitle(res)),
		titles: [3]string{"Throughput (req/s)", "p99 latency (ms)", "New connections per 1,000 requests"},
		legend: newLegend(),
	}
	// The key alone: gonum pads a data area to hold an axis label, so a
	// long one squeezes a narrow panel (the evenly spaced 1, 2, 4, … show
	// the log scale).
	xLabel := c.Key
	var errs []error
	var entries []string
	rounds := 0
	for li, l := range c.Lines {
		f.legend.Add(l.Label, lineThumb(ProfileColor(li), nil))
		entries = append(entries, l.Label)
		for _, pt := range l.Points {
			rounds = max(rounds, pt.Throughput.N)
		}
	}
	f.legend.Add("recommended", &plotter.Scatter{GlyphStyle: ringStyle(7)})
	f.legend.Add("best", &plotter.Scatter{GlyphStyle: boxStyle(6)})
	entries = append(entries, "recommended", "best")
	f.legendW = legendColumn(entries...)
	for k := range f.panels {
		p := newPanel(xLabel, "")
		f.panels[k] = p
		var ys []XY
		for li, l := range c.Lines {
			m := &sweepMarks{color: ProfileColor(li)}
			for _, pt := range l.Points {
				x := dodge(pt.X, li, len(c.Lines), c.Log)
				var v SummaryPoint
				switch k {
				case 0:
					v = pt.Throughput
				case 1:
					v = pt.P99
				default:
					v = SummaryPoint{Value: pt.Conns, Lo: pt.Conns, Hi: pt.Conns}
				}
				if v.Missing {
					continue
				}
				m.pts = append(m.pts, XY{X: x, Y: v.Value})
				m.lo, m.hi = append(m.lo, v.Lo), append(m.hi, v.Hi)
				m.rings, m.boxes = append(m.rings, pt.Recommended), append(m.boxes, pt.Best)
				ys = append(ys, XY{X: x, Y: v.Hi}, XY{X: x, Y: v.Lo})
			}
			if k == 2 {
				m.lo, m.hi = nil, nil
				for i := range m.pts { // a log axis cannot show 0: draw it on the floor
					m.pts[i].Y = math.Max(m.pts[i].Y, minConns)
				}
			}
			if err := addLine(p, m.pts, ProfileColor(li), lineWidth, nil); err != nil {
				errs = append(errs, err)
			}
			p.Add(m)
		}
		sweepX(p, c)
		if k == 2 {
			// Always the whole range, from one new connection in 100,000
			// requests to one per request: on a narrower log axis 31
			// connections against 16 would look like a cliff.
			p.Y.Scale, p.Y.Min, p.Y.Max = plot.LogScale{}, minConns, 1000.0
			for _, y := range ys {
				p.Y.Max = math.Max(p.Y.Max, y.Y)
			}
			p.Y.Tick.Marker = decadeTicks{}
		} else if len(c.Lines) > 1 && sweepLogY(ys) {
			// Load levels far apart (4 workers and 64) would squash the
			// lower one's line against zero on a linear axis.
			setLogY(p, ys)
			p.Y.Tick.Marker = numberTicks{logTicks{}}
			f.titles[k] = strings.Replace(f.titles[k], ")", ", log scale)", 1)
		} else {
			hi := 0.0
			for _, y := range ys {
				hi = math.Max(hi, y.Y)
			}
			p.Y.Max = hi
			headroom(&p.Y)
			p.Y.Tick.Marker = numberTicks{niceTicks{}}
		}
	}
	f.caption = fmt.Sprintf("dots: median of %d rounds; whiskers: %s interval; square: the best value (highest median req/s)\n"+
		"ring: recommended — the smallest value whose req/s, p99 and new connections are not significantly worse than the best's,\n"+
		"round by round (%s interval, ≥%s effect, ≥%g new connections per 1,000 requests): paired rounds tell apart values whose whiskers overlap",
		rounds, percent(stats.SummaryConfidence), percent(stats.CompareConfidence), percent(stats.MinEffect), stats.MinConnsEffect)
	if rounds == 0 {
		f.caption = "1 round: no intervals and no recommendation"
	}
	for _, r := range res.Recommendation {
		if r.Value == "" { // say why a line has no ring
			why, _, _ := strings.Cut(r.Reason, " (")
			f.caption += "\nno ring at " + res.LevelFlag(r.Load)
			if sweepProfiles(res) > 1 {
				f.caption += " for " + shortName(r.Profile)
			}
			f.caption += ": " + why
		}
	}
	return f, errors.Join(errs...)
}

// sweepLogY says the values of several lines are better on a log axis: all
// positive, the largest more than ten times the smallest (as summary.png
// decides). One line keeps a linear axis, where the knee shows best.
func sweepLogY(ys []XY) bool {
	lo, hi := math.Inf(1), 0.0
	for _, y := range ys {
		if !(y.Y > 0) {
			return false
		}
		lo, hi = math.Min(lo, y.Y), math.Max(hi, y.Y)
	}
	return hi > 10*lo
}

// sweepProfiles counts the profiles a sweep expanded.
func sweepProfiles(res *results.Results) int {
	seen := map[string]bool{}
	for _, r := range res.Recommendation {
		seen[r.Profile] = true
	}
	return len(seen)
}

// decadeTicks labels each power of ten of a log axis (0.01, 0.1, 1, 10,
// 100, 1,000) and marks the integers between with minor ticks: 1-2-5 labels
// over six decades would crowd a panel.
type decadeTicks struct{}

// Ticks implements plot.Ticker.
func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, t := range (logTicks{}).Ticks(lo, hi) {
		t.Label = ""
		if e := math.Log10(t.Value); math.Abs(e-math.Round(e)) < 1e-9 {
			t.Label = formatNumber(t.Value)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// minConns is the floor of the connections panel's log axis: 0.01 per
// 1,000 requests (one in 100,000); fewer are drawn on it.
const minConns = 0.01

// dodge shifts line li of n a little sideways, so that whiskers of several
// lines at one value stay apart: by a factor on a log axis, by a fraction of
// a slot on a nominal one.
func dodge(x float64, li, n int, log bool) float64 {
	off := (float64(li) - float64(n-1)/2) * 0.06
	if log {
		return x * math.Pow(2, off)
	}
	return x + off
}

// sweepX sets p's x axis for c: the swept values as ticks, on a log scale
// when they are positive numbers, at even positions otherwise, with room
// either side.
func sweepX(p *plot.Plot, c *SweepChart) {
	var ticks plot.ConstantTicks
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, t := range c.Ticks {
		ticks = append(ticks, plot.Tick{Value: t.X, Label: t.Label})
		lo, hi = math.Min(lo, t.X), math.Max(hi, t.X)
	}
	p.X.Tick.Marker = ticks
	if c.Log {
		p.X.Scale = plot.LogScale{}
		pad := math.Max(math.Pow(hi/lo, 0.06), 1.25)
		p.X.Min, p.X.Max = lo/pad, hi*pad
		return
	}
	p.X.Min, p.X.Max = lo-0.5, hi+0.5
}

// writePNG renders f into a 1200×700 PNG file at path.
func (f *sweepFigure) writePNG(path string) error { return renderPNG(f.paint, path) }

// paint draws f onto c, a page of pageW×pageH.
func (f *sweepFigure) paint(c vg.CanvasSizer) {
	dc := draw.New(c)
	top, bottom := pageHeader(dc, f.title, f.caption)

	lc := draw.Crop(dc, pageW-f.legendW, -margin, bottom, -top-margin)
	f.legend.Draw(lc)
	// A gap of 3 margins keeps the last panel's title clear of the legend.
	body := draw.Crop(dc, margin, -3*margin-f.legendW, bottom, -top)
	pts := textStyle(labelSize)
	pts.XAlign, pts.YAlign = draw.XCenter, draw.YBottom
	tiles := draw.Tiles{Rows: 1, Cols: 3, PadX: 2 * margin, PadTop: pts.Height("T") + 6}
	canvases := plot.Align([][]*plot.Plot{f.panels[:]}, tiles, body)[0]
	// A title wider than its panel would run into the next: all three
	// shrink alike, down to the ticks' size.
	for k := range f.titles {
		for pts.Font.Size > tickSize && pts.Width(f.titles[k]) > canvases[k].Max.X-canvases[k].Min.X {
			pts.Font.Size--
		}
	}
	for k, p := range f.panels {
		p.Draw(canvases[k])
		da := p.DataCanvas(canvases[k])
		da.FillText(pts, vg.Point{X: (da.Min.X + da.Max.X) / 2, Y: da.Max.Y + 6}, f.titles[k])
	}
}

// writeSweep writes sweep.png for res into path, or nothing (and "") when
// res swept no knob.
func writeSweep(res *results.Results, path string) (string, error) {
	f, err := newSweepFigure(res)
	if f == nil {
		return "", err
	}
	if werr := f.writePNG(path); werr != nil {
		return "", errors.Join(err, werr)
	}
	return path, err
}

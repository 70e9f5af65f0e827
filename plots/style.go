package plots

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/reusebench/reusebench/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Image geometry: 900×525 points at 96 dpi decode to 1200×700 pixels
// (vg.Inch is 72 points).
const (
	// DPI is the resolution of the PNG files.
	DPI = 96
	// Width and Height are the size of every PNG, in pixels.
	Width, Height = 1200, 700

	pageW = vg.Length(Width) * vg.Inch / DPI
	pageH = vg.Length(Height) * vg.Inch / DPI

	margin    = vg.Length(10)
	lineWidth = vg.Length(2.5)
)

// Font sizes, in points, bigger than gonum's defaults for a 1200 px image.
const (
	titleSize  = 17
	labelSize  = 15
	tickSize   = 13
	legendSize = 14
)

// ProfileColor returns the colour of the i-th profile of a results value, the
// same in every plot. Ten distinct colours (Tableau 10) repeat beyond that.
func ProfileColor(i int) color.RGBA {
	palette := [...]color.RGBA{
		{0x1f, 0x77, 0xb4, 0xff}, // blue
		{0xff, 0x7f, 0x0e, 0xff}, // orange
		{0x2c, 0xa0, 0x2c, 0xff}, // green
		{0xd6, 0x27, 0x28, 0xff}, // red
		{0x94, 0x67, 0xbd, 0xff}, // purple
		{0x8c, 0x56, 0x4b, 0xff}, // brown
		{0xe3, 0x77, 0xc2, 0xff}, // pink
		{0x7f, 0x7f, 0x7f, 0xff}, // grey
		{0xbc, 0xbd, 0x22, 0xff}, // olive
		{0x17, 0xbe, 0xcf, 0xff}, // cyan
	}
	n := len(palette)
	return palette[((i%n)+n)%n]
}

// PhaseColor returns the colour of the i-th step of trace.Steps().
func PhaseColor(i int) color.RGBA {
	palette := [...]color.RGBA{
		{0xa0, 0xa0, 0xa0, 0xff}, // wait: grey
		{0xe7, 0xba, 0x52, 0xff}, // dns: gold
		{0xd6, 0x61, 0x6b, 0xff}, // connect: red
		{0x7b, 0x41, 0x73, 0xff}, // tls: purple
		{0x31, 0x82, 0xbd, 0xff}, // ttfb: blue
		{0x31, 0xa3, 0x54, 0xff}, // body: green
	}
	n := len(palette)
	return palette[((i%n)+n)%n]
}

// Subtitle describes the run: target, concurrency or rate (the levels of a
// load sweep), and start date.
func Subtitle(res *results.Results) string {
	var parts []string
	if t := strings.TrimSpace(res.Target); t != "" {
		if r := []rune(t); len(r) > 70 {
			t = string(r[:69]) + "…"
		}
		parts = append(parts, t)
	}
	sw := res.Settings.Sweep
	switch {
	case sw != nil && len(sw.Loads) > 1:
		var levels []string
		for _, l := range sw.Loads {
			levels = append(levels, strconv.FormatFloat(l, 'f', -1, 64))
		}
		if sw.Load == results.LoadRate {
			parts = append(parts, "rate "+strings.Join(levels, ",")+"/s")
		} else {
			parts = append(parts, "c="+strings.Join(levels, ","))
		}
	case res.Settings.Rate > 0:
		parts = append(parts, "rate "+strconv.FormatFloat(res.Settings.Rate, 'f', -1, 64)+"/s")
	case res.Settings.Concurrency > 0:
		parts = append(parts, "c="+strconv.Itoa(res.Settings.Concurrency))
	}
	if !res.Started.IsZero() {
		parts = append(parts, res.Started.UTC().Format("2006-01-02 15:04")+" UTC")
	}
	return strings.Join(parts, "  ·  ")
}

// shortName shortens a profile name for a legend or an axis label.
func shortName(name string) string {
	if r := []rune(name); len(r) > 28 {
		return string(r[:27]) + "…"
	}
	return name
}

// textStyle returns a plain text style of the given size.
func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, size),
		Handler: plot.DefaultTextHandler,
	}
}

// newPanel returns a plot with the package's fonts, a light grid and axis labels.
func newPanel(xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.TextStyle.Font.Size = labelSize
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = labelSize
		a.Tick.Label.Font.Size = tickSize
		a.Width = 1
		a.Tick.Width = 1
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{0xdd}
	g.Horizontal.Color = color.Gray{0xdd}
	p.Add(g)
	return p
}

// newLegend returns an empty legend in the package's style.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font.Size = legendSize
	l.ThumbnailWidth = 30
	l.Padding = 4
	l.Top, l.Left = true, true
	return l
}

// figure is one PNG: a title, panels stacked vertically with aligned axes, and
// a legend in a column to the right of the panels, so it never covers data.
type figure struct {
	title  string
	panels []*plot.Plot
	legend plot.Legend
	// legendWidth is the width of the legend column; zero means no legend.
	legendWidth vg.Length
	// note, when set, is written in the middle of the figure instead of the
	// panels (for example when there is nothing to plot).
	note string
}

// legendColumn returns the width the longest of names needs in a legend.
func legendColumn(names ...string) vg.Length {
	l := newLegend()
	w := vg.Length(0)
	for _, n := range names {
		w = max(w, l.TextStyle.Width(n))
	}
	if w == 0 {
		return 0
	}
	return min(w+l.ThumbnailWidth+l.TextStyle.Width("  ")+margin, pageW*0.35)
}

// writePNG renders f into a 1200×700 PNG file at path. A panic in the drawing
// code (bad data reaching gonum) becomes an error rather than ending the run.
func (f *figure) writePNG(path string) error { return renderPNG(f.paint, path) }

// paint draws f onto c, a page of pageW×pageH.
func (f *figure) paint(c vg.CanvasSizer) {
	dc := draw.New(c)
	top, _ := pageHeader(dc, f.title, "")

	body := draw.Crop(dc, margin, -margin-f.legendWidth, margin, -top)
	if f.legendWidth > 0 {
		lc := draw.Crop(dc, pageW-f.legendWidth, -margin, margin, -top-margin)
		f.legend.Draw(lc)
	}
	if f.note != "" || len(f.panels) == 0 {
		ns := textStyle(labelSize)
		ns.XAlign, ns.YAlign = draw.XCenter, draw.YCenter
		ns.Color = color.Gray{0x60}
		body.FillText(ns, vg.Point{X: (body.Min.X + body.Max.X) / 2, Y: (body.Min.Y + body.Max.Y) / 2}, f.note)
		return
	}
	rows := make([][]*plot.Plot, len(f.panels))
	for i, p := range f.panels {
		rows[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(f.panels), Cols: 1, PadY: 2 * margin, PadRight: margin}
	for i, cs := range plot.Align(rows, tiles, body) {
		f.panels[i].Draw(cs[0])
	}
}

// setLogY puts p's y axis on a log scale spanning the lines, from and to a
// 1-2-5 label, with 1-2-5 labels. Every y must be positive.
func setLogY(p *plot.Plot, lines ...[]XY) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range lines {
		for _, pt := range l {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
	}
	p.Y.Scale = plot.LogScale{}
	p.Y.Min, p.Y.Max = grid125(lo/1.05, false), grid125(hi*1.05, true)
	p.Y.Tick.Marker = logTicks{}
}

// grid125 rounds v > 0 to 1, 2 or 5 times a power of ten: up or down.
func grid125(v float64, up bool) float64 {
	base := math.Pow(10, math.Floor(math.Log10(v)))
	if up {
		for _, m := range []float64{1, 2, 5, 10} {
			if m*base >= v*(1-1e-12) {
				return m * base
			}
		}
		return 10 * base
	}
	for _, m := range []float64{5, 2, 1} {
		if m*base <= v*(1+1e-12) {
			return m * base
		}
	}
	return base
}

// logTicks labels 1, 2 and 5 times each power of ten and marks the other
// integers of each decade with minor ticks.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := float64(m) * base
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 4, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// niceTicks labels a linear axis at 1, 2, 2.5 or 5 times a power of ten,
// four to seven labels over the range, with a minor tick between labels.
// When integer is set the step is a whole number (seconds, counts).
type niceTicks struct{ integer bool }

// Ticks implements plot.Ticker.
func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(hi > lo) {
		return nil
	}
	mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/5)))
	step, decimals := 0.0, 0
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if t.integer && m == 2.5 {
			continue
		}
		step = m * mag
		if (hi-lo)/step <= 6.5 {
			decimals = max(0, -int(math.Floor(math.Log10(step)+1e-9)))
			if m == 2.5 {
				decimals++
			}
			break
		}
	}
	if t.integer && step < 1 {
		step, decimals = 1, 0
	}
	var ticks []plot.Tick
	first := math.Ceil(lo/step - 1e-9)
	for i := first - 1; i*step <= hi+step*1e-9; i++ {
		v := i * step
		if v >= lo-step*1e-9 {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
		}
		if mid := v + step/2; mid >= lo && mid <= hi && !(t.integer && step < 2) {
			ticks = append(ticks, plot.Tick{Value: mid})
		}
	}
	return ticks
}

// headroom leaves a little space above the highest value of a linear axis
// that starts at zero, so lines and bars do not touch the frame.
func headroom(a *plot.Axis) {
	a.Min = 0
	if math.IsInf(a.Max, 0) || math.IsNaN(a.Max) || a.Max <= 0 {
		a.Max = 1
		return
	}
	a.Max *= 1.08
}

// profileWidth is the line width of profile i of n: earlier profiles are
// drawn wider, so where two profiles' lines coincide (shared and h2 both at
// 100 % reuse) the one below still shows as a band around the one on top.
func profileWidth(i, n int) vg.Length {
	if n <= 1 {
		return lineWidth
	}
	return lineWidth * vg.Length(1+1.2*float64(n-1-i)/float64(n-1))
}

// addLine adds pts to p as a line in colour c and width w, with point markers
// when the line is too short to be seen on its own: dots for solid lines,
// rings for dashed.
func addLine(p *plot.Plot, pts []XY, c color.Color, w vg.Length, dashes []vg.Length) error {
	if len(pts) == 0 {
		return nil
	}
	xys := make(plotter.XYs, len(pts))
	for i, pt := range pts {
		xys[i].X, xys[i].Y = pt.X, pt.Y
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	l.Color, l.Width, l.Dashes = c, w, dashes
	p.Add(l)
	if len(pts) <= 12 {
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: 3.5 * w / lineWidth, Shape: draw.CircleGlyph{}}
		if dashes != nil { // a ring, so it shows around a solid line's dot
			s.GlyphStyle.Radius, s.GlyphStyle.Shape = 6, draw.RingGlyph{}
		}
		p.Add(s)
	}
	return nil
}

// lineThumb returns a legend thumbnail for a line in colour c.
func lineThumb(c color.Color, dashes []vg.Length) plot.Thumbnailer {
	return &plotter.Line{LineStyle: draw.LineStyle{Color: c, Width: lineWidth, Dashes: dashes}}
}

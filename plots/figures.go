package plots

import (
	"errors"
	"image/color"
	"math"
	"strings"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// dashed is the dash pattern of coordinated-omission-corrected latency lines.
func dashed() []vg.Length { return []vg.Length{8, 5} }

// percentileTicks labels the 1/(1−p) axis with percentiles and marks the
// integers of each decade with minor ticks.
func percentileTicks() plot.ConstantTicks {
	labels := map[float64]string{
		2: "50%", 10: "90%", 100: "99%", 1e3: "99.9%", 1e4: "99.99%", 1e5: "99.999%",
	}
	var ticks plot.ConstantTicks
	for base := 1.0; base <= MaxInverse; base *= 10 {
		for m := 1.0; m < 10 && m*base <= MaxInverse; m++ {
			v := m * base
			ticks = append(ticks, plot.Tick{Value: v, Label: labels[v]})
		}
	}
	return ticks
}

// latencyFigure draws latency by percentile, one line per profile from its
// total histogram, dashed in the same colour for its corrected one.
func latencyFigure(res *results.Results) (*figure, error) {
	p := newPanel("percentile", "latency (ms)")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = percentileTicks()
	leg := newLegend()
	var (
		errs      []error
		curves    [][]XY
		entries   []string
		corrected bool
	)
	maxX := 10.0
	type line struct {
		pts    []XY
		color  color.Color
		width  vg.Length
		dashes []vg.Length
	}
	var lines []line
	for i := range res.Profiles {
		prof := &res.Profiles[i]
		c := ProfileColor(i)
		found := false
		for _, h := range []struct {
			name, label string
			dashes      []vg.Length
		}{
			{trace.Total.String(), shortName(prof.Name), nil},
			{results.HistCorrected, shortName(prof.Name) + " (corrected)", dashed()},
		} {
			hist, err := prof.Histogram(h.name)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			pts := PercentileCurve(hist)
			if len(pts) == 0 {
				continue
			}
			found = true
			corrected = corrected || h.name == results.HistCorrected
			maxX = math.Max(maxX, pts[len(pts)-1].X)
			curves = append(curves, pts)
			lines = append(lines, line{pts, c, profileWidth(i, len(res.Profiles)), h.dashes})
			leg.Add(h.label, lineThumb(c, h.dashes))
			entries = append(entries, h.label)
		}
		if !found {
			label := shortName(prof.Name) + " (no data)"
			leg.Add(label, lineThumb(c, nil))
			entries = append(entries, label)
		}
	}
	for _, l := range lines {
		if err := addLine(p, l.pts, l.color, l.width, l.dashes); err != nil {
			errs = append(errs, err)
		}
	}
	p.X.Min, p.X.Max = 1, maxX
	if LogWorthy(curves...) {
		setLogY(p, curves...)
		p.Y.Label.Text = "latency (ms, log scale)"
	} else {
		headroom(&p.Y)
	}
	title := "Latency by percentile (service time)"
	if corrected {
		title = "Latency by percentile (service time; dashed: from intended time, corrected for coordinated omission)"
	}
	return &figure{
		title:       title + "\n" + Subtitle(res),
		panels:      []*plot.Plot{p},
		legend:      leg,
		legendWidth: legendColumn(entries...),
	}, errors.Join(errs...)
}

// phasesFigure draws, per profile, the stacked mean contribution of each phase
// to a request (top) and each phase's p99 side by side (bottom).
func phasesFigure(res *results.Results) (*figure, error) {
	n := len(res.Profiles)
	names := make([]string, n)
	var means, p99s [trace.NumSteps]plotter.Values
	totals := make(plotter.XYs, 0, n)
	for i := range res.Profiles {
		prof := &res.Profiles[i]
		names[i] = shortName(prof.Name)
		if prof.Requests <= 0 {
			names[i] += "\n(no requests)"
		}
		mean, p99 := PhaseBars(prof)
		for j := range trace.NumSteps {
			means[j] = append(means[j], mean[j])
			p99s[j] = append(p99s[j], p99[j])
		}
		if prof.Requests > 0 {
			totals = append(totals, plotter.XY{X: float64(i), Y: finite(prof.Latency.Mean)})
		}
	}
	leg := newLegend()
	entries := []string{"mean total"}
	for j, ph := range trace.Steps() {
		leg.Add(ph.String(), &plotter.BarChart{Color: PhaseColor(j)})
		entries = append(entries, ph.String())
	}
	marker := draw.GlyphStyle{Color: color.Black, Radius: 6, Shape: draw.RingGlyph{}}
	leg.Add("mean total", &plotter.Scatter{GlyphStyle: marker})
	legendW := legendColumn(entries...)

	top := newPanel("", "ms per request (mean)")
	top.Title.Text = "Mean time per request, by phase (dns, connect, tls of every dial spread over all requests;\na stack above its ring: dials partly off the requests' path, or never used)"
	bottom := newPanel("", "p99 (ms)")
	bottom.Title.Text = "p99 of each phase (dns, connect, tls: per new connection)"
	if n == 0 {
		return &figure{title: "Request phases\n" + Subtitle(res), panels: []*plot.Plot{top, bottom}, legend: leg, legendWidth: legendW}, nil
	}

	// Bar widths are absolute lengths: size them from the room each profile gets.
	slot := (pageW - legendW - 2*margin - 80) / vg.Length(n)
	stackW := min(slot*0.55, 90)
	barW := min(slot*0.8/vg.Length(trace.NumSteps), 24)
	var prev *plotter.BarChart
	for j := range trace.NumSteps {
		b, err := plotter.NewBarChart(means[j], stackW)
		if err != nil {
			return nil, err
		}
		b.Color, b.LineStyle.Color, b.LineStyle.Width = PhaseColor(j), color.White, 0.5
		if prev != nil {
			b.StackOn(prev)
		}
		top.Add(b)
		prev = b

		g, err := plotter.NewBarChart(p99s[j], barW)
		if err != nil {
			return nil, err
		}
		g.Color, g.LineStyle.Color, g.LineStyle.Width = PhaseColor(j), color.White, 0.5
		g.Offset = (vg.Length(j) - 2.5) * barW
		bottom.Add(g)
	}
	if len(totals) > 0 {
		s, err := plotter.NewScatter(totals)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = marker
		top.Add(s)
	}
	for _, p := range []*plot.Plot{top, bottom} {
		p.NominalX(names...)
		p.X.Min, p.X.Max = -0.5, float64(n)-0.5
		headroom(&p.Y)
		// Tilt the profile names when they would run into each other.
		w := vg.Length(0)
		for _, s := range names {
			w = max(w, p.X.Tick.Label.Width(s))
		}
		if w > slot*0.95 {
			p.X.Tick.Label.Rotation = math.Pi / 8
			p.X.Tick.Label.XAlign = draw.XRight
		}
	}
	return &figure{
		title:       "Request phases\n" + Subtitle(res),
		panels:      []*plot.Plot{top, bottom},
		legend:      leg,
		legendWidth: legendW,
	}, nil
}

// seriesSpec describes a two-panel plot over time.
type seriesSpec struct {
	title, topLabel, bottomLabel string
	// get computes the top and bottom lines of a profile.
	get func(*results.Profile) (top, bottom []XY)
	// extra, when set, computes a second, dotted line of the top panel,
	// named "<profile> <extraName>" in the legend when it has points.
	extra     func(*results.Profile) []XY
	extraName string
	// percent puts the bottom panel on a fixed 0–100 axis.
	percent bool
}

// seriesFigure draws two panels over time, one line per profile, aligned to
// each profile's own start.
func seriesFigure(res *results.Results, s seriesSpec) (*figure, error) {
	up := newPanel("", s.topLabel)
	down := newPanel("seconds since profile start", s.bottomLabel)
	leg := newLegend()
	var (
		errs          []error
		entries       []string
		tops, bottoms [][]XY
		minX, maxX    = math.Inf(1), math.Inf(-1)
	)
	dotted := []vg.Length{2, 4}
	for i := range res.Profiles {
		prof := &res.Profiles[i]
		c := ProfileColor(i)
		t, b := s.get(prof)
		tops, bottoms = append(tops, t), append(bottoms, b)
		label := shortName(prof.Name)
		if len(t) == 0 {
			label += " (no data)"
		}
		leg.Add(label, lineThumb(c, nil))
		entries = append(entries, label)
		w := profileWidth(i, len(res.Profiles))
		errs = append(errs, addLine(up, t, c, w, nil), addLine(down, b, c, w, nil))
		if s.extra != nil {
			if e := s.extra(prof); len(e) > 0 {
				errs = append(errs, addLine(up, e, c, w, dotted))
				label := shortName(prof.Name) + " " + s.extraName
				leg.Add(label, lineThumb(c, dotted))
				entries = append(entries, label)
			}
		}
		for _, pt := range t {
			minX, maxX = math.Min(minX, pt.X), math.Max(maxX, pt.X)
		}
	}
	if math.IsInf(minX, 0) {
		minX, maxX = 0, 1
	}
	minX = math.Min(minX, 0)
	maxX = math.Max(maxX, minX+1)
	for _, p := range []*plot.Plot{up, down} {
		p.X.Min, p.X.Max = minX, maxX
		p.X.Tick.Marker = niceTicks{integer: true}
	}
	headroom(&up.Y)
	up.Y.Tick.Marker = niceTicks{integer: true} // counts per second
	switch {
	case s.percent:
		down.Y.Min, down.Y.Max = 0, 104 // room for a line at 100
		down.Y.Tick.Marker = plot.ConstantTicks{
			{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"},
			{Value: 75, Label: "75"}, {Value: 100, Label: "100"},
		}
	case LogWorthy(bottoms...):
		setLogY(down, bottoms...)
		down.Y.Label.Text = strings.Replace(down.Y.Label.Text, "(ms)", "(ms, log scale)", 1)
	default:
		headroom(&down.Y)
	}
	return &figure{
		title:       s.title + "\n" + Subtitle(res),
		panels:      []*plot.Plot{up, down},
		legend:      leg,
		legendWidth: legendColumn(entries...),
	}, errors.Join(errs...)
}

// timelineFigure draws throughput with errors dotted (top) and p99 (bottom)
// per second.
func timelineFigure(res *results.Results) (*figure, error) {
	return seriesFigure(res, seriesSpec{
		title:    "Throughput and p99 latency per second",
		topLabel: "requests per second", bottomLabel: "p99 latency (ms)",
		get: Timeline, extra: ErrorsOverTime, extraName: "errors/s",
	})
}

// connectionsFigure draws new connections (top) and reuse % (bottom) per second.
func connectionsFigure(res *results.Results) (*figure, error) {
	return seriesFigure(res, seriesSpec{
		title:    "New connections and connection reuse per second",
		topLabel: "new connections per second", bottomLabel: "reused (% of requests)",
		get: ConnectionsOverTime, percent: true,
	})
}

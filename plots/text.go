package plots

import (
	"errors"
	"fmt"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/reusebench/reusebench/results"
)

// Texts returns every string Write would draw into the PNGs of res, title
// and subtitle, axis labels, ticks, legends and notes alike, by painting
// each figure onto a canvas that records the text it is given. It is how a
// test checks what the pictures say (no secret in them) without reading
// pixels.
func Texts(res *results.Results) ([]string, error) {
	if res == nil {
		return nil, errors.New("plots: no results")
	}
	var (
		texts []string
		errs  []error
	)
	if f, err := newSummaryFigure(res); f != nil {
		t, perr := collectText(f.paint)
		texts = append(texts, t...)
		errs = append(errs, err, perr)
	} else {
		errs = append(errs, err)
	}
	if f, err := newSweepFigure(res); f != nil {
		t, perr := collectText(f.paint)
		texts = append(texts, t...)
		errs = append(errs, err, perr)
	} else {
		errs = append(errs, err)
	}
	for _, build := range []func(*results.Results) (*figure, error){latencyFigure, phasesFigure, timelineFigure, connectionsFigure} {
		fig, err := build(res)
		errs = append(errs, err)
		if fig == nil {
			continue
		}
		if len(res.Profiles) == 0 {
			fig.panels, fig.legendWidth = nil, 0
			fig.note = "no profiles in this results file"
		}
		t, err := collectText(fig.paint)
		texts = append(texts, t...)
		errs = append(errs, err)
	}
	return texts, errors.Join(errs...)
}

// collectText paints a page onto a recording canvas and returns the text
// drawn, line by line.
func collectText(paint func(vg.CanvasSizer)) (texts []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render: %v", r)
		}
	}()
	c := &textRecorder{CanvasSizer: vgimg.NewWith(vgimg.UseWH(pageW, pageH), vgimg.UseDPI(DPI))}
	paint(c)
	return c.texts, nil
}

// textRecorder is a canvas that records every string drawn on it.
type textRecorder struct {
	vg.CanvasSizer
	texts []string
}

// FillString records text and draws it (vg.Canvas).
func (r *textRecorder) FillString(f font.Face, pt vg.Point, text string) {
	r.texts = append(r.texts, text)
	r.CanvasSizer.FillString(f, pt, text)
}

package plots

import (
	"fmt"
	"image/color"
	"io"

	"github.com/reusebench/reusebench/results"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// pageHeader draws a page's title at its top and, when not empty, its
// caption at its bottom, and returns the heights they take: every figure's
// page is laid out this way.
func pageHeader(dc draw.Canvas, title, caption string) (top, bottom vg.Length) {
	ts := textStyle(titleSize)
	ts.XAlign, ts.YAlign = draw.XCenter, draw.YTop
	dc.FillText(ts, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - margin}, title)
	top = ts.Height(title) + 2*margin
	if caption == "" {
		return top, 0
	}
	cs := textStyle(tickSize)
	cs.Color = color.Gray{0x50}
	cs.XAlign, cs.YAlign = draw.XCenter, draw.YBottom
	dc.FillText(cs, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Min.Y + margin}, caption)
	return top, cs.Height(caption) + 2*margin
}

// renderPNG paints a page and writes it as a PNG file at path. A panic in
// the drawing code becomes an error.
func renderPNG(paint func(vg.CanvasSizer), path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render: %v", r)
		}
	}()
	c := vgimg.NewWith(vgimg.UseWH(pageW, pageH), vgimg.UseDPI(DPI))
	paint(c)
	return writeCanvas(c, path)
}

// writeCanvas encodes c as a PNG file at path.
func writeCanvas(c *vgimg.Canvas, path string) error {
	return results.WriteAtomic(path, func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w)
		return err
	})
}

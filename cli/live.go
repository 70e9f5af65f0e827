package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/reusebench/reusebench/experiment"
)

// liveBarTotal is a bar's total: the bar shows the fraction of the
// profile's measured window done, in thousandths.
const liveBarTotal = 1000

// liveBarWidth is the width of a profile's progress bar, brackets included;
// a narrow terminal shrinks it.
const liveBarWidth = 22

// liveView is the progress of a run on a terminal, redrawn in place by mpb:
// a line for the run (round, elapsed, ETA) and, per profile, a progress bar
// over its measured window with its last second's req/s, p99 and new
// connections and its errors so far; a profile's line becomes its totals
// when it is done.
type liveView struct {
	t      tracker
	p      *mpb.Progress
	header *mpb.Bar
	// closed and interrupted are set by Close, under t.mu.
	closed, interrupted bool
	// bars are the profiles' bars, by index, under barsMu. Neither lock is
	// held while calling mpb, whose drawing calls back into the view.
	barsMu sync.Mutex
	bars   []*mpb.Bar
}

// newLiveView starts a live view on w (a terminal); opts go to mpb after
// the defaults (tests give a buffer, a width and manual refreshes).
func newLiveView(w io.Writer, opts ...mpb.ContainerOption) *liveView {
	v := &liveView{}
	v.p = mpb.New(append([]mpb.ContainerOption{mpb.WithOutput(w)}, opts...)...)
	v.header = v.p.New(0, mpb.NopStyle(), mpb.BarPriority(0), mpb.BarFillerTrim(),
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string { return v.headerLine() })))
	return v
}

// newTerminalView starts a live view on the terminal f (file descriptor
// fd). Every frame starts with a carriage return: mpb moves the cursor up to
// redraw, which keeps the column, so a key the terminal echoed below the
// frame (^C) would shift the frame right.
func newTerminalView(f *os.File, fd int) *liveView {
	cw := cupwriter.New(carriageReturn{f}, false)
	cw.SetTermFd(fd)
	return newLiveView(f, mpb.WithConsoleWriter(cw))
}

// carriageReturn writes "\r" before each write to w: mpb writes a frame,
// with the cursor movement that redraws over the last one, in one write.
type carriageReturn struct{ w io.Writer }

// Write writes "\r" and p (io.Writer).
func (c carriageReturn) Write(p []byte) (int, error) {
	if _, err := io.WriteString(c.w, "\r"); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// headerLine is the run's line.
func (v *liveView) headerLine() string {
	t := &v.t
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.profiles == nil:
		return "reusebench: starting"
	case v.closed:
		done := 0
		for _, p := range t.profiles {
			if p != nil && p.done {
				done++
			}
		}
		if v.interrupted {
			return fmt.Sprintf("reusebench: interrupted after %s; %d of %d profiles measured until then",
				shortDuration(time.Since(t.started)), done, t.count)
		}
		return fmt.Sprintf("reusebench: %d of %d profiles done in %s", done, t.count, shortDuration(time.Since(t.started)))
	}
	return "reusebench: " + t.runLine(time.Now())
}

// Event renders ev (progress): a bar as a profile starts, its progress as
// it runs, its totals when it is done.
func (v *liveView) Event(ev experiment.Event) {
	t := &v.t
	t.mu.Lock()
	p := t.update(ev)
	if p == nil {
		t.mu.Unlock()
		return
	}
	// The bar completes on ProfileDone only, once its totals are known.
	current := min(int64(t.fraction(p)*liveBarTotal), liveBarTotal-1)
	t.mu.Unlock()

	v.barsMu.Lock()
	if v.bars == nil {
		v.bars = make([]*mpb.Bar, ev.Count)
	}
	bar := v.bars[ev.Index]
	v.barsMu.Unlock()
	if bar == nil {
		bar = v.newBar(ev, p)
		v.barsMu.Lock()
		v.bars[ev.Index] = bar
		v.barsMu.Unlock()
	}
	if ev.Kind == experiment.ProfileDone {
		bar.SetTotal(-1, true)
		return
	}
	bar.SetCurrent(current)
}

// newBar adds the bar of profile p, the ev.Index-th, below the run's line.
func (v *liveView) newBar(ev experiment.Event, p *profileState) *mpb.Bar {
	name := decor.Any(func(decor.Statistics) string { return p.name }, decor.WC{C: decor.DSyncWidthR})
	figures := decor.Any(func(s decor.Statistics) string {
		v.t.mu.Lock()
		defer v.t.mu.Unlock()
		if p.done {
			return "done: " + doneLine(p)
		}
		if s.Aborted {
			return "stopped"
		}
		return fmt.Sprintf("%9s  %s", v.t.measuredLine(p), liveLine(p, "  ", true))
	})
	return v.p.New(liveBarTotal, mpb.BarStyle(),
		mpb.BarPriority(ev.Index+1), mpb.BarWidth(liveBarWidth),
		mpb.BarFillerClearOnComplete(), mpb.BarFillerClearOnAbort(),
		mpb.PrependDecorators(name), mpb.AppendDecorators(figures))
}

// Close ends the view (progress): the bars of profiles not done (a run
// that failed) are stopped, the run's line says how it ended, and the last
// frame is drawn.
func (v *liveView) Close(interrupted bool) {
	v.t.mu.Lock()
	v.closed, v.interrupted = true, interrupted
	v.t.mu.Unlock()
	v.barsMu.Lock()
	bars := v.bars
	v.barsMu.Unlock()
	for _, b := range bars {
		if b != nil {
			b.Abort(false)
		}
	}
	v.header.SetTotal(-1, true)
	v.p.Wait()
}

package cli

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/stats"
)

// lockedBuffer is a bytes.Buffer safe for a writer and a reader on other
// goroutines (mpb writes from its own).
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fakeRun feeds a renderer the events of a run of two profiles, a and b, in
// two interleaved rounds of 1 s each on the fake clock, calling between
// after each round of each profile. b has errors.
func fakeRun(on func(experiment.Event), between func()) {
	load := experiment.Load{Workers: 8, Duration: 2 * time.Second}
	names := []string{"a", "b"}
	var requests [2]int64
	for round := 1; round <= 2; round++ {
		for i, name := range names {
			ev := experiment.Event{Index: i, Count: 2, Name: name, Strategy: "shared", Load: load, Round: round, Rounds: 2}
			ev.Kind = experiment.RoundStarted
			on(ev)
			for tick := 1; tick <= 3; tick++ {
				time.Sleep(experiment.TickEvery)
				requests[i] += 250
				ev.Kind, ev.Elapsed = experiment.Tick, time.Duration(tick)*experiment.TickEvery
				ev.Live = stats.Live{Requests: requests[i], Errors: int64(i) * requests[i] / 50, Conns: 8,
					Last: results.Point{Requests: 1000, NewConns: int64(3 * i), P99: 2.5 * float64(i+1), Span: 0.75}}
				on(ev)
			}
			time.Sleep(experiment.TickEvery)
			requests[i] += 250
			ev.Kind, ev.Figures = experiment.RoundDone, &results.Round{Round: round, DurationS: 1, Requests: 1000}
			ev.Live.Requests, ev.Live.Last.Span = requests[i], 0
			on(ev)
			if round == 2 {
				ev.Kind = experiment.ProfileDone
				ev.Result = &results.Profile{Name: name, Requests: requests[i], DurationS: 2, Throughput: 1000,
					Latency: results.Latency{P99: 2.5 * float64(i+1)}, Connections: results.Connections{Opened: 8},
					Errors: results.Errors{Total: int64(i) * 40}}
				on(ev)
			}
			between()
		}
	}
}

// redraw is the cursor-up-and-erase sequence mpb writes before redrawing
// the lines of its previous frame.
var redraw = regexp.MustCompile(`\x1b\[(\d+)A\x1b\[J`)

// The live view against a fake terminal (mpb's own hooks: a buffer forced
// to be treated as a terminal 100 columns wide, refreshed by hand on the
// fake clock): every frame redraws the previous one in place, mid-run it
// shows a bar and the live figures per profile, and it ends with a clean
// final frame: the run's line and each profile's totals, no bar, no
// control code after it.
func TestLiveViewRedrawsAndEndsClean(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		refresh := make(chan any)
		v := newLiveView(&out, mpb.WithWidth(100), mpb.ForceTTY(), mpb.WithManualRefresh(refresh))
		draw := func() {
			refresh <- time.Now()
			synctest.Wait()
		}
		draws := 0
		fakeRun(v.Event, func() { draw(); draws++ })
		v.Close(false)
		synctest.Wait()

		s := out.String()
		marks := redraw.FindAllStringSubmatchIndex(s, -1)
		if len(marks) < draws {
			t.Fatalf("%d redraws for %d refreshes:\n%q", len(marks), draws, s)
		}
		// Frames: before the first mark, between marks, after the last.
		var frames []string
		prev := 0
		for _, m := range marks {
			frames = append(frames, s[prev:m[0]])
			prev = m[1]
		}
		frames = append(frames, s[prev:])
		for k, m := range marks {
			up, _ := strconv.Atoi(s[m[2]:m[3]])
			if lines := strings.Count(frames[k], "\n"); up != lines {
				t.Errorf("redraw %d moves up %d lines over a frame of %d: not in place\n%q", k+1, up, lines, frames[k])
			}
		}
		for k, f := range frames {
			for _, l := range strings.Split(f, "\n") {
				if w := report.TextWidth(l); w > 100 {
					t.Errorf("frame %d: a line of %d columns in a terminal of 100: %q", k, w, l)
				}
			}
		}
		mid := frames[1] // after round 1 of a and b
		for _, want := range []string{"reusebench: round 1/2", "ETA", "a ", "b ", "[==", "1.0s/2.0s", "1000 req/s", "p99  5.00 ms", "3.0 conns/s", "15 errors (1.5%)"} {
			if !strings.Contains(mid, want) {
				t.Errorf("mid-run frame lacks %q:\n%s", want, mid)
			}
		}
		final := frames[len(frames)-1]
		want := "reusebench: 2 of 2 profiles done in 4.0s\n" +
			"a  done: 2000 requests in 2.0s, 1000 req/s, p99 2.50 ms, 8 conns opened, 0 errors\n" +
			"b  done: 2000 requests in 2.0s, 1000 req/s, p99 5.00 ms, 8 conns opened, 40 errors\n"
		if final != want {
			t.Errorf("final frame\n%q\nwant\n%q", final, want)
		}
	})
}

// A non-terminal stderr gets plain lines: the run's start, a line every
// few seconds (not every tick), each profile's totals, and no control code.
func TestPlainLinesEveryFewSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		p := newProgress(&out, false)
		if _, ok := p.(*plainLines); !ok {
			t.Fatalf("progress on a buffer is %T, want plain lines", p)
		}
		fakeRun(p.Event, func() {})
		p.Close(false)
		s := out.String()
		if strings.ContainsAny(s, "\x1b\r") {
			t.Errorf("plain progress has control codes: %q", s)
		}
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		// 4 s of fake time: the start, a line at 3 s, two totals.
		if len(lines) != 4 {
			t.Fatalf("%d lines, want 4:\n%s", len(lines), s)
		}
		for i, want := range []string{
			"2 profiles in 2 interleaved rounds, each profile 2s with 8 workers in all",
			"  round 2/2 · 3.0s elapsed · ETA 1.0s: a 2.0s/2.0s 1000 req/s, p99 2.50 ms, 0.0 conns/s, 0 errors; b 1.0s/2.0s 1000 req/s, p99 5.00 ms, 3.0 conns/s, 15 errors (1.5%)",
			"  done a: 2000 requests in 2.0s, 1000 req/s, p99 2.50 ms, 8 conns opened, 0 errors",
			"  done b: 2000 requests in 2.0s, 1000 req/s, p99 5.00 ms, 8 conns opened, 40 errors",
		} {
			if lines[i] != want {
				t.Errorf("line %d:\n%q\nwant\n%q", i+1, lines[i], want)
			}
		}
		if newProgress(&out, true) != nil {
			t.Errorf("--quiet: progress is not nil")
		}
	})
}

// A second not yet complete counts as the part of it that has run.
func TestLiveLinePartialSecond(t *testing.T) {
	p := &profileState{live: stats.Live{Requests: 750, Last: results.Point{Requests: 750, NewConns: 3, P99: 1.25, Span: 0.75}}}
	if got, want := liveLine(p, ", ", false), "1000 req/s, p99 1.25 ms, 4.0 conns/s, 0 errors"; got != want {
		t.Errorf("liveLine = %q, want %q", got, want)
	}
}

// Interrupted, the view's last frame says so, and a profile that never
// finished (a run that failed) is marked stopped.
func TestLiveViewInterrupted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		v := newLiveView(&out, mpb.WithWidth(100), mpb.ForceTTY(), mpb.WithManualRefresh(make(chan any)))
		load := experiment.Load{Workers: 8, Duration: 2 * time.Second}
		v.Event(experiment.Event{Kind: experiment.RoundStarted, Count: 2, Name: "a", Load: load, Round: 1, Rounds: 2})
		time.Sleep(time.Second)
		v.Close(true)
		s := out.String()
		if m := redraw.FindAllStringIndex(s, -1); len(m) > 0 {
			s = s[m[len(m)-1][1]:]
		}
		want := "reusebench: interrupted after 1.0s; 0 of 2 profiles measured until then\na  stopped\n"
		if s != want {
			t.Errorf("last frame %q, want %q", s, want)
		}
	})
}

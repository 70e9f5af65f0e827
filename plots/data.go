package plots

import (
	"math"
	"slices"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

// XY is one point of a plotted line.
type XY struct {
	X, Y float64
}

// MaxInverse is the largest x of a percentile curve: 1/(1−0.99999), the
// 99.999th percentile.
const MaxInverse = 1e5

// pointsPerDecade is the density of the percentile ladder on the 1/(1−p) axis.
const pointsPerDecade = 20

// inverseLadder returns the x = 1/(1−p) values of a percentile curve for a
// histogram of n values: log-spaced from 1 (p = 0) to min(n, MaxInverse), the
// resolution of n values, plus x = 2 (the median) and the end point itself.
func inverseLadder(n int64) []float64 {
	if n < 1 {
		return nil
	}
	end := math.Min(float64(n), MaxInverse)
	xs := []float64{1}
	if end >= 2 {
		xs = append(xs, 2)
	}
	for k := 1; ; k++ {
		x := math.Pow(10, float64(k)/pointsPerDecade)
		if x > end*(1+1e-9) {
			break
		}
		xs = append(xs, x)
	}
	if end > 1 {
		xs = append(xs, end)
	}
	slices.Sort(xs)
	return slices.CompactFunc(xs, func(a, b float64) bool {
		return math.Abs(a-b) <= 1e-9*b
	})
}

// PercentileCurve returns the latency-by-percentile curve of h, a histogram in
// microseconds: x is 1/(1−p) for a ladder of percentiles p from 0 up to
// 99.999% or the histogram's resolution (1−1/count), whichever is lower, and
// y is the value at that percentile in milliseconds. Y never decreases along
// the curve. The 100th percentile (x = +Inf) is never included. It returns nil
// for a nil or empty histogram.
func PercentileCurve(h *hdrhistogram.Histogram) []XY {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	xs := inverseLadder(h.TotalCount())
	pcts := make([]float64, len(xs))
	for i, x := range xs {
		pcts[i] = 100 * (1 - 1/x)
	}
	vals := h.ValueAtPercentilesSlice(pcts)
	pts := make([]XY, len(xs))
	prev := 0.0
	for i, x := range xs {
		y := math.Max(float64(vals[i])/1000, prev)
		pts[i] = XY{X: x, Y: y}
		prev = y
	}
	return pts
}

// PhaseBars returns, for each step of a request in trace.Steps() order, its mean contribution
// per request in milliseconds (Mean × Count / Requests, so that dns, connect
// and tls, which happen once per connection, are spread over the requests and
// the stack sums to about the mean total) and its p99 in milliseconds.
// Phases that never happened, and every phase of a profile with no requests,
// are zero.
func PhaseBars(p *results.Profile) (mean, p99 [trace.NumSteps]float64) {
	if p == nil {
		return mean, p99
	}
	for i, ph := range trace.Steps() {
		s, ok := p.Phases[ph.String()]
		if !ok || s.Count <= 0 {
			continue
		}
		if p.Requests > 0 {
			mean[i] = finite(s.Mean * float64(s.Count) / float64(p.Requests))
		}
		p99[i] = finite(s.P99)
	}
	return mean, p99
}

// Timeline returns the throughput (requests in each second, so req/s) and the
// p99 in milliseconds of each second of p's series, with x the seconds since
// the profile's start. Seconds without requests have a throughput of zero and
// no p99 point.
func Timeline(p *results.Profile) (throughput, p99 []XY) {
	for _, pt := range sortedSeries(p) {
		x := float64(pt.Second)
		throughput = append(throughput, XY{X: x, Y: float64(max(pt.Requests, 0)) / span(pt)})
		if pt.Requests > 0 {
			p99 = append(p99, XY{X: x, Y: finite(pt.P99)})
		}
	}
	return throughput, p99
}

// ConnectionsOverTime returns the new connections opened in each second and the
// share of that second's requests that reused a connection, in percent
// (reused / requests × 100), with x the seconds since the profile's start.
// Seconds without requests have no reuse point.
func ConnectionsOverTime(p *results.Profile) (newConns, reusePct []XY) {
	for _, pt := range sortedSeries(p) {
		x := float64(pt.Second)
		newConns = append(newConns, XY{X: x, Y: float64(max(pt.NewConns, 0)) / span(pt)})
		if pt.Requests > 0 {
			pct := 100 * float64(pt.Reused) / float64(pt.Requests)
			reusePct = append(reusePct, XY{X: x, Y: math.Min(math.Max(pct, 0), 100)})
		}
	}
	return newConns, reusePct
}

// minSpan is the shortest part of a second (the last one of a run) that
// per-second plots show: a sliver of a second gives no usable rate.
const minSpan = 0.25

// span is the length in seconds of the part of pt's second that was measured.
func span(pt results.Point) float64 {
	if pt.Span > 0 && pt.Span < 1 {
		return pt.Span
	}
	return 1
}

// sortedSeries returns a copy of p's series ordered by second, without a
// last second shorter than minSpan.
func sortedSeries(p *results.Profile) []results.Point {
	if p == nil {
		return nil
	}
	s := slices.DeleteFunc(slices.Clone(p.Series), func(pt results.Point) bool {
		return pt.Span > 0 && pt.Span < minSpan
	})
	slices.SortStableFunc(s, func(a, b results.Point) int {
		switch {
		case a.Second < b.Second:
			return -1
		case a.Second > b.Second:
			return 1
		}
		return 0
	})
	return s
}

// FileName returns name made safe as a file name: letters, digits, '.', '-'
// and '_' are kept, anything else becomes '_', and leading dots are dropped.
// An empty result becomes "profile".
func FileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		return "profile"
	}
	return s
}

// LogWorthy reports whether values are better shown on a log axis: all of
// them are positive and finite and they span more than two decades.
func LogWorthy(lines ...[]XY) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range lines {
		for _, p := range l {
			if !(p.Y > 0) || math.IsInf(p.Y, 0) {
				return false
			}
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
		}
	}
	return hi > lo && hi/lo > 100
}

// finite returns v, or 0 when v is NaN or infinite.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// ErrorsOverTime returns the failed requests in each second of p's series, with
// x the seconds since the profile's start, or nil when no second had errors.
func ErrorsOverTime(p *results.Profile) []XY {
	var pts []XY
	seen := false
	for _, pt := range sortedSeries(p) {
		pts = append(pts, XY{X: float64(pt.Second), Y: float64(max(pt.Errors, 0)) / span(pt)})
		seen = seen || pt.Errors > 0
	}
	if !seen {
		return nil
	}
	return pts
}

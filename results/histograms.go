package results

import (
	"fmt"
	"sort"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/trace"
)

// Histogram range of every histogram in a results file: 1 µs to 60 s at 3
// significant digits, in microseconds.
const (
	MinValue = 1
	MaxValue = 60_000_000
	SigFigs  = 3
)

// Histogram names beside the phases (trace.Phase.String names the others).
const (
	// HistCorrected is latency measured from the intended time (open model).
	HistCorrected = "corrected"
	// HistFirstAttempt is the first attempt's latency of retried requests.
	HistFirstAttempt = "first_attempt"
)

// NewHistogram returns an empty histogram with the range and precision every
// histogram of a results file uses.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(MinValue, MaxValue, SigFigs)
}

// Histogram decodes the named histogram of p. It returns nil and no error when p
// has no histogram of that name.
func (p *Profile) Histogram(name string) (h *hdrhistogram.Histogram, err error) {
	enc, ok := p.Histograms[name]
	if !ok {
		return nil, nil
	}
	defer func() { // a hostile encoding must not end a report
		if r := recover(); r != nil {
			h, err = nil, fmt.Errorf("profile %s: histogram %s: does not decode (%v)", p.Name, name, r)
		}
	}()
	h, err = hdrhistogram.Decode([]byte(enc))
	if err != nil {
		return nil, fmt.Errorf("profile %s: histogram %s: %w", p.Name, name, err)
	}
	return h, nil
}

// SetHistograms stores every non-empty histogram of hists (keyed by phase
// name, HistCorrected or HistFirstAttempt) in p's encoded histograms and
// derives the summaries from them: phases, latency, corrected latency, and
// requests per connection from p's connection counts. A run and a merge of
// runs both build their profile this way.
func (p *Profile) SetHistograms(hists map[string]*hdrhistogram.Histogram) error {
	if p.Histograms == nil {
		p.Histograms = map[string]string{}
	}
	for name, h := range hists {
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		enc, err := EncodeHistogram(h)
		if err != nil {
			return fmt.Errorf("profile %s: histogram %s: %w", p.Name, name, err)
		}
		p.Histograms[name] = enc
	}
	p.summarize(hists)
	return nil
}

// summarize derives p's summaries from its histograms, replacing whatever
// they held: phases, latency, corrected latency, and requests per
// connection from p's connection counts.
func (p *Profile) summarize(hists map[string]*hdrhistogram.Histogram) {
	p.Phases = map[string]PhaseSummary{}
	p.LatencyCorrected = nil
	for name, h := range hists {
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		switch name {
		case HistCorrected:
			l := Summarize(h)
			p.LatencyCorrected = &l
		case HistFirstAttempt:
		default:
			p.Phases[name] = PhaseSummary{Latency: Summarize(h), Count: h.TotalCount()}
		}
	}
	p.Latency = Summarize(hists[trace.Total.String()])
	p.Connections.RequestsPerConn = p.Connections.perConn()
}

// perConn is the requests per connection that carried any: each such
// connection's first request plus every reuse, over those connections.
func (c Connections) perConn() float64 {
	used := c.Opened - c.Unused
	if used <= 0 {
		return 0
	}
	return float64(used+c.Reused) / float64(used)
}

// Summarize returns the percentile summary of h (microseconds) in milliseconds.
func Summarize(h *hdrhistogram.Histogram) Latency {
	if h == nil || h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{
		P50: MS(h.ValueAtQuantile(50)), P90: MS(h.ValueAtQuantile(90)),
		P99: MS(h.ValueAtQuantile(99)), P999: MS(h.ValueAtQuantile(99.9)),
		Max: MS(h.Max()), Mean: h.Mean() / 1000,
	}
}

// MS converts a histogram value in microseconds to milliseconds.
func MS(us int64) float64 { return float64(us) / 1000 }

// EncodeHistogram returns h's standard compressed encoding (V2, deflated,
// base64), as HdrHistogram tools read and write it.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(enc), nil
}

// JoinByCount joins the keys of m, most frequent first, with "+": how a
// profile that saw several protocols names them.
func JoinByCount(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return strings.Join(keys, "+")
}

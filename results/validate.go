package results

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/trace"
)

// Bounds on what a results file may hold: far beyond any real run, small
// enough that a hostile file cannot make a report allocate without end.
const (
	// MaxFileSize is the largest results.json ReadFile reads.
	MaxFileSize = 64 << 20
	// MaxProfiles is the most profiles one file may hold.
	MaxProfiles = 1024
	// MaxSeconds bounds every duration in a file (about three years).
	MaxSeconds = 1e8
)

// OldestVersion is the oldest results file version this build reads:
// version 1 is version 2 without rounds.
const OldestVersion = 1

// Validate checks res as a report must before trusting it, and derives
// what can be derived instead of taking it from the file: a known version;
// at least one profile, with distinct names; no negative or impossible
// count (errors above requests, error classes that do not add up to the
// errors, statuses above the requests); durations and times in range;
// histograms that decode, cover 1 µs – 60 s at 3 digits, hold no negative
// count and as many values as the profile has requests; no control
// character in any text (a report prints them to a terminal). The
// summaries (latency, phases, corrected latency, requests per connection,
// throughput, each round's throughput) are recomputed from the histograms
// and counts, and Version is set to this build's. Intervals and
// comparisons over rounds are the caller's to recompute (stats.Assess).
func Validate(res *Results) error {
	switch {
	case res.Version < OldestVersion || res.Version > Version:
		return fmt.Errorf("results version %d: this build reads versions %d to %d", res.Version, OldestVersion, Version)
	case len(res.Profiles) == 0:
		return errors.New("no profiles")
	case len(res.Profiles) > MaxProfiles:
		return fmt.Errorf("%d profiles: at most %d", len(res.Profiles), MaxProfiles)
	}
	if err := validateSettings(res); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		if p.Name == "" {
			return fmt.Errorf("profile %d has no name", i+1)
		}
		if seen[p.Name] {
			return fmt.Errorf("profile %q appears twice", p.Name)
		}
		seen[p.Name] = true
		if err := validateProfile(p); err != nil {
			return fmt.Errorf("profile %q: %w", p.Name, err)
		}
	}
	res.Version = Version
	return nil
}

// validateSettings checks the run-wide fields.
func validateSettings(res *Results) error {
	s := &res.Settings
	texts := []string{res.Target, s.Baseline}
	for _, row := range s.Order {
		texts = append(texts, row...)
	}
	switch {
	case s.Concurrency < 0 || s.MaxWorkers < 0 || s.Requests < 0 || s.Rounds < 0:
		return errors.New("settings: a negative count")
	case !seconds(s.DurationS) || !seconds(s.WarmupS) || s.Rate < 0:
		return errors.New("settings: a negative or out-of-range duration or rate")
	case !printable(texts...):
		return errors.New("settings or target: a control character in the text")
	}
	return nil
}

// validateProfile checks one profile and recomputes its summaries.
func validateProfile(p *Profile) error {
	if err := checkTexts(p); err != nil {
		return err
	}
	c := p.Connections
	var classes, statuses sum
	for _, n := range p.Errors.ByClass {
		classes.add(n)
	}
	for _, n := range p.Status {
		statuses.add(n)
	}
	switch {
	case p.Requests < 0 || p.Errors.Total < 0 || c.Opened < 0 || c.Reused < 0 || c.Unused < 0 ||
		c.TLSHandshakes < 0 || c.TLSResumed < 0:
		return errors.New("a negative count")
	case p.Errors.Total > p.Requests:
		return fmt.Errorf("%d errors in %d requests", p.Errors.Total, p.Requests)
	case classes.bad || classes.n != p.Errors.Total:
		return fmt.Errorf("errors by class do not add up to the %d errors", p.Errors.Total)
	case statuses.bad || statuses.n > p.Requests:
		return fmt.Errorf("statuses do not fit in the %d requests", p.Requests)
	case c.Unused > c.Opened || c.TLSResumed > c.TLSHandshakes || c.Reused > p.Requests:
		return errors.New("connection counts that do not fit (unused above opened, resumed above handshakes, or reused above requests)")
	case !seconds(p.DurationS):
		return fmt.Errorf("duration %v s: out of range", p.DurationS)
	case !p.Started.IsZero() && !p.Ended.IsZero() && p.Ended.Before(p.Started):
		return errors.New("ends before it starts")
	}
	if err := validateParts(p); err != nil {
		return err
	}
	hists, err := p.decodeAll()
	if err != nil {
		return err
	}
	p.summarize(hists)
	p.Throughput = 0
	if p.DurationS > 0 {
		p.Throughput = float64(p.Requests) / p.DurationS
	}
	return nil
}

// validateParts checks the counts of a profile's optional parts: rate,
// retries, hosts, server, series, rounds.
func validateParts(p *Profile) error {
	if r := p.Rate; r != nil && (r.Target < 0 || r.Achieved < 0 || r.Late < 0 || r.MaxLateMs < 0 || r.Workers < 0) {
		return errors.New("rate: a negative figure")
	}
	if r := p.Retries; r != nil && (r.RequestsRetried < 0 || r.Total < r.RequestsRetried || r.RequestsRetried > p.Requests) {
		return errors.New("retries: counts that do not fit")
	}
	for _, h := range p.Hosts {
		if h.Requests < 0 || h.Opened < 0 {
			return errors.New("hosts: a negative count")
		}
	}
	if s := p.Server; s != nil && (s.Accepted < 0 || s.Requests < 0 || s.Unused < 0 || s.TLSHandshakes < 0 || s.TLSResumed < 0) {
		return errors.New("server: a negative count")
	}
	for _, pt := range p.Series {
		if pt.Second < 0 || pt.Second > MaxSeconds || pt.Requests < 0 || pt.Errors < 0 || pt.Errors > pt.Requests ||
			pt.NewConns < 0 || pt.Reused < 0 || pt.P50 < 0 || pt.P99 < 0 || pt.Span < 0 || pt.Span > 1 {
			return fmt.Errorf("series second %d: a figure out of range", pt.Second)
		}
	}
	var inRounds sum
	for i := range p.Rounds {
		r := &p.Rounds[i]
		if r.Requests < 0 || r.Errors < 0 || r.Errors > r.Requests || r.Opened < 0 || !seconds(r.DurationS) ||
			r.Latency.P50 < 0 || r.Latency.P99 < 0 {
			return fmt.Errorf("round %d: a figure out of range", r.Round)
		}
		inRounds.add(r.Requests)
		r.Throughput = 0
		if r.DurationS > 0 {
			r.Throughput = float64(r.Requests) / r.DurationS
		}
	}
	if inRounds.bad || inRounds.n > p.Requests {
		return fmt.Errorf("its rounds hold more than its %d requests", p.Requests)
	}
	return nil
}

// decodeAll decodes every histogram of p and checks each: a known name,
// the results range, no negative count, and as many values as requests for
// those that hold one per request.
func (p *Profile) decodeAll() (map[string]*hdrhistogram.Histogram, error) {
	hists := map[string]*hdrhistogram.Histogram{}
	for name := range p.Histograms {
		if !knownHistogram(name) {
			return nil, fmt.Errorf("unknown histogram %q", printableOr(name, "?"))
		}
		h, err := p.Histogram(name)
		if err != nil {
			return nil, err
		}
		if h.LowestTrackableValue() != MinValue || h.HighestTrackableValue() != MaxValue || h.SignificantFigures() != SigFigs {
			return nil, fmt.Errorf("histogram %s covers %d–%d at %d digits, not %d–%d µs at %d",
				name, h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures(), MinValue, MaxValue, SigFigs)
		}
		var total sum
		for _, n := range h.Export().Counts {
			if n < 0 {
				return nil, fmt.Errorf("histogram %s: a negative count", name)
			}
			total.add(n)
		}
		if total.bad || total.n != h.TotalCount() {
			return nil, fmt.Errorf("histogram %s: its counts do not add up", name)
		}
		perRequest := name == trace.Total.String() || name == HistCorrected || name == HistFirstAttempt
		if perRequest && h.TotalCount() != p.Requests {
			return nil, fmt.Errorf("histogram %s holds %d values for %d requests", name, h.TotalCount(), p.Requests)
		}
		if !perRequest && isStep(name) && h.TotalCount() > p.Requests {
			return nil, fmt.Errorf("histogram %s holds %d values for %d requests", name, h.TotalCount(), p.Requests)
		}
		hists[name] = h
	}
	if p.Requests > 0 && hists[trace.Total.String()] == nil {
		return nil, fmt.Errorf("%d requests but no total histogram", p.Requests)
	}
	return hists, nil
}

// knownHistogram reports whether name is a histogram a results file holds.
func knownHistogram(name string) bool {
	if name == HistCorrected || name == HistFirstAttempt {
		return true
	}
	for _, ph := range trace.Phases() {
		if ph.String() == name {
			return true
		}
	}
	return false
}

// isStep reports whether name is a phase recorded at most once per
// request (wait, ttfb, body); dns, connect and tls are per connection.
func isStep(name string) bool {
	return name == trace.Wait.String() || name == trace.TTFB.String() || name == trace.Body.String()
}

// checkTexts rejects a control character in any of p's text.
func checkTexts(p *Profile) error {
	texts := []string{p.Name, p.Strategy, p.Protocol}
	texts = append(texts, p.Notes...)
	texts = append(texts, p.Checks...)
	for k, v := range p.Options {
		texts = append(texts, k, v)
	}
	for k := range p.Errors.ByClass {
		texts = append(texts, k)
	}
	for k := range p.Status {
		texts = append(texts, k)
	}
	for k := range p.Hosts {
		texts = append(texts, k)
	}
	if iv := p.Intervals; iv != nil {
		texts = append(texts, iv.Throughput.Warning, iv.P50.Warning, iv.P99.Warning)
	}
	if vs := p.VsBaseline; vs != nil {
		texts = append(texts, vs.Baseline, vs.Throughput.Warning, vs.P50.Warning, vs.P99.Warning,
			vs.Throughput.Verdict, vs.P50.Verdict, vs.P99.Verdict)
	}
	if !printable(texts...) {
		return errors.New("a control character in its text")
	}
	return nil
}

// printable reports whether no text holds a control character (C0, DEL or
// C1): a report prints them, to a terminal perhaps.
func printable(texts ...string) bool {
	for _, s := range texts {
		if strings.IndexFunc(s, unicode.IsControl) >= 0 {
			return false
		}
	}
	return true
}

// printableOr returns s when it is printable and short, else alt.
func printableOr(s, alt string) string {
	if len(s) <= 40 && printable(s) {
		return s
	}
	return alt
}

// seconds reports whether v is a duration in seconds a file may hold.
func seconds(v float64) bool { return v >= 0 && v <= MaxSeconds && !math.IsNaN(v) }

// sum adds counts and notes when the total no longer fits in an int64.
type sum struct {
	n   int64
	bad bool
}

// add adds v to the sum.
func (s *sum) add(v int64) {
	if (v > 0 && s.n > math.MaxInt64-v) || (v < 0 && s.n < math.MinInt64-v) {
		s.bad = true
		return
	}
	s.n += v
}

// addTo adds v to *dst, unless the total would overflow: then it reports
// false and leaves *dst alone.
func addTo(dst *int64, v int64) bool {
	s := sum{n: *dst}
	s.add(v)
	if s.bad {
		return false
	}
	*dst = s.n
	return true
}

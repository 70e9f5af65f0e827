package results

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ErrIncomplete is wrapped by CheckSegments when segments of a run are
// missing.
var ErrIncomplete = fmt.Errorf("incomplete segmented run")

// CheckSegments checks that files which hold segments of a split run are all
// the segments of one run: the same run_id, every index from 0 to count−1
// once, and no file of a whole run among them. With allowPartial, missing
// segments are allowed (Merge then says which). Files of whole runs only are
// fine.
func CheckSegments(all []*Results, allowPartial bool) error {
	var segs []*Segment
	for _, r := range all {
		if r.Settings.Segment != nil {
			segs = append(segs, r.Settings.Segment)
		}
	}
	if len(segs) == 0 {
		return nil
	}
	if len(segs) != len(all) {
		return fmt.Errorf("%d of %d files are segments of a split run and the others whole runs: merge one run's segments alone", len(segs), len(all))
	}
	runs := map[string][]*Segment{}
	var ids []string
	for _, s := range segs {
		if _, ok := runs[s.RunID]; !ok {
			ids = append(ids, s.RunID)
		}
		runs[s.RunID] = append(runs[s.RunID], s)
	}
	if len(ids) > 1 {
		var parts []string
		for _, id := range ids {
			parts = append(parts, fmt.Sprintf("%s (%d files)", id, len(runs[id])))
		}
		return fmt.Errorf("segments of %d different runs mixed: run_id %s; merge one run at a time", len(ids), strings.Join(parts, ", "))
	}
	count := segs[0].Count
	seen := map[int]bool{}
	for _, s := range segs {
		switch {
		case s.Count != count:
			return fmt.Errorf("run %s: segments disagree on their count (%d and %d)", s.RunID, count, s.Count)
		case s.Index < 0 || s.Index >= count:
			return fmt.Errorf("run %s: segment index %d outside 0..%d", s.RunID, s.Index, count-1)
		case seen[s.Index]:
			return fmt.Errorf("run %s: segment %d/%d given twice", s.RunID, s.Index, count)
		}
		seen[s.Index] = true
	}
	if err := sameSettings(all); err != nil {
		return fmt.Errorf("run %s: %w", ids[0], err)
	}
	if missing := missingSegments(count, seen); len(missing) > 0 && !allowPartial {
		return fmt.Errorf("%w: run %s has %d of %d segments; missing %s (--allow-partial merges what is there)",
			ErrIncomplete, ids[0], len(seen), count, joinInts(missing))
	}
	return nil
}

// sameSettings checks that the segments of one run ran the same run: the
// same duration, warm-up, rounds and order, baseline, and profiles with the
// same strategies and options (their shares of workers, requests and rate
// differ by design).
func sameSettings(all []*Results) error {
	a := all[0]
	for _, b := range all[1:] {
		x, y := a.Settings, b.Settings
		i, j := x.Segment.Index, y.Segment.Index
		switch {
		case x.DurationS != y.DurationS || x.WarmupS != y.WarmupS:
			return fmt.Errorf("segments %d and %d ran for different times (-d %gs and %gs, --warmup %gs and %gs)", i, j, x.DurationS, y.DurationS, x.WarmupS, y.WarmupS)
		case x.Rounds != y.Rounds || !slices.EqualFunc(x.Order, y.Order, slices.Equal):
			return fmt.Errorf("segments %d and %d ran different rounds (%d and %d, or another order)", i, j, x.Rounds, y.Rounds)
		case x.Baseline != y.Baseline:
			return fmt.Errorf("segments %d and %d have different baselines (%s and %s)", i, j, x.Baseline, y.Baseline)
		case len(a.Profiles) != len(b.Profiles):
			return fmt.Errorf("segments %d and %d ran %d and %d profiles", i, j, len(a.Profiles), len(b.Profiles))
		}
		for k := range a.Profiles {
			p, q := &a.Profiles[k], &b.Profiles[k]
			if p.Name != q.Name || p.Strategy != q.Strategy || !maps.Equal(p.Options, q.Options) {
				return fmt.Errorf("segments %d and %d ran different profiles (%s %s and %s %s, or other options)", i, j, p.Name, p.Strategy, q.Name, q.Strategy)
			}
		}
	}
	return nil
}

func missingSegments(count int, seen map[int]bool) []int {
	var missing []int
	for i := range count {
		if !seen[i] {
			missing = append(missing, i)
		}
	}
	return missing
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

// segmented reports whether all are segments of one run, and describes them.
func segmented(all []*Results) (*Merged, bool) {
	first := all[0].Settings.Segment
	if first == nil {
		return nil, false
	}
	m := &Merged{RunID: first.RunID, Segments: first.Count}
	seen := map[int]bool{}
	var earliest, latest time.Time
	for _, r := range all {
		s := r.Settings.Segment
		if s == nil || s.RunID != first.RunID {
			return nil, false
		}
		seen[s.Index] = true
		if earliest.IsZero() || s.Started.Before(earliest) {
			earliest = s.Started
		}
		if s.Started.After(latest) {
			latest = s.Started
		}
	}
	m.Missing = missingSegments(first.Count, seen)
	m.StartSkewMs = float64(latest.Sub(earliest)) / float64(time.Millisecond)
	return m, true
}

// mergeRounds merges the rounds of one profile's segments round by round:
// round k of every segment ran at the same time on another generator, so
// their requests, errors and connections add up, the round spans from the
// earliest start to the latest end, and its latency comes from the merged
// round histograms (the largest p99 and the requests-weighted p50 when a
// segment's file has none).
func mergeRounds(ps []*Profile) ([]Round, error) {
	byNum := map[int][]Round{}
	var nums []int
	for _, p := range ps {
		for _, r := range p.Rounds {
			if _, ok := byNum[r.Round]; !ok {
				nums = append(nums, r.Round)
			}
			byNum[r.Round] = append(byNum[r.Round], r)
		}
	}
	sort.Ints(nums)
	out := make([]Round, 0, len(nums))
	for _, n := range nums {
		rs := byNum[n]
		m := Round{Round: n, Started: rs[0].Started}
		var end time.Time
		var h *hdrhistogram.Histogram
		exact := true
		var p50w float64
		for _, r := range rs {
			if r.Started.Before(m.Started) {
				m.Started = r.Started
			}
			if e := r.Started.Add(time.Duration(r.DurationS * float64(time.Second))); e.After(end) {
				end = e
			}
			m.Requests += r.Requests
			m.Errors += r.Errors
			m.Opened += r.Opened
			m.Latency.P99 = max(m.Latency.P99, r.Latency.P99)
			p50w += r.Latency.P50 * float64(r.Requests)
			if r.Histogram == "" {
				exact = false
				continue
			}
			rh, err := hdrhistogram.Decode([]byte(r.Histogram))
			if err != nil {
				return nil, fmt.Errorf("round %d histogram: %w", n, err)
			}
			if h == nil {
				h = rh
			} else if dropped := h.Merge(rh); dropped > 0 {
				return nil, fmt.Errorf("round %d histogram: merging dropped %d values", n, dropped)
			}
		}
		m.DurationS = end.Sub(m.Started).Seconds()
		if m.DurationS > 0 {
			m.Throughput = float64(m.Requests) / m.DurationS
		}
		switch {
		case exact && h != nil:
			m.Latency = RoundLatency{P50: MS(h.ValueAtQuantile(50)), P99: MS(h.ValueAtQuantile(99))}
			enc, err := EncodeHistogram(h)
			if err != nil {
				return nil, err
			}
			m.Histogram = enc
		case m.Requests > 0:
			m.Latency.P50 = p50w / float64(m.Requests)
		}
		out = append(out, m)
	}
	return out, nil
}

// segmentOrder is the order of a segmented run: every segment ran the same.
func segmentOrder(all []*Results) [][]string { return slices.Clone(all[0].Settings.Order) }

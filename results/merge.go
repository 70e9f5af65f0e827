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

// Merge combines several results into one: profiles of the same name are
// merged (histograms merged, counters summed, throughput over the union of
// their time windows); profiles keep the order in which they first appear. It
// is how runs from several machines become one report. Merging one result
// returns it unchanged.
func Merge(all ...*Results) (*Results, error) {
	if len(all) == 0 {
		return nil, fmt.Errorf("merge: no results")
	}
	if len(all) == 1 {
		return all[0], nil
	}
	out := &Results{Version: Version, Started: all[0].Started, Target: all[0].Target, Settings: all[0].Settings}
	out.Settings.Order = slices.Clone(out.Settings.Order)
	merged, segs := segmented(all)
	out.Merged, out.Settings.Segment = merged, nil
	groups := map[string][]*Profile{}
	var order []string
	targets := []string{all[0].Target}
	var a acc
	for i, r := range all {
		if r.Version > Version {
			return nil, fmt.Errorf("merge: results version %d is newer than this build reads (%d)", r.Version, Version)
		}
		if i > 0 {
			if r.Started.Before(out.Started) {
				out.Started = r.Started
			}
			a.addInt(&out.Settings.Concurrency, r.Settings.Concurrency)
			out.Settings.Rate += r.Settings.Rate
			a.addInt(&out.Settings.MaxWorkers, r.Settings.MaxWorkers)
			a.add(&out.Settings.Requests, r.Settings.Requests)
			out.Settings.DurationS = max(out.Settings.DurationS, r.Settings.DurationS)
			if !segs { // a segment's rounds ran beside the others', not after
				a.addInt(&out.Settings.Rounds, r.Settings.Rounds)
				out.Settings.Order = append(out.Settings.Order, r.Settings.Order...)
			}
			if !contains(targets, r.Target) {
				targets = append(targets, r.Target)
			}
		}
		for j := range r.Profiles {
			p := &r.Profiles[j]
			if _, ok := groups[p.Name]; !ok {
				order = append(order, p.Name)
			}
			groups[p.Name] = append(groups[p.Name], p)
		}
	}
	if a.overflow {
		return nil, fmt.Errorf("merge: the settings' counts overflow")
	}
	out.Target = strings.Join(targets, " ")
	for _, name := range order {
		p, err := MergeProfiles(groups[name]...)
		if err != nil {
			return nil, err
		}
		if segs {
			if p.Rounds, err = mergeRounds(groups[name]); err != nil {
				return nil, fmt.Errorf("merge: profile %s: %w", name, err)
			}
			if p.Rate != nil { // segments ran side by side: their rates add up
				p.Rate.Target, p.Rate.Achieved = 0, 0
				for _, g := range groups[name] {
					if g.Rate != nil {
						p.Rate.Target += g.Rate.Target
						p.Rate.Achieved += g.Rate.Achieved
					}
				}
			}
		}
		out.Profiles = append(out.Profiles, p)
	}
	if segs {
		out.Settings.Order = segmentOrder(all)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// MergeProfiles merges measurements of one profile. Summaries are recomputed
// from the merged histograms; the per-second series is merged by wall-clock
// second, with each second's p50 and p99 the largest of the merged ones (a
// per-second histogram is not kept, so those two are an upper bound).
func MergeProfiles(ps ...*Profile) (Profile, error) {
	first := ps[0]
	out := Profile{
		Name: first.Name, Strategy: first.Strategy, Options: maps.Clone(first.Options),
		Errors: Errors{ByClass: map[string]int64{}}, Status: map[string]int64{},
		Started: first.Started, Ended: first.Ended,
		Phases: map[string]PhaseSummary{}, Histograms: map[string]string{},
		Load: first.Load, Sweep: first.Sweep,
	}
	hists := map[string]*hdrhistogram.Histogram{}
	protocols := map[string]int64{}
	var windows [][2]time.Time
	var a acc
	for _, p := range ps {
		if p.Strategy != first.Strategy {
			out.Notes = appendOnce(out.Notes, fmt.Sprintf("merged runs used different strategies (%s and %s); the strategy shown is the first run's", first.Strategy, p.Strategy))
		}
		if !maps.Equal(p.Options, first.Options) {
			out.Notes = appendOnce(out.Notes, "merged runs used different options; options shown are the first run's")
		}
		if (p.Load == nil) != (first.Load == nil) || (p.Load != nil && *p.Load != *first.Load) {
			out.Notes = appendOnce(out.Notes, "merged runs ran at different loads; the load shown is the first run's")
		}
		a.add(&out.Requests, p.Requests)
		a.add(&out.Errors.Total, p.Errors.Total)
		a.addCounts(out.Errors.ByClass, p.Errors.ByClass)
		a.addCounts(out.Status, p.Status)
		for _, proto := range strings.Split(p.Protocol, "+") {
			if proto != "" {
				v := protocols[proto]
				a.add(&v, p.Requests)
				protocols[proto] = v
			}
		}
		if p.Started.Before(out.Started) {
			out.Started = p.Started
		}
		if p.Ended.After(out.Ended) {
			out.Ended = p.Ended
		}
		windows = append(windows, measuredWindows(p)...)
		for _, r := range p.Rounds {
			r.Round = len(out.Rounds) + 1
			out.Rounds = append(out.Rounds, r)
		}
		c := &out.Connections
		a.add(&c.Opened, p.Connections.Opened)
		a.add(&c.Reused, p.Connections.Reused)
		a.add(&c.Unused, p.Connections.Unused)
		a.add(&c.TLSHandshakes, p.Connections.TLSHandshakes)
		a.add(&c.TLSResumed, p.Connections.TLSResumed)
		a.mergeRate(&out, p)
		if p.Retries != nil {
			if out.Retries == nil {
				out.Retries = &Retries{}
			}
			a.add(&out.Retries.RequestsRetried, p.Retries.RequestsRetried)
			a.add(&out.Retries.Total, p.Retries.Total)
		}
		for host, hc := range p.Hosts {
			if out.Hosts == nil {
				out.Hosts = map[string]HostCounts{}
			}
			h := out.Hosts[host]
			a.add(&h.Requests, hc.Requests)
			a.add(&h.Opened, hc.Opened)
			out.Hosts[host] = h
		}
		if s := p.Server; s != nil {
			if out.Server == nil {
				out.Server = &ServerCounts{}
			}
			a.add(&out.Server.Accepted, s.Accepted)
			a.add(&out.Server.Requests, s.Requests)
			a.add(&out.Server.Unused, s.Unused)
			a.add(&out.Server.TLSHandshakes, s.TLSHandshakes)
			a.add(&out.Server.TLSResumed, s.TLSResumed)
		}
		mergeFaults(&a, &out, p)
		out.Checks = append(out.Checks, p.Checks...)
		for _, n := range p.Notes {
			out.Notes = appendOnce(out.Notes, n)
		}
		for name := range p.Histograms {
			h, err := p.Histogram(name)
			if err != nil {
				return Profile{}, fmt.Errorf("merge: %w", err)
			}
			if hists[name] == nil {
				hists[name] = NewHistogram()
			}
			if dropped := hists[name].Merge(h); dropped > 0 {
				return Profile{}, fmt.Errorf("merge: profile %s: histogram %s dropped %d values", p.Name, name, dropped)
			}
		}
	}
	if a.overflow {
		return Profile{}, fmt.Errorf("merge: profile %s: its counts overflow", first.Name)
	}
	out.Protocol = JoinByCount(protocols)
	out.DurationS = unionSeconds(windows)
	if out.DurationS > 0 {
		out.Throughput = float64(out.Requests) / out.DurationS
	}
	if out.Rate != nil && out.DurationS > 0 {
		// Target was summed weighted by each run's duration: runs side by
		// side add their rates, runs one after another average them.
		out.Rate.Target /= out.DurationS
		out.Rate.Achieved = float64(out.Requests) / out.DurationS
	}
	if err := out.SetHistograms(hists); err != nil {
		return Profile{}, err
	}
	series, err := mergeSeries(out.Started, ps)
	if err != nil {
		return Profile{}, fmt.Errorf("merge: profile %s: %w", first.Name, err)
	}
	out.Series = series
	return out, nil
}

// acc adds counts and notes when a total no longer fits.
type acc struct{ overflow bool }

// add adds v to *dst.
func (a *acc) add(dst *int64, v int64) {
	if !addTo(dst, v) {
		a.overflow = true
	}
}

// addInt adds v to *dst, an int.
func (a *acc) addInt(dst *int, v int) {
	n := int64(*dst)
	a.add(&n, int64(v))
	if int64(int(n)) != n {
		a.overflow = true
		return
	}
	*dst = int(n)
}

// addCounts adds src's counts to dst's, key by key.
func (a *acc) addCounts(dst, src map[string]int64) {
	for k, v := range src {
		n := dst[k]
		a.add(&n, v)
		dst[k] = n
	}
}

func (a *acc) mergeRate(out *Profile, p *Profile) {
	if p.Rate == nil {
		return
	}
	if out.Rate == nil {
		out.Rate = &Rate{}
	}
	out.Rate.Target += p.Rate.Target * p.DurationS // weighted; divided below
	a.add(&out.Rate.Late, p.Rate.Late)
	out.Rate.MaxLateMs = max(out.Rate.MaxLateMs, p.Rate.MaxLateMs)
	a.addInt(&out.Rate.Workers, p.Rate.Workers)
}

// measuredWindows are the spans of p's measured time: its rounds, or the
// whole window of a run of one round.
func measuredWindows(p *Profile) [][2]time.Time {
	if len(p.Rounds) == 0 {
		return [][2]time.Time{{p.Started, p.Ended}}
	}
	ws := make([][2]time.Time, len(p.Rounds))
	for i, r := range p.Rounds {
		ws[i] = [2]time.Time{r.Started, r.Started.Add(time.Duration(r.DurationS * float64(time.Second)))}
	}
	return ws
}

// unionSeconds is the total length of the union of the windows.
func unionSeconds(ws [][2]time.Time) float64 {
	sort.Slice(ws, func(i, j int) bool { return ws[i][0].Before(ws[j][0]) })
	var total time.Duration
	var curStart, curEnd time.Time
	for i, w := range ws {
		if i == 0 || w[0].After(curEnd) {
			total += curEnd.Sub(curStart)
			curStart, curEnd = w[0], w[1]
			continue
		}
		if w[1].After(curEnd) {
			curEnd = w[1]
		}
	}
	total += curEnd.Sub(curStart)
	return total.Seconds()
}

// mergeSeries merges per-second points by wall-clock second, relative to start.
func mergeSeries(start time.Time, ps []*Profile) ([]Point, error) {
	bySec := map[int64]*Point{}
	var a acc
	for _, p := range ps {
		offset := int64(p.Started.Sub(start) / time.Second)
		for _, pt := range p.Series {
			sec := pt.Second
			a.add(&sec, offset)
			m := bySec[sec]
			if m == nil {
				m = &Point{Second: sec}
				bySec[sec] = m
			}
			a.add(&m.Requests, pt.Requests)
			a.add(&m.Errors, pt.Errors)
			a.add(&m.NewConns, pt.NewConns)
			a.add(&m.Reused, pt.Reused)
			m.P50 = max(m.P50, pt.P50)
			m.P99 = max(m.P99, pt.P99)
		}
	}
	if a.overflow {
		return nil, fmt.Errorf("the per-second series overflows")
	}
	out := make([]Point, 0, len(bySec))
	for _, pt := range bySec {
		out = append(out, *pt)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Second < out[j].Second })
	return out, nil
}

func appendOnce(list []string, s string) []string {
	if contains(list, s) {
		return list
	}
	return append(list, s)
}

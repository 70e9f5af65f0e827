package report

import (
	"fmt"
	"io"

	"github.com/reusebench/reusebench/results"
)

// Thresholds of the generator's own warnings.
const (
	// SaturatedShare is the share of its cores above which the generator
	// itself was the bottleneck.
	SaturatedShare = 0.9
	// SchedShare is how large a part of the measured p99 Go's scheduling
	// delay p99 may be before the latencies describe the generator.
	SchedShare = 0.25
	// minCPUS is the CPU time below which a share says nothing: the
	// kernel accounts CPU in ticks, so a run of a few milliseconds can read
	// 0 % or 100 %.
	minCPUS = 0.1
	// minSchedMs keeps sub-millisecond scheduling noise quiet.
	minSchedMs = 1.0
	// SchedMs is a scheduling delay p99 that always warns: a load
	// generator whose goroutines wait 5 ms to run cannot time
	// sub-millisecond requests.
	SchedMs = 5.0
)

// ClientWarnings says, for one profile, when the generator's own cost was
// high enough that the figures describe the client rather than the server:
// its CPU saturated, or its scheduling delay a visible part of the latency.
func ClientWarnings(p *results.Profile) []string {
	c := p.Client
	if c == nil {
		return nil
	}
	var out []string
	saturated := c.CPUShare >= SaturatedShare && c.CPUS >= minCPUS
	if saturated && p.Server != nil {
		out = append(out, fmt.Sprintf("GENERATOR SATURATED: the process, generator and embedded target together, used %.0f %% of its cores (%.1f CPU-s): they compete for the same CPU, so the figures describe this machine more than either; a target of its own (reusebench serve, elsewhere) gives cleaner figures",
			100*c.CPUShare, c.CPUS))
	} else if saturated {
		out = append(out, fmt.Sprintf("GENERATOR SATURATED: it used %.0f %% of its cores (%.1f CPU-s): the figures describe the client as much as the server; split the load across generators (--segment) or give this one more CPU",
			100*c.CPUShare, c.CPUS))
	}
	if p99 := p.Latency.P99; c.SchedP99Ms >= SchedMs || (c.SchedP99Ms >= minSchedMs && p99 > 0 && c.SchedP99Ms >= SchedShare*p99) {
		out = append(out, fmt.Sprintf("GENERATOR DELAY: Go's scheduling latency p99 was %s ms, %.0f %% of the measured p99 (%s ms): the latencies include the generator's own waiting",
			FormatMS(c.SchedP99Ms), 100*c.SchedP99Ms/p99, FormatMS(p99)))
	}
	return out
}

// writeClientNotes writes every profile's ClientWarnings.
func writeClientNotes(w io.Writer, res *results.Results) error {
	for i := range res.Profiles {
		p := &res.Profiles[i]
		for _, msg := range ClientWarnings(p) {
			if _, err := fmt.Fprintf(w, "note: %s: %s\n", p.Name, msg); err != nil {
				return err
			}
		}
	}
	return nil
}

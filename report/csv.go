package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/reusebench/reusebench/results"
)

// WriteCSV writes one row per profile with the summary figures.
func WriteCSV(w io.Writer, res *results.Results) error {
	cw := csv.NewWriter(w)
	header := []string{"profile", "strategy", "protocol", "requests", "errors", "duration_s", "throughput",
		"p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms",
		"corrected_p99_ms", "corrected_p999_ms",
		"conns_opened", "conns_unused", "reused", "reuse_pct", "requests_per_conn", "tls_handshakes", "tls_resumed",
		"rounds", "throughput_lo", "throughput_hi", "p99_median_ms", "p99_lo_ms", "p99_hi_ms",
		"baseline", "throughput_ratio", "throughput_ratio_lo", "throughput_ratio_hi", "throughput_verdict",
		"p99_ratio", "p99_ratio_lo", "p99_ratio_hi", "p99_verdict"}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	for k := range res.Profiles {
		p := &res.Profiles[k]
		var cp99, cp999 string
		if p.LatencyCorrected != nil {
			cp99, cp999 = f(p.LatencyCorrected.P99), f(p.LatencyCorrected.P999)
		}
		c := p.Connections
		row := []string{p.Name, p.Strategy, p.Protocol, i(p.Requests), i(p.Errors.Total), f(p.DurationS), f(p.Throughput),
			f(p.Latency.P50), f(p.Latency.P90), f(p.Latency.P99), f(p.Latency.P999), f(p.Latency.Max), f(p.Latency.Mean),
			cp99, cp999,
			i(c.Opened), i(c.Unused), i(c.Reused), f(ReusePercent(p)), f(c.RequestsPerConn), i(c.TLSHandshakes), i(c.TLSResumed)}
		row = append(row, roundCells(p, f)...)
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

// roundCells are the rounds columns of p's CSV row: the number of rounds,
// the throughput and p99 intervals, and the comparison with the baseline
// (empty cells where a run has no rounds or p is the baseline).
func roundCells(p *results.Profile, f func(float64) string) []string {
	cells := make([]string, 15)
	cells[0] = strconv.Itoa(len(p.Rounds))
	if iv := p.Intervals; iv != nil {
		cells[1], cells[2] = f(iv.Throughput.Lo), f(iv.Throughput.Hi)
		cells[3], cells[4], cells[5] = f(iv.P99.Center), f(iv.P99.Lo), f(iv.P99.Hi)
	}
	if c := p.VsBaseline; c != nil {
		cells[6] = c.Baseline
		cells[7], cells[8], cells[9], cells[10] = f(c.Throughput.Ratio), f(c.Throughput.Lo), f(c.Throughput.Hi), c.Throughput.Verdict
		cells[11], cells[12], cells[13], cells[14] = f(c.P99.Ratio), f(c.P99.Lo), f(c.P99.Hi), c.P99.Verdict
	}
	return cells
}

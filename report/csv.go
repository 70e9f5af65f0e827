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
		"conns_opened", "conns_unused", "reused", "reuse_pct", "requests_per_conn", "tls_handshakes", "tls_resumed"}
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

package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/trace"
)

// table is one rendered table: a header and rows of pre-formatted cells; every
// column but the first is right-aligned, unless align says otherwise.
type table struct {
	title  string
	header []string
	rows   [][]string
	// align, if set, is each column's alignment.
	align []tw.Align
}

func (t *table) render(w io.Writer, markdown bool) error {
	align := t.align
	if align == nil {
		align = make([]tw.Align, len(t.header))
		for i := range align {
			align[i] = tw.AlignRight
		}
		align[0] = tw.AlignLeft
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
		if _, err := fmt.Fprintf(w, "\n**%s**\n\n", t.title); err != nil {
			return err
		}
	} else if _, err := fmt.Fprintf(w, "%s\n", t.title); err != nil {
		return err
	}
	tbl := tablewriter.NewTable(w, opts...)
	tbl.Header(anySlice(t.header)...)
	for _, r := range t.rows {
		if err := tbl.Append(anySlice(r)...); err != nil {
			return fmt.Errorf("table %s: %w", t.title, err)
		}
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("table %s: %w", t.title, err)
	}
	return nil
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// WriteTables writes the comparative tables of res: the summary, the rounds,
// the phases, for open-model runs the arrival rates and corrected latency,
// and the errors when a profile had any. Text tables are compact (they fit
// 100 columns); Markdown keeps every column. WriteTablesLayout chooses.
func WriteTables(w io.Writer, res *results.Results, markdown bool) error {
	return WriteTablesLayout(w, res, markdown, Layout{})
}

// WriteTablesLayout is WriteTables with text tables laid out by l.
func WriteTablesLayout(w io.Writer, res *results.Results, markdown bool, l Layout) error {
	builders := []func(wide bool) table{func(wide bool) table { return summaryTable(res, wide) }}
	if res.Settings.Rounds > 1 {
		builders = append(builders, func(wide bool) table { return roundsTable(res, wide) })
	}
	builders = append(builders, func(wide bool) table { return phaseTable(res, wide) })
	if res.Settings.Rate > 0 {
		builders = append(builders, func(wide bool) table { return rateTable(res, wide) })
	}
	if hasErrors(res) {
		builders = append(builders, func(bool) table { return errorsTable(res, markdown) })
	}
	for i, build := range builders {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if err := l.write(w, build, markdown); err != nil {
			return err
		}
	}
	if err := writeNotes(w, res); err != nil {
		return err
	}
	if err := writeSegmentsNote(w, res); err != nil {
		return err
	}
	if err := writeClientNotes(w, res); err != nil {
		return err
	}
	if err := writeRoundsNote(w, res); err != nil {
		return err
	}
	return writeRecommendations(w, res)
}

// summaryTable is the summary per profile: with wide, every column; else
// the columns a reader needs to decide, in 100 columns.
func summaryTable(res *results.Results, wide bool) table {
	if !wide {
		return compactSummaryTable(res)
	}
	t := table{
		title: "Requests and connections per profile (latency in ms, from the actual send)",
		header: []string{"profile", "proto", "requests", "req/s", "p50", "p90", "p99", "p99.9", "max",
			"conns opened", "req/conn", "reuse %", "TLS hs (resumed)", "errors", "req/s vs " + baselineName(res)},
	}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		c := p.Connections
		tlsCell := "-"
		if c.TLSHandshakes > 0 {
			tlsCell = fmt.Sprintf("%d (%d)", c.TLSHandshakes, c.TLSResumed)
		}
		t.rows = append(t.rows, []string{
			p.Name, p.Protocol, strconv.FormatInt(p.Requests, 10), FormatRate(p.Throughput),
			FormatMS(p.Latency.P50), FormatMS(p.Latency.P90), FormatMS(p.Latency.P99),
			FormatMS(p.Latency.P999), FormatMS(p.Latency.Max),
			strconv.FormatInt(c.Opened, 10), fmt.Sprintf("%.1f", c.RequestsPerConn),
			fmt.Sprintf("%.1f", ReusePercent(p)), tlsCell,
			errorCell(p), vsBaseline(res, i),
		})
	}
	return t
}

// compactSummaryTable is the summary in 100 columns: throughput, median and
// tail latency, connections opened, reuse, the share of errors and the
// verdict against the baseline.
func compactSummaryTable(res *results.Results) table {
	t := table{
		title:  "Requests and connections per profile (latency in ms, from the actual send; --wide for more)",
		header: []string{"profile", "req/s", "p50", "p99", "conns", "reuse %", "errors", "vs " + baselineName(res)},
	}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		t.rows = append(t.rows, []string{
			p.Name, FormatRate(p.Throughput), FormatMS(p.Latency.P50), FormatMS(p.Latency.P99),
			strconv.FormatInt(p.Connections.Opened, 10), fmt.Sprintf("%.1f", ReusePercent(p)),
			errorShare(p), vsBaseline(res, i),
		})
	}
	return t
}

// errorShare is the share of p's requests that failed ("0" for none); the
// errors table has the counts.
func errorShare(p *results.Profile) string {
	if p.Errors.Total == 0 {
		return "0"
	}
	return formatShare(p.Errors.Total, p.Requests)
}

// ReusePercent is the share of requests that got an already used connection.
func ReusePercent(p *results.Profile) float64 {
	used := p.Connections.Reused + p.Connections.Opened - p.Connections.Unused
	if used <= 0 {
		return 0
	}
	return 100 * float64(p.Connections.Reused) / float64(used)
}

func errorCell(p *results.Profile) string {
	if p.Errors.Total == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%.1f%%)", p.Errors.Total, 100*float64(p.Errors.Total)/float64(max(p.Requests, 1)))
}

// baselineName names the baseline profile for headers.
func baselineName(res *results.Results) string {
	if b := baselineOf(res); b != nil {
		return b.Name
	}
	return "baseline"
}

// phaseTable is each profile's phases: with wide, "p50 / p99 ×count" in one
// row per profile; else a p50 row and a p99 row, without the counts (the
// summary's conns opened) and without the phases no profile had.
func phaseTable(res *results.Results, wide bool) table {
	if !wide {
		return compactPhaseTable(res)
	}
	t := table{title: "Phases, p50 / p99 in ms (dns, connect and tls once per new connection; × how many)"}
	t.header = []string{"profile"}
	for _, ph := range trace.Phases() {
		t.header = append(t.header, ph.String())
	}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		row := []string{p.Name}
		for _, ph := range trace.Phases() {
			s, ok := p.Phases[ph.String()]
			switch {
			case !ok:
				row = append(row, "-")
			case ph == trace.DNS || ph == trace.Connect || ph == trace.TLS:
				row = append(row, fmt.Sprintf("%s / %s ×%d", FormatMS(s.P50), FormatMS(s.P99), s.Count))
			default:
				row = append(row, FormatMS(s.P50)+" / "+FormatMS(s.P99))
			}
		}
		t.rows = append(t.rows, row)
	}
	return t
}

func compactPhaseTable(res *results.Results) table {
	t := table{title: "Phases in ms (dns, connect and tls once per new connection)", header: []string{"profile", ""}}
	var phases []trace.Phase
	for _, ph := range trace.Phases() {
		for i := range res.Profiles {
			if _, ok := res.Profiles[i].Phases[ph.String()]; ok {
				phases = append(phases, ph)
				t.header = append(t.header, ph.String())
				break
			}
		}
	}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		p50, p99 := []string{p.Name, "p50"}, []string{"", "p99"}
		for _, ph := range phases {
			s, ok := p.Phases[ph.String()]
			if !ok {
				p50, p99 = append(p50, "-"), append(p99, "-")
				continue
			}
			p50, p99 = append(p50, FormatMS(s.P50)), append(p99, FormatMS(s.P99))
		}
		t.rows = append(t.rows, p50, p99)
	}
	return t
}

// rateTable is the open model's arrivals and corrected latency; without
// wide, the columns that fit 100.
func rateTable(res *results.Results, wide bool) table {
	t := table{
		title: "Open model: arrivals and latency from the intended time (corrected), in ms",
		header: []string{"profile", "target/s", "achieved/s", "late", "max late", "workers",
			"corr p50", "corr p90", "corr p99", "corr p99.9", "corr max"},
	}
	if !wide {
		t.header = []string{"profile", "target/s", "achieved/s", "late", "workers", "corr p50", "corr p99"}
	}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		if p.Rate == nil || p.LatencyCorrected == nil {
			continue
		}
		l := p.LatencyCorrected
		if !wide {
			t.rows = append(t.rows, []string{p.Name, FormatRate(p.Rate.Target), FormatRate(p.Rate.Achieved),
				strconv.FormatInt(p.Rate.Late, 10), strconv.Itoa(p.Rate.Workers), FormatMS(l.P50), FormatMS(l.P99)})
			continue
		}
		t.rows = append(t.rows, []string{
			p.Name, FormatRate(p.Rate.Target), FormatRate(p.Rate.Achieved),
			strconv.FormatInt(p.Rate.Late, 10), FormatMS(p.Rate.MaxLateMs), strconv.Itoa(p.Rate.Workers),
			FormatMS(l.P50), FormatMS(l.P90), FormatMS(l.P99), FormatMS(l.P999), FormatMS(l.Max),
		})
	}
	return t
}

// writeNotes writes what a reader must not miss below the tables: what the
// embedded target counted itself, profiles that could not keep up with the
// rate, and failed cross-checks.
func writeNotes(w io.Writer, res *results.Results) error {
	var seen []string
	for i := range res.Profiles {
		p := &res.Profiles[i]
		if s := p.Server; s != nil {
			mark := "agrees"
			if len(p.Checks) > 0 {
				mark = "DISAGREES"
			}
			seen = append(seen, fmt.Sprintf("%s %d conns / %d requests (%s)", p.Name, s.Accepted, s.Requests, mark))
		}
	}
	if len(seen) > 0 {
		if _, err := fmt.Fprintf(w, "the target's own counts: %s\n", strings.Join(seen, ", ")); err != nil {
			return err
		}
	}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		var notes []string
		if r := p.Rate; r != nil && r.Target > 0 && r.Achieved < 0.99*r.Target {
			notes = append(notes, fmt.Sprintf("could not keep up: achieved %s/s of %s/s target (%d arrivals waited for a worker, the latest sent %s ms late); raise -c or --max-workers, or the machine is saturated",
				FormatRate(r.Achieved), FormatRate(r.Target), r.Late, FormatMS(r.MaxLateMs)))
		} else if r != nil && r.Late > 0 {
			notes = append(notes, fmt.Sprintf("%d arrivals waited more than 1 ms for a free worker (the latest was sent %s ms after its intended time); that wait is in the corrected latency", r.Late, FormatMS(r.MaxLateMs)))
		}
		for _, n := range p.Notes {
			notes = append(notes, n)
		}
		for _, c := range p.Checks {
			notes = append(notes, "CHECK FAILED: "+c)
		}
		for _, n := range notes {
			if _, err := fmt.Fprintf(w, "note: %s: %s\n", p.Name, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// FormatMS formats milliseconds with about three significant digits.
func FormatMS(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// FormatRate formats a rate in requests a second.
func FormatRate(v float64) string {
	if v < 100 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

package report_test

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
)

func TestReusePercent(t *testing.T) {
	tests := []struct {
		c    results.Connections
		want float64
	}{
		{results.Connections{}, 0},
		{results.Connections{Opened: 1, Reused: 9}, 90},
		{results.Connections{Opened: 10}, 0},
		{results.Connections{Opened: 3, Unused: 1, Reused: 8}, 80},
		{results.Connections{Opened: 2, Unused: 2}, 0},
	}
	for _, tt := range tests {
		p := results.Profile{Connections: tt.c}
		if got := report.ReusePercent(&p); got != tt.want {
			t.Errorf("ReusePercent(%+v) = %v, want %v", tt.c, got, tt.want)
		}
	}
}

func TestFormatMS(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{0.0004, "0.000"},
		{0.1234, "0.123"},
		{0.9996, "1.000"},
		{1, "1.00"},
		{1.234, "1.23"},
		{9.99, "9.99"},
		{12.34, "12.3"},
		{99.9, "99.9"},
		{123.4, "123"},
		{1234.6, "1235"},
		{60000, "60000"},
	}
	for _, tt := range tests {
		if got := report.FormatMS(tt.in); got != tt.want {
			t.Errorf("FormatMS(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   float64
		want string
	}{{0, "0.0"}, {12.34, "12.3"}, {99.94, "99.9"}, {100, "100"}, {12345.6, "12346"}} {
		if got := report.FormatRate(tt.in); got != tt.want {
			t.Errorf("FormatRate(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	if got := results.Summarize(nil); got != (results.Latency{}) {
		t.Errorf("Summarize(nil) = %+v", got)
	}
	if got := results.Summarize(results.NewHistogram()); got != (results.Latency{}) {
		t.Errorf("Summarize(empty) = %+v", got)
	}
	h := results.NewHistogram()
	for v := int64(1); v <= 1000; v++ {
		if err := h.RecordValue(v * 1000); err != nil { // 1..1000 ms
			t.Fatal(err)
		}
	}
	l := results.Summarize(h)
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"p50", l.P50, 500}, {"p90", l.P90, 900}, {"p99", l.P99, 990}, {"p99.9", l.P999, 999}, {"max", l.Max, 1000}, {"mean", l.Mean, 500.5}} {
		if c.got < c.want*0.999 || c.got > c.want*1.001 {
			t.Errorf("%s = %v ms, want %v", c.name, c.got, c.want)
		}
	}
}

// makeResults returns a results file of two closed-model profiles, the second
// with a failed check.
func makeResults(t *testing.T) *results.Results {
	t.Helper()
	a := profile(t, fixture{name: "shared-keepalive", strategy: "shared", opened: 2})
	b := profile(t, fixture{name: "fresh-noreuse", strategy: "fresh", opened: 5})
	b.Checks = []string{"3 dials recorded, but the pool opened 5 connections"}
	return &results.Results{Version: results.Version, Started: t0, Target: "http://127.0.0.1:8080/",
		Settings: results.Settings{Concurrency: 3, Requests: 10}, Profiles: []results.Profile{a, b}}
}

func TestWriteTables(t *testing.T) {
	for _, markdown := range []bool{false, true} {
		t.Run("markdown="+strconv.FormatBool(markdown), func(t *testing.T) {
			res := makeResults(t)
			var buf bytes.Buffer
			if err := report.WriteTablesLayout(&buf, res, markdown, report.Layout{Wide: true}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, want := range []string{"shared-keepalive", "fresh-noreuse", "p99.9", "req/s", "reuse %", "conns opened", "connect", "CHECK FAILED", "http_5xx"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			for _, bad := range []string{"P 99 . 9", "P99.9", "REQ/S", "corr p99"} {
				if strings.Contains(out, bad) {
					t.Errorf("output contains %q:\n%s", bad, out)
				}
			}
			checkTableStyle(t, out, markdown, 3) // summary, phases and errors
			// One row per profile in each table: a row whose first cell is
			// its name, in the summary, the phase and the errors table (a
			// header may name a profile too, the baseline).
			for _, name := range []string{"shared-keepalive", "fresh-noreuse"} {
				if n := rowsNamed(out, name); n != 3 {
					t.Errorf("%d rows of %q, want 3 (summary, phases, errors):\n%s", n, name, out)
				}
			}
			if !strings.Contains(out, "note: fresh-noreuse: CHECK FAILED") || strings.Contains(out, "note: shared-keepalive: CHECK") {
				t.Errorf("failed checks not reported for the right profile:\n%s", out)
			}
		})
	}
}

// mdSeparator matches a Markdown table's header separator row as the
// renderer prints it: "|:-----|------:|…|", a colon marking the alignment.
var mdSeparator = regexp.MustCompile(`^\|(\s*:?-{3,}:?\s*\|)+$`)

// checkTableStyle checks out holds tables tables, all in one style. Markdown:
// each table is a header row ("| profile | …") directly followed by a
// separator row with one cell per column, and no box-drawing character
// appears anywhere. Text tables: each table has a box-drawing top border
// (┌), a rule under its header (├) and a bottom border (└), every table line
// is framed by box-drawing characters, and no line is a Markdown separator
// row or starts with a "|".
func checkTableStyle(t *testing.T, out string, markdown bool, tables int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	var seps, top, rule, bottom int
	for i, l := range lines {
		if mdSeparator.MatchString(l) {
			seps++
			if !markdown {
				t.Errorf("table output has a Markdown separator row at line %d: %q", i+1, l)
				continue
			}
			if i == 0 || !strings.HasPrefix(lines[i-1], "| profile ") ||
				strings.Count(lines[i-1], "|") != strings.Count(l, "|") {
				t.Errorf("Markdown separator row at line %d does not follow a header row with as many cells:\n%s\n%s", i+1, lines[max(i-1, 0)], l)
			}
		}
		switch {
		case strings.HasPrefix(l, "┌"):
			top++
		case strings.HasPrefix(l, "├"):
			rule++
		case strings.HasPrefix(l, "└"):
			bottom++
		}
		if markdown {
			if strings.ContainsFunc(l, func(r rune) bool { return r >= 0x2500 && r <= 0x257F }) {
				t.Errorf("Markdown output has a box-drawing character at line %d: %q", i+1, l)
			}
		} else if strings.HasPrefix(l, "|") {
			t.Errorf("table output has a Markdown row at line %d: %q", i+1, l)
		} else if strings.HasPrefix(l, "│") && !strings.HasSuffix(l, "│") {
			t.Errorf("table row at line %d is not framed: %q", i+1, l)
		}
	}
	if markdown && seps != tables {
		t.Errorf("Markdown output has %d header separator rows, want %d (one per table):\n%s", seps, tables, out)
	}
	if !markdown && (top != tables || rule != tables || bottom != tables) {
		t.Errorf("table output has %d top borders, %d header rules and %d bottom borders, want %d of each (one per table):\n%s",
			top, rule, bottom, tables, out)
	}
}

// rowsNamed counts the table rows of out, text or Markdown, whose first cell
// is name.
func rowsNamed(out, name string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		for _, bar := range []string{"│", "|"} {
			if cells := strings.Split(l, bar); len(cells) > 2 && cells[0] == "" && strings.TrimSpace(cells[1]) == name {
				n++
			}
		}
	}
	return n
}

func TestWriteTablesOpenModel(t *testing.T) {
	p := profile(t, fixture{name: "open-shared", strategy: "shared", opened: 2, open: true})
	res := &results.Results{Version: results.Version, Settings: results.Settings{Rate: 100}, Profiles: []results.Profile{p}}
	var buf bytes.Buffer
	if err := report.WriteTables(&buf, res, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"corr p99", "achieved/s", "could not keep up", "open-shared"} {
		if !strings.Contains(out, want) {
			t.Errorf("open-model output lacks %q:\n%s", want, out)
		}
	}
	if w := report.TextWidth(strings.Split(out, "\nnote:")[0]); w > report.CompactWidth {
		t.Errorf("open-model tables %d columns wide, want at most %d:\n%s", w, report.CompactWidth, out)
	}
	checkTableStyle(t, out, false, 4) // summary, phases, rates and errors
	buf.Reset()
	if err := report.WriteTablesLayout(&buf, res, false, report.Layout{Wide: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "corr p99.9") {
		t.Errorf("wide open-model output lacks corr p99.9:\n%s", buf.String())
	}
}

func TestWriteCSV(t *testing.T) {
	res := makeResults(t)
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, buf.String())
	}
	if len(rows) != 1+len(res.Profiles) {
		t.Fatalf("%d rows, want a header and %d profiles", len(rows), len(res.Profiles))
	}
	header := rows[0]
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, h := range []string{"profile", "requests", "p999_ms", "conns_opened", "reuse_pct"} {
		if _, ok := col[h]; !ok {
			t.Errorf("header %v lacks %q", header, h)
		}
	}
	for i, p := range res.Profiles {
		row := rows[i+1]
		if len(row) != len(header) {
			t.Errorf("row %d has %d fields, header %d", i, len(row), len(header))
			continue
		}
		if row[col["profile"]] != p.Name || row[col["requests"]] != strconv.FormatInt(p.Requests, 10) ||
			row[col["conns_opened"]] != strconv.FormatInt(p.Connections.Opened, 10) {
			t.Errorf("row %d = %v, want profile %s with %d requests, %d opened", i, row, p.Name, p.Requests, p.Connections.Opened)
		}
		if got, err := strconv.ParseFloat(row[col["p999_ms"]], 64); err != nil || got != p.Latency.P999 {
			t.Errorf("row %d p999 %q (%v), want %v", i, row[col["p999_ms"]], err, p.Latency.P999)
		}
	}
}

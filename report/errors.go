package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/reusebench/reusebench/results"
)

// errorsTop is how many classes and statuses a text errors table lists per
// profile; the rest are counted on one more line.
const errorsTop = 3

// hasErrors reports whether a profile of res had a failed request.
func hasErrors(res *results.Results) bool {
	for i := range res.Profiles {
		if res.Profiles[i].Errors.Total > 0 {
			return true
		}
	}
	return false
}

// errorsTable lists, for each profile that had errors, its error classes and
// its error statuses (400 and above) with their share of its requests,
// most frequent first: "5.0 % http_5xx (50)". Text tables list the top
// three of each, one a line; Markdown lists all, on one line.
func errorsTable(res *results.Results, markdown bool) table {
	t := table{
		title:  "Errors: the top classes and statuses per profile, as a share of its requests",
		header: []string{"profile", "errors", "classes", "statuses"},
		align:  []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignLeft, tw.AlignLeft},
	}
	for i := range res.Profiles {
		p := &res.Profiles[i]
		if p.Errors.Total == 0 {
			continue
		}
		statuses := map[string]int64{}
		for code, n := range p.Status {
			if c, err := strconv.Atoi(code); err == nil && c >= 400 {
				statuses[code] = n
			}
		}
		t.rows = append(t.rows, []string{p.Name, errorCell(p),
			shares(p.Errors.ByClass, p.Requests, markdown), shares(statuses, p.Requests, markdown)})
	}
	return t
}

// shares formats counts as shares of total, most frequent first (ties by
// name): one a line, the top errorsTop and a line for the rest, or, for
// Markdown, all on one line.
func shares(counts map[string]int64, total int64, markdown bool) string {
	if len(counts) == 0 {
		return "-"
	}
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	var lines []string
	for i, k := range names {
		if !markdown && i == errorsTop {
			var rest int64
			for _, k := range names[i:] {
				rest += counts[k]
			}
			lines = append(lines, fmt.Sprintf("%s in %d more (%d)", formatShare(rest, total), len(names)-i, rest))
			break
		}
		lines = append(lines, fmt.Sprintf("%s %s (%d)", formatShare(counts[k], total), k, counts[k]))
	}
	if markdown {
		return strings.Join(lines, ", ")
	}
	return strings.Join(lines, "\n")
}

// formatShare is n as a percentage of total: "5.0 %", "<0.1 %".
func formatShare(n, total int64) string {
	v := 100 * float64(n) / float64(max(total, 1))
	if v > 0 && v < 0.1 {
		return "<0.1 %"
	}
	return fmt.Sprintf("%.1f %%", v)
}

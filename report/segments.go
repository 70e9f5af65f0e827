package report

import (
	"fmt"
	"io"

	"github.com/reusebench/reusebench/results"
)

// writeSegmentsNote says what a merge of a split run's segments put
// together: how many, which are missing, and how far apart the generators
// started.
func writeSegmentsNote(w io.Writer, res *results.Results) error {
	m := res.Merged
	if m == nil {
		return nil
	}
	msg := fmt.Sprintf("note: run %s merged from %d of %d segments; the generators' measured windows started within %.1f ms of one another",
		m.RunID, m.Segments-len(m.Missing), m.Segments, m.StartSkewMs)
	if len(m.Missing) > 0 {
		msg += fmt.Sprintf("; PARTIAL: segments %v are missing, so the figures cover only part of the load", m.Missing)
	}
	_, err := fmt.Fprintln(w, msg)
	return err
}

package report

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/reusebench/reusebench/results"
)

// CompactWidth is the width, in columns, the default text tables fit.
const CompactWidth = 100

// Layout says how wide the text tables may be. The zero Layout gives the
// compact tables, which fit CompactWidth columns.
type Layout struct {
	// Wide shows every column (--wide).
	Wide bool
	// Width is the width of the terminal the tables go to, when known
	// (0: unknown). A table whose every column fits in it is shown whole.
	Width int
}

// PrintLayout is Print with the text tables laid out by l.
func PrintLayout(w io.Writer, res *results.Results, format string, l Layout) error {
	switch format {
	case "table", "":
		return WriteTablesLayout(w, res, false, l)
	case "markdown":
		return WriteTablesLayout(w, res, true, l)
	}
	return Print(w, res, format)
}

// write renders the table build makes: every column in Markdown, with Wide,
// or when it fits Width; else the compact one.
func (l Layout) write(w io.Writer, build func(wide bool) table, markdown bool) error {
	if markdown || l.Wide {
		t := build(true)
		return t.render(w, markdown)
	}
	if l.Width > CompactWidth {
		var buf bytes.Buffer
		t := build(true)
		if err := t.render(&buf, false); err != nil {
			return err
		}
		if TextWidth(buf.String()) <= l.Width {
			_, err := w.Write(buf.Bytes())
			return err
		}
	}
	t := build(false)
	return t.render(w, false)
}

// TextWidth is the width in columns of the widest line of s (every character
// the tables use, box drawing included, is one column wide).
func TextWidth(s string) int {
	n := 0
	for line := range strings.SplitSeq(s, "\n") {
		n = max(n, utf8.RuneCountInString(line))
	}
	return n
}

package cli

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/reusebench/reusebench/report"
)

// terminalWidth returns the width in columns of the terminal w writes to, or
// 0 when w is not a terminal (a pipe, a file, a buffer in tests).
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	fd, ok := terminalFd(f)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(fd)
	if err != nil {
		return 0
	}
	return width
}

// terminalFd returns the file descriptor of f when f is a terminal that can
// redraw in place (not TERM=dumb).
func terminalFd(f *os.File) (int, bool) {
	if os.Getenv("TERM") == "dumb" {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// tableLayout is how the tables on stdout are laid out: every column with
// --wide; else the compact tables, or, on a terminal wide enough, whole ones.
func tableLayout(stdout io.Writer, wide bool) report.Layout {
	return report.Layout{Wide: wide, Width: terminalWidth(stdout)}
}

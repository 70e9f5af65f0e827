package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// interspersed reorders args so that flags come first, each with its
// value, then the other arguments: "URL -c 50" parses as "-c 50 URL". A
// flag is an argument starting with "-" (not "-" alone); one that takes a
// value and is not written "--flag=value" takes the next argument with it,
// unless it is a boolean flag. Unknown flags stay flags, for Parse to
// report; one missing its value ends the result, for Parse to report. "--"
// ends the flags: everything after it is an argument. The result ends with
// "--" and the arguments, so an argument is never read as a flag.
func interspersed(fs *flag.FlagSet, args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil || isBool(f) {
			continue
		}
		if i+1 >= len(args) {
			// No value: last of all, for Parse to say so.
			return flags
		}
		i++
		flags = append(flags, args[i])
	}
	return append(append(flags, "--"), rest...)
}

// isBool reports whether f is a boolean flag, which takes no value unless
// written -flag=value.
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// parseArgs parses args into fs, with flags before, between or after the
// other arguments (see interspersed). It prints nothing: it returns
// flag.ErrHelp for -h, and any other error as the one line to show.
func parseArgs(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs.Parse(interspersed(fs, args))
}

// flagError reports a flag error of command cmd ("run") as one line on
// stderr, with where to find the flags, and returns exit status 2.
func flagError(stderr io.Writer, cmd string, err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "reusebench %s: %v\n", cmd, err)
		return 2
	}
	fmt.Fprintf(stderr, "reusebench %s: %v; run 'reusebench %s -h' for flags\n", cmd, err, cmd)
	return 2
}

// help writes a command's -h text to w: its usage text, its flags, then its
// examples.
func help(w io.Writer, fs *flag.FlagSet, text, examples string) {
	fmt.Fprint(w, text)
	fmt.Fprint(w, "\nflags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprint(w, "\nexamples:\n"+examples)
}

// Package cli is reusebench's command line: one file per subcommand, each
// turning its flags into a plan or a report; exit codes and usage live here
// and no engine logic does.
package cli

import (
	"context"
	"fmt"
	"io"
)

const usage = `reusebench measures what HTTP connection reuse buys.

usage:
  reusebench                      the demo: four profiles against an embedded loopback target
  reusebench run [flags] [URL...] compare profiles against URL (default: the embedded target)
  reusebench serve [flags]        run the embedded target on its own
  reusebench report [flags] FILE...  print and plot saved results.json files, merged by profile
  reusebench compare [flags] OLD NEW  compare two saved runs profile by profile, with verdicts
  reusebench k8s --generators N [run flags] URL...  a Kubernetes Job running one run on N generators
  reusebench version              the version and the Go version that built it (also --version)

Run 'reusebench COMMAND -h' for a command's flags and examples.

examples:
  # the demo: tables on stdout, the report folder in ./reusebench-report
  reusebench
  # against your own endpoint, 32 workers, every column of the tables
  reusebench run https://127.0.0.1:8443/ -c 32 --wide
`

// Main runs the command line args (without the program name) and returns
// the process's exit status. Cancelling ctx (Ctrl-C) stops a run early; what
// was measured until then is still reported.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return dispatch(ctx, args, stdout, stderr)
}

// dispatch runs the subcommand named by args[0] and returns the exit status.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return runCmd(ctx, demoArgs(), stdout, stderr)
	}
	switch args[0] {
	case "run":
		return runCmd(ctx, args[1:], stdout, stderr)
	case "serve":
		return serveCmd(ctx, args[1:], stdout, stderr)
	case "report":
		return reportCmd(ctx, args[1:], stdout, stderr)
	case "compare":
		return compareCmd(ctx, args[1:], stdout, stderr)
	case "k8s":
		return k8sCmd(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, buildVersion())
		return 0
	}
	fmt.Fprintf(stderr, "reusebench: unknown command %q (commands: run, serve, report, compare, k8s, version; 'reusebench help' for usage)\n", args[0])
	return 2
}

// demoArgs is what `reusebench` alone runs: the four default profiles against
// the embedded target, about 4 s each, with the report written to
// ./reusebench-report.
func demoArgs() []string {
	return []string{"-c", "8", "-d", "4s", "-o", "reusebench-report"}
}

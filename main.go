// Command reusebench measures what HTTP connection reuse buys: it drives a
// fleet of workers through one or more client profiles (a shared pool, a pool
// per worker, a fresh connection per request, with their knobs) against a
// target, traces every request, and compares the profiles side by side in
// tables and PNG plots.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `reusebench measures what HTTP connection reuse buys.

usage:
  reusebench                      the demo: four profiles against an embedded loopback target
  reusebench run [flags] [URL...] compare profiles against URL (default: the embedded target)
  reusebench serve [flags]        run the embedded target on its own
  reusebench report [flags] FILE...  print and plot saved results.json files, merged by profile

Run 'reusebench COMMAND -h' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
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
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "reusebench: unknown command %q (commands: run, serve, report; 'reusebench help' for usage)\n", args[0])
	return 2
}

// demoArgs is what `reusebench` alone runs: the four default profiles against
// the embedded target, about 4 s each, with the report written to
// ./reusebench-report.
func demoArgs() []string {
	return []string{"-c", "8", "-d", "4s", "-o", "reusebench-report"}
}

// Command reusebench measures what HTTP connection reuse buys: it drives a
// fleet of workers through one or more client profiles (a shared pool, a pool
// per worker, a fresh connection per request, with their knobs) against a
// target, traces every request, and compares the profiles side by side in
// tables and PNG plots.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/reusebench/reusebench/cli"
)

// main wires signals to cli.Main. The first Ctrl-C (SIGINT) or SIGTERM
// cancels the command's context with the signal as its cause: a run stops,
// saves and prints what it measured, and exits 130 or 143. A second signal
// exits at once with the same status, leaving the last complete results.json.
// SIGPIPE is ignored, so a closed stdout (| head) is an error the command
// sees after its files are written, not the end of the process.
func main() {
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		first := interrupt(<-sigs)
		fmt.Fprintf(os.Stderr, "\nreusebench: %v: stopping and saving what was measured; a second signal quits at once\n", first)
		cancel(first)
		second := interrupt(<-sigs)
		cli.Abandon()
		os.Exit(second.ExitCode())
	}()
	os.Exit(cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// interrupt is the cause of a context cancelled by sig.
func interrupt(sig os.Signal) cli.Interrupt {
	s, ok := sig.(syscall.Signal)
	if !ok {
		s = syscall.SIGINT
	}
	return cli.Interrupt{Signal: s}
}

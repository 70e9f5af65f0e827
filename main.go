// Command reusebench measures what HTTP connection reuse buys: it drives a
// fleet of workers through one or more client profiles (a shared pool, a pool
// per worker, a fresh connection per request, with their knobs) against a
// target, traces every request, and compares the profiles side by side in
// tables and PNG plots.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/reusebench/reusebench/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

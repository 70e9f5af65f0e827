package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
)

// runConfig is everything a run needs, parsed from its flags.
type runConfig struct {
	concurrency int
	duration    time.Duration
	requests    int64
	warmup      time.Duration
	rate        float64
	maxWorkers  int
	profileSpec listFlag
	method      string
	headers     listFlag
	body        string
	timeout     time.Duration
	insecure    bool
	cacert      string
	jsonOut     bool
	outDir      string
	plots       bool
	format      string
	cookies     listFlag
	bearer      string
	basic       string
	certFile    string
	keyFile     string
	proxy       string
	targetsFile string
	rounds      int
	seed        string
	baseline    string
	urls        []string
	runLimits
}

func newRunFlags(rc *runConfig, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&rc.concurrency, "c", 8, "workers (closed model), or the cap on requests in flight (open model)")
	fs.DurationVar(&rc.duration, "d", 5*time.Second, "measured duration per profile (ignored with -n)")
	fs.Int64Var(&rc.requests, "n", 0, "measured requests per profile (instead of -d)")
	fs.DurationVar(&rc.warmup, "warmup", 0, "sent before each profile's measured window and not recorded")
	fs.Float64Var(&rc.rate, "r", 0, "open model: requests a second for the whole fleet, per profile (0: closed model)")
	fs.IntVar(&rc.maxWorkers, "max-workers", 0, "open model: let the fleet grow up to this many workers when all are busy")
	fs.IntVar(&rc.rounds, "rounds", 0, "split each profile's -d or -n into `N` rounds, interleaved across profiles, for intervals and verdicts (default: "+fmt.Sprint(defaultRounds)+" with several profiles, 1 with one)")
	fs.StringVar(&rc.seed, "seed", "", "shuffle each round's profile order from this `SEED` (a whole number) instead of the balanced rotation")
	fs.StringVar(&rc.baseline, "baseline", "", "compare the other profiles with the profile `NAME` (default: the first)")
	fs.Var(&rc.profileSpec, "p", "profile `[name=]strategy[,key=value...]`, repeatable; strategies: shared, per-worker, fresh; keys: "+loadgen.KnobNames())
	fs.StringVar(&rc.method, "m", "GET", "request method")
	fs.Var(&rc.headers, "H", "request header `'Key: Value'`, repeatable")
	fs.StringVar(&rc.body, "body", "", "request body, or @FILE to read it from FILE")
	fs.DurationVar(&rc.timeout, "timeout", 30*time.Second, "whole-request timeout, 0 for none (a profile's timeout= key overrides it)")
	fs.BoolVar(&rc.insecure, "insecure", false, "do not verify the target's TLS certificate")
	fs.StringVar(&rc.cacert, "cacert", "", "PEM `FILE` of CA certificates to trust for the target")
	fs.Var(&rc.cookies, "cookie", "cookie `'name=value'` seeded into every session's jar (sent on every request of fresh), repeatable")
	fs.StringVar(&rc.bearer, "bearer", "", "send 'Authorization: Bearer `TOKEN`' (never written to results)")
	fs.StringVar(&rc.basic, "basic", "", "HTTP basic auth `user:pass` (never written to results)")
	fs.StringVar(&rc.certFile, "cert", "", "client certificate PEM `FILE` (with --key)")
	fs.StringVar(&rc.keyFile, "key", "", "client private key PEM `FILE` (with --cert)")
	fs.StringVar(&rc.proxy, "proxy", "", "send through the HTTP proxy at `URL` (CONNECT for https targets)")
	fs.StringVar(&rc.targetsFile, "targets", "", "read targets from `FILE`: `METHOD URL` lines, optional 'Key: Value' header lines and an @BODYFILE line after each; requests go round-robin")
	fs.BoolVar(&rc.jsonOut, "json", false, "print the results JSON on stdout instead of the tables (same as --format json)")
	fs.StringVar(&rc.outDir, "o", "", "write results.json and the report into `DIR`")
	fs.BoolVar(&rc.plots, "plots", true, "with -o, draw the PNG plots and .hgrm files beside results.json (--plots=false: results.json only)")
	fs.StringVar(&rc.format, "format", "table", "what to print on stdout: table, markdown, json or csv")
	rc.runLimits.define(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: reusebench run [flags] [URL...]\n\n"+
			"Runs each profile against URL (without one, against an embedded loopback target)\n"+
			"and prints comparative tables. Flags go before the URL.\n\n")
		fs.PrintDefaults()
	}
	return fs
}

// parseRun parses the run subcommand's arguments.
func parseRun(args []string, stderr io.Writer) (*runConfig, error) {
	rc := &runConfig{}
	fs := newRunFlags(rc, stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	rc.urls = fs.Args()
	if rc.jsonOut {
		rc.format = "json"
	}
	switch {
	case rc.concurrency < 1:
		return nil, usagef("-c %d: need at least 1 worker", rc.concurrency)
	case rc.requests < 0:
		return nil, usagef("-n %d: need a positive request count", rc.requests)
	case rc.requests == 0 && rc.duration <= 0:
		return nil, usagef("-d %v: need a positive duration (or -n)", rc.duration)
	case rc.warmup < 0:
		return nil, usagef("--warmup %v: must not be negative", rc.warmup)
	case rc.rate < 0:
		return nil, usagef("-r %v: need a positive rate (or 0 for the closed model)", rc.rate)
	case rc.maxWorkers != 0 && rc.maxWorkers < rc.concurrency:
		return nil, usagef("--max-workers %d: must be at least -c (%d)", rc.maxWorkers, rc.concurrency)
	case rc.maxWorkers != 0 && rc.rate == 0:
		return nil, usagef("--max-workers needs the open model (-r RATE)")
	case (rc.certFile == "") != (rc.keyFile == ""):
		return nil, usagef("--cert and --key go together")
	case rc.bearer != "" && rc.basic != "":
		return nil, usagef("--bearer and --basic both set an Authorization header; choose one")
	case rc.targetsFile != "" && len(rc.urls) > 0:
		return nil, usagef("give targets either as URLs or with --targets, not both")
	}
	if !report.ValidFormat(rc.format) {
		return nil, usagef("--format %q: want %s", rc.format, report.FormatNames)
	}
	for _, u := range rc.urls {
		if strings.HasPrefix(u, "-") {
			return nil, usagef("flag %s after the URL: flags go before the URL", u)
		}
	}
	if rc.rounds < 0 {
		return nil, usagef("--rounds %d: need 1 or more rounds", rc.rounds)
	}
	if rc.requests > 0 && int64(rc.rounds) > rc.requests {
		return nil, usagef("--rounds %d with -n %d: every round needs at least one request", rc.rounds, rc.requests)
	}
	if rc.seed != "" {
		if _, err := strconv.ParseUint(rc.seed, 10, 64); err != nil {
			return nil, usagef("--seed %q: want a whole number ≥ 0", rc.seed)
		}
	}
	if err := rc.runLimits.check(); err != nil {
		return nil, err
	}
	return rc, nil
}

// defaultRounds is --rounds for a run of several profiles: enough for 99 %
// intervals that rarely call identical profiles different (8 at least),
// short enough rounds that a disturbance of a second or two hits every
// profile alike.
const defaultRounds = 20

// runCmd is `reusebench run`: it returns the process's exit status.
func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	rc, err := parseRun(args, stderr)
	if err == flag.ErrHelp {
		return 0
	} else if err != nil {
		if _, ok := err.(*usageError); ok {
			fmt.Fprintf(stderr, "reusebench run: %v\n", err)
		}
		return 2
	}
	if err := preflight(rc, stderr); err != nil {
		fmt.Fprintf(stderr, "reusebench run: %v\n", err)
		return exitCode(err)
	}
	pl, err := resolve(rc, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "reusebench run: %v\n", err)
		return exitCode(err)
	}
	if pl.Embedded != nil {
		defer pl.Embedded.Close()
	}
	res, err := experiment.Run(ctx, pl, progressLines(stderr))
	if err != nil {
		fmt.Fprintf(stderr, "reusebench run: %v\n", err)
		return exitCode(err)
	}
	if err := output(rc, res, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "reusebench run: %v\n", err)
		return 1
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "interrupted: the results above hold what was measured until then")
		return 130
	}
	return 0
}

// output prints res on stdout in the chosen format and writes the report
// folder when -o was given.
func output(rc *runConfig, res *results.Results, stdout, stderr io.Writer) error {
	if err := report.Print(stdout, res, rc.format); err != nil {
		return err
	}
	if rc.outDir == "" {
		return nil
	}
	paths, err := report.WriteFolder(rc.outDir, res, rc.plots)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d files to %s/: %v\n", len(paths), rc.outDir, report.Names(paths))
	return nil
}

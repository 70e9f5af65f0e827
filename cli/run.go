package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
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
	showQuery   bool
	rounds      int
	seed        string
	baseline    string
	segment     string
	startAt     string
	rendezvous  string
	runID       string
	wide        bool
	quiet       bool
	urls        []string

	// workers and rates are -c and -r, one value or a sweep of the load;
	// concurrency and rate are their largest values.
	workers, rates loadList
	sweep          string
	knobSweep      loadgen.Sweep // --sweep parsed
	runLimits
}

// newRunFlags defines the run subcommand's flags into rc.
func newRunFlags(rc *runConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	rc.workers = loadList{raw: "8", whole: true}
	fs.Var(&rc.workers, "c", "workers (closed model), or the cap on requests in flight (open model); `N,N,...` sweeps the load")
	fs.DurationVar(&rc.duration, "d", 5*time.Second, "measured duration per profile (ignored with -n)")
	fs.Int64Var(&rc.requests, "n", 0, "measured requests per profile (instead of -d)")
	fs.DurationVar(&rc.warmup, "warmup", 0, "sent before each profile's measured window and not recorded")
	fs.Var(&rc.rates, "r", "open model: requests a second for the whole fleet, per profile (0: closed model); `R,R,...` sweeps the load")
	fs.StringVar(&rc.sweep, "sweep", "", "run each profile at each value of a knob, `KEY=V1,V2,...` (counts also A..B: powers of two), e.g. max-idle-per-host=1..64, and recommend one")
	fs.IntVar(&rc.maxWorkers, "max-workers", 0, "open model: let the fleet grow up to this many workers when all are busy")
	fs.IntVar(&rc.rounds, "rounds", 0, "split each profile's -d or -n into `N` rounds, interleaved across profiles, for intervals and verdicts (default: "+fmt.Sprint(defaultRounds)+" with several profiles, 1 with one)")
	fs.StringVar(&rc.seed, "seed", "", "shuffle each round's profile order from this `SEED` (a whole number) instead of the balanced rotation")
	fs.StringVar(&rc.segment, "segment", "", "this generator is segment `I/N` (from 0) of a run split across N generators: it sends its share (see README: Running on many machines)")
	fs.StringVar(&rc.startAt, "start-at", "", "start the measured window at `TIME` (RFC 3339, e.g. 2026-12-01T12:00:00Z) on every generator; pools and warm-up come before")
	fs.StringVar(&rc.rendezvous, "rendezvous", "", "meet the run's other generators at `HOST:PORT`: segment 0 listens, the others connect, and segment 0 announces the start")
	fs.StringVar(&rc.runID, "run-id", "", "the id of a segmented run in every segment's results (default: from --start-at, or chosen by the rendezvous)")
	fs.StringVar(&rc.baseline, "baseline", "", "compare the other profiles with the profile `NAME` (default: the first)")
	fs.Var(&rc.profileSpec, "p", "profile `[name=]strategy[,key=value...]`, repeatable; strategies: shared, per-worker, fresh; keys: "+loadgen.KnobNames())
	fs.StringVar(&rc.method, "m", "", "request `METHOD` (default GET)")
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
	fs.BoolVar(&rc.showQuery, "show-query", false, "show the targets' query values in results, tables and plots (by default each is key=REDACTED)")
	fs.BoolVar(&rc.jsonOut, "json", false, "print the results JSON on stdout instead of the tables (same as --format json)")
	fs.StringVar(&rc.outDir, "o", "", "write results.json and the report into `DIR`")
	fs.BoolVar(&rc.plots, "plots", true, "with -o, draw the PNG plots and .hgrm files beside results.json (--plots=false: results.json only)")
	fs.StringVar(&rc.format, "format", "table", "what to print on stdout: table, markdown, json or csv")
	fs.BoolVar(&rc.wide, "wide", false, "print every column of the tables (default: the columns that fit 100, or the terminal's width)")
	fs.BoolVar(&rc.quiet, "quiet", false, "print no progress on stderr")
	rc.runLimits.define(fs)
	return fs
}

// runUsage is the text of `reusebench run -h` before its flags.
const runUsage = `usage: reusebench run [flags] [URL...]

Runs each profile against URL (without one, against an embedded loopback target) in
interleaved rounds and prints comparative tables on stdout. Progress goes to stderr: a
live view on a terminal, a plain line every few seconds otherwise. Flags may come
before or after the URLs; '--' ends them.
`

// runExamples ends `reusebench run -h`.
const runExamples = `  # the four default profiles against a target started with 'reusebench serve'
  reusebench run http://127.0.0.1:8080/
  # Go's default idle pool of 2 against one sized to 32 workers, flags after the URL
  reusebench run http://127.0.0.1:8080/ -c 32 -p go-default=shared,max-idle-per-host=2 -p shared
  # the open model at 500 requests a second, the report folder with its plots
  reusebench run -r 500 -c 64 -d 10s -o report http://127.0.0.1:8080/
`

// parseRun parses the run subcommand's arguments; for -h it writes the help
// to helpOut and returns flag.ErrHelp.
func parseRun(args []string, helpOut io.Writer) (*runConfig, error) {
	rc := &runConfig{}
	fs := newRunFlags(rc)
	if err := parseArgs(fs, args); errors.Is(err, flag.ErrHelp) {
		help(helpOut, fs, runUsage, runExamples)
		return nil, err
	} else if err != nil {
		return nil, err
	}
	rc.urls = fs.Args()
	if err := rc.checkLoads(); err != nil {
		return nil, err
	}
	if err := rc.parseSweep(); err != nil {
		return nil, err
	}
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
	if err := rc.checkValues(); err != nil {
		return nil, err
	}
	if !report.ValidFormat(rc.format) {
		return nil, usagef("--format %q: want %s", rc.format, report.FormatNames)
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

// runCmd is `reusebench run`: it returns the process's exit status. With
// -o, the folder is checked before the first request, results.json is
// saved as each round and profile completes, and the final results.json is
// written before anything reaches stdout, so neither an interrupt nor a
// closed stdout loses the run.
func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	rc, err := parseRun(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return flagError(stderr, "run", err)
	}
	if err := preflight(rc, stderr); err != nil {
		fmt.Fprintf(stderr, "reusebench run: %v\n", err)
		return exitCode(err)
	}
	pl, err := resolve(rc, stderr)
	if pl != nil && pl.Embedded != nil {
		defer pl.Embedded.Close()
	}
	if err == nil && rc.outDir != "" {
		err = prepareOutDir(rc.outDir)
		pl.Checkpoint = checkpointer(filepath.Join(rc.outDir, "results.json"), stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "reusebench run: %v\n", err)
		return exitCode(err)
	}
	if pl.Embedded != nil {
		fmt.Fprintf(stderr, "embedded target at %s (TLS; HTTP/1.1 and HTTP/2 by ALPN; it counts what it accepts and serves)\n", pl.Embedded.URL())
	}
	defer tuneGC()()
	var events func(experiment.Event)
	view := newProgress(stderr, rc.quiet)
	if view != nil {
		events = view.Event
	}
	res, err := experiment.Run(ctx, pl, events)
	if view != nil {
		view.Close(ctx.Err() != nil)
	}
	if err != nil {
		fmt.Fprintf(stderr, "reusebench run: %v\n", err)
		if ctx.Err() != nil {
			return interruptCode(ctx)
		}
		return exitCode(err)
	}
	code := output(rc, res, stdout, stderr)
	if code == 0 && ctx.Err() != nil {
		fmt.Fprintln(stderr, "interrupted: the results above hold what was measured until then")
		return interruptCode(ctx)
	}
	return code
}

// checkpointer returns the plan's Checkpoint for -o: it saves each
// checkpoint to path atomically, and says once on stderr when it cannot.
func checkpointer(path string, stderr io.Writer) func(*results.Results) {
	warned := false
	return func(res *results.Results) {
		if err := results.WriteFile(path, res); err != nil && !warned {
			warned = true
			fmt.Fprintf(stderr, "reusebench run: saving %s as the run goes: %v\n", path, err)
		}
	}
}

// output writes the final results.json (with -o) first, then prints res on
// stdout in the chosen format, then draws the plots: a stdout closed early
// (| head) still leaves every file written, and exits 141 as a SIGPIPE
// would; a results.json that cannot be written still leaves the tables
// printed. It returns the exit status.
func output(rc *runConfig, res *results.Results, stdout, stderr io.Writer) int {
	code := 0
	var paths []string
	if rc.outDir != "" {
		path := filepath.Join(rc.outDir, "results.json")
		if err := results.WriteFile(path, res); err != nil {
			fmt.Fprintf(stderr, "reusebench run: %v (the tables still follow)\n", err)
			code = 1
		} else {
			paths = append(paths, path)
		}
	}
	printCode := stdoutCode(report.PrintLayout(stdout, res, rc.format, tableLayout(stdout, rc.wide)), "run", stderr)
	if rc.outDir != "" {
		var err error
		if rc.plots {
			var plotted []string
			plotted, err = report.WritePlots(rc.outDir, res)
			paths = append(paths, plotted...)
		}
		fmt.Fprintf(stderr, "wrote %d files to %s/: %v\n", len(paths), rc.outDir, report.Names(paths))
		if err != nil {
			fmt.Fprintf(stderr, "reusebench run: %v\n", err)
			code = 1
		}
	}
	if printCode != 0 {
		return printCode
	}
	return code
}

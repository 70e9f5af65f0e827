package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
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
	urls        []string
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
	fs.Var(&rc.profileSpec, "p", "profile `[name=]strategy[,key=value...]`, repeatable; strategies: shared, per-worker, fresh; keys: "+profileKeys)
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
	switch rc.format {
	case "table", "markdown", "json", "csv":
	default:
		return nil, usagef("--format %q: want table, markdown, json or csv", rc.format)
	}
	for _, u := range rc.urls {
		if strings.HasPrefix(u, "-") {
			return nil, usagef("flag %s after the URL: flags go before the URL", u)
		}
	}
	return rc, nil
}

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
	res, err := execute(ctx, rc, stderr)
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

// plan is a run resolved: what to send, where, through which profiles.
type plan struct {
	targets  []loadgen.Target
	tls      *tls.Config
	cookies  []*http.Cookie
	proxy    func(*http.Request) (*url.URL, error)
	profiles []profile
	embedded *server.Server
}

// execute resolves the run, runs every profile in order and returns the results.
func execute(ctx context.Context, rc *runConfig, stderr io.Writer) (*results.Results, error) {
	pl, err := resolve(rc, stderr)
	if err != nil {
		return nil, err
	}
	if pl.embedded != nil {
		defer pl.embedded.Close()
	}
	res := &results.Results{
		Version: results.Version, Started: time.Now().UTC(), Target: targetNames(pl.targets),
		Settings: results.Settings{Concurrency: rc.concurrency, WarmupS: rc.warmup.Seconds(),
			Rate: rc.rate, MaxWorkers: rc.maxWorkers},
	}
	if rc.requests > 0 {
		res.Settings.Requests = rc.requests
	} else {
		res.Settings.DurationS = rc.duration.Seconds()
	}
	for i := range pl.profiles {
		if ctx.Err() != nil {
			break
		}
		p, err := runProfile(ctx, rc, pl, &pl.profiles[i], i, stderr)
		if err != nil {
			return nil, err
		}
		res.Profiles = append(res.Profiles, p)
	}
	if len(res.Profiles) == 0 {
		return nil, fmt.Errorf("interrupted before the first profile finished")
	}
	return res, nil
}

// targetNames names the run's targets for results files: the distinct URLs,
// without credentials, at most three and a count of the rest.
func targetNames(ts []loadgen.Target) string {
	var names []string
	for _, t := range ts {
		if n := t.URL.Redacted(); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:3], " "), len(names)-3)
	}
	return strings.Join(names, " ")
}

// resolve builds the plan: targets, TLS settings, profiles, and the embedded
// target when no URL was given.
func resolve(rc *runConfig, stderr io.Writer) (*plan, error) {
	pl := &plan{tls: &tls.Config{InsecureSkipVerify: rc.insecure}}
	urls := rc.urls
	if len(urls) == 0 && rc.targetsFile == "" {
		srv, err := server.Start(server.Config{TLS: true, HTTP2: true})
		if err != nil {
			return nil, fmt.Errorf("embedded target: %w", err)
		}
		pl.embedded = srv
		pl.tls.RootCAs = srv.CertPool()
		urls = []string{srv.URL() + "/"}
		fmt.Fprintf(stderr, "embedded target at %s (TLS; HTTP/1.1 and HTTP/2 by ALPN; it counts what it accepts and serves)\n", srv.URL())
	}
	if err := rc.clientTLS(pl.tls); err != nil {
		return nil, err
	}
	header, err := rc.requestHeader()
	if err != nil {
		return nil, err
	}
	body, err := readBody(rc.body)
	if err != nil {
		return nil, err
	}
	for _, raw := range urls {
		u, err := loadgen.ParseURL(raw)
		if err != nil {
			return nil, usagef("%v", err)
		}
		pl.targets = append(pl.targets, loadgen.Target{Method: rc.method, URL: u, Header: header.Clone(), Body: body})
	}
	if rc.targetsFile != "" {
		f, err := os.Open(rc.targetsFile)
		if err != nil {
			return nil, usagef("--targets: %v", err)
		}
		pl.targets, err = loadgen.ParseTargets(f, filepath.Dir(rc.targetsFile), header)
		f.Close()
		if err != nil {
			return nil, usagef("--targets %s: %v", rc.targetsFile, err)
		}
	}
	if pl.cookies, err = parseCookies(rc.cookies); err != nil {
		return nil, err
	}
	if rc.proxy != "" {
		u, err := url.Parse(rc.proxy)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usagef("--proxy %q: want an http:// proxy URL", rc.proxy)
		}
		pl.proxy = http.ProxyURL(u)
	}
	d := profileDefaults{workers: max(rc.concurrency, rc.maxWorkers), timeout: rc.timeout, hasTimeout: true}
	if len(rc.profileSpec) == 0 {
		if pl.profiles, err = defaultProfiles(pl.targets[0].URL, d); err != nil {
			return nil, err
		}
	}
	for _, spec := range rc.profileSpec {
		p, err := parseProfile(spec, d)
		if err != nil {
			return nil, usagef("-p %v", err)
		}
		pl.profiles = append(pl.profiles, p)
	}
	if err := checkNames(pl.profiles); err != nil {
		return nil, usagef("%v", err)
	}
	return pl, nil
}

// clientTLS applies --cacert and --cert/--key to cfg.
func (rc *runConfig) clientTLS(cfg *tls.Config) error {
	if rc.cacert != "" {
		pem, err := os.ReadFile(rc.cacert)
		if err != nil {
			return usagef("--cacert: %v", err)
		}
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return usagef("--cacert %s: no PEM certificate in it", rc.cacert)
		}
		cfg.RootCAs = roots
	}
	if rc.certFile != "" {
		cert, err := tls.LoadX509KeyPair(rc.certFile, rc.keyFile)
		if err != nil {
			return usagef("--cert/--key: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return nil
}

// requestHeader builds the headers every request carries: -H, --bearer, --basic.
func (rc *runConfig) requestHeader() (http.Header, error) {
	h, err := parseHeaders(rc.headers)
	if err != nil {
		return nil, err
	}
	if (rc.bearer != "" || rc.basic != "") && h.Get("Authorization") != "" {
		return nil, usagef("-H Authorization and --bearer/--basic both set an Authorization header; choose one")
	}
	if rc.bearer != "" {
		h.Set("Authorization", "Bearer "+rc.bearer)
	}
	if rc.basic != "" {
		user, pass, ok := strings.Cut(rc.basic, ":")
		if !ok || user == "" {
			return nil, usagef("--basic: want user:pass")
		}
		r := http.Request{Header: http.Header{}}
		r.SetBasicAuth(user, pass)
		h.Set("Authorization", r.Header.Get("Authorization"))
	}
	return h, nil
}

// parseCookies parses --cookie 'name=value' flags.
func parseCookies(list []string) ([]*http.Cookie, error) {
	var out []*http.Cookie
	for _, kv := range list {
		cs, err := http.ParseCookie(kv)
		if err != nil || len(cs) != 1 {
			return nil, usagef("--cookie %q: want name=value", kv)
		}
		out = append(out, cs[0])
	}
	return out, nil
}

func parseHeaders(list []string) (http.Header, error) {
	h := http.Header{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, usagef("-H %q: want 'Key: Value'", kv)
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, nil
}

func readBody(spec string) ([]byte, error) {
	if spec == "" {
		return nil, nil
	}
	if name, ok := strings.CutPrefix(spec, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, usagef("--body: %v", err)
		}
		return b, nil
	}
	return []byte(spec), nil
}

package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/server"
)

// resolve builds the plan: targets, TLS settings, profiles, and the embedded
// target when no URL was given.
func resolve(rc *runConfig, stderr io.Writer) (*experiment.Plan, error) {
	pl := &experiment.Plan{TLS: &tls.Config{InsecureSkipVerify: rc.insecure}, Load: experiment.Load{
		Workers: rc.concurrency, MaxWorkers: rc.maxWorkers, Requests: rc.requests,
		Duration: rc.duration, Warmup: rc.warmup, Rate: rc.rate,
	}}
	rc.runLimits.apply(&pl.Load)
	urls := rc.urls
	if len(urls) == 0 && rc.targetsFile == "" {
		srv, err := server.Start(server.Config{TLS: true, HTTP2: true})
		if err != nil {
			return nil, fmt.Errorf("embedded target: %w", err)
		}
		pl.Embedded = srv
		pl.TLS.RootCAs = srv.CertPool()
		urls = []string{srv.URL() + "/"}
	}
	if err := rc.clientTLS(pl.TLS); err != nil {
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
		pl.Targets = append(pl.Targets, loadgen.Target{Method: rc.requestMethod(), URL: u, Header: header.Clone(), Body: body})
	}
	if rc.targetsFile != "" {
		f, err := os.Open(rc.targetsFile)
		if err != nil {
			return nil, usagef("--targets: %v", err)
		}
		pl.Targets, err = loadgen.ParseTargets(f, filepath.Dir(rc.targetsFile), header)
		f.Close()
		if err != nil {
			return nil, usagef("--targets %s: %v", rc.targetsFile, err)
		}
	}
	if pl.Cookies, err = parseCookies(rc.cookies); err != nil {
		return nil, err
	}
	if rc.proxy != "" {
		u, err := parseProxy(rc.proxy)
		if err != nil {
			return nil, err
		}
		pl.Proxy = http.ProxyURL(u)
	}
	if err := rc.planProfiles(pl, stderr); err != nil {
		return nil, err
	}
	if err := loadgen.CheckNames(pl.Profiles); err != nil {
		return nil, usagef("%v", err)
	}
	if err := loadgen.CheckTargets(pl.Profiles, pl.Targets); err != nil {
		return nil, usagef("-p %v", err)
	}
	pl.ShowQuery = rc.showQuery
	if err := rc.planRounds(pl); err != nil {
		return nil, err
	}
	if err := rc.planSegment(pl); err != nil {
		return nil, err
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

// planRounds sets the plan's rounds, order seed and baseline.
func (rc *runConfig) planRounds(pl *experiment.Plan) error {
	pl.Rounds = rc.rounds
	if pl.Rounds == 0 {
		pl.Rounds = 1
		if len(pl.Profiles) > 1 {
			pl.Rounds = defaultRounds
			if rc.requests > 0 {
				pl.Rounds = int(min(int64(defaultRounds), rc.requests))
			}
		}
	}
	if rc.seed != "" {
		seed, _ := strconv.ParseUint(rc.seed, 10, 64) // checked by parseRun
		pl.Seed = &seed
	}
	if rc.baseline != "" {
		found := false
		var names []string
		for _, p := range pl.Profiles {
			names = append(names, p.Name)
			found = found || p.Name == rc.baseline
		}
		if !found {
			return usagef("--baseline %q: not a profile of this run (profiles: %s)", rc.baseline, strings.Join(names, ", "))
		}
		pl.Baseline = rc.baseline
	}
	return nil
}

// planSegment sets the plan's segment, its share of the load and how it
// starts with the other generators.
func (rc *runConfig) planSegment(pl *experiment.Plan) error {
	if rc.segment == "" {
		if rc.startAt != "" || rc.rendezvous != "" || rc.runID != "" {
			return usagef("--start-at, --rendezvous and --run-id go with --segment I/N")
		}
		return nil
	}
	seg, err := loadgen.ParseSegment(rc.segment)
	if err != nil {
		return usagef("--%v", err)
	}
	l := &pl.Load
	switch {
	case rc.startAt != "" && rc.rendezvous != "":
		return usagef("--start-at and --rendezvous both set the start; choose one")
	case seg.Count > 1 && rc.startAt == "" && rc.rendezvous == "":
		return usagef("--segment %s: the generators must start together: give --start-at TIME or --rendezvous HOST:PORT", seg)
	case seg.Count > l.Workers:
		return usagef("--segment %s with -c %d: every segment needs a worker; use -c %d or more", seg, l.Workers, seg.Count)
	case l.Requests > 0 && seg.Requests(l.Requests) < int64(max(pl.Rounds, 1)):
		return usagef("--segment %s with -n %d: each segment needs a request per round (%d rounds); raise -n", seg, l.Requests, max(pl.Rounds, 1))
	}
	for i := range pl.Loads {
		if pl.Loads[i].Workers < seg.Count {
			return usagef("--segment %s with -c %d: every segment needs a worker; use -c %d or more", seg, pl.Loads[i].Workers, seg.Count)
		}
	}
	pl.Segment = seg
	share := func(l *experiment.Load) {
		l.Workers, l.MaxWorkers, l.Requests = seg.Workers(l.Workers), seg.Workers(l.MaxWorkers), seg.Requests(l.Requests)
	}
	share(l)
	for i := range pl.Loads {
		share(&pl.Loads[i])
	}
	switch {
	case rc.startAt != "":
		at, err := time.Parse(time.RFC3339Nano, rc.startAt)
		if err != nil {
			return usagef("--start-at %q: want an RFC 3339 time such as 2026-12-01T12:00:00Z", rc.startAt)
		}
		if time.Until(at) < 0 {
			return usagef("--start-at %s is in the past", rc.startAt)
		}
		pl.Start = experiment.StartAt(at, seg, rc.runID)
	case rc.rendezvous != "":
		if _, _, err := net.SplitHostPort(rc.rendezvous); err != nil {
			return usagef("--rendezvous %q: want HOST:PORT", rc.rendezvous)
		}
		start := experiment.Rendezvous(rc.rendezvous, seg)
		if rc.runID != "" {
			id := rc.runID
			pl.Start = func(ctx context.Context) (time.Time, string, error) {
				at, _, err := start(ctx)
				return at, id, err
			}
		} else {
			pl.Start = start
		}
	default: // 0/1: a run of one segment starts at once
		pl.Start = experiment.StartAt(time.Now(), seg, rc.runID)
	}
	return nil
}

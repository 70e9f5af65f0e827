package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
		fmt.Fprintf(stderr, "embedded target at %s (TLS; HTTP/1.1 and HTTP/2 by ALPN; it counts what it accepts and serves)\n", srv.URL())
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
		pl.Targets = append(pl.Targets, loadgen.Target{Method: rc.method, URL: u, Header: header.Clone(), Body: body})
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
		u, err := url.Parse(rc.proxy)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usagef("--proxy %q: want an http:// proxy URL", rc.proxy)
		}
		pl.Proxy = http.ProxyURL(u)
	}
	d := loadgen.Defaults{Workers: max(rc.concurrency, rc.maxWorkers), Timeout: rc.timeout, HasTimeout: true}
	if len(rc.profileSpec) == 0 {
		if pl.Profiles, err = loadgen.DefaultProfiles(pl.Targets[0].URL, d); err != nil {
			return nil, err
		}
	}
	for _, spec := range rc.profileSpec {
		p, err := loadgen.ParseProfile(spec, d)
		if err != nil {
			return nil, usagef("-p %v", err)
		}
		pl.Profiles = append(pl.Profiles, p)
	}
	if err := loadgen.CheckNames(pl.Profiles); err != nil {
		return nil, usagef("%v", err)
	}
	if err := rc.planRounds(pl); err != nil {
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

package main

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/pool"
)

// profile is a named strategy with its pool knobs and retry policy, resolved.
type profile struct {
	Name    string
	Pool    pool.Options
	Retry   loadgen.Retry
	retryOn string
	backoff string
}

// profileKeys lists the keys a profile spec takes, for help and errors.
const profileKeys = "max-idle, max-idle-per-host, max-conns-per-host, idle-timeout, keepalive, http2, h2c, " +
	"tls-resume, dial-timeout, tls-timeout, header-timeout, timeout, retries, retry-on, backoff, local-addr"

// profileDefaults are the run-wide values a profile starts from.
type profileDefaults struct {
	workers int
	// timeout, when hasTimeout, replaces the default whole-request timeout
	// (0: none).
	timeout    time.Duration
	hasTimeout bool
}

// parseProfile parses "[name=]strategy[,key=value...]".
func parseProfile(spec string, d profileDefaults) (profile, error) {
	fields := strings.Split(spec, ",")
	name, strat, named := strings.Cut(fields[0], "=")
	if !named {
		strat = name
	}
	st, err := pool.ParseStrategy(strings.TrimSpace(strat))
	if err != nil {
		return profile{}, fmt.Errorf("profile %q: %w", spec, err)
	}
	p := profile{Name: strings.TrimSpace(name), Pool: pool.DefaultOptions(st, d.workers)}
	if p.Name == "" {
		return profile{}, fmt.Errorf("profile %q: empty name", spec)
	}
	if d.hasTimeout {
		p.Pool.Timeout = d.timeout
	}
	p.backoff = "100ms:2s"
	lastKey := ""
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok && lastKey == "retry-on" {
			// retry-on=502,503,reset: its list goes on until the next key=value.
			p.retryOn += "," + strings.TrimSpace(f)
			continue
		}
		if !ok {
			return profile{}, fmt.Errorf("profile %q: %q is not key=value (keys: %s)", spec, f, profileKeys)
		}
		lastKey = strings.TrimSpace(k)
		if err := p.set(strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
			return profile{}, fmt.Errorf("profile %q: %w", spec, err)
		}
	}
	if p.Retry.Max > 0 {
		if p.retryOn == "" {
			p.retryOn = loadgen.DefaultRetryOn
		}
		if p.Retry.Statuses, p.Retry.Classes, err = loadgen.ParseRetryOn(p.retryOn); err != nil {
			return profile{}, fmt.Errorf("profile %q: %w", spec, err)
		}
		if p.Retry.Base, p.Retry.Cap, err = loadgen.ParseBackoff(p.backoff); err != nil {
			return profile{}, fmt.Errorf("profile %q: %w", spec, err)
		}
	}
	return p, nil
}

func (p *profile) set(k, v string) error {
	o := &p.Pool
	var err error
	switch k {
	case "max-idle":
		o.MaxIdle, err = parseCount(k, v)
	case "max-idle-per-host":
		o.MaxIdlePerHost, err = parseCount(k, v)
	case "max-conns-per-host":
		o.MaxConnsPerHost, err = parseCount(k, v)
	case "retries":
		p.Retry.Max, err = parseCount(k, v)
	case "idle-timeout":
		o.IdleTimeout, err = parseDur(k, v)
	case "dial-timeout":
		o.DialTimeout, err = parseDur(k, v)
	case "tls-timeout":
		o.TLSTimeout, err = parseDur(k, v)
	case "header-timeout":
		o.HeaderTimeout, err = parseDur(k, v)
	case "timeout":
		o.Timeout, err = parseDur(k, v)
	case "keepalive":
		o.KeepAlive, err = parseBool(k, v)
	case "http2":
		o.HTTP2, err = parseBool(k, v)
	case "h2c":
		o.H2C, err = parseBool(k, v)
	case "tls-resume":
		o.TLSResume, err = parseBool(k, v)
	case "retry-on":
		p.retryOn = strings.ReplaceAll(v, "+", ",")
	case "backoff":
		p.backoff = v
	case "local-addr":
		if net.ParseIP(v) == nil {
			return fmt.Errorf("local-addr=%s: want an IP address of this machine, e.g. 127.0.0.2", v)
		}
		o.LocalAddr = v
	default:
		return fmt.Errorf("unknown key %q (keys: %s)", k, profileKeys)
	}
	return err
}

func parseCount(k, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%s: want a whole number ≥ 0", k, v)
	}
	return n, nil
}

func parseDur(k, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%s: want a duration such as 500ms or 30s (0 for none)", k, v)
	}
	return d, nil
}

func parseBool(k, v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%s: want true or false", k, v)
	}
	return b, nil
}

// options returns the profile's knobs as resolved, for results files.
func (p *profile) options() map[string]string {
	o := p.Pool
	m := map[string]string{
		"max-idle":           strconv.Itoa(o.MaxIdle),
		"max-idle-per-host":  strconv.Itoa(o.MaxIdlePerHost),
		"max-conns-per-host": strconv.Itoa(o.MaxConnsPerHost),
		"idle-timeout":       o.IdleTimeout.String(),
		"keepalive":          strconv.FormatBool(o.KeepAlive),
		"http2":              strconv.FormatBool(o.HTTP2),
		"h2c":                strconv.FormatBool(o.H2C),
		"tls-resume":         strconv.FormatBool(o.TLSResume),
		"dial-timeout":       o.DialTimeout.String(),
		"tls-timeout":        o.TLSTimeout.String(),
		"header-timeout":     o.HeaderTimeout.String(),
		"timeout":            o.Timeout.String(),
		"retries":            strconv.Itoa(p.Retry.Max),
	}
	if p.Retry.Max > 0 {
		m["retry-on"] = p.retryOn
		m["backoff"] = p.backoff
	}
	if o.LocalAddr != "" {
		m["local-addr"] = o.LocalAddr
	}
	return m
}

// defaultProfiles are the profiles of a run without -p. h2 needs TLS, so a
// plain-HTTP target gets the first three.
func defaultProfiles(target *url.URL, d profileDefaults) ([]profile, error) {
	specs := []string{
		"shared",
		"go-default=shared,max-idle=100,max-idle-per-host=2,idle-timeout=90s",
		"fresh",
	}
	if target.Scheme == "https" {
		specs = append(specs, "h2=shared,http2=true")
	}
	out := make([]profile, 0, len(specs))
	for _, s := range specs {
		p, err := parseProfile(s, d)
		if err != nil {
			return nil, fmt.Errorf("default profile: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// checkNames rejects two profiles with one name: results are keyed by name.
func checkNames(ps []profile) error {
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name] {
			return fmt.Errorf("profile name %q is used twice; name them, e.g. -p a=shared -p b=shared,max-idle-per-host=2", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

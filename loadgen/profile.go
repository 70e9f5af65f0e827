package loadgen

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reusebench/reusebench/pool"
)

// Profile is a named strategy with its pool knobs and retry policy, resolved:
// what a `-p` spec means.
type Profile struct {
	Name  string
	Pool  pool.Options
	Retry Retry
	// RetryOn and Backoff are the retry-on and backoff keys as given, or
	// their defaults; Retry holds them parsed.
	RetryOn, Backoff string
	// Swept, for a profile a --sweep made, is where it sits in the sweep.
	Swept *Swept
}

// Defaults are the run-wide values a profile starts from.
type Defaults struct {
	// Workers sizes the idle pool (pool.DefaultOptions).
	Workers int
	// Timeout, when HasTimeout, replaces the default whole-request timeout
	// (0: none).
	Timeout    time.Duration
	HasTimeout bool
}

// DefaultBackoff is the backoff a profile with retries uses unless it sets one.
const DefaultBackoff = "100ms:2s"

// Knob is one key of a profile spec: its name, the http.Transport or
// http.Client field it maps to, its default, and how it is read from a spec
// and written to a results file. The table of knobs is the one place a knob
// is defined; the parser, results.json's options and the README's table
// all come from it.
type Knob struct {
	Name string
	// Field names the net/http field (or mechanism) the knob sets.
	Field string
	// Default describes the value a profile has without the key.
	Default string
	set     func(p *Profile, v string) error
	get     func(p *Profile) string // "" leaves the key out of options
	// kind says whether the knob's values are numbers (a sweep's order and
	// axis, ranges); zero is the number a value of 0 stands for (+Inf
	// where 0 means no limit).
	kind knobKind
	zero float64
}

// knobKind is what a knob's values are.
type knobKind int

const (
	textKind  knobKind = iota // lists, addresses: no order but the order given
	countKind                 // whole numbers ≥ 0
	durKind                   // durations
	boolKind                  // true or false
)

// noLimitAtZero marks a knob whose 0 means no limit (or no timeout).
func (k Knob) noLimitAtZero() Knob { return k.zeroIs(math.Inf(1)) }

// zeroIs sets the number a value of 0 stands for.
func (k Knob) zeroIs(v float64) Knob { k.zero = v; return k }

// LookupKnob returns the knob named name.
func LookupKnob(name string) (Knob, bool) {
	for _, k := range Knobs() {
		if k.Name == name {
			return k, true
		}
	}
	return Knob{}, false
}

// Number returns v, a value of the knob, as a number for ordering a sweep's
// values and placing them on an axis: a count as itself, a duration in
// seconds, and 0 as what it stands for (+Inf where it means no limit). ok is
// false for knobs whose values are not numbers (true/false, lists,
// addresses) and for a v the knob rejects.
func (k Knob) Number(v string) (n float64, ok bool) {
	switch k.kind {
	case countKind:
		c, err := parseCount(k.Name, v)
		if err != nil {
			return 0, false
		}
		n = float64(c)
	case durKind:
		d, err := parseDur(k.Name, v)
		if err != nil {
			return 0, false
		}
		n = d.Seconds()
	default:
		return 0, false
	}
	if n == 0 {
		return k.zero, true
	}
	return n, true
}

// Knobs returns the table of profile keys, in the order help and the README
// list them.
func Knobs() []Knob {
	return []Knob{
		countKnob("max-idle", "`MaxIdleConns`", "max(100, workers)", func(o *pool.Options) *int { return &o.MaxIdle }).noLimitAtZero(),
		idlePerHostKnob().zeroIs(2), // 0 is refused, but Go reads it as its default, 2
		countKnob("max-conns-per-host", "`MaxConnsPerHost`", "0 (no limit)", func(o *pool.Options) *int { return &o.MaxConnsPerHost }).noLimitAtZero(),
		durKnob("idle-timeout", "`IdleConnTimeout`", "90s", func(o *pool.Options) *time.Duration { return &o.IdleTimeout }).noLimitAtZero(),
		boolKnob("keepalive", "`!DisableKeepAlives`", "true", func(o *pool.Options) *bool { return &o.KeepAlive }),
		boolKnob("http2", "`Protocols.SetHTTP2` (ALPN over TLS)", "false: profiles speak HTTP/1.1", func(o *pool.Options) *bool { return &o.HTTP2 }),
		boolKnob("h2c", "`Protocols.SetUnencryptedHTTP2`, HTTP/1 off", "false", func(o *pool.Options) *bool { return &o.H2C }),
		boolKnob("tls-resume", "`TLSClientConfig.ClientSessionCache` shared by every connection of the profile", "false (as Go's default)", func(o *pool.Options) *bool { return &o.TLSResume }),
		durKnob("dial-timeout", "`net.Dialer.Timeout`", "10s", func(o *pool.Options) *time.Duration { return &o.DialTimeout }).noLimitAtZero(),
		durKnob("tls-timeout", "`TLSHandshakeTimeout`", "10s", func(o *pool.Options) *time.Duration { return &o.TLSTimeout }).noLimitAtZero(),
		durKnob("header-timeout", "`ResponseHeaderTimeout`", "0 (none)", func(o *pool.Options) *time.Duration { return &o.HeaderTimeout }).noLimitAtZero(),
		durKnob("timeout", "`http.Client.Timeout`", "`--timeout`", func(o *pool.Options) *time.Duration { return &o.Timeout }).noLimitAtZero(),
		{Name: "retries", Field: "retry loop around `Client.Do`", Default: "0", kind: countKind,
			set: func(p *Profile, v string) (err error) { p.Retry.Max, err = parseCount("retries", v); return err },
			get: func(p *Profile) string { return strconv.Itoa(p.Retry.Max) }},
		{Name: "retry-on", Field: "what a retry is for: statuses and reset, timeout, eof, refused, stale (reset and eof include stale)", Default: "`" + DefaultRetryOn + "`",
			set: func(p *Profile, v string) error { p.RetryOn = strings.ReplaceAll(v, "+", ","); return nil },
			get: func(p *Profile) string { return retryKey(p, p.RetryOn) }},
		{Name: "backoff", Field: "`BASE[:MAX]` exponential backoff with full jitter, or a longer `Retry-After` (one beyond MAX ends the request)", Default: "`" + DefaultBackoff + "`",
			set: func(p *Profile, v string) error { p.Backoff = v; return nil },
			get: func(p *Profile) string { return retryKey(p, p.Backoff) }},
		{Name: "retry-unsafe", Field: "retry methods that are not idempotent (POST, PATCH) without an `Idempotency-Key` header", Default: "false",
			set: func(p *Profile, v string) (err error) { p.Retry.Unsafe, err = parseBool("retry-unsafe", v); return err },
			get: func(p *Profile) string {
				if p.Retry.Max == 0 {
					return ""
				}
				return strconv.FormatBool(p.Retry.Unsafe)
			}},
		{Name: "local-addr", Field: "`net.Dialer.LocalAddr`", Default: "system's choice",
			set: func(p *Profile, v string) error {
				if net.ParseIP(v) == nil {
					return fmt.Errorf("local-addr=%s: want an IP address of this machine, e.g. 127.0.0.2", shown(v))
				}
				p.Pool.LocalAddr = v
				return nil
			},
			get: func(p *Profile) string { return p.Pool.LocalAddr }},
	}
}

// retryKey shows a retry key in options only when the profile retries.
func retryKey(p *Profile, v string) string {
	if p.Retry.Max == 0 {
		return ""
	}
	return v
}

func countKnob(name, field, def string, f func(*pool.Options) *int) Knob {
	return Knob{Name: name, Field: field, Default: def, kind: countKind,
		set: func(p *Profile, v string) (err error) { *f(&p.Pool), err = parseCount(name, v); return err },
		get: func(p *Profile) string { return strconv.Itoa(*f(&p.Pool)) }}
}

// idlePerHostKnob is max-idle-per-host: at least 1, since Go's transport
// reads 0 as its default of 2, which a results file would record as 0.
func idlePerHostKnob() Knob {
	k := countKnob("max-idle-per-host", "`MaxIdleConnsPerHost`", "workers (Go's own default is 2: profile `go-default`)", func(o *pool.Options) *int { return &o.MaxIdlePerHost })
	count := k.set
	k.set = func(p *Profile, v string) error {
		if err := count(p, v); err != nil {
			return err
		}
		if p.Pool.MaxIdlePerHost == 0 {
			return fmt.Errorf("max-idle-per-host=0: Go's transport reads 0 as its default, 2; want 1 or more (keepalive=false keeps no idle connection)")
		}
		return nil
	}
	return k
}

func durKnob(name, field, def string, f func(*pool.Options) *time.Duration) Knob {
	return Knob{Name: name, Field: field, Default: def, kind: durKind,
		set: func(p *Profile, v string) (err error) { *f(&p.Pool), err = parseDur(name, v); return err },
		get: func(p *Profile) string { return f(&p.Pool).String() }}
}

func boolKnob(name, field, def string, f func(*pool.Options) *bool) Knob {
	return Knob{Name: name, Field: field, Default: def, kind: boolKind,
		set: func(p *Profile, v string) (err error) { *f(&p.Pool), err = parseBool(name, v); return err },
		get: func(p *Profile) string { return strconv.FormatBool(*f(&p.Pool)) }}
}

// KnobNames lists the keys a profile spec takes, for help and errors.
func KnobNames() string {
	var names []string
	for _, k := range Knobs() {
		names = append(names, k.Name)
	}
	return strings.Join(names, ", ")
}

// KnobsMarkdown renders the knob table as the README shows it.
func KnobsMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | `http.Transport` / `http.Client` field | default |\n| --- | --- | --- |\n")
	for _, k := range Knobs() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k.Name, k.Field, k.Default)
	}
	return b.String()
}

// ParseProfile parses "[name=]strategy[,key=value...]". A retry-on list
// goes on until the next key=value: "retry-on=502,503,reset".
func ParseProfile(spec string, d Defaults) (Profile, error) {
	fields := strings.Split(spec, ",")
	name, strat, named := strings.Cut(fields[0], "=")
	if !named {
		strat = name
	}
	st, err := pool.ParseStrategy(strings.TrimSpace(strat))
	if err != nil {
		return Profile{}, fmt.Errorf("profile %q: %w", spec, err)
	}
	p := Profile{Name: strings.TrimSpace(name), Pool: pool.DefaultOptions(st, d.Workers), Backoff: DefaultBackoff}
	if p.Name == "" {
		return Profile{}, fmt.Errorf("profile %q: empty name", spec)
	}
	if d.HasTimeout {
		p.Pool.Timeout = d.Timeout
	}
	knobs := Knobs()
	lastKey := ""
	retryKeys := ""
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok && lastKey == "retry-on" {
			p.RetryOn += "," + strings.TrimSpace(f)
			continue
		}
		if !ok {
			return Profile{}, fmt.Errorf("profile %q: %q is not key=value (keys: %s)", spec, f, KnobNames())
		}
		lastKey = strings.TrimSpace(k)
		if err := set(knobs, &p, lastKey, strings.TrimSpace(v)); err != nil {
			return Profile{}, fmt.Errorf("profile %q: %w", spec, err)
		}
		if (lastKey == "retry-on" || lastKey == "backoff") && !strings.Contains(retryKeys, lastKey) {
			retryKeys = strings.TrimPrefix(retryKeys+" and "+lastKey, " and ")
		}
	}
	if p.Retry.Max == 0 && retryKeys != "" {
		return Profile{}, fmt.Errorf("profile %q: %s: used only with retries=N (N ≥ 1); add retries=3, say", spec, retryKeys)
	}
	if p.Retry.Max > 0 {
		if p.RetryOn == "" {
			p.RetryOn = DefaultRetryOn
		}
		if p.Retry.Statuses, p.Retry.Classes, err = ParseRetryOn(p.RetryOn); err != nil {
			return Profile{}, fmt.Errorf("profile %q: %w", spec, err)
		}
		if p.Retry.Base, p.Retry.Cap, err = ParseBackoff(p.Backoff); err != nil {
			return Profile{}, fmt.Errorf("profile %q: %w", spec, err)
		}
	}
	return p, nil
}

// set applies key k = v to p.
func set(knobs []Knob, p *Profile, k, v string) error {
	for _, kn := range knobs {
		if kn.Name == k {
			return kn.set(p, v)
		}
	}
	return fmt.Errorf("unknown key %q (keys: %s)", k, KnobNames())
}

// Options returns the profile's knobs as resolved, for results files: every
// knob's value, defaults included, but retry keys only when it retries and
// local-addr only when set.
func (p *Profile) Options() map[string]string {
	m := map[string]string{}
	for _, k := range Knobs() {
		if v := k.get(p); v != "" {
			m[k.Name] = v
		}
	}
	return m
}

// shown is a value as an error quotes it: as it is when printable, else
// Go-quoted, so an error stays one line.
func shown(v string) string {
	if printable(v) {
		return v
	}
	return strconv.Quote(v)
}

func parseCount(k, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%s: want a whole number ≥ 0", k, shown(v))
	}
	return n, nil
}

func parseDur(k, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%s: want a duration such as 500ms or 30s (0 for none)", k, shown(v))
	}
	return d, nil
}

func parseBool(k, v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%s: want true or false", k, shown(v))
	}
	return b, nil
}

// DefaultSpecs are the specs of the profiles of a run without -p. h2 needs
// TLS, so a plain-HTTP target gets the first three.
func DefaultSpecs(target *url.URL) []string {
	specs := []string{
		"shared",
		"go-default=shared,max-idle=100,max-idle-per-host=2,idle-timeout=90s",
		"fresh",
	}
	if target.Scheme == "https" {
		specs = append(specs, "h2=shared,http2=true")
	}
	return specs
}

// CheckTargets rejects a profile the targets cannot honour: h2c (HTTP/2
// with prior knowledge over plain TCP) toward an https:// target, where Go
// would negotiate HTTP/2 over TLS instead while the options said h2c.
func CheckTargets(ps []Profile, ts []Target) error {
	for _, p := range ps {
		if !p.Pool.H2C {
			continue
		}
		for _, t := range ts {
			if t.URL != nil && t.URL.Scheme == "https" {
				return fmt.Errorf("profile %s: h2c=true is HTTP/2 over plain http://, but a target is https://; for HTTP/2 over TLS use http2=true", p.Name)
			}
		}
	}
	return nil
}

// CheckNames rejects two profiles with one name: results are keyed by name.
func CheckNames(ps []Profile) error {
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name] {
			return fmt.Errorf("profile name %q is used twice; name them, e.g. -p a=shared -p b=shared,max-idle-per-host=2", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

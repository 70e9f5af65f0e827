package experiment_test

import (
	"context"
	"maps"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reusebench/reusebench/experiment"
	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// faultCase is one fault mode of the target, driven by one profile, and
// what the profile must report.
type faultCase struct {
	name    string
	target  server.Config
	profile string // a -p spec; its name is "p"
	load    experiment.Load
	method  string // default GET
	path    string // default /
	cancel  time.Duration
	// errors are the exact error classes of the final outcomes.
	errors map[string]int64
	// check, if set, checks more.
	check func(t *testing.T, p *results.Profile, c server.Counts)
}

// runFault runs c through the whole engine against the embedded target on
// an in-memory network, inside the caller's synctest bubble.
func runFault(t *testing.T, c faultCase) (*results.Profile, server.Counts) {
	t.Helper()
	srv, pl := servertest.Pipe(t, c.target)
	method, path := c.method, c.path
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = "/"
	}
	u, _ := url.Parse(srv.URL() + path)
	prof, err := loadgen.ParseProfile("p="+c.profile, loadgen.Defaults{Workers: c.load.Workers})
	if err != nil {
		t.Fatal(err)
	}
	plan := &experiment.Plan{
		Targets:  []loadgen.Target{{Method: method, URL: u}},
		Profiles: []loadgen.Profile{prof},
		Load:     c.load,
		Embedded: srv,
		Dial:     pl.DialContext,
	}
	ctx := context.Background()
	if c.cancel > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		time.AfterFunc(c.cancel, cancel)
		defer cancel()
	}
	res, err := experiment.Run(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &res.Profiles[0], srv.LabelCounts("p")
}

// checkAccounting checks what holds for every fault: the target read every
// request the client put on the wire and accepted every connection the pool
// opened; every request read ended one way on the target; every request
// issued is a success, an error or abandoned, and every open-model arrival
// due was sent or counted as not sent.
func checkAccounting(t *testing.T, c faultCase, p *results.Profile, sc server.Counts) {
	t.Helper()
	if p.Attempts == nil || sc.Read != p.Attempts.Sent {
		t.Errorf("the target read %d requests, the client reports %+v", sc.Read, p.Attempts)
	}
	if sc.Accepted != p.Connections.Opened {
		t.Errorf("the target accepted %d connections, the pool opened %d", sc.Accepted, p.Connections.Opened)
	}
	if ended := sc.Requests + sc.Aborted + sc.Dropped + sc.Reset + sc.Stale; sc.Read != ended {
		t.Errorf("the target read %d requests, %d ended: %v", sc.Read, ended, sc)
	}
	if c.cancel == 0 && len(p.Checks) > 0 {
		t.Errorf("cross-checks failed: %q", p.Checks)
	}
	var byClass int64
	for _, n := range p.Errors.ByClass {
		byClass += n
	}
	if byClass != p.Errors.Total {
		t.Errorf("errors total %d, by class %v", p.Errors.Total, p.Errors.ByClass)
	}
	if c.errors != nil && !maps.Equal(p.Errors.ByClass, c.errors) {
		t.Errorf("errors %v, want %v (examples %q)", p.Errors.ByClass, c.errors, p.Errors.Examples)
	}
	for class := range p.Errors.ByClass {
		if len(p.Errors.Examples[class]) == 0 {
			t.Errorf("no example message for %s", class)
		}
	}
	issued := p.Requests + p.Abandoned
	switch {
	case p.Rate != nil:
		arrivals := int64(c.load.Rate * c.load.Duration.Seconds())
		if c.cancel == 0 && issued+p.Rate.NotSent != arrivals {
			t.Errorf("%d requests, %d abandoned, %d not sent: want the %d arrivals due", p.Requests, p.Abandoned, p.Rate.NotSent, arrivals)
		}
	case c.load.Requests > 0 && c.cancel == 0 && !stoppedEarly(p):
		if issued != c.load.Requests {
			t.Errorf("%d requests and %d abandoned, want the %d issued", p.Requests, p.Abandoned, c.load.Requests)
		}
	}
}

func stoppedEarly(p *results.Profile) bool {
	for _, n := range p.Notes {
		if strings.HasPrefix(n, "stopped early") {
			return true
		}
	}
	return false
}

func TestFaultsAccounted(t *testing.T) {
	closed := func(workers int, n int64) experiment.Load { return experiment.Load{Workers: workers, Requests: n} }
	open := func(rate float64, d time.Duration) experiment.Load {
		return experiment.Load{Workers: 1, Rate: rate, Duration: d}
	}
	cases := []faultCase{
		{name: "no fault", profile: "shared", load: closed(4, 200), errors: map[string]int64{}},
		{name: "idle-close, a request every 2 s", target: server.Config{Faults: server.Faults{IdleClose: time.Second}},
			profile: "shared", load: open(0.5, 10*time.Second), errors: map[string]int64{},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				// Go sees each FIN and redials: a connection a request, nothing
				// stale; the pool closes the last one.
				if p.Connections.Opened != 5 || p.Attempts.TransportRetries != 0 || c.ClosedBy[server.ReasonIdleClose] != 4 {
					t.Errorf("opened %d, transport retries %d, closed idle %d; want 5, 0, 4", p.Connections.Opened, p.Attempts.TransportRetries, c.ClosedBy[server.ReasonIdleClose])
				}
			}},
		{name: "close-after 3", target: server.Config{Faults: server.Faults{CloseAfter: 3}},
			profile: "shared", load: closed(1, 30), errors: map[string]int64{},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				if p.Connections.Opened != 10 || p.Attempts.Sent != 30 || c.ClosedBy[server.ReasonCloseAfter] != 10 {
					t.Errorf("opened %d, sent %d; want 10 connections for 30 requests", p.Connections.Opened, p.Attempts.Sent)
				}
			}},
		{name: "close-after 3 quiet", target: server.Config{Faults: server.Faults{CloseAfter: 3, CloseQuiet: true}},
			profile: "shared", load: closed(2, 60), errors: map[string]int64{},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				// A GET that crosses the FIN reaches the target (stale) or,
				// when Go saw the FIN as it wrote, not even the wire; either
				// way Go retries it silently.
				a := p.Attempts
				if a.Sent != 60+c.Stale || a.Retried["stale"] != a.TransportRetries || c.Stale > a.TransportRetries {
					t.Errorf("attempts %+v, target stale %d: every stale request read is one silent retry", a, c.Stale)
				}
			}},
		{name: "drop-after 2", target: server.Config{Faults: server.Faults{DropAfter: 2}},
			profile: "shared", load: closed(1, 20), errors: map[string]int64{},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				a := p.Attempts
				if a.Sent != 39 || a.TransportRetries != 19 || a.Retried["stale"] != 19 || c.Dropped != 19 || p.Connections.Reused != 19 {
					t.Errorf("attempts %+v, reused %d, target dropped %d; want 39 sent, 19 silent retries after 19 reuses", a, p.Connections.Reused, c.Dropped)
				}
			}},
		{name: "drop-after 1", target: server.Config{Faults: server.Faults{DropAfter: 1}},
			profile: "shared", load: closed(1, 10), errors: map[string]int64{"eof": 10}},
		{name: "forget-idle, a request every 2 s", target: server.Config{Faults: server.Faults{ForgetIdle: time.Second}},
			profile: "shared", load: open(0.5, 10*time.Second), errors: map[string]int64{},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				if a := p.Attempts; a.Sent != 9 || a.TransportRetries != 4 || c.Stale != 4 {
					t.Errorf("attempts %+v, target stale %d; want 9 sent, 4 silent retries", a, c.Stale)
				}
			}},
		{name: "forget-idle, POST", target: server.Config{Faults: server.Faults{ForgetIdle: time.Second}},
			// At 2 s and 6 s a POST reuses a forgotten connection and fails;
			// at 4 s and 8 s a new one serves it.
			profile: "shared", method: "POST", load: open(0.5, 10*time.Second), errors: map[string]int64{"stale": 2}},
		{name: "forget-idle, POST with retries=1", target: server.Config{Faults: server.Faults{ForgetIdle: time.Second}},
			profile: "shared,retries=1,retry-on=stale,retry-unsafe=true,backoff=1ms", method: "POST", load: open(0.5, 10*time.Second),
			errors: map[string]int64{}, check: func(t *testing.T, p *results.Profile, c server.Counts) {
				if a := p.Attempts; a.Sent != 9 || a.Retries != 4 || a.Retried["stale"] != 4 || a.TransportRetries != 0 {
					t.Errorf("attempts %+v; want 4 profile retries of stale POSTs", a)
				}
			}},
		{name: "forget-idle silent", target: server.Config{Faults: server.Faults{ForgetIdle: time.Second, ForgetSilent: true}},
			profile: "shared,header-timeout=500ms", load: open(0.5, 10*time.Second), errors: map[string]int64{"header_timeout": 2}},
		{name: "reset mid-body", target: server.Config{BodySize: 1000, Faults: server.Faults{Reset: 0.5}},
			profile: "shared", load: closed(2, 40), errors: map[string]int64{"reset": 20}},
		{name: "slow headers", target: server.Config{Faults: server.Faults{SlowHeaders: 2 * time.Second}},
			profile: "shared,header-timeout=1s", load: closed(2, 10), errors: map[string]int64{"header_timeout": 10}},
		{name: "trickle", target: server.Config{BodySize: 1000, Faults: server.Faults{Trickle: 500}},
			profile: "shared,timeout=1s", load: closed(2, 10), errors: map[string]int64{"timeout": 10}},
		{name: "429 with Retry-After, retried", target: server.Config{FailRate: 1, FailStatus: 429, Faults: server.Faults{RetryAfter: 1}},
			profile: "shared,retries=2,retry-on=429", load: closed(2, 10), errors: map[string]int64{"http_4xx": 10},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				if a := p.Attempts; a.Sent != 30 || a.Retries != 20 || a.Retried["http_4xx"] != 20 || p.Latency.P50 < 2000 {
					t.Errorf("attempts %+v, p50 %.0f ms; want 30 sent, 20 retries 1 s apart", a, p.Latency.P50)
				}
			}},
		{name: "failures in bursts", target: server.Config{FailRate: 0.25, Faults: server.Faults{FailBurst: 5}},
			profile: "shared", load: closed(1, 40), errors: map[string]int64{"http_5xx": 10}},
		{name: "redirects followed", profile: "shared", path: "/redirect/2", load: closed(2, 10), errors: map[string]int64{},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				if a := p.Attempts; a.Sent != 30 || a.Redirects != 20 || p.Status["200"] != 10 {
					t.Errorf("attempts %+v, statuses %v; want 30 sent, 20 redirects, 10 200s", a, p.Status)
				}
			}},
		{name: "redirects not followed", profile: "shared", path: "/redirect/2", load: experiment.Load{Workers: 2, Requests: 10, NoRedirects: true},
			errors: map[string]int64{}, check: func(t *testing.T, p *results.Profile, c server.Counts) {
				if a := p.Attempts; a.Sent != 10 || a.Redirects != 0 || p.Status["302"] != 10 {
					t.Errorf("attempts %+v, statuses %v; want 10 sent, 10 302s", a, p.Status)
				}
			}},
		{name: "Ctrl-C during a stall", target: server.Config{Stall: server.Stall{Every: time.Hour, For: 30 * time.Minute}},
			profile: "shared", load: closed(4, 100), cancel: time.Second, errors: map[string]int64{},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				if p.Abandoned != 4 || p.Requests != 0 || c.Aborted != 4 {
					t.Errorf("%d abandoned, %d requests, target aborted %d; want the 4 in flight abandoned", p.Abandoned, p.Requests, c.Aborted)
				}
			}},
		{name: "max-errors", target: server.Config{FailRate: 1}, profile: "shared",
			load: experiment.Load{Workers: 1, Requests: 100, MaxErrors: 5}, errors: map[string]int64{"http_5xx": 5},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				if !stoppedEarly(p) || p.Requests != 5 {
					t.Errorf("%d requests, notes %q; want a stop after 5 errors", p.Requests, p.Notes)
				}
			}},
		{name: "open model's hard end", target: server.Config{Latency: 300 * time.Millisecond},
			profile: "shared", load: open(10, time.Second), errors: map[string]int64{},
			check: func(t *testing.T, p *results.Profile, c server.Counts) {
				if p.Rate.NotSent != 6 || p.Requests != 4 {
					t.Errorf("%d requests, %d not sent; want 4 and 6", p.Requests, p.Rate.NotSent)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, sc := runFault(t, c)
				checkAccounting(t, c, p, sc)
				if c.check != nil {
					c.check(t, p, sc)
				}
			})
		})
	}
}

package loadgen_test

import (
	"maps"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/reusebench/reusebench/loadgen"
	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/trace"
)

func TestParseProfile(t *testing.T) {
	d := loadgen.Defaults{Workers: 8, Timeout: 5 * time.Second, HasTimeout: true}
	tests := []struct {
		spec    string
		check   func(p loadgen.Profile) string // "" when fine
		wantErr string
	}{
		{spec: "shared", check: func(p loadgen.Profile) string {
			if p.Name != "shared" || p.Pool.Strategy != pool.Shared || p.Pool.MaxIdlePerHost != 8 || p.Pool.Timeout != 5*time.Second || !p.Pool.KeepAlive {
				return "defaults not applied"
			}
			return ""
		}},
		{spec: "pool2=shared,max-idle-per-host=2,max-idle=10,max-conns-per-host=4,idle-timeout=1s,keepalive=false", check: func(p loadgen.Profile) string {
			o := p.Pool
			if p.Name != "pool2" || o.MaxIdlePerHost != 2 || o.MaxIdle != 10 || o.MaxConnsPerHost != 4 || o.IdleTimeout != time.Second || o.KeepAlive {
				return "knobs not set"
			}
			return ""
		}},
		{spec: "r=fresh,retries=2,retry-on=502,503,reset,backoff=10ms:1s,timeout=2s", check: func(p loadgen.Profile) string {
			r := p.Retry
			if r.Max != 2 || !r.Statuses[502] || !r.Statuses[503] || r.Statuses[504] || !r.Classes[trace.ErrReset] ||
				r.Base != 10*time.Millisecond || r.Cap != time.Second || p.Pool.Timeout != 2*time.Second {
				return "retry policy not parsed: " + p.RetryOn
			}
			return ""
		}},
		{spec: "r=shared,retries=1", check: func(p loadgen.Profile) string {
			if !p.Retry.Statuses[503] || !p.Retry.Classes[trace.ErrTimeout] {
				return "default retry-on not applied"
			}
			return ""
		}},
		{spec: "h=shared,http2=true,h2c=true,tls-resume=true,local-addr=127.0.0.2", check: func(p loadgen.Profile) string {
			if !p.Pool.HTTP2 || !p.Pool.H2C || !p.Pool.TLSResume || p.Pool.LocalAddr != "127.0.0.2" {
				return "bools not set"
			}
			return ""
		}},
		{spec: "pooled", wantErr: "valid: shared, per-worker, fresh"},
		{spec: "=shared", wantErr: "empty name"},
		{spec: "shared,max-idle=-1", wantErr: "whole number"},
		{spec: "shared,idle-timeout=soon", wantErr: "duration"},
		{spec: "shared,http2=yes please", wantErr: "true or false"},
		{spec: "shared,retries=1,retry-on=502,teapot", wantErr: "retry-on"},
		{spec: "shared,retries=1,backoff=1s:1ms", wantErr: "backoff"},
		{spec: "shared,nope=1", wantErr: "unknown key"},
		{spec: "shared,junk", wantErr: "not key=value"},
		{spec: "shared,local-addr=nope", wantErr: "local-addr=nope: want an IP address"},
		{spec: "shared,retry-on=503", wantErr: "retry-on: used only with retries=N"},
		{spec: "shared,backoff=1s", wantErr: "backoff: used only with retries=N"},
		{spec: "shared,retries=0,retry-on=503,backoff=1s", wantErr: "retry-on and backoff: used only with retries=N"},
		{spec: "shared,max-idle-per-host=0", wantErr: "want 1 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			p, err := loadgen.ParseProfile(tt.spec, d)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(p); msg != "" {
				t.Errorf("%s: %+v", msg, p)
			}
		})
	}
}

func TestCheckTargets(t *testing.T) {
	p, err := loadgen.ParseProfile("h=shared,h2c=true", loadgen.Defaults{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := url.Parse("http://127.0.0.1:1/")
	tls, _ := url.Parse("https://127.0.0.1:1/")
	if err := loadgen.CheckTargets([]loadgen.Profile{p}, []loadgen.Target{{URL: plain}}); err != nil {
		t.Errorf("h2c to http://: %v", err)
	}
	err = loadgen.CheckTargets([]loadgen.Profile{p}, []loadgen.Target{{URL: plain}, {URL: tls}})
	if err == nil || !strings.Contains(err.Error(), "http2=true") {
		t.Errorf("h2c to https://: error %v, want one naming http2=true", err)
	}
}

func TestDefaultProfiles(t *testing.T) {
	d := loadgen.Defaults{Workers: 8}
	for _, tt := range []struct {
		url  string
		want string
	}{
		{"https://127.0.0.1/", "shared go-default fresh h2"},
		{"http://127.0.0.1/", "shared go-default fresh"},
	} {
		u, _ := url.Parse(tt.url)
		var ps []loadgen.Profile
		for _, spec := range loadgen.DefaultSpecs(u) {
			p, err := loadgen.ParseProfile(spec, d)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		var names []string
		for _, p := range ps {
			names = append(names, p.Name)
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("%s: profiles %q, want %q", tt.url, got, tt.want)
		}
		if ps[1].Pool.MaxIdlePerHost != 2 {
			t.Errorf("go-default keeps %d idle per host, want Go's default 2", ps[1].Pool.MaxIdlePerHost)
		}
	}
	if err := loadgen.CheckNames([]loadgen.Profile{{Name: "a"}, {Name: "a"}}); err == nil {
		t.Error("two profiles named a accepted")
	}
}

func TestProfileOptions(t *testing.T) {
	// Options lists every knob with its resolved value; retry keys appear
	// only on a profile that retries, local-addr only when set.
	d := loadgen.Defaults{Workers: 8}
	tests := []struct {
		spec string
		want map[string]string
	}{
		{"shared", map[string]string{
			"max-idle": "100", "max-idle-per-host": "8", "max-conns-per-host": "0", "idle-timeout": "1m30s",
			"keepalive": "true", "http2": "false", "h2c": "false", "tls-resume": "false",
			"dial-timeout": "10s", "tls-timeout": "10s", "header-timeout": "0s", "timeout": "30s", "retries": "0",
		}},
		{"r=fresh,retries=2,local-addr=127.0.0.2,max-idle-per-host=3", map[string]string{
			"max-idle": "100", "max-idle-per-host": "3", "max-conns-per-host": "0", "idle-timeout": "1m30s",
			"keepalive": "true", "http2": "false", "h2c": "false", "tls-resume": "false",
			"dial-timeout": "10s", "tls-timeout": "10s", "header-timeout": "0s", "timeout": "30s", "retries": "2",
			"retry-on": loadgen.DefaultRetryOn, "backoff": loadgen.DefaultBackoff, "retry-unsafe": "false", "local-addr": "127.0.0.2",
		}},
	}
	for _, tt := range tests {
		p, err := loadgen.ParseProfile(tt.spec, d)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Options(); !maps.Equal(got, tt.want) {
			t.Errorf("%s: options\n%v\nwant\n%v", tt.spec, got, tt.want)
		}
	}
}

func TestEveryKnobRoundTrips(t *testing.T) {
	// A spec built from a profile's own options parses back to the same
	// options: each knob's parse and print agree.
	for _, spec := range []string{"shared", "x=per-worker,retries=3,retry-on=502+reset,backoff=10ms:1s,local-addr=::1,http2=true,idle-timeout=500ms"} {
		p, err := loadgen.ParseProfile(spec, loadgen.Defaults{Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		again := "again=" + string(p.Pool.Strategy)
		for _, k := range loadgen.Knobs() {
			if v, ok := p.Options()[k.Name]; ok {
				again += "," + k.Name + "=" + strings.ReplaceAll(v, ",", "+")
			}
		}
		q, err := loadgen.ParseProfile(again, loadgen.Defaults{Workers: 4})
		if err != nil {
			t.Fatalf("%s: %v", again, err)
		}
		if !maps.Equal(p.Options(), q.Options()) {
			t.Errorf("%s → %s: options differ:\n%v\n%v", spec, again, p.Options(), q.Options())
		}
	}
}

func TestREADMEKnobTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := loadgen.KnobsMarkdown(); !strings.Contains(string(readme), want) {
		t.Errorf("README.md's profile table differs from the knob table; paste this:\n%s", want)
	}
}

func TestRetryUnsafeKnob(t *testing.T) {
	d := loadgen.Defaults{Workers: 1}
	p, err := loadgen.ParseProfile("r=shared,retries=1,retry-on=503+stale,retry-unsafe=true", d)
	if err != nil || !p.Retry.Unsafe || !p.Retry.Classes[trace.ErrStale] || !p.Retry.Statuses[503] {
		t.Errorf("retry-unsafe=true: %+v, %v", p.Retry, err)
	}
	if _, err := loadgen.ParseProfile("r=shared,retry-unsafe=maybe", d); err == nil || !strings.Contains(err.Error(), "retry-unsafe=maybe: want true or false") {
		t.Errorf("retry-unsafe=maybe: %v", err)
	}
}

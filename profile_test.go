package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/reusebench/reusebench/pool"
	"github.com/reusebench/reusebench/trace"
)

func TestParseProfile(t *testing.T) {
	d := profileDefaults{workers: 8, timeout: 5 * time.Second, hasTimeout: true}
	tests := []struct {
		spec    string
		check   func(p profile) string // "" when fine
		wantErr string
	}{
		{spec: "shared", check: func(p profile) string {
			if p.Name != "shared" || p.Pool.Strategy != pool.Shared || p.Pool.MaxIdlePerHost != 8 || p.Pool.Timeout != 5*time.Second || !p.Pool.KeepAlive {
				return "defaults not applied"
			}
			return ""
		}},
		{spec: "pool2=shared,max-idle-per-host=2,max-idle=10,max-conns-per-host=4,idle-timeout=1s,keepalive=false", check: func(p profile) string {
			o := p.Pool
			if p.Name != "pool2" || o.MaxIdlePerHost != 2 || o.MaxIdle != 10 || o.MaxConnsPerHost != 4 || o.IdleTimeout != time.Second || o.KeepAlive {
				return "knobs not set"
			}
			return ""
		}},
		{spec: "r=fresh,retries=2,retry-on=502,503,reset,backoff=10ms:1s,timeout=2s", check: func(p profile) string {
			r := p.Retry
			if r.Max != 2 || !r.Statuses[502] || !r.Statuses[503] || r.Statuses[504] || !r.Classes[trace.ErrReset] ||
				r.Base != 10*time.Millisecond || r.Cap != time.Second || p.Pool.Timeout != 2*time.Second {
				return "retry policy not parsed: " + p.retryOn
			}
			return ""
		}},
		{spec: "r=shared,retries=1", check: func(p profile) string {
			if !p.Retry.Statuses[503] || !p.Retry.Classes[trace.ErrTimeout] {
				return "default retry-on not applied"
			}
			return ""
		}},
		{spec: "h=shared,http2=true,h2c=true,tls-resume=true,local-addr=127.0.0.2", check: func(p profile) string {
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
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			p, err := parseProfile(tt.spec, d)
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

func TestDefaultProfiles(t *testing.T) {
	d := profileDefaults{workers: 8}
	for _, tt := range []struct {
		url  string
		want string
	}{
		{"https://127.0.0.1/", "shared go-default fresh h2"},
		{"http://127.0.0.1/", "shared go-default fresh"},
	} {
		u, _ := url.Parse(tt.url)
		ps, err := defaultProfiles(u, d)
		if err != nil {
			t.Fatal(err)
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
	if err := checkNames([]profile{{Name: "a"}, {Name: "a"}}); err == nil {
		t.Error("two profiles named a accepted")
	}
}

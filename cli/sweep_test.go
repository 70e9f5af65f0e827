package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// TestSweepPlan: --sweep and a -c list expand each -p into one profile per
// value and load, named NAME/KEY=V@c=N, profile by profile, load by load,
// value by value (smallest first); every profile's default pool is sized to
// its own load, and the plan says which load each runs at.
func TestSweepPlan(t *testing.T) {
	rc, err := parseRun([]string{"-c", "4,64", "--sweep", "max-idle=8,1..2", "-p", "a=shared", "-p", "per-worker",
		"http://127.0.0.1:1/"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := resolve(rc, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, p := range pl.Profiles {
		names = append(names, p.Name)
		l := pl.LoadOf(i)
		if p.Pool.MaxIdlePerHost != l.Workers {
			t.Errorf("%s: max idle per host %d, want its load's %d workers", p.Name, p.Pool.MaxIdlePerHost, l.Workers)
		}
	}
	var want []string
	for _, p := range []string{"a", "per-worker"} {
		for _, c := range []string{"4", "64"} {
			for _, v := range []string{"1", "2", "8"} {
				want = append(want, p+"/max-idle="+v+"@c="+c)
			}
		}
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("profiles\n%q\nwant\n%q", names, want)
	}
	if len(pl.Loads) != 12 || pl.Loads[3].Workers != 64 || pl.Load.Workers != 64 || pl.Rounds != defaultRounds {
		t.Errorf("%d loads, the 4th at %d workers, plan at %d, %d rounds; want 12, 64, 64, %d", len(pl.Loads), pl.Loads[3].Workers, pl.Load.Workers, pl.Rounds, defaultRounds)
	}
	wantSweep := &results.Sweep{Key: "max-idle", Values: []string{"1", "2", "8"}, Load: "concurrency", Loads: []float64{4, 64}}
	if !reflect.DeepEqual(pl.Sweep, wantSweep) {
		t.Errorf("sweep %+v, want %+v", pl.Sweep, wantSweep)
	}

	// A rate sweep names the rates; a knob sweep alone sweeps shared, with
	// no per-profile loads.
	rc, err = parseRun([]string{"-r", "100,250.5", "-c", "4", "-p", "fresh", "http://127.0.0.1:1/"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if pl, err = resolve(rc, io.Discard); err != nil {
		t.Fatal(err)
	}
	if len(pl.Profiles) != 2 || pl.Profiles[1].Name != "fresh@r=250.5" || pl.Loads[1].Rate != 250.5 || pl.Loads[1].Workers != 4 ||
		pl.Sweep.Load != "rate" || pl.Sweep.Key != "" {
		t.Errorf("rate sweep: %q, loads %+v, sweep %+v", pl.Profiles[1].Name, pl.Loads, pl.Sweep)
	}
	rc, err = parseRun([]string{"--sweep", "http2=true,false", "https://127.0.0.1:1/"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if pl, err = resolve(rc, io.Discard); err != nil {
		t.Fatal(err)
	}
	if len(pl.Profiles) != 2 || pl.Profiles[0].Name != "shared/http2=true" || pl.Loads != nil || pl.Sweep.Load != "" {
		t.Errorf("knob sweep alone: %d profiles, first %q, loads %v, sweep %+v", len(pl.Profiles), pl.Profiles[0].Name, pl.Loads, pl.Sweep)
	}
}

// TestSweepUsageErrors: a bad sweep is one line on stderr and exit 2, and
// the target sees no connection at all.
func TestSweepUsageErrors(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	tests := []struct {
		args []string
		says string
	}{
		{[]string{"--sweep", "max-idel=1,2"}, `--sweep unknown key "max-idel" (keys: max-idle, max-idle-per-host,`},
		{[]string{"--sweep", "max-idle-per-host=1,two"}, "--sweep max-idle-per-host=two: want a whole number ≥ 0"},
		{[]string{"--sweep", "http2=1..4"}, "--sweep http2=1..4: a range A..B is for counts"},
		{[]string{"--sweep", "max-idle-per-host"}, "want KEY=V1,V2,..."},
		// 2 profiles × 7 values × 5 loads.
		{[]string{"--sweep", "max-idle-per-host=1..64", "-c", "1,2,4,8,16", "-p", "shared", "-p", "per-worker"},
			"2 profiles × 7 values × 5 loads = 70 profiles, more than 64"},
		// The 3 default profiles of an http target × 22 loads.
		{[]string{"-c", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22"}, "3 profiles × 1 values × 22 loads = 66 profiles"},
		{[]string{"--sweep", "max-idle-per-host=1,2", "-p", "shared,max-idle-per-host=4"}, "sets max-idle-per-host itself"},
		{[]string{"-c", "4,x"}, `-c 4,x: "x" is not a whole number`},
		{[]string{"-r", "10,-5"}, `-r 10,-5: "-5" is not a rate`},
		{[]string{"-c", "4,0"}, "-c 4,0: need at least 1 worker"},
		{[]string{"-c", "4,4"}, "4 is given twice in a load sweep"},
		{[]string{"-c", "4,8", "-r", "10,20"}, "sweep one of them, not both"},
		{[]string{"-r", "0,10"}, "every rate of a sweep must be positive"},
		{[]string{"-c", "4,8", "--max-workers", "6", "-r", "10"}, "--max-workers 6: must be at least -c (8)"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{"run", "-n", "10"}, tt.args...), srv.URL())
			if code := dispatch(context.Background(), args, &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr.String())
			}
			msg := strings.TrimSpace(stderr.String())
			if strings.Contains(msg, "\n") || !strings.Contains(msg, tt.says) {
				t.Errorf("stderr %q: want one line holding %q", msg, tt.says)
			}
		})
	}
	if c := srv.Counts(); c.Accepted != 0 || c.Requests != 0 {
		t.Errorf("the target accepted %d connections and served %d requests; want none", c.Accepted, c.Requests)
	}
}

// TestResultsJSONSweep checks a sweep's fields of results.json by their
// JSON names: -c 1,2 --sweep max-idle-per-host=1,2 in 8 rounds of 10
// requests (plain HTTP/1.1), 4 profiles. Each records its load and its place
// in the sweep; the settings describe the sweep; there is one recommendation
// per load, with exactly the five fields the issue asks for and the profile.
func TestResultsJSONSweep(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	var stdout bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "--json", "-n", "80", "--rounds", "8", "-c", "1,2",
		"--sweep", "max-idle-per-host=2,1", srv.URL()}, &stdout, io.Discard)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var raw struct {
		Version  int `json:"version"`
		Settings struct {
			Concurrency int            `json:"concurrency"`
			Sweep       map[string]any `json:"sweep"`
		} `json:"settings"`
		Profiles []struct {
			Name  string         `json:"name"`
			Load  map[string]any `json:"load"`
			Sweep map[string]any `json:"sweep"`
		} `json:"profiles"`
		Recommendation []map[string]any `json:"recommendation"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatalf("results are not JSON: %v", err)
	}
	if raw.Version != 3 || results.Version != 3 {
		t.Errorf("version %d (build %d), want 3", raw.Version, results.Version)
	}
	wantSweep := map[string]any{"key": "max-idle-per-host", "values": []any{"1", "2"}, "load": "concurrency", "loads": []any{1.0, 2.0}}
	if !reflect.DeepEqual(raw.Settings.Sweep, wantSweep) || raw.Settings.Concurrency != 2 {
		t.Errorf("settings.sweep %v, concurrency %d; want %v and 2", raw.Settings.Sweep, raw.Settings.Concurrency, wantSweep)
	}
	if len(raw.Profiles) != 4 {
		t.Fatalf("%d profiles, want 4", len(raw.Profiles))
	}
	for i, p := range raw.Profiles {
		c, v := float64(1+i/2), float64(1+i%2) // c=1: values 1, 2; then c=2
		wantLoad := map[string]any{"concurrency": c, "rate": 0.0}
		wantPoint := map[string]any{"profile": "shared", "value": p.Sweep["value"], "number": v}
		if !reflect.DeepEqual(p.Load, wantLoad) || !reflect.DeepEqual(p.Sweep, wantPoint) || p.Sweep["value"] == nil {
			t.Errorf("%s: load %v sweep %v; want %v and %v", p.Name, p.Load, p.Sweep, wantLoad, wantPoint)
		}
	}
	if len(raw.Recommendation) != 2 {
		t.Fatalf("recommendation %v, want 2", raw.Recommendation)
	}
	for i, r := range raw.Recommendation {
		var keys []string
		for k := range r {
			keys = append(keys, k)
		}
		if len(r) != 6 || r["load"] != float64(i+1) || r["key"] != "max-idle-per-host" || r["profile"] != "shared" {
			t.Errorf("recommendation %d: %v, want load %d, key, profile and value, best, reason", i, r, i+1)
		}
		for _, k := range []string{"value", "best", "reason"} {
			if _, ok := r[k].(string); !ok {
				t.Errorf("recommendation %d: %s is %T, want a string", i, k, r[k])
			}
		}
	}
}

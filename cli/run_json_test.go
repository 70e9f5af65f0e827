package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/reusebench/reusebench/results"
	"github.com/reusebench/reusebench/server"
	"github.com/reusebench/reusebench/servertest"
)

// TestResultsJSONContract checks the fields every later report relies on.
func TestResultsJSONContract(t *testing.T) {
	srv := servertest.Start(t, server.Config{FailRate: 0.1, FailStatus: 503})
	var stdout bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "--json", "-n", "100", "-c", "2", "-p", "shared", srv.URL()}, &stdout, io.Discard)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var raw map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatalf("results are not JSON: %v", err)
	}
	for _, k := range []string{"version", "started", "target", "settings", "profiles"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("results lack %q", k)
		}
	}
	var res results.Results
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	p := res.Profiles[0]
	if p.Status["503"] != 10 || p.Status["200"] != 90 {
		t.Errorf("status %v, want 90×200 and 10×503 (the target fails exactly 10 %%)", p.Status)
	}
	if p.Errors.Total != 10 || p.Errors.ByClass["http_5xx"] != 10 {
		t.Errorf("errors %+v, want 10 http_5xx", p.Errors)
	}
	if p.Options["max-idle-per-host"] != "2" || p.Options["keepalive"] != "true" {
		t.Errorf("options as resolved: %v", p.Options)
	}
	h, err := p.Histogram("total")
	if err != nil || h == nil || h.TotalCount() != 100 {
		t.Fatalf("total histogram: %v, %v", h, err)
	}
	if res.Settings.Requests != 100 || res.Settings.Concurrency != 2 {
		t.Errorf("settings.requests")
	}
}

// TestResultsJSONRounds checks the rounds fields of results.json, by their
// JSON names: a run of two profiles in 8 rounds of 25 requests (-n 200), with
// --seed, records the seed, 8 rows of order, the baseline, 8 rounds per
// profile and, for the second only, vs_baseline with a verdict of exactly
// better, worse or same for each of throughput, p50 and p99.
func TestResultsJSONRounds(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	var stdout bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "--json", "-n", "200", "-c", "2", "--rounds", "8", "--seed", "7",
		"-p", "a=shared", "-p", "b=fresh", srv.URL()}, &stdout, io.Discard)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var raw struct {
		Version  int `json:"version"`
		Settings struct {
			Rounds   int        `json:"rounds"`
			Order    [][]string `json:"order"`
			Seed     *uint64    `json:"seed"`
			Baseline string     `json:"baseline"`
		} `json:"settings"`
		Profiles []struct {
			Name   string           `json:"name"`
			Rounds []map[string]any `json:"rounds"`
			Vs     map[string]any   `json:"vs_baseline"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatalf("results are not JSON: %v", err)
	}
	s := raw.Settings
	if raw.Version != results.Version || s.Rounds != 8 || len(s.Order) != 8 || s.Seed == nil || *s.Seed != 7 || s.Baseline != "a" {
		t.Errorf("version %d, settings %+v: want version %d, 8 rounds, 8 rows of order, seed 7, baseline a", raw.Version, s, results.Version)
	}
	for _, row := range s.Order {
		if len(row) != 2 || row[0] == row[1] {
			t.Errorf("order row %v: want a and b once each", row)
		}
	}
	for i, p := range raw.Profiles {
		if len(p.Rounds) != 8 {
			t.Fatalf("%s: %d rounds, want 8", p.Name, len(p.Rounds))
		}
		for _, k := range []string{"round", "started", "duration_s", "requests", "errors", "throughput", "latency_ms", "opened"} {
			if _, ok := p.Rounds[0][k]; !ok {
				t.Errorf("%s: round lacks %q: %v", p.Name, k, p.Rounds[0])
			}
		}
		if lat, _ := p.Rounds[0]["latency_ms"].(map[string]any); lat["p50"] == nil || lat["p99"] == nil {
			t.Errorf("%s: round latency_ms %v, want p50 and p99", p.Name, p.Rounds[0]["latency_ms"])
		}
		if (i == 0) != (p.Vs == nil) {
			t.Errorf("%s: vs_baseline %v, want it on b only", p.Name, p.Vs)
			continue
		}
		if i == 0 {
			continue
		}
		if p.Vs["baseline"] != "a" {
			t.Errorf("b: vs_baseline.baseline %v, want a", p.Vs["baseline"])
		}
		for _, fig := range []string{"throughput", "p50", "p99"} {
			r, _ := p.Vs[fig].(map[string]any)
			v, _ := r["verdict"].(string)
			if v != "better" && v != "worse" && v != "same" {
				t.Errorf("b: %s verdict %q, want better, worse or same", fig, v)
			}
			for _, k := range []string{"ratio", "lo", "hi"} {
				if _, ok := r[k].(float64); !ok {
					t.Errorf("b: %s.%s missing: %v", fig, k, r)
				}
			}
		}
	}
}

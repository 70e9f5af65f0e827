package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reusebench/reusebench/results"
)

// compareJitter is the fixed per-round noise of the compared runs, within
// ±4 %.
var compareJitter = []float64{1.00, 0.97, 1.02, 0.99, 1.03, 0.98, 1.01, 0.96, 1.04, 1.00}

// compareRun builds a run of one profile, "shared", of 10 rounds: per round
// k, 1000·speed·jitter[k] req/s over 1 s, p50 2 ms and p99 10 ms divided by
// speed·jitter[k], 2 connections opened and no errors; its total histogram
// holds 98 % of the requests at 2 ms and 2 % at 10 ms, divided by speed.
// Each speed is a run of its own start.
func compareRun(speed float64) *results.Results {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(speed * float64(time.Hour)))
	p := results.Profile{Name: "shared", Strategy: "shared", Started: t0, Ended: t0.Add(10 * time.Second), DurationS: 10}
	for k, j := range compareJitter {
		n := int64(math.Round(1000 * speed * j))
		p.Rounds = append(p.Rounds, results.Round{Round: k + 1, Started: t0.Add(time.Duration(k) * time.Second),
			DurationS: 1, Requests: n, Throughput: float64(n), Opened: 2,
			Latency: results.RoundLatency{P50: 2 / (speed * j), P99: 10 / (speed * j)}})
		p.Requests += n
		p.Connections.Opened += 2
	}
	h := results.NewHistogram()
	slow := p.Requests / 50
	h.RecordValues(int64(math.Round(2000/speed)), p.Requests-slow)
	h.RecordValues(int64(math.Round(10000/speed)), slow)
	if err := p.SetHistograms(map[string]*hdrhistogram.Histogram{"total": h}); err != nil {
		panic(err)
	}
	p.Throughput = float64(p.Requests) / p.DurationS
	return &results.Results{Version: results.Version, Started: t0, Target: "http://127.0.0.1:8080/",
		Settings: results.Settings{Concurrency: 8, DurationS: 10, Rounds: 10}, Profiles: []results.Profile{p}}
}

// writeRun writes res as DIR/results.json in a new folder and returns the
// folder.
func writeRun(t *testing.T, res *results.Results) string {
	t.Helper()
	dir := t.TempDir()
	if err := results.WriteFile(filepath.Join(dir, "results.json"), res); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCompareCLI(t *testing.T) {
	base := writeRun(t, compareRun(1))
	again := compareRun(1) // another run of the same figures
	again.Started = again.Started.Add(time.Minute)
	same := writeRun(t, again)
	slower := writeRun(t, compareRun(0.7)) // 30 % slower: throughput 0.70x, p99 1.43x
	baseFile := filepath.Join(base, "results.json")
	slowerFile := filepath.Join(slower, "results.json")
	notJSON := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notJSON, []byte("not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyDir := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring of stdout, "" for none expected
		stderr string // a prefix of stderr's one line, "" for empty stderr
	}{
		{"same", []string{baseFile, filepath.Join(same, "results.json")}, 0, "~ 1.00x", ""},
		// Without the flag a regression is reported, not an exit status.
		{"regression without the flag", []string{baseFile, slowerFile}, 0, "regressed (throughput or p99 worse): shared", ""},
		// 0.70x < 0.95: exit 1.
		{"regression beyond 5 %", []string{"--fail-on-regression", "5", baseFile, slowerFile}, 1, "0.70x worse",
			"reusebench compare: regression beyond 5 % in throughput or p99: shared"},
		// 0.70x ≥ 0.50 and 1.43x ≤ 1.50: exit 0.
		{"within 50 %", []string{"--fail-on-regression", "50", baseFile, slowerFile}, 0, "0.70x worse", ""},
		// Faster is no regression.
		{"improvement", []string{"--fail-on-regression", "5", slowerFile, baseFile}, 0, "1.43x better", ""},
		// Report folders stand for FOLDER/results.json.
		{"folders", []string{"--fail-on-regression", "5", base, slower}, 1, "1000 → 700", "reusebench compare: regression"},
		{"json", []string{"--format", "json", base, slower}, 0, `"regressed": [`, ""},
		{"markdown", []string{"--format", "markdown", base, slower}, 0, "| shared ", ""},

		{"one run twice", []string{baseFile, base}, 2, "", "reusebench compare: " + baseFile + " and " + base + " are the same run"},
		{"one run twice, allowed", []string{"--allow-duplicates", baseFile, base}, 0, "~ 1.00x", ""},
		{"missing file", []string{baseFile, filepath.Join(base, "nope.json")}, 2, "", "reusebench compare: read results: open "},
		{"not results.json", []string{baseFile, notJSON}, 2, "", "reusebench compare: " + notJSON + " is not a results.json file"},
		{"folder without results.json", []string{emptyDir, base}, 2, "", "reusebench compare: " + emptyDir + " is a folder without a results.json"},
		{"one arg", []string{baseFile}, 2, "", "reusebench compare: want two runs, OLD and NEW (results.json files or report folders), got 1"},
		{"no args", nil, 2, "", "reusebench compare: want two runs"},
		{"three args", []string{base, slower, same}, 2, "", "reusebench compare: want two runs, OLD and NEW (results.json files or report folders), got 3"},
		{"flag after the files", []string{base, slower, "--format", "json"}, 0, `"regressed": [`, ""},
		{"-- ends the flags", []string{"--", base, slower, "--format"}, 2, "", "reusebench compare: want two runs, OLD and NEW (results.json files or report folders), got 3"},
		{"bad format", []string{"--format", "csv", base, slower}, 2, "", `reusebench compare: --format "csv": want table, markdown or json`},
		{"bad threshold", []string{"--fail-on-regression", "five", base, slower}, 2, "", `reusebench compare: invalid value "five" for flag -fail-on-regression`},
		{"negative threshold", []string{"--fail-on-regression", "-5", base, slower}, 2, "", `reusebench compare: invalid value "-5" for flag -fail-on-regression`},
		{"unknown flag", []string{"--wide", base, slower}, 2, "", "reusebench compare: flag provided but not defined: -wide"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := dispatch(context.Background(), append([]string{"compare"}, tc.args...), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout.String())
			}
			if tc.stdout == "" && stdout.Len() > 0 {
				t.Errorf("stdout %q, want none", stdout.String())
			}
			errOut := stderr.String()
			switch {
			case tc.stderr == "" && errOut != "":
				t.Errorf("stderr %q, want none", errOut)
			case !strings.HasPrefix(errOut, tc.stderr):
				t.Errorf("stderr %q, want it to start with %q", errOut, tc.stderr)
			case errOut != "" && strings.Count(errOut, "\n") != 1:
				t.Errorf("stderr is %d lines, want one: %q", strings.Count(errOut, "\n"), errOut)
			}
		})
	}
}

func TestCompareCLIJSON(t *testing.T) {
	base, slower := writeRun(t, compareRun(1)), writeRun(t, compareRun(0.7))
	for _, tc := range []struct {
		args      []string
		regressed []string
	}{
		{[]string{base, slower}, []string{"shared"}}, // worse verdicts, no flag
		{[]string{"--fail-on-regression", "50", base, slower}, []string{}},
		{[]string{"--allow-duplicates", base, base}, []string{}},
	} {
		var stdout, stderr bytes.Buffer
		dispatch(context.Background(), append([]string{"compare", "--format", "json"}, tc.args...), &stdout, &stderr)
		var got struct {
			Regressed []string `json:"regressed"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
			t.Fatalf("%v: %v in %q", tc.args, err, stdout.String())
		}
		if got.Regressed == nil || !slices.Equal(got.Regressed, tc.regressed) {
			t.Errorf("%v: regressed %#v, want %#v", tc.args, got.Regressed, tc.regressed)
		}
	}
}

func TestCompareCLIHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := dispatch(context.Background(), []string{"compare", "-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	for _, want := range []string{"usage: reusebench compare [flags] OLD NEW", "reusebench compare before after",
		"reusebench compare --fail-on-regression 5", "-fail-on-regression PCT", "-format"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, stdout.String())
		}
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr %q, want none", stderr.String())
	}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if len([]rune(line)) > 100 {
			t.Errorf("usage line of %d columns: %q", len([]rune(line)), line)
		}
	}
}

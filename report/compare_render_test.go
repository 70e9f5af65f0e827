package report_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reusebench/reusebench/report"
	"github.com/reusebench/reusebench/results"
)

func TestWriteComparisonTable(t *testing.T) {
	old := cmpRun(8,
		cmpProfile{name: "go-default", speed: 1, opened: 2},
		cmpProfile{name: "shared", speed: 1, opened: 1},
		cmpProfile{name: "fresh", strategy: "fresh", speed: 1, opened: 1000},
		cmpProfile{name: "legacy", speed: 1, noRounds: true},
		cmpProfile{name: "per-worker", speed: 1})
	nw := cmpRun(8,
		cmpProfile{name: "go-default", speed: 0.7, opened: 2},
		cmpProfile{name: "shared", speed: 1, opened: 1},
		cmpProfile{name: "fresh", strategy: "fresh", speed: 1.25, opened: 1250, errors: 5},
		cmpProfile{name: "legacy", speed: 0.7, noRounds: true},
		cmpProfile{name: "h2", speed: 1})
	rc := report.CompareRuns(old, nw, 5)
	var buf bytes.Buffer
	if err := report.WriteComparison(&buf, rc, "table"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Logf("\n%s", out)
	for _, line := range strings.Split(out, "\n") {
		// The table fits 100 columns; the lines under it may wrap.
		if strings.HasPrefix(line, "note:") || strings.HasPrefix(line, "warning:") {
			continue
		}
		if n := utf8.RuneCountInString(line); n > 100 {
			t.Errorf("line of %d columns, want at most 100: %q", n, line)
		}
	}
	for _, want := range []string{
		// go-default: 1000 → 700 req/s, 30 % slower in every round: 0.70x.
		"1000 → 700",
		"0.70x worse",
		"1.43x worse", // its p99
		// shared: identical.
		"~ 1.00x",
		// fresh: 5 errors in 1000·1.25·jitter requests: 0 → 0.400 %.
		"0 → 0.400",
		"∞x worse",
		// legacy: no rounds, one value per run.
		"too few rounds",
		"regressed (throughput or p99 worse by more than 5 %): go-default\n",
		"only in OLD (not compared): per-worker\n",
		"only in NEW (not compared): h2\n",
		"warning: legacy: throughput, p50, p99, conns/1k, errors: too few rounds: 1 new and 1 old, a verdict needs 5 of each\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks %q", want)
		}
	}

	buf.Reset()
	if err := report.WriteComparison(&buf, rc, "markdown"); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"| go-default |", "1000 → 700 0.70x worse [0.", "- regressed (throughput or p99 worse by more than 5 %): go-default\n", "- only in NEW (not compared): h2\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestWriteComparisonJSON(t *testing.T) {
	old := cmpRun(8, cmpProfile{name: "slower", speed: 1}, cmpProfile{name: "gone", speed: 1},
		cmpProfile{name: "errs", speed: 1})
	nw := cmpRun(16, cmpProfile{name: "slower", speed: 0.7}, cmpProfile{name: "added", speed: 1},
		cmpProfile{name: "errs", speed: 1, errors: 3})
	var buf bytes.Buffer
	if err := report.WriteComparison(&buf, report.CompareRuns(old, nw, 50), "json"); err != nil {
		t.Fatal(err)
	}
	type ratio struct {
		Ratio   *float64 `json:"ratio"`
		Lo      *float64 `json:"lo"`
		Hi      *float64 `json:"hi"`
		Verdict string   `json:"verdict"`
		N       int      `json:"n"`
		Warning string   `json:"warning"`
	}
	var got struct {
		Profiles []struct {
			Name       string `json:"name"`
			Throughput ratio  `json:"throughput"`
			P50        ratio  `json:"p50"`
			P99        ratio  `json:"p99"`
			ConnsPer1k ratio  `json:"conns_per_1k"`
			ErrorRate  ratio  `json:"error_rate"`
		} `json:"profiles"`
		Regressed []string `json:"regressed"`
		OnlyOld   []string `json:"only_old"`
		OnlyNew   []string `json:"only_new"`
		Notes     []string `json:"notes"`
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v in\n%s", err, buf.String())
	}
	if len(got.Profiles) != 2 || got.Profiles[0].Name != "slower" || got.Profiles[1].Name != "errs" {
		t.Fatalf("profiles %+v, want slower and errs", got.Profiles)
	}
	s := got.Profiles[0]
	// 30 % slower in every round: worse, ratio 0.7, 10 rounds. The 99 %
	// interval is the 17th smallest and the 17th largest of the 100 ratios
	// of a NEW round to an OLD round: [0.7·1.00/1.04, 0.7·1.04/1.00] =
	// [0.673, 0.728].
	if s.Throughput.Verdict != "worse" || s.Throughput.N != 10 || s.Throughput.Ratio == nil ||
		math.Abs(*s.Throughput.Ratio-0.7) > 1e-9 || math.Abs(*s.Throughput.Lo-0.7/1.04) > 1e-3 ||
		math.Abs(*s.Throughput.Hi-0.7*1.04) > 1e-3 {
		t.Errorf("throughput %+v", s.Throughput)
	}
	if s.P99.Verdict != "worse" || s.ErrorRate.Verdict != "same" {
		t.Errorf("p99 %+v, error rate %+v", s.P99, s.ErrorRate)
	}
	// 3 errors a round from none: unbounded, so null, with a warning.
	if e := got.Profiles[1].ErrorRate; e.Ratio != nil || e.Hi != nil || e.Verdict != "worse" ||
		!strings.Contains(e.Warning, "the old median is 0") {
		t.Errorf("errs error rate %+v, want null ratio and hi, worse", e)
	}
	// --fail-on-regression 50: 0.70x and 1.43x are within 50 %.
	if got.Regressed == nil || len(got.Regressed) != 0 {
		t.Errorf("regressed %#v, want []", got.Regressed)
	}
	if !slices.Equal(got.OnlyOld, []string{"gone"}) || !slices.Equal(got.OnlyNew, []string{"added"}) ||
		!slices.Equal(got.Notes, []string{"settings differ: concurrency 8 → 16"}) {
		t.Errorf("only old %v, only new %v, notes %q", got.OnlyOld, got.OnlyNew, got.Notes)
	}

	// The keys, exactly.
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if keys := sortedKeys(m); !slices.Equal(keys, []string{"notes", "only_new", "only_old", "profiles", "regressed"}) {
		t.Errorf("top-level keys %v", keys)
	}
	if reg, ok := m["regressed"].([]any); !ok || len(reg) != 0 {
		t.Errorf("regressed is %#v, want an empty list", m["regressed"])
	}
	p0 := m["profiles"].([]any)[0].(map[string]any)
	if keys := sortedKeys(p0); !slices.Equal(keys, []string{"conns_per_1k", "error_rate", "name", "p50", "p99", "throughput"}) {
		t.Errorf("profile keys %v", keys)
	}
	if keys := sortedKeys(p0["throughput"].(map[string]any)); !slices.Equal(keys, []string{"hi", "lo", "n", "ratio", "verdict"}) {
		t.Errorf("ratio keys %v, want results.Ratio's", keys)
	}
	// S decodes as a results.Ratio.
	var rr struct {
		Profiles []struct {
			Throughput results.Ratio `json:"throughput"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal(buf.Bytes(), &rr); err != nil {
		t.Fatal(err)
	}
	if want := (results.Ratio{Ratio: 0.7, Lo: *s.Throughput.Lo, Hi: *s.Throughput.Hi, Verdict: "worse", N: 10}); !reflect.DeepEqual(rr.Profiles[0].Throughput, want) {
		t.Errorf("as results.Ratio %+v, want %+v", rr.Profiles[0].Throughput, want)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package plots

import (
	"strings"
	"testing"
)

// TestTexts checks that Texts returns what the PNGs say: every figure's
// title with the run's target, and the profile names.
func TestTexts(t *testing.T) {
	res := makeResults(t, 0,
		kind{name: "shared", requests: 2000, medianMs: 2, connsPerRequest: 0.001, seconds: 3},
		kind{name: "fresh", requests: 600, medianMs: 9, connsPerRequest: 1, seconds: 3})
	res.Target = "https://127.0.0.1:8443/small?api_key=REDACTED"
	texts, err := Texts(res)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(texts, "\n")
	if n := strings.Count(all, res.Target); n != 5 {
		t.Errorf("the target appears in %d subtitles, want 5 (one a PNG):\n%s", n, all)
	}
	for _, want := range []string{"shared", "fresh", "Throughput and p99 latency by profile"} {
		if !strings.Contains(all, want) {
			t.Errorf("the drawn text lacks %q:\n%s", want, all)
		}
	}
}

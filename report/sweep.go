package report

import (
	"fmt"
	"io"

	"github.com/reusebench/reusebench/results"
)

// writeRecommendations writes a sweep's recommendation under the tables, one
// line per swept profile and load level: "recommendation at -c 32:
// max-idle-per-host=32 — not significantly worse than the best (64), with
// 0.1 new connections per 1,000 requests", or "recommendation at -c 32: none
// for http2 — …" when none was picked. The profile is named when several
// were swept.
func writeRecommendations(w io.Writer, res *results.Results) error {
	profiles := map[string]bool{}
	for _, r := range res.Recommendation {
		profiles[r.Profile] = true
	}
	for _, r := range res.Recommendation {
		at := "at " + res.LevelFlag(r.Load)
		if len(profiles) > 1 {
			at += ", " + r.Profile
		}
		line := fmt.Sprintf("recommendation %s: %s=%s — %s", at, r.Key, r.Value, r.Reason)
		if r.Value == "" {
			line = fmt.Sprintf("recommendation %s: none for %s — %s", at, r.Key, r.Reason)
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
